"""Inverse Ising problem of the one-dimensional Boltzmann chain (eq. 47).

Given per-site moments m = (µ_α, ∆_αβ), find the parameters x with
∂ ln λ₊ / ∂x (x) = m, i.e. maximise the concave dual xᵀm − ln λ₊(x).

In 1D the problem has a closed form in the chain's site and pair probabilities
(π_c, p_cd, empty site type c = 0 included): J_ab = ln(p_ab p_00 / (p_0a p_0b)),
h_a = ln(p_0a² π_0 / (p_00² π_a)), because a stationary reversible Markov chain with
pair law p is the Gibbs measure of the bond weight p_cd / √(π_c π_d)
(``dynboltz.runtime.lattice.chain.boltzmann_chain``).  That formula is the starting point and the
realisability test (every π and p must be positive); damped Newton on the dual
(gradient m − lib.moments, Hessian −lib.hessian) then polishes it to the library's own
moments, which is what a round trip needs.  The paper's Boltzmann-machine gradient
ascent is the alternative ``method="boltzmann"``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.lattice.geometries import check_lattice_model
from dynboltz.runtime.lattice.chain.boltzmann_chain import (n_params, pair_probabilities,
                                              parameters_from_probabilities)
from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.statistics import lattice_moments
from dynboltz.errors import ConvergenceError
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary
    from dynboltz.runtime.lattice.chain.reference import LatticeReference

__all__ = ["fit_parameters", "closed_form_parameters", "GIBBS_DEFAULTS",
           "GIBBS_SE_TOLERANCE"]

_QUADRATIC_REGIME = 1e-10  # Newton decrement below which the dual is flat to rounding

GIBBS_DEFAULTS = {"N": 1000, "n": 10, "sweeps": 100, "seed": None}
"""Settings of the Gibbs estimator (``gibbs`` of `fit_parameters`) and their defaults."""

GIBBS_SE_TOLERANCE = 4.0
"""Gibbs-estimated Boltzmann ascent converged: every moment at the averaged x within this
many standard errors of the target (see `fit_parameters`)."""


def _check_realisable(moments, n_species, name):
    size = n_params(n_species)
    moments = np.asarray(moments, dtype=float)
    if moments.shape != (size,) or not np.all(np.isfinite(moments)):
        raise invalid("moments", name, f"a finite array of shape ({size},)", moments)
    site, pair = pair_probabilities(moments, n_species)
    problems = []
    if np.any(moments <= 0):
        problems.append("every µ and ∆ > 0")
    if site[0] <= 0:
        problems.append(f"Σ µ < 1 (not {1.0 - site[0]})")
    if np.any(pair[0] <= 0):
        problems.append(f"bonds of each species to empty sites, µ_a − ∆_aa − ½ Σ_b≠a ∆_ab "
                        f"and 1 − Σ µ − Σ those, > 0 (not {pair[0]})")
    if problems:
        raise invalid("moments", name, "realisable by finite parameters: "
                      + "; ".join(problems), moments)
    return moments, site, pair


def closed_form_parameters(moments: ArrayLike, n_species: int) -> np.ndarray:
    """Exact 1D inverse Ising map from pair probabilities (module docstring).

    Parameters
    ----------
    moments : array_like, shape (L,)
        Per-site moments in moment order.
    n_species : int
        S.

    Returns
    -------
    ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]``.

    Raises
    ------
    ValueError
        Moments not realisable by finite parameters.
    """
    n_species = check_integer(n_species, "n_species", "closed_form_parameters", 1)
    _, site, pair = _check_realisable(moments, n_species, "closed_form_parameters")
    return parameters_from_probabilities(site, pair)


def _dual(lib, x, moments):
    """ln λ₊(x) − xᵀm, the convex function whose minimiser is the answer."""
    return float(lib.log_eigenvalue(x)) - x @ moments


def _newton(lib, moments, x, tol, max_iter):
    """Damped Newton on the dual: Armijo backtracking on ln λ₊ − xᵀm while the Newton
    decrement is large; near the solution, where the dual's changes are below
    rounding, full steps as long as the largest relative moment residual falls."""
    residual = np.abs(np.asarray(lib.moments(x)) / moments - 1.0).max()
    for _ in range(max_iter):
        if residual <= tol:
            return x
        gradient = np.asarray(lib.moments(x)) - moments
        step = -np.linalg.lstsq(np.asarray(lib.hessian(x)), gradient, rcond=None)[0]
        decrement = -gradient @ step
        if decrement < _QUADRATIC_REGIME:
            trial = x + step
            trial_residual = np.abs(np.asarray(lib.moments(trial)) / moments - 1.0).max()
            if trial_residual >= residual:
                return x  # rounding floor reached
            x, residual = trial, trial_residual
            continue
        x = x + _armijo_length(lib, x, step, decrement, moments) * step
        residual = np.abs(np.asarray(lib.moments(x)) / moments - 1.0).max()
    if residual <= tol:
        return x
    raise ConvergenceError(f"`fit_parameters` did not converge in {max_iter} Newton steps: "
                       f"largest relative moment residual {residual:.3g} > tol {tol:.3g}")


def _armijo_length(lib, x, step, decrement, moments):
    value = _dual(lib, x, moments)
    length = 1.0
    while length > 1e-12 and (_dual(lib, x + length * step, moments)
                              > value - 0.25 * length * decrement):
        length *= 0.5
    return length


def _boltzmann_machine(lib, moments, x, tol, max_iter, estimator, learning_rate):
    """Paper's gradient ascent x ← x + η (m − m̃(x)) (Algorithm 2's asleep phase)."""
    if estimator is None:
        return _exact_ascent(lib, moments, x, tol, max_iter, learning_rate)
    return _averaged_ascent(lib, moments, x, max_iter, estimator, learning_rate)


def _exact_ascent(lib, moments, x, tol, max_iter, learning_rate):
    """Ascent on exact moments until max |m − m̃| ≤ tol × max |m|; the last iterate."""
    scale = tol * np.abs(moments).max()
    for _ in range(max_iter):
        gap = moments - np.asarray(lib.moments(x))
        if np.abs(gap).max() <= scale:
            return x
        x = x + learning_rate * gap
    residual = np.abs(moments - np.asarray(lib.moments(x))).max()
    if residual <= scale:
        return x
    raise ConvergenceError(f"`fit_parameters` (method='boltzmann') did not converge in "
                       f"{max_iter} steps: max |m − m̃| {residual:.3g} > tol × max |m| "
                       f"{scale:.3g}")


def _averaged_ascent(lib, moments, x, max_iter, estimator, learning_rate):
    """Ascent on sampled moments; the mean of the second half of the iterates
    (Polyak–Ruppert averaging), accepted when its exact moments are within
    ``GIBBS_SE_TOLERANCE`` standard errors of the target."""
    iterates, errors = [], []
    for iteration in range(max_iter):
        estimate, standard_error = estimator(x, iteration)
        x = x + learning_rate * (moments - estimate)
        iterates.append(x)
        errors.append(standard_error)
    half = len(iterates) // 2
    averaged = np.mean(iterates[half:], axis=0)
    standard_error = np.mean(errors[half:], axis=0) / np.sqrt(len(iterates) - half)
    residual = np.abs(np.asarray(lib.moments(averaged)) - moments) / standard_error
    if np.all(residual <= GIBBS_SE_TOLERANCE):
        return averaged
    raise ConvergenceError(f"`fit_parameters` (method='boltzmann', estimator='gibbs') did not "
                       f"converge in {max_iter} steps: moments at the averaged x are "
                       f"{residual.max():.3g} standard errors from the target "
                       f"(> {GIBBS_SE_TOLERANCE})")


class _GibbsMoments:
    """Moments averaged over fresh Gibbs samples, an independent seed per iteration.

    Returns the mean over rows and its standard error (row spread / √rows).
    """

    def __init__(self, lib, N, n, sweeps, seed):
        self.lib, self.n_sites, self.rows, self.sweeps = lib, N, n, sweeps
        self.n_species = check_lattice_model(lib, "fit_parameters", "lib")
        self.seed = np.random.SeedSequence(seed)

    def __call__(self, x, iteration):
        child = np.random.SeedSequence(self.seed.entropy,
                                       spawn_key=self.seed.spawn_key + (iteration,))
        lattices = sample(self.lib, x, N=self.n_sites, n=self.rows, seed=child,
                          method="gibbs", sweeps=self.sweeps)
        rows = lattice_moments(lattices, self.n_species)
        return rows.mean(axis=0), rows.std(axis=0, ddof=1) / np.sqrt(self.rows)


def _exact_estimator(lib, gibbs):
    """None: the ascent reads ``lib.moments`` directly."""
    return None


def _gibbs_estimator(lib, gibbs):
    return _GibbsMoments(lib, **gibbs)


_ESTIMATORS = {"exact": _exact_estimator, "gibbs": _gibbs_estimator}
_DEFAULT_MAX_ITER = {"newton": 100, "boltzmann": 10000}
"""The methods of `fit_parameters` and their default ``max_iter``."""


def _gibbs_settings(gibbs):
    if gibbs is None:
        return dict(GIBBS_DEFAULTS)
    if not isinstance(gibbs, dict):
        raise invalid("gibbs", "fit_parameters", "a dict or None", gibbs, TypeError)
    unknown = sorted(set(gibbs) - set(GIBBS_DEFAULTS))
    if unknown:
        raise invalid("gibbs", "fit_parameters",
                      f"a dict with keys among {sorted(GIBBS_DEFAULTS)} (unknown {unknown})",
                      gibbs)
    settings = {**GIBBS_DEFAULTS, **gibbs}
    for key, low in (("N", 2), ("n", 2), ("sweeps", 0)):
        settings[key] = check_integer(settings[key], f"gibbs[{key!r}]", "fit_parameters",
                                      low)
    return settings


def _start(moments, n_species, method, x0):
    if x0 is None:
        return (parameters_from_probabilities(*pair_probabilities(moments, n_species))
                if method == "newton" else np.zeros_like(moments))
    x = np.array(x0, dtype=float)
    if x.shape != moments.shape or not np.all(np.isfinite(x)):
        raise invalid("x0", "fit_parameters", f"a finite array of shape {moments.shape}", x0)
    return x


def _check_library(lib):
    return check_lattice_model(lib, "fit_parameters", "lib",
                               needs=("log_eigenvalue", "moments", "hessian"))


@public
def fit_parameters(lib: MotifLibrary | LatticeReference, moments: ArrayLike,
                   method: str = "newton", x0: ArrayLike | None = None, tol: float = 1e-13,
                   max_iter: int | None = None, learning_rate: float = 1.0,
                   estimator: str = "exact", gibbs: Mapping[str, object] | None = None
                   ) -> np.ndarray:
    """Inverse Ising: parameters x whose Boltzmann chain has the given moments (eq. 47).

    Parameters
    ----------
    lib : compiled motif library or LatticeReference
        Provides S (``n_species``), ``log_eigenvalue(x)`` (ln λ₊, the dual's value),
        ``moments(x)`` (= ∂ ln λ₊/∂x) and ``hessian(x)`` (eq. 48, B2).
    moments : array_like, shape (L,)
        Target per-site moments ``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]``.
    method : {"newton", "boltzmann"}
        ``"newton"``: exact closed-form start (module docstring), then damped Newton
        on the dual until the largest relative moment residual is ≤ ``tol``.
        ``"boltzmann"``: the paper's Boltzmann-machine ascent
        x ← x + η (m − m̃(x)) from ``x0`` (default 0), η = ``learning_rate``.
    x0 : array_like, shape (L,), optional
        Start of the iteration; default the closed form (Newton) or 0 (Boltzmann).
    tol : float
        > 0. Newton: largest relative moment residual; Boltzmann with exact m̃:
        max |m − m̃| relative to max |m|. Unused by the Gibbs estimator (below).
    max_iter : int, optional
        >= 1. Default 100 (Newton), 10000 (Boltzmann).
    learning_rate : float
        > 0, η of the Boltzmann-machine ascent (stable for η < 2 / largest eigenvalue
        of H).
    estimator : {"exact", "gibbs"}
        m̃ of the Boltzmann ascent: ``lib.moments``, or the mean over ``gibbs["n"]``
        Gibbs-sampled rows with a fresh seed per iteration. With ``"gibbs"`` the
        ascent runs all ``max_iter`` steps and returns x̄, the mean of the second half
        of the iterates (Polyak–Ruppert); it has converged when every exact moment
        ``lib.moments(x̄)`` lies within ``GIBBS_SE_TOLERANCE`` (4) standard errors of
        the target, the standard error being the mean over those iterations of the
        rows' spread / √n, divided by √(number of averaged iterations).
    gibbs : dict, optional
        Gibbs estimator settings (keys of ``GIBBS_DEFAULTS``): ``N`` (sites, 1000,
        >= 2), ``n`` (rows, 10, >= 2), ``sweeps`` (100, >= 0), ``seed`` (None).

    Returns
    -------
    ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]``.

    Raises
    ------
    ValueError
        Moments NaN/inf, wrong shape, or not realisable by finite parameters (a
        non-positive µ, ∆, empty-site or species-empty pair probability, Σ µ ≥ 1);
        any other invalid argument (unknown method, estimator or ``gibbs`` key,
        non-positive ``tol`` or ``learning_rate``, ``max_iter`` < 1), before any work.
    TypeError
        ``lib`` lacks ``n_species``, ``log_eigenvalue``, ``moments`` or ``hessian``;
        ``gibbs`` not a dict.
    ConvergenceError
        Not converged in ``max_iter`` steps (the message gives the residual).
    """
    function = "fit_parameters"
    n_species = _check_library(lib)
    check_choice(method, "method", _DEFAULT_MAX_ITER, function)
    check_choice(estimator, "estimator", _ESTIMATORS, function)
    tol = check_real(tol, "tol", function, 0.0, low_open=True)
    learning_rate = check_real(learning_rate, "learning_rate", function, 0.0, low_open=True)
    max_iter = _DEFAULT_MAX_ITER[method] if max_iter is None else \
        check_integer(max_iter, "max_iter", function, 1)
    settings = _gibbs_settings(gibbs)
    moments, _, _ = _check_realisable(moments, n_species, function)
    x = _start(moments, n_species, method, x0)
    if method == "newton":
        return _newton(lib, moments, x, tol, max_iter)
    return _boltzmann_machine(lib, moments, x, tol, max_iter,
                              _ESTIMATORS[estimator](lib, settings), learning_rate)
