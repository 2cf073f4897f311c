"""Kikuchi's square cluster variation method: the 2×2 plaquette as the largest cluster.

The square lattice's Boltzmann distribution (eq. 46, 50) in the CVM
(`dynboltz.cluster_closures.cvm`) with the plaquette, its bonds and its sites as
clusters.  Per site there are one plaquette, two bonds and one site, with Kikuchi
coefficients 1, −1, 1; with ρ the law of a plaquette (a, b, c, d) read around it
(top-left, top-right, bottom-right, bottom-left), ρ₂ its bond and ρ₁ its site marginal,

    ln Z / N ≈ max_ρ  Σ ρ ε − Σ ρ ln ρ + 2 Σ ρ₂ ln ρ₂ − Σ ρ₁ ln ρ₁,
    ε(a, b, c, d) = (h_a + h_b + h_c + h_d) / 4 + (J_ab + J_bc + J_cd + J_da) / 2

(each bond is shared by two plaquettes, each site by four), and the stationarity
condition is the fixed point

    ln ρ(a, b, c, d) = ε + ½ Σ_edges ln ρ₂ − ¼ Σ_sites ln ρ₁ − ln Z,

solved on the orbits of the square's symmetry group D4 (6 orbits for one species, 21
for two, 55 for three).  The corner (a, b, c), b the corner, is the plaquette summed
over its fourth site; three sites in a line lie in no plaquette and are taken in the
pair approximation ρ₂(a, b) ρ₂(b, c) / ρ₁(b) (see `dynboltz.cluster_closures.cvm`).
The plaquette approximation orders at k_B T_c / J_Ising = 2.4257 (exact 2.2692, Bethe
2.8854) and is within 0.1% of Onsager's bond density at K = 0.3 (docs/closures.md).
"""
from __future__ import annotations

from .cvm import CvmGeometry, KikuchiEngine

__all__ = ["MAX_PLAQUETTE_SPECIES", "SQUARE_PLAQUETTE", "PlaquetteEngine"]

MAX_PLAQUETTE_SPECIES = 6
"""Most species the engine accepts: (S+1)^4 plaquette states (2401 at S = 6)."""

_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0))

SQUARE_PLAQUETTE = CvmGeometry(
    name="plaquette", coordination=4, n_positions=4,
    # rotations, then reflections, of the positions read around the square
    symmetries=((0, 1, 2, 3), (1, 2, 3, 0), (2, 3, 0, 1), (3, 0, 1, 2),
                (1, 0, 3, 2), (0, 3, 2, 1), (3, 2, 1, 0), (2, 1, 0, 3)),
    edges=_EDGES, bonds_shared=2, sites_shared=4,
    families=((-2.0, _EDGES), (1.0, ((0,), (1,), (2,), (3,)))),
    bond_family=0, site_family=1, corner=(0, 1, 2), max_species=MAX_PLAQUETTE_SPECIES)
"""The 2×2 plaquette: 2 bonds (coefficient −1) and 1 site (coefficient 1) per site."""


class PlaquetteEngine(KikuchiEngine):
    """Cluster probabilities of Kikuchi's square (plaquette) CVM, any small S.

    Parameters
    ----------
    n_species : int
        S, 1..`MAX_PLAQUETTE_SPECIES`.
    tol : float, optional
        Largest |residual| of the fixed point accepted, in ln ρ (default 1e-12).
    max_iter : int, optional
        Most Newton steps per start (default 200).
    """

    def __init__(self, n_species: int, tol: float = 1e-12, max_iter: int = 200) -> None:
        super().__init__(SQUARE_PLAQUETTE, n_species, tol, max_iter, "PlaquetteEngine")
