r"""Algorithm 1 with spatial axes: learn F⁽¹⁾(ν), F⁽²⁾(ν) of eq. 42 from density data.

Model. ν(y, t) obeys eq. 42 from ν(y, t_0) = η(y) with F⁽¹⁾, F⁽²⁾ piecewise linear
on an evenly spaced ν grid (``pde``). The reduced distribution of independent particles
is p̃(x) ∝ Π_i e^−ν(x_i), so the model density is µ̃1(y, t) = ⟨n⟩(t) e^−ν(y,t)/Z(t),
Z = ∫ e^−ν dy.

Objective. The action is S = ∫ dt ⟨n⟩ KL(p_data(t) ‖ p̃(t)) with p_data = µ1/⟨n⟩ the
measured single-particle density (on the nodes, with the bin widths as quadrature
weights; 0 ln 0 = 0). Because ∂(⟨n⟩ KL)/∂ν(y) = µ1(y) − µ̃1(y), its gradient is eq. 44,

    ∂S/∂F⁽ᵞ⁾_g = ∫ dt ∫ dy (µ1 − µ̃1)(y, t) ∂ν(y, t)/∂F⁽ᵞ⁾_g,

with the sensitivities of eq. A15 (time integral: trapezoid on the data times).

Step. ``optimizer="gauss_newton"`` (default) preconditions the gradient with the
Fisher information of p̃, I = ∫ dt ⟨n⟩ Cov_p̃(s, s) (the Hessian of the KL at matching
moments), as a Levenberg–Marquardt step (I + µ diag I) ΔF = −∇S whose damping µ
shrinks ×1/3 after a step that lowers S and grows ×10 (step undone) after one that does
not. Grid nodes that no trajectory reaches have no information and keep their value.
Every step is clipped to ``max_step`` per grid value (a trust region: the quadratic
model of S holds only near F), and a trial F whose stable RK4 step
(``pde.stable_time_step``) is below 1/100 of the starting one is rejected without
integrating it (such an F is far outside the region the data describe).
``optimizer="gradient"`` is the paper's F ← F − λ_i ∇S with λ_i = learning_rate · decay^i
(with decay = 1 a rejected step would be proposed again at every iteration: the run
stops with a ConvergenceError instead).
The options form one `SpatialLearningSettings`; its fields are also keywords of
`learn_spatial_basis`.
Smoothness prior: with ``smoothness`` = σ > 0 the objective is
S + (σ ⟨n⟩/2) Σ_γ ∫ (dF⁽ᵞ⁾/dν)² dν (⟨n⟩ the time-averaged particle number, so σ
does not depend on how many particles were simulated); on the hat grid this is a
quadratic form in the grid values, added exactly to the gradient and the Fisher
matrix. It couples neighbouring grid values, which the data alone barely separate
where the profile sweeps through a ν range quickly (steep fronts at early times).
After every step F⁽²⁾ is kept >= ``F2_floor`` > 0: eq. 42 is ill posed with negative
diffusion.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.advice import Advice
from dynboltz.errors import ConvergenceError
from dynboltz.messages import public
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.continuous.density import DensityEstimate
from dynboltz.runtime.continuous.pde import (check_nu_grid, hat_weights, integrate_pde,
                                             stable_time_step)
from dynboltz.runtime.learning.action import trapezoid_weights
from dynboltz.runtime.common.results import LearningResult, convergence_info
from dynboltz.runtime.common.settings_keywords import settings_with_keywords

__all__ = ["learn_spatial_basis", "SpatialLearningResult", "SpatialLearningSettings",
           "spatial_action", "OPTIMIZERS"]

_FUNCTION = "learn_spatial_basis"
OPTIMIZERS = ("gauss_newton", "gradient")
"""Update rules of `learn_spatial_basis` (module docstring), the default first."""


@dataclass(frozen=True)
class SpatialLearningSettings:
    """How :func:`learn_spatial_basis` learns; checked on creation.

    Attributes
    ----------
    optimizer : {"gauss_newton", "gradient"}
        Levenberg–Marquardt on the Fisher information (default) or the paper's
        gradient descent (module docstring).
    learning_rate, decay : float
        "gradient": λ_i = learning_rate · decay**i; "gauss_newton": the fraction of
        the step taken (``decay`` unused). Both > 0.
    smoothness : float
        Weight σ >= 0 of the smoothness prior (module docstring); 0: none.
    damping : float
        Initial Levenberg–Marquardt damping µ (> 0).
    max_step : float
        Largest change of one grid value in one step (> 0).
    F2_floor : float
        Lower bound kept on F⁽²⁾ (> 0).
    dt : float or None
        RK4 step; None: ``pde.stable_time_step`` at each evaluation.
    """

    optimizer: str = "gauss_newton"
    learning_rate: float = 1.0
    decay: float = 1.0
    smoothness: float = 1e-3
    damping: float = 1.0
    max_step: float = 0.5
    F2_floor: float = 1e-3
    dt: float | None = None

    @public
    def __post_init__(self) -> None:
        function = "SpatialLearningSettings"
        check_choice(self.optimizer, "optimizer", OPTIMIZERS, function)
        for name in ("learning_rate", "decay", "damping", "max_step", "F2_floor"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, function,
                                                      0.0, low_open=True))
        object.__setattr__(self, "smoothness",
                           check_real(self.smoothness, "smoothness", function, 0.0))
        if self.dt is not None:
            object.__setattr__(self, "dt", check_real(self.dt, "dt", function, 0.0,
                                                      low_open=True))


@dataclass(repr=False)
class SpatialLearningResult(LearningResult):
    """Outcome of :func:`learn_spatial_basis`.

    Attributes
    ----------
    action_history : ndarray, shape (iterations + 1,)
        S at each entry of ``F_history``.
    info : dict
        ``iterations``, ``evaluations`` (integrations of eq. 42), ``converged``
        (False: a fixed number of steps is taken), ``message``; then ``optimizer``,
        ``settings`` (the `SpatialLearningSettings`), ``rejected_steps`` and
        ``best_iteration`` (the entry of ``F_history`` returned as F1, F2).
    grid : ndarray, shape (G,)
        ν grid nodes.
    F1, F2 : ndarray, shape (G,)
        Learned F⁽¹⁾, F⁽²⁾ (best action seen).
    F_history : ndarray, shape (iterations + 1, 2, G)
        F in force before the first and after every iteration.
    visits : ndarray, shape (G,)
        ∫ dt ∫ dy p̃(y, t) φ_g(ν(y, t)) at the learned F: the time the model's
        probability mass spends near each grid node (0: never reached).
    times : ndarray, shape (T,)
    nu : ndarray, shape (T, M)
        ν(y, t) at the learned F.
    """

    grid: np.ndarray
    F1: np.ndarray
    F2: np.ndarray
    F_history: np.ndarray
    visits: np.ndarray
    times: np.ndarray
    nu: np.ndarray


class _Evaluation:
    """Action and gradient at one F; the Fisher information and the visits are built
    on first use, once: only the accepted F of a Gauss–Newton run needs the first, only
    the best F the second (a rejected trial needs neither)."""

    def __init__(self, problem, F, nu, model, s=None):
        self.problem, self.nu, self.model, self._s = problem, nu, model, s
        weight = problem.time_weights * problem.data.total
        flat = F.ravel()
        self.action = float(weight @ _kl(problem.data_mass, model)) \
            + 0.5 * flat @ problem.penalty @ flat
        self.gradient = None
        if s is not None:
            residual = weight[:, None] * (problem.data_mass - model)   # ∫ dt (µ1 − µ̃1) dy
            self.gradient = np.einsum("ti,tfi->f", residual, s) + problem.penalty @ flat

    @functools.cached_property
    def fisher(self) -> np.ndarray:
        """I = ∫ dt ⟨n⟩ Cov_p̃(s, s) + the prior's Hessian, shape (2G, 2G)."""
        return _fisher(self.problem, self.model, self._s)

    @functools.cached_property
    def visits(self) -> np.ndarray:
        """∫ dt ∫ dy p̃ φ_g(ν), shape (G,) (``SpatialLearningResult.visits``)."""
        return np.einsum("t,ti,tig->g", self.problem.time_weights, self.model,
                         hat_weights(self.nu, self.problem.grid))


