"""The square-lattice cylinder transfer matrix as the lattice runtime's ``"strip"`` closure.

The closure's moments, Hessian and basis functions live in its library
(``compile_motif(motif, closure="strip")``, `dynboltz.cluster_closures.strip`); this
module adds the inverse map m → x and the realisability test it and learning's data
check share.  The inverse map is damped Newton on the convex dual ln Z(x)/N − xᵀm
(eq. 47 inverted), with the library's Hessian and an Armijo line search (full steps while the moment
residual falls once the Newton decrement is below rounding), started from
the exact 1D map of the pair probabilities with J halved (a square-lattice site has
twice the bonds of a ring site).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.errors import ConvergenceError
from dynboltz.messages import invalid
from dynboltz.runtime.common.validation import check_integer, check_real
from dynboltz.runtime.lattice.chain.boltzmann_chain import (pair_probabilities,
                                                              parameters_from_probabilities)
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "StripClosure", "check_realisable", "fit_parameters"]

_HALF_COORDINATION = 2  # bonds per site of the square lattice
_QUADRATIC_REGIME = 1e-10  # Newton decrement below which the dual is flat to rounding


def _square_pairs(moments, n_species):
    """Site and direction-averaged ordered-pair probabilities from square-lattice moments."""
    scaled = np.array(moments, dtype=float)
    scaled[n_species:] /= _HALF_COORDINATION
    return pair_probabilities(scaled, n_species)


def check_realisable(moments: ArrayLike, n_species: int, function: str) -> np.ndarray:
    """The moments as an array, after checking their pair probabilities are positive.

    Parameters
    ----------
    moments : array_like, shape (L,)
        ``[µ_1..µ_S, ∆_11, .., ∆_SS]`` per site of the square lattice (∆ ≤ 2).
    n_species : int
    function : str
        Name used in the message.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError
        Not finite, wrong shape, or some µ, ∆, empty-site or pair probability
        P(a, b) = ∆_ab / 4 (a ≠ b), ∆_aa / 2, P(a, _) = µ_a − Σ_b P(a, b),
        P(_, _) ≤ 0.  These are necessary; moments that pass but lie outside what
        finite nearest-neighbour couplings reach make `fit_parameters` raise
        `ConvergenceError`.
    """
    size = n_species + n_species * (n_species + 1) // 2
    values = np.asarray(moments, dtype=float)
    if values.shape != (size,) or not np.all(np.isfinite(values)):
        raise invalid("moments", function, f"a finite array of shape ({size},)", moments)
    site, pair = _square_pairs(values, n_species)
    if np.any(values <= 0) or site[0] <= 0 or np.any(pair <= 0):
        raise invalid("moments", function, "realisable by finite parameters: every µ and "
                      "∆ > 0, Σ µ < 1, and every pair probability with an empty site > 0 "
                      f"(here P(_, ·) = {pair[0]})", moments)
    return values


def _start(moments, n_species):
    x = parameters_from_probabilities(*_square_pairs(moments, n_species))
    x[n_species:] /= _HALF_COORDINATION
    return x


def _residual(model, x, moments):
    return float(np.abs(np.asarray(model.moments(x)) / moments - 1.0).max())


def _armijo_length(model, x, step, decrement, moments):
    value = float(model.log_eigenvalue(x)) - x @ moments
    length = 1.0
    while length > 1e-12 and (float(model.log_eigenvalue(x + length * step))
                              - (x + length * step) @ moments
                              > value - 0.25 * length * decrement):
        length *= 0.5
    return length


def fit_parameters(model, moments: ArrayLike, x0: ArrayLike | None = None,
                   tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Parameters x whose strip-closure moments equal ``moments`` (eq. 47 inverted).

    Parameters
    ----------
    model : MotifLibrary
        A ``"strip"`` library (``n_species``, ``log_eigenvalue``, ``moments``,
        ``hessian``).
    moments : array_like, shape (L,)
        Target per-site moments; `check_realisable`.
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
    target = check_realisable(moments, n_species, "fit_parameters")
    tol = check_real(tol, "tol", "fit_parameters", low=0.0, low_open=True)
    max_iter = check_integer(max_iter, "max_iter", "fit_parameters", 1)
    x = _start(target, n_species) if x0 is None else np.array(x0, dtype=float)
    if x.shape != target.shape or not np.all(np.isfinite(x)):
        raise invalid("x0", "fit_parameters", f"a finite array of shape {target.shape}", x0)
    residual = _residual(model, x, target)
    for _ in range(max_iter):
        if residual <= tol:
            return x
        gradient = np.asarray(model.moments(x)) - target
        step = -np.linalg.solve(np.asarray(model.hessian(x)), gradient)
        decrement = -gradient @ step
        if decrement < _QUADRATIC_REGIME:  # the dual is flat to rounding: full steps
            trial_residual = _residual(model, x + step, target)
            if trial_residual >= residual:
                break
            x, residual = x + step, trial_residual
            continue
        length = _armijo_length(model, x, step, decrement, target)
        if length <= 1e-12:
            break  # no descent along the Newton step: stop and report
        x = x + length * step
        residual = _residual(model, x, target)
    if residual <= tol:
        return x
    raise ConvergenceError(f"`fit_parameters` (strip closure) did not converge "
                           f"(at most {max_iter} Newton steps): largest relative moment residual {residual:.3g} "
                           f"> tol {tol:.3g}")


@dataclass(frozen=True)
class StripClosure:
    """Transfer matrix of the infinite square-lattice cylinder (exact as W grows)."""

    name: str = "strip"
    geometries: tuple[str, ...] = ("square",)

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x with closure moments equal to ``moments`` (`fit_parameters`)."""
        return fit_parameters(model, moments, **options)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless the moments pass `check_realisable`."""
        check_realisable(moments, n_species, function)


CLOSURE = StripClosure()
