"""The ``"gibbs"`` closure emitter: Monte Carlo moments of square and cubic lattices.

The emitted module holds the motif's exact moment equations as a coefficient table
(`dynboltz.codegen.cluster_table`) and evaluates the cluster probabilities, Hessian and
their derivatives with `dynboltz.cluster_closures.gibbs.SquareGibbsEngine` or
``CubicGibbsEngine``: averages over heat-bath samples of the Boltzmann distribution on a
periodic lattice (default 32×32, 12³) at a fixed seed.  Neither this module nor the
emitted one imports the runtime; the engine reaches the runtime's compiled sampler
through `dynboltz.cluster_closures.gibbs.CONFIGURATION_SOURCES` when first evaluated.
``compile_motif(motif, closure="gibbs")`` uses the default options; `gibbs_library`
takes others (size, samples, burn-in, thinning, seed).
"""
from __future__ import annotations

from dynboltz.messages import invalid, public
from dynboltz.motif_library import MotifLibrary
from dynboltz.symbolic import LatticeMotif

from .build import load_module
from .cluster_table import emit_cluster_module

__all__ = ["ENGINES", "emit_gibbs", "gibbs_library"]

ENGINES = {"square": "dynboltz.cluster_closures.gibbs:SquareGibbsEngine",
           "cubic": "dynboltz.cluster_closures.gibbs:CubicGibbsEngine"}
"""The engine the emitted module constructs, by lattice."""


def emit_gibbs(motif: LatticeMotif, name: str) -> dict[str, str]:
    """Source of the gibbs-closure module of a square or cubic motif (text only).

    Parameters
    ----------
    motif : LatticeMotif
        On the ``"square"`` or ``"cubic"`` lattice.
    name : str
        Module stem.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}`` (`emit_cluster_module`).
    """
    geometry = getattr(motif, "geometry", None)
    if geometry not in ENGINES:
        raise invalid("motif", "emit_gibbs", f"a LatticeMotif on a lattice among "
                      f"{sorted(ENGINES)}", getattr(motif, "geometry", motif))
    return emit_cluster_module(motif, name, "gibbs", ENGINES[geometry])


@public
def gibbs_library(motif: LatticeMotif, **options) -> MotifLibrary:
    """The gibbs closure of a square or cubic motif with engine options.

    Parameters
    ----------
    motif : LatticeMotif
    **options
        ``size``, ``samples``, ``burn_in``, ``thinning``, ``seed``, ``blocks``,
        ``quadrature_nodes``, ``source`` of `dynboltz.cluster_closures.gibbs.GibbsEngine`.

    Returns
    -------
    MotifLibrary
        As ``compile_motif(motif, closure="gibbs")``, plus ``standard_errors(x)``.
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "gibbs_library", "a LatticeMotif", type(motif), TypeError)
    return load_module(emit_gibbs(motif, "motif"), "motif").library(**options)