def _fisher(problem, model, s):
    """Fisher information of p̃ along the sensitivities ``s`` (T, 2G, M), plus the prior."""
    weight = problem.time_weights * problem.data.total
    mean = np.einsum("ti,tfi->tf", model, s)
    return np.einsum("t,ti,tfi,thi->fh", weight, model, s, s) \
        - np.einsum("t,tf,th->fh", weight, mean, mean) + problem.penalty


@dataclass(frozen=True)
class _Problem:
    data: DensityEstimate
    penalty: np.ndarray    # (2G, 2G) Hessian of the smoothness prior
    eta: np.ndarray
    grid: np.ndarray
    time_weights: np.ndarray
    data_mass: np.ndarray  # (T, M) p_data on the nodes, summing to 1 per time
    dt: float | None
    min_dt: float


def _model_mass(nu, widths):
    """p̃ on the nodes: widths e^−ν / Σ widths e^−ν per time, shape (T, M)."""
    weights = widths * np.exp(-(nu - nu.min(axis=1, keepdims=True)))
    return weights / weights.sum(axis=1, keepdims=True)


def _kl(data_mass, model_mass):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(data_mass > 0, data_mass * np.log(data_mass / model_mass), 0.0)
    return terms.sum(axis=1)


def _evaluate(problem, F, with_gradient=True):
    """`_Evaluation` at F; None if F's RK4 step is too short."""
    data, G = problem.data, problem.grid.size
    dt = problem.dt or stable_time_step(F[0], F[1], problem.grid, problem.eta, data.domain)
    if dt < problem.min_dt:
        return None
    trajectory = integrate_pde(F[0], F[1], problem.grid, problem.eta, data.domain,
                               data.times[0], data.times, dt=dt,
                               sensitivities=with_gradient)
    model = _model_mass(trajectory.nu, data.domain.widths)
    s = trajectory.sensitivity.reshape(data.times.size, 2 * G, -1) if with_gradient \
        else None
    return _Evaluation(problem, F, trajectory.nu, model, s)


