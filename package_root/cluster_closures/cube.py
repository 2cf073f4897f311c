"""Kikuchi's cube approximation: the 2×2×2 cube as the largest cluster of the simple-cubic CVM.

The simple-cubic lattice's Boltzmann distribution (eq. 46, 50) in the CVM
(`dynboltz.cluster_closures.cvm`) with the elementary cube and its faces, bonds and
sites as clusters.  Per site there are one cube, three faces, three bonds and one site,
with Kikuchi coefficients 1, −1, 1, −1; each bond is shared by four cubes and each site
by eight, so a cube's energy is Σ_vertices h / 8 + Σ_edges J / 4, and the fixed point is

    ln ρ(s) = ε(s) + ½ Σ_faces ln ρ₄ − ¼ Σ_edges ln ρ₂ + ⅛ Σ_vertices ln ρ₁ − ln Z,

solved on the orbits of the cube's symmetry group O_h (48 elements; 22 orbits of the
256 states for one species, 333 of 6561 for two).  The corner is a face summed over its
fourth site; three sites in a line are taken in the pair approximation (see
`dynboltz.cluster_closures.cvm`).  (S+1)^8 cluster states limit it to two species.
"""
from __future__ import annotations

import itertools

from .cvm import CvmGeometry, KikuchiEngine

__all__ = ["MAX_CUBE_SPECIES", "SIMPLE_CUBE", "CubeEngine"]

MAX_CUBE_SPECIES = 2
"""Most species the engine accepts: (S+1)^8 cube states (6561 at S = 2)."""


def _coordinates(v):
    return tuple((v >> axis) & 1 for axis in range(3))


def _vertex(c):
    return c[0] + 2 * c[1] + 4 * c[2]


def _symmetries():
    """The 48 vertex permutations of the cube: axis permutations times reflections."""
    out = []
    for order in itertools.permutations(range(3)):
        for flips in itertools.product((0, 1), repeat=3):
            out.append(tuple(_vertex([_coordinates(v)[order[i]] ^ flips[i] for i in range(3)])
                             for v in range(8)))
    return tuple(out)


def _faces():
    """The six faces, each read around its cycle."""
    faces = []
    for axis in range(3):
        j, k = (a for a in range(3) if a != axis)
        for side in (0, 1):
            cycle = []
            for cj, ck in ((0, 0), (1, 0), (1, 1), (0, 1)):
                c = [0, 0, 0]
                c[axis], c[j], c[k] = side, cj, ck
                cycle.append(_vertex(c))
            faces.append(tuple(cycle))
    return tuple(faces)


_EDGES = tuple((u, v) for u in range(8) for v in range(u + 1, 8)
               if bin(u ^ v).count("1") == 1)

SIMPLE_CUBE = CvmGeometry(
    name="cube", coordination=6, n_positions=8, symmetries=_symmetries(), edges=_EDGES,
    bonds_shared=4, sites_shared=8,
    families=((-3.0, _faces()), (3.0, _EDGES), (-1.0, tuple((v,) for v in range(8)))),
    bond_family=1, site_family=2, corner=(1, 0, 2), max_species=MAX_CUBE_SPECIES)
"""The elementary cube: 3 faces (coefficient −1), 3 bonds (1), 1 site (−1) per site."""


class CubeEngine(KikuchiEngine):
    """Cluster probabilities of Kikuchi's cube approximation (simple-cubic lattice).

    Parameters
    ----------
    n_species : int
        S, 1..`MAX_CUBE_SPECIES`.
    tol : float, optional
        Largest |residual| of the fixed point accepted, in ln ρ (default 1e-12).
    max_iter : int, optional
        Most Newton steps per start (default 200).
    """

    def __init__(self, n_species: int, tol: float = 1e-12, max_iter: int = 200) -> None:
        super().__init__(SIMPLE_CUBE, n_species, tol, max_iter, "CubeEngine")
