"""The square-lattice cylinder transfer matrix as the lattice runtime's ``"strip"`` closure.

The closure's moments, Hessian and basis functions live in its library
(``compile_motif(motif, closure="strip")``, `dynboltz.cluster_closures.strip`); this
module adds the inverse map m → x and the realisability test it and learning's data
check share (both `dynboltz.runtime.lattice.bonds.dual_inverse_map`): damped Newton on
the convex dual ln Z(x)/N − xᵀm (eq. 47 inverted) with the library's Hessian, started
from the exact 1D map of the pair probabilities with J halved (a square-lattice site has
twice the bonds of a ring site).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.bethe_inverse_map import bethe_cluster_probabilities
from dynboltz.runtime.lattice.bonds.dual_inverse_map import check_realisable, dual_newton
from dynboltz.runtime.lattice.chain.boltzmann_chain import parameters_from_probabilities
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "StripClosure", "fit_parameters"]

_COORDINATION = 4
_HALF_COORDINATION = 2  # bonds per site of the square lattice


def _start(moments, n_species):
    """The exact 1D map of the square lattice's pair law, J halved."""
    x = parameters_from_probabilities(*bethe_cluster_probabilities(moments, n_species,
                                                                   _COORDINATION))
    x[n_species:] /= _HALF_COORDINATION
    return x


def fit_parameters(model, moments: ArrayLike, x0: ArrayLike | None = None,
                   tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Parameters x whose strip-closure moments equal ``moments`` (eq. 47 inverted).

    Parameters
    ----------
    model : MotifLibrary
        A ``"strip"`` library (``n_species``, ``log_eigenvalue``, ``moments``,
        ``hessian``).
    moments : array_like, shape (L,)
        Target per-site moments (`dual_inverse_map.check_realisable`).
    x0 : array_like, shape (L,), optional
        Start; default the exact 1D map of the pair probabilities, J halved.
    tol : float
        > 0, largest relative moment residual accepted.
    max_iter : int
        >= 1 Newton steps.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError, InvalidTypeError
        Bad arguments (before any work).
    ConvergenceError
        No convergence in ``max_iter`` steps, or a Newton step along which the dual
        does not fall.  This happens for moments of the ordered phase (K > K_c) with
        µ inside the coexistence gap of the infinite lattice: the cylinder reaches them
        only within a field window ~exp(−σW) wide, where the dual is too sharply curved
        for the Hessian's difference scheme.
    """
    n_species = check_lattice_model(model, "fit_parameters", "model",
                                    needs=("log_eigenvalue", "moments", "hessian"))
    target = check_realisable(moments, n_species, _COORDINATION, "fit_parameters", "strip")
    return dual_newton(model, target, _start(target, n_species) if x0 is None else x0,
                       "strip", tol, max_iter)


@dataclass(frozen=True)
class StripClosure:
    """Transfer matrix of the infinite square-lattice cylinder (exact as W grows)."""

    name: str = "strip"
    geometries: tuple[str, ...] = ("square",)

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x with closure moments equal to ``moments`` (`fit_parameters`)."""
        return fit_parameters(model, moments, **options)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless the moments' site and pair laws are positive."""
        check_realisable(moments, n_species, _COORDINATION, function, "strip")


CLOSURE = StripClosure()