def spatial_action(data: DensityEstimate, eta: ArrayLike, grid: ArrayLike, F1: ArrayLike,
                   F2: ArrayLike, dt: float | None = None, smoothness: float = 0.0
                   ) -> float:
    """S = ∫ dt ⟨n⟩ KL(p_data ‖ p̃) (+ prior) of eq. 42 run at (F1, F2) (module docstring).

    Parameters
    ----------
    data : DensityEstimate
    eta : array_like, shape (M,)
        ν(y, t_0) at ``data.times[0]``.
    grid : array_like, shape (G,)
    F1, F2 : array_like, shape (G,)
    dt : float, optional
        RK4 step (default: ``pde.stable_time_step``).
    smoothness : float
        Weight σ >= 0 of the smoothness prior.

    Returns
    -------
    float
    """
    smoothness = check_real(smoothness, "smoothness", "spatial_action", 0.0)
    problem = _problem(data, eta, grid, dt, "spatial_action", smoothness)
    F = np.array([np.asarray(F1, float), np.asarray(F2, float)])
    return _evaluate(problem, F, with_gradient=False).action


def _smoothness_penalty(grid, weight):
    """Hessian of (weight/2) Σ_γ ∫ (dF⁽ᵞ⁾/dν)² dν in the 2G grid values."""
    difference = np.diff(np.eye(grid.size), axis=0) / (grid[1] - grid[0])
    block = weight * (grid[1] - grid[0]) * difference.T @ difference
    return np.kron(np.eye(2), block)


def _problem(data, eta, grid, dt, function, smoothness=0.0):
    if not isinstance(data, DensityEstimate):
        raise invalid("data", function, "a DensityEstimate", data, TypeError)
    if data.times.size < 2:
        raise invalid("data", function, "density at >= 2 times", data.times)
    grid = check_nu_grid(grid, function)
    eta = np.asarray(eta, dtype=np.float64)
    if eta.shape != (data.domain.n_nodes,) or not np.all(np.isfinite(eta)):
        raise invalid("eta", function, f"finite nu on the {data.domain.n_nodes} nodes",
                      eta)
    dt = None if dt is None else check_real(dt, "dt", function, 0.0, low_open=True)
    mass = data.density * data.domain.widths
    penalty = _smoothness_penalty(grid, smoothness * float(data.total.mean()))
    return _Problem(data, penalty, eta, grid, trapezoid_weights(data.times),
                    mass / mass.sum(axis=1, keepdims=True), dt, 0.0)


def _initial_F(initial_F1, initial_F2, grid, floor):
    F = np.empty((2, grid.size))
    for row, (name, value) in enumerate((("initial_F1", initial_F1),
                                         ("initial_F2", initial_F2))):
        try:
            F[row] = np.broadcast_to(np.asarray(value, dtype=np.float64), grid.shape)
        except (TypeError, ValueError):
            raise invalid(name, _FUNCTION, f"broadcastable to {grid.shape}", value) from None
        if not np.all(np.isfinite(F[row])):
            raise invalid(name, _FUNCTION, "finite", value)
    if np.any(F[1] < floor):
        raise invalid("initial_F2", _FUNCTION, f">= F2_floor = {floor}", initial_F2)
    return F


