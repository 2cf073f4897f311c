"""Moments → parameters for the closures of square and cubic lattices, in one place.

Two pieces every nearest-neighbour closure of these lattices shares:

* `check_realisable` — the necessary test that per-site moments come from finite
  parameters: the site law π and the ordered pair law p they define
  (`dynboltz.bethe_inverse_map.bethe_cluster_probabilities`: p_ab = ∆_ab/z for a ≠ b,
  2∆_aa/z, empty rows by difference) are strictly positive.  It is exact for the Bethe
  closure and necessary for the others; moments that pass but lie in a coexistence gap
  of a closure make `dual_newton` raise `ConvergenceError`.
* `dual_newton` — eq. 47 inverted numerically for closures with no closed form
  (``strip``, ``plaquette``, ``cube``): damped Newton on the convex dual
  ln Z(x)/N − xᵀm, whose gradient is m(x) − m and Hessian the library's H, with an
  Armijo line search, full steps once the Newton decrement is below rounding (while the
  moment residual still falls), and an optional cap on any parameter's change per step
  (an ordered phase's Hessian is small and a first-order line makes the dual kinked).
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.bethe_inverse_map import bethe_cluster_probabilities
from dynboltz.errors import ConvergenceError
from dynboltz.lattice_layout import n_params
from dynboltz.runtime.common.validation import check_integer, check_real, invalid

__all__ = ["check_realisable", "dual_newton"]

_QUADRATIC_REGIME = 1e-10  # Newton decrement below which the dual is flat to rounding
_SHORTEST_STEP = 1e-12  # Armijo gives up below this step length


def check_realisable(moments: ArrayLike, n_species: int, coordination: int, function: str,
                     closure: str) -> np.ndarray:
    """The moments as an array, after checking their site and pair laws are positive.

    Parameters
    ----------
    moments : array_like, shape (L,)
        ``[µ_1..µ_S, ∆_11, .., ∆_SS]`` per site (∆ in bonds per site, at most z/2).
    n_species : int
        S.
    coordination : int
        z (4 square, 6 cubic).
    function : str
        The public function named in the message.
    closure : str
        The closure named in the message.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError
        Not finite, wrong shape, or some site probability (µ_a, 1 − Σµ) or ordered pair
        probability ≤ 0.
    """
    size = n_params(n_species)
    values = np.asarray(moments, dtype=float)
    if values.shape != (size,) or not np.all(np.isfinite(values)):
        raise invalid("moments", function, f"a finite array of shape ({size},)", moments)
    site, pair = bethe_cluster_probabilities(values, n_species, coordination)
    problems = []
    if np.any(site <= 0):
        problems.append(f"every µ > 0 and Σ µ < 1 (site law {site})")
    if np.any(pair <= 0):
        problems.append(f"every ordered nearest-neighbour pair probability > 0 (pair law, "
                        f"p_ab = ∆_ab/z, p_aa = 2∆_aa/z with z = {coordination}, empty rows "
                        f"by difference: {pair.tolist()})")
    if problems:
        raise invalid("moments", function, f"realisable by finite parameters of the "
                      f"{closure!r} closure: " + "; ".join(problems), moments)
    return values


def _residual(model, x, target):
    return float(np.abs(np.asarray(model.moments(x)) / target - 1.0).max())


def _dual(model, x, target):
    """ln Z/N − xᵀm; +inf where the closure has no solution at x (far outside the data)."""
    try:
        return float(model.log_eigenvalue(x)) - x @ target
    except ConvergenceError:
        return np.inf


def _armijo_length(model, x, step, decrement, target):
    value = _dual(model, x, target)
    length = 1.0
    while length > _SHORTEST_STEP and _dual(model, x + length * step, target) \
            > value - 0.25 * length * decrement:
        length *= 0.5
    return length


def dual_newton(model, target: np.ndarray, x0: ArrayLike, closure: str, tol: float = 1e-10,
                max_iter: int = 100, max_step: float | None = None) -> np.ndarray:
    """Parameters x whose closure moments equal ``target`` (eq. 47 inverted).

    Parameters
    ----------
    model : MotifLibrary
        With ``log_eigenvalue`` (ln Z per site), ``moments`` and ``hessian``.
    target : ndarray, shape (L,)
        Realisable moments (`check_realisable`).
    x0 : array_like, shape (L,)
        Start.
    closure : str
        The closure named in the error.
    tol : float
        > 0, largest relative moment residual accepted.
    max_iter : int
        >= 1 Newton steps.
    max_step : float, optional
        Largest change of any parameter in one step; default uncapped.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError
        ``x0``, ``tol`` or ``max_iter`` invalid (before any work).
    ConvergenceError
        No convergence in ``max_iter`` steps, or a Newton step along which the dual does
        not fall: moments inside a coexistence gap of the closure (phase separation,
        which no uniform state of finite x reaches) or of sublattice order.
    """
    tol = check_real(tol, "tol", "fit_parameters", low=0.0, low_open=True)
    max_iter = check_integer(max_iter, "max_iter", "fit_parameters", 1)
    x = np.array(x0, dtype=float)
    if x.shape != target.shape or not np.all(np.isfinite(x)):
        raise invalid("x0", "fit_parameters", f"a finite array of shape {target.shape}", x0)
    residual = _residual(model, x, target)
    for _ in range(max_iter):
        if residual <= tol:
            return x
        gradient = np.asarray(model.moments(x)) - target
        step = -np.linalg.solve(np.asarray(model.hessian(x)), gradient)
        if max_step is not None:
            step *= min(1.0, max_step / np.abs(step).max())
        decrement = -gradient @ step
        if decrement < _QUADRATIC_REGIME:
            # flat to rounding (or no descent direction): a full step only if it helps
            trial_residual = _residual(model, x + step, target)
            if trial_residual >= residual:
                break
            x, residual = x + step, trial_residual
            continue
        length = _armijo_length(model, x, step, decrement, target)
        if length <= _SHORTEST_STEP:
            break  # no descent along the Newton step
        x = x + length * step
        residual = _residual(model, x, target)
    if residual <= tol:
        return x
    raise ConvergenceError(f"`fit_parameters` ({closure} closure) did not converge (at most "
                           f"{max_iter} Newton steps): largest relative moment residual "
                           f"{residual:.3g} > tol {tol:.3g}")
