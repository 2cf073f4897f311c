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
Outside the grid box F continues linearly from the boundary cell, coordinate by
coordinate (the two boundary hats of an axis continue as straight lines), so F and
its slope stay continuous across the box face and the sensitivities stay exact there
too; a constant continuation would let growing populations (ν → 0 with kb > kd) cross
into ν < 0 where p̃ is not normalisable.  Time spent outside the box counts, in the
occupation, for the nearest boundary nodes.  Trajectory and sensitivities are integrated together with
fixed-step RK4 in ``_hat_ode.pyx``; that is the exact derivative of the discrete RK4
map (see its docstring), and the kinks of the interpolant cost only O(dt) accuracy
locally, so a small step (default T/200) is used.

Objective.  The action is S = ∫_0^T KL(p(t) || p̃(t)) dt (eq. 16), with gradient

    ∂S/∂F[g, k] = ∫ dt Σ_k' (⟨C(n,k')⟩_p − ⟨C(n,k')⟩_p̃)(t) s[k', g, k](t)    (eq. 21),

averaged over a batch of ``n_initial`` initial conditions η drawn uniformly in
``eta_range`` (Algorithm 1, line 17) and redrawn every iteration.  Time integrals use
the trapezoidal rule on the recorded times.  The recorded action and the true moments
are described in :mod:`dynboltz.runtime.wellmixed.moment_targets`; the update
methods (Gauss–Newton / Levenberg–Marquardt with a smoothness prior, the default, and
the paper's gradient descent) in :mod:`dynboltz.runtime.wellmixed.basis_steps`.

Moments of p̃ come from ``net.maxent_moments(K)`` compiled by
``dynboltz.codegen.compile_expressions``, together with the Fisher information
I(ν) = −∂m̃/∂ν of the Gauss–Newton metric, differentiated from the same expressions
(`_maxent_functions`): the symbolic closure is their one source.  This module never
imports sympy (it calls ``diff`` on the expressions the network hands it).
"""
from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

from dynboltz.errors import InvalidArgumentError
from dynboltz.messages import public
from dynboltz.errors import GridCoverageWarning, IntegrationError, OutOfDomain
from dynboltz.runtime.common.results import LearningResult, Trajectory, convergence_info
from dynboltz.runtime.common.settings_keywords import settings_with_keywords
from dynboltz.runtime.common.validation import (check_choice, check_integer, check_real, invalid,
                                         rate_vector)
from dynboltz.runtime.learning.action import trapezoid_weights
from dynboltz.runtime.wellmixed import _hat_ode
from dynboltz.runtime.wellmixed.basis_grid import (UNVISITED_LIMIT, grid_coverage,
                                                   grid_from_moments)
from dynboltz.runtime.wellmixed.basis_steps import METHODS, STEP_RULES, Evaluation
from dynboltz.runtime.wellmixed.moment_targets import (MOMENT_MATCHED_KL, TRUTHS,
                                                       AnalyticTruth, SsaTruth)

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import SeedLike
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["learn_basis", "BasisLearningSettings", "BasisLearningResult",
           "integrate_reduced", "basis_on_grid", "VISITED_SHARE"]

_DELTAS = ("hat", "gaussian")

VISITED_SHARE = 1e-3
"""Default threshold of :meth:`BasisLearningResult.visited`: a grid node is *visited*
when its occupation time ∫ φ_g(ν(t)) dt, summed over every reduced trajectory of the
run, is at least this fraction of the total time of all those trajectories."""


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


def _maxent_functions(net, K, rate_values):
    """Compiled m̃(ν) (n, K) and Fisher information I(ν) = −∂m̃/∂ν (n, K, K) of p̃.

    Both from ``net.maxent_moments(K)`` (eq. 19, 24; Gaussian reading for K = 2) in one
    compiled module; the derivative is taken symbolically on the expressions.
    """
    moments, nu = list(net.maxent_moments(K)), list(net.nu(K))
    fisher = [-moment.diff(symbol) for moment in moments for symbol in nu]
    compiled = _compile(moments + fisher, nu, net.rate_symbols)

    def maxent_moments(points):
        return compiled(np.ascontiguousarray(points, dtype=np.float64), rate_values)[:, :K]

    def fisher_information(points):
        values = compiled(np.ascontiguousarray(points, dtype=np.float64), rate_values)
        return values[:, K:].reshape(-1, K, K)
    return maxent_moments, fisher_information


def integrate_reduced(F: ArrayLike, grid: ArrayLike | Sequence[ArrayLike], eta: ArrayLike, T: float,
                      n_steps: int = 200, n_record: int = 51, delta: str = "hat",
                      delta_variance: float = 0.1) -> Trajectory:
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
    dynboltz.runtime.common.results.Trajectory
        ``times`` (n_record,); ``x`` = ν(t), (n_record, K); ``sensitivities``
        (n_record, P, K) with P = F.size and
        ``sensitivities[j, p, k'] = ∂ν_k'(t_j)/∂F.flat[p]`` (F flattened in C order, so
        ``sensitivities.reshape(n_record, *F.shape, K)[j, *g, k, k']`` =
        ∂ν_k'(t_j)/∂F_k(ν_g)); ``method`` "rk4"; ``info``: ``steps``, ``delta`` and
        ``occupation`` (grid_shape; ∫ φ_g(ν(t)) dt, the time spent near each node).

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    IntegrationError
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
    check_choice(delta, "delta", _DELTAS, function)
    variance = check_real(delta_variance, "delta_variance", function, 0.0, low_open=True)
    nu, sensitivity, occupation = _integrate(F, axes, eta, T, n_steps, n_record,
                                             delta == "gaussian", variance, function)
    P = F.size
    flat = sensitivity.reshape(n_record, K, P).transpose(0, 2, 1)
    return Trajectory(np.linspace(0.0, T, n_record), nu, np.ascontiguousarray(flat), "rk4",
                      {"steps": n_steps, "delta": delta, "occupation": occupation})


def _check_steps(n_steps, n_record, function):
    """RK4 steps >= 1 and recorded times >= 2, with (n_record − 1) dividing n_steps."""
    n_steps = check_integer(n_steps, "n_steps", function, 1)
    n_record = check_integer(n_record, "n_record", function, 2)
    if n_steps % (n_record - 1):
        raise invalid("n_record", function, f"such that n_record - 1 divides n_steps = "
                      f"{n_steps}", n_record)
    return n_steps, n_record


def _integrate(F, axes, eta, T, n_steps, n_record, gaussian, variance, function):
    """ν (n_record, K), s[j, k', g, k] (n_record, K, G, K) and occupation grid_shape."""
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
    return nu, sensitivity, occupation.reshape(shape)


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


_OPEN_UNIT = ("decay", "memory")


@dataclass(frozen=True)
class BasisLearningSettings:
    """How :func:`learn_basis` learns: optimiser, batch, integration; checked on creation.

    Its fields are also keywords of :func:`learn_basis`
    (``dynboltz.runtime.common.settings_keywords``).

    Attributes
    ----------
    optimizer : {"gauss_newton", "gradient"}
        Levenberg–Marquardt on the grid values with accumulated curvature and a
        smoothness prior, or the paper's gradient descent (see
        :mod:`dynboltz.runtime.wellmixed.basis_steps`).
    n_initial : int
        Initial conditions η per iteration, uniform in ``eta_range``.
    resample_initial : bool
        Draw new η every iteration (True) or keep the first draw (for per-η curves).
    n_steps, n_record : int
        RK4 steps on [0, T] and the recorded times used for the time integrals.
    delta, delta_variance
        Forcing of eq. 22, as in :func:`integrate_reduced`.
    damping : float
        Initial Levenberg–Marquardt μ (> 0), adapted every step ("gauss_newton").
    smoothness : float
        Prior weight as a fraction of the median data curvature (>= 0; "gauss_newton").
    memory : float
        Forgetting factor β of the accumulated curvature, in (0, 1] ("gauss_newton").
    tolerance : float
        Stop when a step changes no grid value by more than tolerance · max|F|
        (>= 0; "gauss_newton").
    learning_rate, decay : float
        λ_i = learning_rate · decay**i, decay in (0, 1] ("gradient").
    step_rule : {"per_point_rms", "plain"}
        Per-grid-point RMS-normalised step or plain gradient descent ("gradient").
    """

    optimizer: str = "gauss_newton"
    n_initial: int = 32
    resample_initial: bool = True
    n_steps: int = 200
    n_record: int = 51
    delta: str = "hat"
    delta_variance: float = 0.1
    damping: float = 1e-2
    smoothness: float = 1.0
    memory: float = 0.3
    tolerance: float = 1e-4
    learning_rate: float = 0.05
    decay: float = 0.98
    step_rule: str = "per_point_rms"

    @public
    def __post_init__(self):
        function = "BasisLearningSettings"
        check_choice(self.optimizer, "optimizer", METHODS, function)
        check_choice(self.step_rule, "step_rule", STEP_RULES, function)
        check_choice(self.delta, "delta", _DELTAS, function)
        check_integer(self.n_initial, "n_initial", function, 1)
        _check_steps(self.n_steps, self.n_record, function)
        if not isinstance(self.resample_initial, bool):
            raise invalid("resample_initial", function, "a bool", self.resample_initial,
                          TypeError)
        for name in ("delta_variance", "damping", "learning_rate", "decay", "memory"):
            check_real(getattr(self, name), name, function, 0.0, low_open=True)
        for name in ("smoothness", "tolerance"):
            check_real(getattr(self, name), name, function, 0.0)
        for name in _OPEN_UNIT:
            if getattr(self, name) > 1:
                raise invalid(name, function, "in (0, 1]", getattr(self, name))


@dataclass(repr=False)
class BasisLearningResult(LearningResult):
    """Outcome of :func:`learn_basis` (Algorithm 1).

    Attributes
    ----------
    action_history : numpy.ndarray, shape (iterations,)
        Mean over the iteration's η of ∫_0^T KL(p̃_ν* || p̃_ν) dt, the action eq. 16
        minus its F-independent part, evaluated with the F in force during that
        iteration (before its step).
    info : dict
        ``iterations``, ``evaluations`` (batch evaluations, each one reduced
        integration per η), ``converged``, ``message``; then ``optimizer``, ``settings``
        (the :class:`BasisLearningSettings`) and ``step_sizes`` ((iterations,): λ_i for
        "gradient", the Levenberg–Marquardt μ after each step for "gauss_newton").
    axes : tuple of K 1-D arrays
        Grid axes.
    grid : numpy.ndarray, shape grid_shape + (K,)
        Node coordinates ν_g.
    F : numpy.ndarray, shape grid_shape + (K,)
        Learned basis-function values F_k(ν_g) after the last iteration.
    F_history : numpy.ndarray, shape (iterations + 1,) + grid_shape + (K,)
        F before the first and after every iteration.
    action_per_initial : numpy.ndarray, shape (iterations, n_initial)
        The action for each initial condition.
    eta : numpy.ndarray, shape (iterations, n_initial, K)
        Initial conditions used in each iteration.
    gradient : numpy.ndarray, shape (iterations,) + grid_shape + (K,)
        The η-averaged gradient eq. 21 of each iteration (at the F in force).
    visits : numpy.ndarray, shape grid_shape
        Total occupation time Σ ∫ φ_g(ν(t)) dt over all trajectories of the run
        (at the F in force of every iteration); 0 where no trajectory came within
        one grid spacing.
    """

    axes: tuple
    grid: np.ndarray
    F: np.ndarray
    F_history: np.ndarray
    action_per_initial: np.ndarray
    eta: np.ndarray
    gradient: np.ndarray
    visits: np.ndarray

    def visited(self, share: float = VISITED_SHARE) -> np.ndarray:
        """Boolean grid_shape mask of the nodes holding >= ``share`` of all visit time.

        A node g is visited when visits[g] >= share · visits.sum(), i.e. the reduced
        trajectories of the run spent at least that fraction of their total time
        (n_iterations · n_initial · T) within one grid spacing of it, weighted by φ_g.
        """
        return self.visits >= share * self.visits.sum()


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
    settings: BasisLearningSettings
    eta_low: np.ndarray
    eta_high: np.ndarray


@dataclass(frozen=True)
class _Setup:
    """A checked :class:`_Problem` with what was compiled and tabulated for it."""

    problem: _Problem
    maxent_moments: object
    fisher: object
    truth: object
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


def _check_problem(net, rates, K, grid, T, truth, n_trajectories, eta_range, settings,
                   keywords=None):
    """Validate the arguments that define the learning problem; no compilation."""
    function = "learn_basis"
    if not all(hasattr(net, name) for name in ("maxent_moments", "moment_system",
                                                "process_names", "nu", "rate_symbols")):
        raise invalid("net", function, "a dynboltz.symbolic.WellMixed", net, TypeError)
    if isinstance(K, bool) or K not in MOMENT_MATCHED_KL:
        raise invalid("K", function, f"one of {sorted(MOMENT_MATCHED_KL)}", K)
    if grid is None:
        axes = None  # from the data, once the true moments of the first batch are known
        if eta_range is None:
            raise invalid("eta_range", function, "given when grid is None (the default "
                          "grid follows the data started from it)", eta_range)
    else:
        axes = _grid_axes(grid, K, function)
        if axes[-1][0] <= 0:
            raise invalid("grid", function, f"positive on axis nu{K} (p̃ normalisable)",
                          grid)
    rate_values = rate_vector(rates, net.process_names, function)
    if T is None:
        raise invalid("T", function, "a real number > 0 (required)", T)
    T = check_real(T, "T", function, 0.0, low_open=True)
    check_choice(truth, "truth", TRUTHS, function)
    settings = settings_with_keywords(settings, BasisLearningSettings, keywords or {},
                                      function)
    eta_low, eta_high = _eta_box(eta_range, axes or ((None,),) * K, function)
    if truth == "ssa":
        n_trajectories = check_integer(n_trajectories, "n_trajectories", function, 1)
    return _Problem(net, K, axes, rate_values, T, truth, n_trajectories, settings,
                    eta_low, eta_high)


def _build_setup(problem):
    """Compile the MaxEnt moments and the truth of a checked problem."""
    net, K, rate_values = problem.net, problem.K, problem.rate_values
    maxent_moments, fisher = _maxent_functions(net, K, rate_values)
    times = np.linspace(0.0, problem.T, problem.settings.n_record)
    if problem.truth == "analytic":
        try:
            truth_moments = AnalyticTruth(net, rate_values, K, maxent_moments, times,
                                          _compile)
        except InvalidArgumentError as error:
            if getattr(error, "param", None) != "order":
                raise
            # the exact moments have no closed equations: only simulation gives them
            raise invalid("truth", "learn_basis", "'ssa' for this network: its moment "
                          f"hierarchy does not close ({error.constraint}), so the "
                          "analytic truth cannot apply; pass truth='ssa'",
                          "analytic") from None
    else:
        truth_moments = SsaTruth(net, dict(zip(net.process_names, rate_values)), K,
                                 problem.n_trajectories, times)
    return _Setup(problem, maxent_moments, fisher, truth_moments, trapezoid_weights(times))


class _Batch:
    """One iteration's initial conditions η with their true moments, evaluable at any F.

    :meth:`start` evaluates at the iteration's F and leaves out the paths whose reduced
    model leaves the domain ν_K > 0 there (p̃ is not normalisable, so they cannot be
    scored; scoring them up to the exit instead rewards F that makes paths leave).
    Later evaluations (trial steps) use the remaining paths and raise
    :class:`OutOfDomain` if one of them leaves.
    """

    def __init__(self, setup, eta, seed, truth=None):
        self._setup = setup
        self.eta = eta
        self._truth = setup.truth(eta, seed) if truth is None else truth
        self.kept = np.ones(len(eta), dtype=bool)

    def start(self, F, curvature):
        """Evaluate at the iteration's F, leaving out paths that leave the domain."""
        return self._evaluate(F, curvature, drop=True)

    def evaluate(self, F, curvature=False):
        """Batch-mean action, gradient eq. 21 and (optionally) Gauss–Newton matrix at F."""
        return self._evaluate(F, curvature, drop=False)

    def _path(self, F, i):
        """ν, s (n_record, K, P), occupation and residual m − m̃ of path i; None if out."""
        problem = self._setup.problem
        settings = problem.settings
        try:
            nu, s, visits = _integrate(F, problem.axes, self.eta[i], problem.T,
                                       settings.n_steps, settings.n_record,
                                       settings.delta == "gaussian",
                                       settings.delta_variance, "learn_basis")
        except IntegrationError as error:
            raise OutOfDomain(str(error)) from error
        if np.any(nu[:, -1] <= 0):
            return None
        residual = self._truth[i] - self._setup.maxent_moments(nu)
        return nu, s.reshape(len(nu), problem.K, F.size), visits, residual

    def _evaluate(self, F, curvature, drop):
        setup, K, P = self._setup, self._setup.problem.K, F.size
        gradient = np.zeros(P)
        actions = np.full(len(self.eta), np.nan)
        occupation = np.zeros(F.shape[:-1])
        blocks = ([], [], [])
        for i in np.flatnonzero(self.kept):
            path = self._path(F, i)
            if path is None and drop:
                self.kept[i] = False
                continue
            if path is None:
                raise OutOfDomain(f"a reduced trajectory from eta = {self.eta[i]} left "
                                  f"the domain nu{K} > 0 where p̃ is normalisable")
            nu, s, visits, residual = path
            gradient += np.einsum("t,tk,tkp->p", setup.weights, residual, s)
            actions[i] = setup.weights @ MOMENT_MATCHED_KL[K](nu, self._truth[i])
            occupation += visits
            if curvature:
                _add_curvature(blocks, s, setup.fisher(nu), setup.weights)
        n = int(self.kept.sum())
        if n == 0:
            raise OutOfDomain(
                f"every reduced trajectory of the iteration left the domain nu{K} > 0 "
                "where p̃ is normalisable; use a grid/eta_range further inside the domain")
        matrix = None
        if curvature:
            rows, cols, data = (np.concatenate(part) for part in blocks)
            matrix = sp.csr_matrix((data / n, (rows, cols)), shape=(P, P))
        return Evaluation(float(np.nanmean(actions)), actions,
                          (gradient / n).reshape(F.shape), occupation, matrix)


def _grid_for_data(setup, truth):
    """``setup`` with the default grid from ``truth``, or its explicit grid checked.

    ``truth`` (n_initial, n_times, K) are the first batch's true moments; see
    :mod:`dynboltz.runtime.wellmixed.basis_grid`.
    """
    problem = setup.problem
    if problem.axes is None:
        problem = dataclasses.replace(problem, axes=grid_from_moments(truth, problem.K))
        return dataclasses.replace(setup, problem=problem)
    inside, nodes = grid_coverage(problem.axes, truth, problem.K)
    if min(inside, nodes) < UNVISITED_LIMIT:
        warnings.warn(
            f"the grid misses the data: {100 * inside:.0f}% of the moment-matched nu of "
            f"the first batch lie inside the grid box and {100 * nodes:.0f}% of the grid "
            "nodes lie inside the data's central range; F is learned where the data are "
            "not (pass grid=None for a grid from the data)", GridCoverageWarning,
            stacklevel=3)
    return setup


def _add_curvature(blocks, s, fisher, weights):
    """Append ∫ sᵀ I(ν) s dt on the grid values the trajectory reached (COO triplets)."""
    reached = np.flatnonzero(np.any(s != 0.0, axis=(0, 1)))
    block = np.zeros((reached.size, reached.size))
    _hat_ode.curvature_block(np.ascontiguousarray(s[:, :, reached]),
                             np.ascontiguousarray(fisher), weights, block)
    blocks[0].append(np.repeat(reached, reached.size))
    blocks[1].append(np.tile(reached, reached.size))
    blocks[2].append(block.ravel())


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


@public
def learn_basis(net: WellMixed, rates: Mapping[str, float], K: int,
                grid: ArrayLike | Sequence[ArrayLike] | None = None, T: float | None = None,
                iterations: int = 30,
                seed: SeedLike = None, *, truth: str = "analytic", n_trajectories: int = 200,
                initial_F: ArrayLike = 0.0, eta_range: ArrayLike | None = None,
                settings: BasisLearningSettings | None = None,
                **keywords: Any) -> BasisLearningResult:
    """Learn the basis functions F_k(ν) on a grid (Algorithm 1).

    Minimises the action S = ∫_0^T KL(p || p̃) dt (eq. 16) over the grid values of F
    using the gradient eq. 21 with sensitivities from eq. 22 (hat-function
    parameterisation; see the module docstring), by Gauss–Newton /
    Levenberg–Marquardt with a smoothness prior (default) or the paper's gradient
    descent (``settings.optimizer``; :mod:`dynboltz.runtime.wellmixed.basis_steps`).

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        One-species network.
    rates : mapping of str to float
        Rate of every process (1/time), keyed by ``net.process_names``.
    K : {1, 2}
        Number of basis functions (moments ⟨C(n,k)⟩, k ≤ K, of eq. 19).
    grid : None, 1-D array (K = 1) or sequence of K 1-D arrays
        Evenly spaced grid axes; the ν_K axis must be positive.  None (then
        ``eta_range`` is required): per axis the central 1 %–99 % of the moment-matched
        ν*(t) of the first batch's true moments, all times and initial conditions,
        with 30 nodes (K = 1) or 15 per axis (K = 2)
        (:mod:`dynboltz.runtime.wellmixed.basis_grid`).  An explicit grid holding less
        than half of those ν*, or with less than half of its nodes in their range,
        warns (`GridCoverageWarning`).  ν is the parameter of eq. 19,
        p̃(n) ∝ exp(−Σ_k ν_k C(n, k)): with K = 1 the mean count is 1 / (e^ν1 − 1),
        so small ν means large populations.
    T : float
        Integration time of every reduced trajectory (> 0; required).
    iterations : int
        Most update steps (>= 1); "gauss_newton" stops earlier once converged.
    seed : None, int or numpy.random.SeedSequence
        Seeds the initial conditions and the SSA; same seed, same result.
    truth : {"analytic", "ssa"}
        True moments from the closed moment system of ``net.moment_system(K)`` or
        from Gillespie simulation (``n_trajectories`` per initial condition).
    initial_F : float or array of shape grid_shape + (K,)
        Starting values of F (the paper starts from a uniform value).
    eta_range : (K, 2) array or None
        [low, high] of the uniform initial conditions per axis; default the grid box
        (required when ``grid`` is None).
    settings : BasisLearningSettings or None
        Optimiser, batch size and integration settings; None for the defaults.
    **keywords
        Fields of `BasisLearningSettings` (``optimizer``, ``learning_rate``,
        ``n_initial``, ...), applied on top of ``settings``.

    Returns
    -------
    BasisLearningResult

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (the message names it).
    IntegrationError
        If a reduced trajectory at an accepted F leaves the finite numbers or the
        domain ν_K > 0 where p̃ is normalisable (a too large learning_rate or a grid
        too close to its edge); the message names the step or the η.
    """
    function = "learn_basis"
    problem = _check_problem(net, rates, K, grid, T, truth, n_trajectories, eta_range,
                             settings, keywords)
    settings = problem.settings
    iterations = check_integer(iterations, "iterations", function, 1)
    if problem.axes is not None:
        _initial_values(initial_F, tuple(a.size for a in problem.axes) + (K,), function)
    eta_seed, truth_seed = np.random.SeedSequence(seed).spawn(2)
    setup = _build_setup(problem)
    eta_rng = np.random.default_rng(eta_seed)
    eta = eta_rng.uniform(problem.eta_low, problem.eta_high, size=(settings.n_initial, K))
    iteration_seeds = truth_seed.spawn(iterations)
    first_truth = setup.truth(eta, iteration_seeds[0])
    setup = _grid_for_data(setup, first_truth)
    problem = setup.problem
    shape = tuple(axis.size for axis in problem.axes)
    F = _initial_values(initial_F, shape + (K,), function)
    method = METHODS[settings.optimizer](settings, F.shape)
    history = [F.copy()]
    records = {"actions": [], "eta": [], "gradient": [], "step_sizes": []}
    visits = np.zeros(shape)
    evaluations, converged = 0, False
    for i, iteration_seed in enumerate(iteration_seeds):
        if settings.resample_initial and i > 0:
            eta = eta_rng.uniform(problem.eta_low, problem.eta_high,
                                  size=(settings.n_initial, K))
        batch = _Batch(setup, eta, iteration_seed, first_truth if i == 0 else None)
        try:
            step = method.step(F, batch, i)
        except OutOfDomain as error:
            raise IntegrationError(str(error)) from None
        F = step.F
        evaluations += step.evaluations
        visits += step.evaluation.occupation
        history.append(F.copy())
        for key, value in zip(records, (step.evaluation.actions, eta,
                                        step.evaluation.gradient, step.step_size)):
            records[key].append(value)
        if step.converged:
            converged = True
            break
    n_done = len(records["actions"])
    message = (f"converged: the last step changed F by <= {settings.tolerance:g} max|F|"
               if converged else f"stopped after the maximum of {n_done} iterations")
    actions = np.array(records["actions"])
    nodes = np.stack(np.meshgrid(*problem.axes, indexing="ij"), axis=-1)
    info = convergence_info(n_done, evaluations, converged, message,
                            optimizer=settings.optimizer, settings=settings,
                            step_sizes=np.array(records["step_sizes"]),
                            dropped_paths=int(np.isnan(actions).sum()))
    return BasisLearningResult(np.nanmean(actions, axis=1), info, problem.axes, nodes, F,
                               np.array(history), actions, np.array(records["eta"]),
                               np.array(records["gradient"]), visits)
