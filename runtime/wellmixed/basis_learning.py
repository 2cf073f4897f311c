r"""Algorithm 1: learning the basis functions F of a well-mixed system on a grid.

Model (paper Sec. II D).  The reduced model is the MaxEnt ("dynamic Boltzmann")
distribution p̃(n, t) ∝ exp(−Σ_k ν_k(t) C(n, k)) (eq. 19) whose parameters obey the
autonomous system dν/dt = F(ν), ν(0) = η (eq. 20).  Each F_k is represented on a
regular K-dimensional grid {ν_g} by piecewise-(multi)linear hat functions,

    F_k(ν) = Σ_g F[g, k] φ_g(ν),      φ_g = Π_l hat((ν_l − ν_{g,l}) / Δν_l),

so the functional derivative of eq. 21–22 becomes an ordinary derivative with respect
to the grid values.  Differentiating eq. 20 with respect to F[g, k] gives, for
s[k', g, k](t) = ∂ν_k'(t)/∂F[g, k],

    ds[k', g, k]/dt = Σ_l ∂F_k'/∂ν_l (ν(t)) s[l, g, k] + δ_k'k φ_g(ν(t)),  s(0) = 0,

which is eq. 22 with the hat φ_g in place of δ(ν − ν(t)); for this parameterisation
it is exact, not an approximation.  (The paper's narrow normalised Gaussian can be
used instead, ``delta="gaussian"``; the gradient is then the smoothed functional
derivative and no longer the exact derivative of the grid parameterisation.)
Outside the grid box ν is clamped coordinate-wise: F is extrapolated as a constant
(∂F/∂ν_l = 0 across the box face) and the boundary hats continue with value 1, so the
sensitivities stay exact there too, and time spent outside the box is charged to the
boundary values.  Trajectory and sensitivities are integrated together with
fixed-step RK4 in ``_hat_ode.pyx``; that is the exact derivative of the discrete RK4
map (see its docstring), and the kinks of the interpolant cost only O(dt) accuracy
locally, so a small step (default T/200) is used.

Objective.  The action is S = ∫_0^T KL(p(t) || p̃(t)) dt (eq. 16).  Since
ln p̃ = −Σ_k ν_k C(n, k) − ln Z(ν) and ∂ ln Z/∂ν_k = −⟨C(n, k)⟩_p̃,

    ∂S/∂F[g, k] = ∫ dt Σ_k' (⟨C(n,k')⟩_p − ⟨C(n,k')⟩_p̃)(t) s[k', g, k](t)    (eq. 21).

The time integral uses the trapezoidal rule on the recorded times.  The recorded
action drops the F-independent entropy of p: by the Pythagorean identity of
exponential families, KL(p || p̃_ν) = KL(p || p̃_ν*) + KL(p̃_ν* || p̃_ν), where ν* is the
moment-matched MaxEnt parameter (⟨C(n,k)⟩_p̃_ν* = ⟨C(n,k)⟩_p).  The first term does not
depend on F, so we record ∫ KL(p̃_ν*(t) || p̃_ν(t)) dt, which is ≥ 0 and vanishes iff
the reduced model reproduces the true moments at all times.  In closed form, with
m_k = ⟨C(n,k)⟩_p: K = 1 (geometric, exact)
KL = m ν − ln(1 − e^−ν) − ln(1 + m) + m ln(m / (1 + m));
K = 2 (the Gaussian reading of the paper, µ = 1/2 − ν1/ν2, σ² = 1/ν2) KL between
normals N(µ*, σ*²) and N(µ, σ²) with µ* = m_1, σ*² = 2 m_2 + m_1 − m_1² (floored at
``_VARIANCE_FLOOR`` when a sampled truth has lost all variance, e.g. all extinct).

Truth.  ``truth="analytic"``: the initial factorial moments ⟨(n)_k⟩ = k! ⟨C(n,k)⟩ of
p̃(η) (K = 1: ⟨(n)_1⟩ = 1/(e^η − 1)) are propagated by the closed linear system
dφ/dt = A φ + b of ``net.moment_system(K)`` with one matrix exponential of the
augmented system.  ``truth="ssa"``: ``simulate`` (Gillespie) started from exact
samples of p̃(η) (K = 1 geometric; K ≥ 2 by normalised enumeration of
exp(−Σ ν_k C(n, k)) over the range holding all but e^−50 of the mass).

Update.  Each iteration samples ``n_initial`` initial conditions η uniformly in
``eta_range`` (seeded), averages eq. 21 over them (Algorithm 1, line 17) and steps
F ← F − λ_i · step(grad) with λ_i = learning_rate · decay^i.  The gradient's scale
varies by orders of magnitude across the grid (for K = 1 it is ∝ ⟨n⟩ ~ e^−ν), so the
default ``step_rule="per_point_rms"`` divides each grid value's gradient by its own
running root-mean-square (RMSprop with β = 0.9 and Adam's bias correction counted per
grid point over the iterations in which that point received a gradient); points no
trajectory reached are left unchanged.  ``step_rule="plain"`` is the paper's ordinary
gradient descent.

Moments of p̃ come from ``net.maxent_moments(K)`` compiled by
``dynboltz.codegen.compile_expressions``; this module never imports sympy.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy.linalg import expm

from dynboltz.runtime.wellmixed import _hat_ode
from dynboltz.runtime.wellmixed.ssa import simulate
from dynboltz.runtime.learning.action import trapezoid_weights
from dynboltz.runtime.common.validation import (check_choice, check_integer, check_real, invalid,
                                         rate_vector)

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import SeedLike
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["learn_basis", "BasisLearningResult", "integrate_reduced",
           "ReducedTrajectory", "basis_on_grid"]

_VARIANCE_FLOOR = 1e-6
_DELTAS = ("hat", "gaussian")


def _grid_axes(grid, K, function):
    """Tuple of K evenly spaced increasing 1-D float arrays (>= 2 nodes each)."""
    axes = (grid,) if K == 1 and np.ndim(grid) == 1 else tuple(grid)
    if len(axes) != K:
        raise invalid("grid", function, f"a 1-D array (K = 1) or a sequence of K = {K} "
                       "1-D arrays", grid)
    checked = []
    for axis in axes:
        axis = np.asarray(axis, dtype=np.float64)
        step = np.diff(axis) if axis.ndim == 1 else np.array([])
        if axis.ndim != 1 or axis.size < 2 or not np.all(np.isfinite(axis)) \
                or np.any(step <= 0) or not np.allclose(step, step[0], rtol=1e-9, atol=0):
            raise invalid("grid", function, "evenly spaced increasing finite axes with "
                           ">= 2 nodes", grid)
        checked.append(axis)
    return tuple(checked)


def _compile(expressions, inputs, params):
    from dynboltz.codegen import compile_expressions

    return compile_expressions(list(expressions), inputs=list(inputs), params=list(params))


@dataclass(frozen=True)
class ReducedTrajectory:
    """Reduced trajectory ν(t) (eq. 20) with its sensitivities (eq. 22).

    Attributes
    ----------
    times : (n_record,) float
    nu : (n_record, K) float
    sensitivity : (n_record, K, *grid_shape, K) float
        sensitivity[j, k', *g, k] = ∂ν_k'(t_j)/∂F_k(ν_g).
    occupation : grid_shape float
        ∫ φ_g(ν(t)) dt, the time the trajectory spends near each grid point.
    """

    times: np.ndarray
    nu: np.ndarray
    sensitivity: np.ndarray
    occupation: np.ndarray


def integrate_reduced(F: ArrayLike, grid: ArrayLike | Sequence[ArrayLike], eta: ArrayLike, T: float,
                      n_steps: int = 200, n_record: int = 51, delta: str = "hat",
                      delta_variance: float = 0.1) -> ReducedTrajectory:
    """Solve eq. 20 and its variational equation eq. 22 for one initial condition.

    Parameters
    ----------
    F : array_like, shape grid_shape + (K,)
        Basis-function values on the grid nodes.
    grid : 1-D array (K = 1) or sequence of K 1-D arrays
        Evenly spaced grid axes.
    eta : array_like, shape (K,)
        Initial condition ν(0) = η.
    T : float
        Final time (> 0), same units as 1/F.
    n_steps : int
        RK4 steps (step T / n_steps).
    n_record : int
        Recorded times, evenly spaced including 0 and T; (n_record − 1) must divide
        n_steps.
    delta : {"hat", "gaussian"}
        Forcing of eq. 22: the hat function (exact derivative with respect to the
        grid values) or the paper's normalised Gaussian of variance
        ``delta_variance`` in every coordinate (a smoothed functional derivative).

    Returns
    -------
    ReducedTrajectory

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    FloatingPointError
        If ν(t) leaves the finite numbers (F too large for the step T / n_steps,
        or a diverging ν); the message names the step.
    """
    function = "integrate_reduced"
    F = np.asarray(F, dtype=np.float64)
    K = F.shape[-1] if F.ndim >= 1 else 0
    if K < 1:
        raise invalid("F", function, "an array of shape grid_shape + (K,)", F)
    axes = _grid_axes(grid, K, function)
    shape = tuple(axis.size for axis in axes)
    if F.shape != shape + (K,):
        raise invalid("F", function, f"of shape {shape + (K,)}", f"shape {F.shape}")
    if not np.all(np.isfinite(F)):
        raise invalid("F", function, "finite", F)
    eta = np.asarray(eta, dtype=np.float64)
    if eta.shape != (K,) or not np.all(np.isfinite(eta)):
        raise invalid("eta", function, f"a finite array of shape ({K},)", eta)
    T = check_real(T, "T", function, 0.0, low_open=True)
    n_steps, n_record = _check_steps(n_steps, n_record, function)
    if delta not in _DELTAS:
        raise invalid("delta", function, f"one of {_DELTAS}", delta)
    variance = check_real(delta_variance, "delta_variance", function, 0.0, low_open=True)
    return _integrate(F, axes, eta, T, n_steps, n_record, delta == "gaussian", variance,
                      function)


def _check_steps(n_steps, n_record, function):
    """RK4 steps >= 1 and recorded times >= 2, with (n_record − 1) dividing n_steps."""
    n_steps = check_integer(n_steps, "n_steps", function, 1)
    n_record = check_integer(n_record, "n_record", function, 2)
    if n_steps % (n_record - 1):
        raise invalid("n_record", function, f"such that n_record - 1 divides n_steps = "
                      f"{n_steps}", n_record)
    return n_steps, n_record


def _integrate(F, axes, eta, T, n_steps, n_record, gaussian, variance, function):
    K = len(axes)
    shape = tuple(axis.size for axis in axes)
    G = int(np.prod(shape))
    nu = np.zeros((n_record, K))
    sensitivity = np.zeros((n_record, K, G, K))
    occupation = np.zeros(G)
    _hat_ode.integrate_hat(
        np.ascontiguousarray(F.reshape(G, K)), np.array([a[0] for a in axes]),
        np.array([(a[-1] - a[0]) / (a.size - 1) for a in axes]),
        np.array(shape, dtype=np.int32), np.ascontiguousarray(eta, dtype=np.float64),
        T, n_steps, n_steps // (n_record - 1), gaussian, variance, nu, sensitivity,
        occupation, function)
    return ReducedTrajectory(np.linspace(0.0, T, n_record), nu,
                             sensitivity.reshape((n_record, K) + shape + (K,)),
                             occupation.reshape(shape))


def basis_on_grid(net: WellMixed, rates: Mapping[str, float], K: int,
                  grid: ArrayLike | Sequence[ArrayLike]) -> np.ndarray:
    """The closed-form basis functions of ``net`` (eq. 26, 29) on the grid nodes.

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        One-species network; ``net.basis_functions(K)`` is compiled.
    rates : mapping of str to float
        Rate of every process, keyed by ``net.process_names``.
    K : int
        Number of basis functions (1 or 2).
    grid : 1-D array (K = 1) or sequence of K 1-D arrays

    Returns
    -------
    numpy.ndarray, shape grid_shape + (K,)
    """
    axes = _grid_axes(grid, K, "basis_on_grid")
    rate_values = rate_vector(rates, net.process_names, "basis_on_grid")
    nodes = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    compiled = _compile(net.basis_functions(K), net.nu(K), net.rate_symbols)
    return compiled(np.ascontiguousarray(nodes.reshape(-1, K)),
                    rate_values).reshape(nodes.shape)


def _geometric_kl(nu, m):
    """KL(geometric with mean m || p̃_ν) for K = 1, elementwise; shapes (..., 1)."""
    nu, m = nu[..., 0], np.maximum(m[..., 0], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_log = np.where(m > 0, m * np.log(m / (1.0 + m)), 0.0)
    return m * nu - np.log(-np.expm1(-nu)) - np.log1p(m) + m_log


def _gaussian_kl(nu, m):
    """KL(N(µ*, σ*²) || N(µ, σ²)), Gaussian reading of p̃_ν for K = 2; shapes (..., 2)."""
    mu, var = 0.5 - nu[..., 0] / nu[..., 1], 1.0 / nu[..., 1]
    mu_star = m[..., 0]
    var_star = np.maximum(2.0 * m[..., 1] + mu_star - mu_star ** 2, _VARIANCE_FLOOR)
    return 0.5 * (np.log(var / var_star) + (var_star + (mu_star - mu) ** 2) / var - 1.0)


_MOMENT_MATCHED_KL = {1: _geometric_kl, 2: _gaussian_kl}


def _augmented_step(net, rate_values, K, dt):
    """exp(M dt) of the affine factorial-moment system dφ/dt = A φ + b, (K+1, K+1)."""
    A, b = net.moment_system(K)
    compiled = _compile(list(A) + list(b), net.nu(K), net.rate_symbols)
    values = compiled(np.zeros((1, K)), rate_values)[0]
    generator = np.zeros((K + 1, K + 1))
    generator[:K, :K] = values[:K * K].reshape(K, K)
    generator[:K, K] = values[K * K:]
    return expm(generator * dt)


class _AnalyticTruth:
    """⟨C(n,k)⟩_p(t) from the closed moment system started at the moments of p̃(η)."""

    def __init__(self, net, rate_values, K, maxent_moments, times):
        self._maxent_moments = maxent_moments
        self._factorials = np.array([math.factorial(k) for k in range(1, K + 1)], float)
        self._step = _augmented_step(net, rate_values, K, times[1] - times[0])
        self._n_times = times.size

    def __call__(self, eta, seed):
        factorial_moments = self._maxent_moments(eta) * self._factorials
        state = np.concatenate([factorial_moments, np.ones((len(eta), 1))], axis=1)
        out = np.empty((len(eta), self._n_times, state.shape[1] - 1))
        for j in range(self._n_times):
            out[:, j] = state[:, :-1] / self._factorials
            state = state @ self._step.T
        return out


def _sample_maxent_counts(eta, size, rng):
    """Exact samples of p̃(n) ∝ exp(−Σ_k η_k C(n, k)) (eq. 19), int64 (size,)."""
    if eta.size == 1:
        return rng.geometric(-np.expm1(-eta[0]), size).astype(np.int64) - 1
    cap = 64
    while True:
        n = np.arange(cap, dtype=np.float64)
        log_weight = np.zeros_like(n)
        binomial = np.ones_like(n)
        for k, eta_k in enumerate(eta, start=1):
            binomial = binomial * (n - k + 1) / k
            log_weight -= eta_k * binomial
        if log_weight[-1] < log_weight.max() - 50.0 and log_weight[-1] < log_weight[-2]:
            break
        cap *= 2
    weight = np.exp(log_weight - log_weight.max())
    return rng.choice(cap, size=size, p=weight / weight.sum()).astype(np.int64)


class _SsaTruth:
    """⟨C(n,k)⟩_p(t) averaged over Gillespie trajectories started from samples of p̃(η)."""

    def __init__(self, net, rates, K, n_trajectories, times):
        self._net, self._rates, self._K = net, dict(rates), K
        self._n, self._times = n_trajectories, times

    def __call__(self, eta, seed):
        # Imported here: runtime.wellmixed re-exports learn_basis from this module.

        out = np.empty((len(eta), self._times.size, self._K))
        for i, child in enumerate(seed.spawn(len(eta))):
            sample_seed, simulation_seed = child.spawn(2)
            initial = _sample_maxent_counts(eta[i], self._n,
                                            np.random.default_rng(sample_seed))
            counts = simulate(self._net, self._rates, initial[:, None], self._times,
                              self._n, seed=simulation_seed)[:, :, 0].astype(np.float64)
            binomial = np.ones_like(counts)
            for k in range(1, self._K + 1):
                binomial = binomial * (counts - k + 1) / k
                out[i, :, k - 1] = binomial.mean(axis=0)
        return out


_TRUTHS = {"analytic": _AnalyticTruth, "ssa": _SsaTruth}


class _PerPointRMS:
    """Divide each grid value's gradient by its own running RMS (bias-corrected)."""

    def __init__(self, shape, beta=0.9):
        self._beta = beta
        self._mean_square = np.zeros(shape)
        self._count = np.zeros(shape)

    def __call__(self, grad):
        seen = grad != 0.0
        self._count[seen] += 1
        self._mean_square[seen] = (self._beta * self._mean_square[seen]
                                   + (1.0 - self._beta) * grad[seen] ** 2)
        step = np.zeros_like(grad)
        corrected = self._mean_square[seen] / (1.0 - self._beta ** self._count[seen])
        step[seen] = grad[seen] / np.sqrt(corrected)
        return step


def _plain_step(shape):
    """The paper's ordinary gradient descent: the step is the gradient itself."""
    return lambda grad: grad


_STEP_RULES = {"per_point_rms": _PerPointRMS, "plain": _plain_step}


@dataclass(frozen=True)
class BasisLearningResult:
    """Outcome of :func:`learn_basis` (Algorithm 1).

    Attributes
    ----------
    axes : tuple of K 1-D arrays
        Grid axes.
    grid : numpy.ndarray, shape grid_shape + (K,)
        Node coordinates ν_g.
    F : numpy.ndarray, shape grid_shape + (K,)
        Learned basis-function values F_k(ν_g) after the last iteration.
    F_history : numpy.ndarray, shape (iterations + 1,) + grid_shape + (K,)
        F before the first and after every iteration.
    action : numpy.ndarray, shape (iterations,)
        Mean over the iteration's η of ∫_0^T KL(p̃_ν* || p̃_ν) dt, the action eq. 16
        minus its F-independent part (module docstring), evaluated with the F in
        force during that iteration.
    action_per_initial : numpy.ndarray, shape (iterations, n_initial)
        The same for each initial condition.
    eta : numpy.ndarray, shape (iterations, n_initial, K)
        Initial conditions used in each iteration.
    gradient : numpy.ndarray, shape (iterations,) + grid_shape + (K,)
        The η-averaged gradient eq. 21 of each iteration.
    visits : numpy.ndarray, shape grid_shape
        Total occupation time Σ ∫ φ_g(ν(t)) dt over all trajectories; 0 where no
        trajectory came within one grid spacing.
    learning_rates : numpy.ndarray, shape (iterations,)
    """

    axes: tuple
    grid: np.ndarray
    F: np.ndarray
    F_history: np.ndarray
    action: np.ndarray
    action_per_initial: np.ndarray
    eta: np.ndarray
    gradient: np.ndarray
    visits: np.ndarray
    learning_rates: np.ndarray


@dataclass(frozen=True)
class _Problem:
    """The checked arguments of :func:`learn_basis` that define what is learned."""

    net: object
    K: int
    axes: tuple
    rate_values: np.ndarray
    T: float
    truth: str
    n_trajectories: object
    n_steps: int
    n_record: int
    gaussian: bool
    variance: float
    eta_low: np.ndarray
    eta_high: np.ndarray


@dataclass(frozen=True)
class _Setup:
    """A checked :class:`_Problem` with what was compiled and tabulated for it."""

    problem: _Problem
    maxent_moments: object
    truth: object
    kl: object
    weights: np.ndarray


def _eta_box(eta_range, axes, function):
    if eta_range is None:
        box = np.array([[axis[0], axis[-1]] for axis in axes])
    else:
        box = np.asarray(eta_range, dtype=np.float64)
        if box.shape == (2,) and len(axes) == 1:
            box = box[None]
    if box.shape != (len(axes), 2) or not np.all(np.isfinite(box)) \
            or np.any(box[:, 0] > box[:, 1]) or box[-1, 0] <= 0:
        raise invalid("eta_range", function, f"a ({len(axes)}, 2) array of finite "
                       "[low, high] rows with low <= high and a positive last row "
                       "(p̃ must be normalisable)", eta_range)
    return box[:, 0].copy(), box[:, 1].copy()


def _check_problem(net, rates, K, grid, T, truth, n_trajectories, eta_range, n_steps,
                   n_record, delta, delta_variance):
    """Validate the arguments that define the learning problem; no compilation."""
    function = "learn_basis"
    if not all(hasattr(net, name) for name in ("maxent_moments", "moment_system",
                                                "process_names", "nu", "rate_symbols")):
        raise invalid("net", function, "a dynboltz.symbolic.WellMixed", net, TypeError)
    if isinstance(K, bool) or K not in _MOMENT_MATCHED_KL:
        raise invalid("K", function, f"one of {sorted(_MOMENT_MATCHED_KL)}", K)
    axes = _grid_axes(grid, K, function)
    if axes[-1][0] <= 0:
        raise invalid("grid", function, f"positive on axis nu{K} (p̃ normalisable)", grid)
    rate_values = rate_vector(rates, net.process_names, function)
    T = check_real(T, "T", function, 0.0, low_open=True)
    n_steps, n_record = _check_steps(n_steps, n_record, function)
    check_choice(truth, "truth", _TRUTHS, function)
    check_choice(delta, "delta", _DELTAS, function)
    variance = check_real(delta_variance, "delta_variance", function, 0.0, low_open=True)
    eta_low, eta_high = _eta_box(eta_range, axes, function)
    if truth == "ssa":
        n_trajectories = check_integer(n_trajectories, "n_trajectories", function, 1)
    return _Problem(net, K, axes, rate_values, T, truth, n_trajectories, n_steps,
                    n_record, delta == "gaussian", variance, eta_low, eta_high)


def _build_setup(problem):
    """Compile the MaxEnt moments and the truth of a checked problem."""
    net, K, rate_values = problem.net, problem.K, problem.rate_values
    compiled = _compile(net.maxent_moments(K), net.nu(K), net.rate_symbols)

    def maxent_moments(nu):
        return compiled(np.ascontiguousarray(nu, dtype=np.float64), rate_values)

    times = np.linspace(0.0, problem.T, problem.n_record)
    if problem.truth == "analytic":
        truth_moments = _AnalyticTruth(net, rate_values, K, maxent_moments, times)
    else:
        truth_moments = _SsaTruth(net, dict(zip(net.process_names, rate_values)), K,
                                  problem.n_trajectories, times)
    return _Setup(problem, maxent_moments, truth_moments, _MOMENT_MATCHED_KL[K],
                  trapezoid_weights(times))


def _initial_values(initial_F, shape, function):
    """A writable finite copy of ``initial_F`` broadcast to ``shape``."""
    try:
        F = np.array(np.broadcast_to(np.asarray(initial_F, dtype=np.float64), shape))
    except (TypeError, ValueError):
        F = None
    if F is None or not np.all(np.isfinite(F)):
        raise invalid("initial_F", function, f"finite, broadcastable to {shape}",
                       initial_F)
    return F


def _iteration(setup, F, eta, seed):
    """η-averaged gradient eq. 21, action per η and occupation for one iteration."""
    truth_moments = setup.truth(eta, seed)
    gradient = np.zeros_like(F)
    actions = np.empty(len(eta))
    occupation = np.zeros(F.shape[:-1])
    problem = setup.problem
    for i, eta_i in enumerate(eta):
        trajectory = _integrate(F, problem.axes, eta_i, problem.T, problem.n_steps,
                                problem.n_record, problem.gaussian, problem.variance,
                                "learn_basis")
        residual = truth_moments[i] - setup.maxent_moments(trajectory.nu)
        if not np.all(np.isfinite(residual)) or np.any(trajectory.nu[:, -1] <= 0):
            raise FloatingPointError(
                f"reduced trajectory from eta = {eta_i} left the domain nu{len(eta_i)} > 0 "
                f"where p̃ is normalisable (nu = {trajectory.nu[-1]} at T); use a smaller "
                "learning_rate or a grid/eta_range further inside the domain")
        gradient += np.tensordot(setup.weights[:, None] * residual,
                                 trajectory.sensitivity, axes=([0, 1], [0, 1]))
        actions[i] = setup.weights @ setup.kl(trajectory.nu, truth_moments[i])
        occupation += trajectory.occupation
    return gradient / len(eta), actions, occupation


def learn_basis(net: WellMixed, rates: Mapping[str, float], K: int,
                grid: ArrayLike | Sequence[ArrayLike], T: float, iterations: int,
                seed: SeedLike = None, *, truth: str = "analytic", n_initial: int = 32,
                n_trajectories: int = 200, learning_rate: float = 0.05, decay: float = 0.98,
                initial_F: ArrayLike = 0.0, eta_range: ArrayLike | None = None,
                resample_initial: bool = True, step_rule: str = "per_point_rms",
                n_steps: int = 200, n_record: int = 51, delta: str = "hat",
                delta_variance: float = 0.1) -> BasisLearningResult:
    """Learn the basis functions F_k(ν) on a grid by gradient descent (Algorithm 1).

    Minimises the action S = ∫_0^T KL(p || p̃) dt (eq. 16) over the grid values of F
    using the gradient eq. 21 with sensitivities from eq. 22 (hat-function
    parameterisation; see the module docstring for the derivation and conventions).

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        One-species network.
    rates : mapping of str to float
        Rate of every process (1/time), keyed by ``net.process_names``.
    K : {1, 2}
        Number of basis functions (moments ⟨C(n,k)⟩, k ≤ K, of eq. 19).
    grid : 1-D array (K = 1) or sequence of K 1-D arrays
        Evenly spaced grid axes; the ν_K axis must be positive.
    T : float
        Integration time of every reduced trajectory (> 0).
    iterations : int
        Gradient steps (>= 1).
    seed : None, int or numpy.random.SeedSequence
        Seeds the initial conditions and the SSA; same seed, same result.
    truth : {"analytic", "ssa"}
        True moments from the closed moment system of ``net.moment_system(K)`` or
        from Gillespie simulation (``n_trajectories`` per initial condition).
    n_initial : int
        Initial conditions η per iteration, uniform in ``eta_range`` (default: the
        grid box).
    learning_rate, decay : float
        λ_i = learning_rate · decay**i (0 < decay <= 1).
    initial_F : float or array of shape grid_shape + (K,)
        Starting values of F (the paper starts from a uniform value).
    resample_initial : bool
        Draw new η every iteration (True) or keep the first draw (for per-η curves).
    step_rule : {"per_point_rms", "plain"}
        Per-grid-point RMS-normalised step (default) or plain gradient descent.
    n_steps, n_record : int
        RK4 steps on [0, T] and the recorded times used for the time integrals.
    delta, delta_variance
        Forcing of eq. 22, as in :func:`integrate_reduced`.

    Returns
    -------
    BasisLearningResult

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    FloatingPointError
        If a reduced trajectory leaves the finite numbers or the domain ν_K > 0
        where p̃ is normalisable (a too large learning_rate or a grid too close
        to its edge); the message names the step or the η.
    """
    function = "learn_basis"
    problem = _check_problem(net, rates, K, grid, T, truth, n_trajectories, eta_range,
                             n_steps, n_record, delta, delta_variance)
    iterations = check_integer(iterations, "iterations", function, 1)
    n_initial = check_integer(n_initial, "n_initial", function, 1)
    learning_rate = check_real(learning_rate, "learning_rate", function, 0.0, low_open=True)
    decay = check_real(decay, "decay", function, 0.0, low_open=True)
    if decay > 1:
        raise invalid("decay", function, "in (0, 1]", decay)
    check_choice(step_rule, "step_rule", _STEP_RULES, function)
    shape = tuple(axis.size for axis in problem.axes)
    F = _initial_values(initial_F, shape + (K,), function)
    eta_seed, truth_seed = np.random.SeedSequence(seed).spawn(2)
    setup = _build_setup(problem)
    step = _STEP_RULES[step_rule](F.shape)
    eta_rng = np.random.default_rng(eta_seed)
    eta = eta_rng.uniform(problem.eta_low, problem.eta_high, size=(n_initial, K))
    learning_rates = learning_rate * decay ** np.arange(iterations)
    history = [F.copy()]
    records = {"action": [], "eta": [], "gradient": []}
    visits = np.zeros(shape)
    for i, iteration_seed in enumerate(truth_seed.spawn(iterations)):
        if resample_initial and i > 0:
            eta = eta_rng.uniform(problem.eta_low, problem.eta_high, size=(n_initial, K))
        gradient, actions, occupation = _iteration(setup, F, eta, iteration_seed)
        F = F - learning_rates[i] * step(gradient)
        visits += occupation
        history.append(F.copy())
        for key, value in zip(records, (actions, eta, gradient)):
            records[key].append(value)
    actions = np.array(records["action"])
    nodes = np.stack(np.meshgrid(*problem.axes, indexing="ij"), axis=-1)
    return BasisLearningResult(problem.axes, nodes, F, np.array(history),
                               actions.mean(axis=1), actions, np.array(records["eta"]),
                               np.array(records["gradient"]), visits, learning_rates)