def _levenberg_marquardt_step(evaluation, damping):
    fisher, gradient = evaluation.fisher, evaluation.gradient
    diagonal = np.diag(fisher).copy()
    ridge = 1e-12 * max(diagonal.max(), 1e-300)
    matrix = fisher + np.diag(damping * diagonal + ridge)
    return -np.linalg.solve(matrix, gradient)


@public
def learn_spatial_basis(data: DensityEstimate, eta: ArrayLike, grid: ArrayLike,
                        iterations: int = 30, *, initial_F1: ArrayLike = 0.0,
                        initial_F2: ArrayLike = 1.0,
                        settings: SpatialLearningSettings | None = None,
                        **keywords: Any) -> SpatialLearningResult:
    """Learn F⁽¹⁾(ν), F⁽²⁾(ν) of eq. 42 on a ν grid from density data (Algorithm 1).

    Parameters
    ----------
    data : DensityEstimate
        Measured n(y, t) and ⟨n⟩(t) at ``data.times`` (>= 2 times) on the domain's
        nodes; the model starts at ``data.times[0]``.
    eta : array_like, shape (M,)
        ν(y, t_0) (e.g. the known initial profile or ``data.nu[0]`` where finite).
    grid : array_like, shape (G,)
        Evenly spaced ν nodes of F⁽¹⁾, F⁽²⁾.
    iterations : int
        Steps (>= 1).
    initial_F1, initial_F2 : float or array of shape (G,)
        Starting values (F⁽²⁾ >= ``F2_floor``).
    settings : SpatialLearningSettings, optional
        Optimiser and step options; None for the defaults.
    **keywords
        Fields of `SpatialLearningSettings` (``optimizer``, ``learning_rate``,
        ``decay``, ``smoothness``, ``damping``, ``max_step``, ``F2_floor``, ``dt``),
        applied on top of ``settings``.

    Returns
    -------
    SpatialLearningResult

    Raises
    ------
    TypeError, ValueError
        Invalid arguments, before any work.
    IntegrationError
        If an integration stops being finite (names the step).
    ConvergenceError
        ``optimizer="gradient"`` with ``decay=1`` and a rejected step: every later
        iteration would propose the same F again.
    """
    settings = settings_with_keywords(settings, SpatialLearningSettings, keywords, _FUNCTION)
    problem = _problem(data, eta, grid, settings.dt, _FUNCTION, settings.smoothness)
    iterations = check_integer(iterations, "iterations", _FUNCTION, 1)
    floor = settings.F2_floor
    F = _initial_F(initial_F1, initial_F2, problem.grid, floor)
    G = problem.grid.size
    start_dt = problem.dt or stable_time_step(F[0], F[1], problem.grid, problem.eta,
                                              data.domain)
    problem = dataclasses.replace(problem, min_dt=0.01 * start_dt)
    current = _evaluate(problem, F)
    best_F, best, best_iteration = F.copy(), current, 0
    history, actions = [F.copy()], [current.action]
    damping, evaluations, rejected = settings.damping, 1, 0
    gradient_steps = settings.optimizer == "gradient"
    for i in range(iterations):
        if gradient_steps:
            step = -settings.learning_rate * settings.decay ** i * current.gradient
        else:
            step = settings.learning_rate * _levenberg_marquardt_step(current, damping)
        trial = F + np.clip(step, -settings.max_step, settings.max_step).reshape(2, G)
        trial[1] = np.maximum(trial[1], floor)
        evaluation = _evaluate(problem, trial)
        if evaluation is None and gradient_steps and settings.decay == 1.0:
            raise ConvergenceError(
                f"{_FUNCTION}: the gradient step of iteration {i} was rejected (its F needs "
                f"an RK4 step below 1/100 of the starting one) and with decay=1 every later "
                f"iteration would propose the same F", (
                    Advice("lower", "learning_rate"), Advice("lower", "decay", "0.9")))
        evaluations += evaluation is not None
        if evaluation is not None and (gradient_steps or
                                       evaluation.action < current.action):
            F, current = trial, evaluation
            damping /= 3.0
        else:
            damping *= 10.0
            rejected += 1
        if current.action < best.action:
            best_F, best, best_iteration = F.copy(), current, i + 1
        history.append(F.copy())
        actions.append(current.action)
    info = convergence_info(iterations, evaluations, False,
                            f"took the fixed {iterations} iterations",
                            optimizer=settings.optimizer, settings=settings,
                            rejected_steps=rejected, best_iteration=best_iteration)
    return SpatialLearningResult(np.array(actions), info, problem.grid, best_F[0],
                                 best_F[1], np.array(history), best.visits, data.times,
                                 best.nu)
