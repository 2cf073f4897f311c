"""Learning lattice dynamics, public facade (Algorithm 2, eq. 52–54).

>>> from dynboltz.generated import library
>>> from dynboltz.runtime.learning import integrate, learn_rates
>>> traj = integrate(library.barw, [10.0, 10.0, 10.0], [1.0, 0.0], times)
>>> traj.x.shape, traj.sensitivities.shape          # (T, L), (T, P, L)
>>> res = learn_rates(library.barw, data=ens, x0=[1.0, 0.0],
...                   theta0={"branching": 10.0, "annihilation": 10.0, "diffusion": 10.0})
>>> res.rates, res.standard_errors, res.info["converged"]

The action, its gradient and the conventions are described in
``dynboltz.runtime.learning.action``; the integrator in
``dynboltz.runtime.learning.reduced_ode``; the curvature, stopping rule and standard
errors in ``dynboltz.runtime.learning.curvature``.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from dynboltz.messages import public
from dynboltz.runtime.common.checkpoint import load_checkpoint, save_checkpoint
from dynboltz.runtime.common.ensemble import fingerprint
from dynboltz.runtime.common.results import convergence_info
from dynboltz.advice import Advice
from dynboltz.errors import ConvergenceError
from dynboltz.runtime.common.validation import check_choice, invalid, seed_entropy
from dynboltz.runtime.learning.action import (GRADIENTS, GradientProblem, check_asleep_options,
                                              check_learning_inputs)
from dynboltz.runtime.learning.curvature import (identifiability, gauss_newton_hessian,
                                                 newton_step_size)
from dynboltz.errors import EffectiveRatesWarning, IdentifiabilityWarning
from dynboltz.runtime.learning.misfit import (EFFECTIVE_RATIO, effective_rates_words,
                                              misfit_ratio)
from dynboltz.runtime.learning.optimizers import make_optimizer
from dynboltz.runtime.learning.quasi_newton import minimize_objective
from dynboltz.runtime.learning.reduced_ode import (PreparedIntegration, check_library,
                                                   integrate, integration_options)
from dynboltz.errors import IntegrationError
from dynboltz.runtime.learning.result import RateLearningResult
from dynboltz.runtime.learning.settings import (CheckpointSettings, IntegrationSettings,
                                                OptimizerSettings, settings_from_keywords)

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary
    from dynboltz.runtime.common.ensemble import Ensemble
    from dynboltz.runtime.common.validation import SeedLike

__all__ = ["learn_rates"]


_CHECK_EVERY = 10
"""Gradient steps test the stopping rule every this many iterations."""


class _Evaluation:
    """Action, objective and gradients at one θ; the Gauss–Newton curvature on first use.

    ``curvature`` is the argument tuple of ``gauss_newton_hessian``, or a callable
    returning it (a replayed evaluation integrates again only if asked).
    """

    __slots__ = ("theta", "action", "objective", "action_gradient", "gradient",
                 "_curvature", "computed_hessian")

    def __init__(self, theta, action, objective, action_gradient, gradient, curvature):
        self.theta, self.action, self.objective = theta, action, objective
        self.action_gradient, self.gradient = action_gradient, gradient
        self._curvature, self.computed_hessian = curvature, None

    @property
    def hessian(self):
        # About as costly as the integration itself, and the line search's trial points
        # never need it.
        if self.computed_hessian is None:
            arguments = self._curvature() if callable(self._curvature) else self._curvature
            self.computed_hessian = gauss_newton_hessian(*arguments)
        return self.computed_hessian


class _Objective:
    """A(θ) + (l2/2)|θ − θ₀|², its gradient and Gauss–Newton curvature, at any θ.

    ``evaluate`` returns None where eq. 52 cannot be integrated (the error is kept in
    ``last_error``), so that an optimiser can treat the point as a failed trial.

    With ``logging`` on (the quasi-Newton methods) every evaluation is logged
    (``log_arrays``: θ, action, gradient, failure and, where it was computed, the
    Gauss–Newton Hessian).  A resumed quasi-Newton run starts again at θ₀ with the log
    of the checkpoint queued (``replay``): the objective is deterministic, so scipy asks
    for the same points in the same order, and each is answered from the log without
    integrating — the run retraces the interrupted one bit for bit, curvature memory
    included, and goes on from where it stopped.  θ₀ itself is evaluated live and must
    match the log's first entry, else the log is stale (other code or data) and dropped.
    """

    def __init__(self, lib, problem, theta0, l2, curvature_run):
        self.lib, self.problem, self.theta0, self.l2 = lib, problem, theta0, l2
        self.weights = problem.weights
        self.curvature_run = curvature_run
        self.evaluations = self.failures = 0
        self.last_error = None
        self.logging = False
        self._log, self._replay, self._expected_first = [], [], None

    def replay(self, arrays):
        """Queue the logged evaluations of a checkpoint (see the class docstring)."""
        if all(name in arrays for name in _LOG_NAMES):
            entries = list(zip(*(arrays[name] for name in _LOG_NAMES)))
            if entries:
                self._expected_first, self._replay = entries[0], entries[1:][::-1]

    def log_arrays(self):
        """The evaluation log as arrays, for the checkpoint."""
        size = self.theta0.size
        count = len(self._log)
        theta = np.empty((count, size))
        action, failed = np.full(count, np.nan), np.zeros(count, dtype=bool)
        gradient, hessian = np.full((count, size), np.nan), np.full((count, size, size), np.nan)
        for row, (point_theta, point) in enumerate(self._log):
            theta[row] = point_theta
            if point is None:
                failed[row] = True
                continue
            action[row], gradient[row] = point.action, point.action_gradient
            if point.computed_hessian is not None:
                hessian[row] = point.computed_hessian
        return dict(zip(_LOG_NAMES, (theta, action, gradient, failed, hessian)))

    def evaluate(self, theta, iteration):
        self.evaluations += 1
        if self._replay and self._expected_first is None:
            logged_theta, action, grad, failed, hessian = self._replay.pop()
            if np.array_equal(logged_theta, theta):
                return self._replayed(theta, float(action), np.array(grad), bool(failed),
                                      np.array(hessian))
            self._replay = []  # another path from here on: evaluate it
        try:
            action, grad, curvature = self._integrate(theta, iteration)
        except IntegrationError as error:
            self.failures += 1
            self.last_error = error
            self._check_first(theta, None, None)
            return self._record(theta, None)
        self._check_first(theta, action, grad)
        return self._record(theta, self._evaluation(theta, float(action), grad, curvature))

    def _integrate(self, theta, iteration):
        """Action, its gradient and the arguments of ``gauss_newton_hessian`` at θ (with
        the adjoint gradient, a callable: S is integrated only where the curvature is
        asked for, at accepted iterates, never at the line search's trial points)."""
        action, grad, _ = self.problem.evaluate(theta, iteration)
        if self.curvature_run is None:
            run = self.problem.integration
            return action, grad, (self.lib, run.x.copy(), run.s.copy(), self.weights,
                                  self.l2)
        at = theta.copy()
        return action, grad, lambda: self._sensitivity_curvature(at)

    def _sensitivity_curvature(self, theta):
        """Arguments of ``gauss_newton_hessian`` with eq. 54 integrated at θ."""
        run = self.curvature_run
        run.run(theta)
        return self.lib, run.x.copy(), run.s.copy(), self.weights, self.l2

    def _check_first(self, theta, action, grad):
        if self._expected_first is None:
            return
        logged_theta, logged_action, logged_grad, failed, _ = self._expected_first
        self._expected_first = None
        same = (np.array_equal(logged_theta, theta) and bool(failed) == (action is None)
                and (action is None or (logged_action == action
                                        and np.array_equal(logged_grad, grad))))
        if not same:
            self._replay = []
            warnings.warn("learn_rates: the checkpoint's evaluation log does not match "
                          "this objective at theta0 (written by other code?); resuming "
                          "by evaluating every point again", RuntimeWarning, stacklevel=4)

    def _record(self, theta, point):
        if self.logging:
            self._log.append((theta.copy(), point))
        return point

    def _evaluation(self, theta, action, grad, curvature):
        offset = theta - self.theta0
        return _Evaluation(theta.copy(), action,
                           action + 0.5 * self.l2 * float(offset @ offset),
                           grad.copy(), grad + self.l2 * offset, curvature)

    def _replayed_curvature(self, theta):
        if self.curvature_run is not None:
            return self._sensitivity_curvature(theta)
        return self._integrate(theta, 0)[2]

    def _replayed(self, theta, action, grad, failed, hessian):
        if failed:
            self.failures += 1
            self.last_error = IntegrationError(
                f"eq. 52 cannot be integrated at theta={theta.tolist()} (replayed from "
                f"the checkpoint)")
            return self._record(theta, None)
        point = self._evaluation(theta, action, grad, lambda: self._replayed_curvature(theta))
        if np.all(np.isfinite(hessian)):
            point.computed_hessian = hessian
        return self._record(theta, point)


_LOG_NAMES = ("log_theta", "log_action", "log_action_gradient", "log_failed", "log_hessian")
"""Checkpoint arrays of the quasi-Newton evaluation log (``_Objective.log_arrays``)."""


def _scale(theta0):
    """Scale of each rate for the stopping rule and the quasi-Newton variables."""
    positive = theta0[theta0 > 0]
    fallback = float(np.exp(np.mean(np.log(positive)))) if positive.size else 1.0
    return np.where(theta0 > 0, theta0, fallback)


def _step_size(point, scale):
    return newton_step_size(point.hessian, point.gradient, point.theta, scale)


def _projected_norm(point):
    held = (point.theta <= 0) & (point.gradient > 0)
    return float(np.linalg.norm(np.where(held, 0.0, point.gradient)))


class _Run:
    """Histories and counters of one learning run, checkpointed as they grow."""

    def __init__(self, theta0, entropy, saving, progress, callback, iterations):
        self.iteration, self.theta = 0, theta0.copy()
        self.theta_history = [theta0.copy()]
        self.action_history, self.gradient_history = [], []
        self.entropy, self.resumed_from, self.optimizer_state = entropy, None, None
        self.saving, self.callback, self.last = saving, callback, None
        self.bar = tqdm(total=iterations, disable=not progress, desc="learn_rates", unit="it")

    def restore(self, loaded):
        header, arrays = loaded
        self.iteration = self.resumed_from = int(header["iteration"])
        self.theta = arrays["theta"].copy()
        self.theta_history = list(arrays["theta_history"])
        self.action_history = list(arrays["action_history"])
        self.gradient_history = list(arrays["gradient_history"])
        self.entropy = header["entropy"]
        self.bar.update(self.iteration)
        self.optimizer_state = _optimizer_arrays(arrays)
        return self.optimizer_state

    def record(self, point):
        """The evaluation at the current θ (the last entry of ``theta_history``)."""
        self.last = point
        self.action_history.append(point.objective)
        self.gradient_history.append(point.action_gradient)
        # Late iterations change the action in the 7th digit or later.
        self.bar.set_postfix(action=f"{point.objective:.10e}", refresh=False)

    def advance(self, theta, optimizer_state=None):
        """Move to the next iterate: checkpoint, progress, user callback.

        ``optimizer_state``: dict of arrays, or a callable returning it (called only
        when a checkpoint is written).  Iterates a resumed run retraces are not saved
        again nor passed to the callback.
        """
        self.theta = theta.copy()
        self.theta_history.append(self.theta.copy())
        self.iteration += 1
        self.optimizer_state = optimizer_state
        self.bar.update()
        if self.resumed_from is not None and self.iteration <= self.resumed_from:
            return
        path, every, _ = self.saving
        if path is not None and self.iteration % every == 0:
            self.save()
        if self.callback is not None:
            self.callback(self.iteration, self.theta.copy(), self.last.objective)

    def save(self):
        path, _, key = self.saving
        if path is None:
            return
        # Evaluations of the θ stepped from; a resumed run evaluates the last θ again.
        done = len(self.theta_history) - 1
        gradients = np.array(self.gradient_history[:done], dtype=np.float64)
        state = self.optimizer_state
        state = state() if callable(state) else state
        arrays = {"theta": self.theta, "theta_history": np.array(self.theta_history),
                  "action_history": np.array(self.action_history[:done], dtype=np.float64),
                  "gradient_history": gradients.reshape(done, self.theta.size),
                  **{f"optimizer_{name}": value
                     for name, value in (state or {}).items()}}
        save_checkpoint(path, {"fingerprint": key, "iteration": self.iteration,
                               "entropy": self.entropy}, arrays)


def _optimizer_arrays(arrays):
    """The ``optimizer_*`` arrays of a checkpoint, without the prefix."""
    return {key[len("optimizer_"):]: value for key, value in arrays.items()
            if key.startswith("optimizer_")}


def _descend(objective, run, settings, optimizer, scale):
    """Gradient steps (paper, Nesterov, Adam) with projection onto θ ≥ 0."""
    while True:
        point = objective.evaluate(run.theta, run.iteration)
        if point is None:
            raise _diverged(objective.last_error, run, settings)
        run.record(point)
        # The check costs about one integration: every few steps (and at the limit).
        if (run.iteration % _CHECK_EVERY == 0 or run.iteration >= settings.iterations) \
                and _step_size(point, scale) <= settings.tolerance:
            return True, "the Gauss–Newton step to the optimum is below the tolerance"
        if run.iteration >= settings.iterations:
            return False, f"stopped after the iteration limit ({settings.iterations})"
        step = optimizer.step(run.theta, point.gradient, run.iteration)
        run.advance(np.maximum(step, 0.0), optimizer.state)


def _diverged(error, run, settings):
    if run.iteration == 0:
        return error
    return IntegrationError(
        f"optimizer {settings.name!r} at learning_rate {settings.learning_rate:g} stepped "
        f"theta from {run.theta_history[-2].tolist()} to {run.theta.tolist()} (iteration "
        f"{run.iteration}), where eq. 52 cannot be integrated ({error}): the step is too "
        f"large for the curvature of the action (the default optimizer 'lbfgs' backs off "
        f"from such points with its line search)",
        [Advice("lower", "learning_rate"), Advice("use", "optimizer", "'lbfgs'")])


_MAX_CONDITION = 1e12
"""Largest condition number of the Hessian H(x0) (eq. B2) learning starts from: F̃ =
H⁻¹ ṁ (eq. 47) loses about log10 of it of float64's 16 digits."""


def _check_invertible_at(lib, x0, function):
    """Refuse an x0 where H is singular (a saturated or frozen lattice, e.g. h = 1e300):
    eq. 52 could not take one step from it, whatever the rates or the step."""
    with np.errstate(all="ignore"):
        condition = np.linalg.cond(np.asarray(lib.hessian(x0[None, :]))[0])
    if not condition <= _MAX_CONDITION:
        raise invalid("x0", function, "Boltzmann parameters where the Hessian of ln λ₊ "
                      f"(eq. B2) can be inverted (condition number at most "
                      f"{_MAX_CONDITION:.0e}; here {condition:.3g}: |h|, |J| of a few tens "
                      "at most)", x0.tolist())


def _quasi_newton(objective, run, settings, scale):
    """scipy's L-BFGS-B or trust-constr on the deterministic objective."""
    objective.logging = True
    first = objective.evaluate(run.theta, run.iteration)
    if first is None:
        raise objective.last_error
    run.record(first)
    if _step_size(first, scale) <= settings.tolerance:
        return True, "the Gauss–Newton step to the optimum is below the tolerance"

    def on_iteration(point):
        # Tested before the checkpoint, so that the log holds this iterate's Hessian.
        converged = _step_size(point, scale) <= settings.tolerance
        run.record(point)
        run.advance(point.theta, objective.log_arrays)
        return converged

    converged, message = minimize_objective(
        objective, first, scale, settings, on_iteration,
        max(settings.iterations - run.iteration, 0))
    return converged, message


def _settings_dict(optimizer, integration, asleep, asleep_settings, gradient):
    fields = {key: value for key, value in optimizer.as_dict().items() if key != "name"}
    return {"optimizer": optimizer.name, **fields, **integration.as_dict(),
            "asleep": asleep, "asleep_options": asleep_settings, "gradient": gradient}


def _fingerprint(lib, settings, seed, arrays):
    metadata = {"motif_hash": lib.motif_hash, "process_names": list(lib.process_names),
                # The iteration limit may grow on resume: not part of the identity.
                **{key: value for key, value in settings.items() if key != "iterations"},
                "seed": str(seed)}
    return fingerprint(metadata, arrays)


@public
def learn_rates(lib: MotifLibrary, data: Ensemble | tuple[ArrayLike, ArrayLike], x0: ArrayLike,
                theta0: ArrayLike | Mapping[str, float],
                optimizer: str | OptimizerSettings = "lbfgs",
                integration: IntegrationSettings | None = None,
                checkpoint: os.PathLike | str | CheckpointSettings | None = None, *,
                asleep: str = "exact", asleep_options: Mapping[str, int] | None = None,
                gradient: str = "forward", require_convergence: bool = False,
                seed: SeedLike = 0, progress: bool = True,
                callback: Callable[..., object] | None = None, **keywords: Any
                ) -> RateLearningResult:
    """Learn the rates θ of the reduced model from moment data (Algorithm 2).

    Minimises the action A(θ) + (l2/2)|θ − θ₀|² (``dynboltz.runtime.learning.action``;
    its gradient is eq. 53, with eq. 52 and 54 integrated from x0 at every θ) over
    θ ≥ 0.  The default is a quasi-Newton method (scipy's L-BFGS-B with bounds θ ≥ 0)
    on the exact action; a θ where eq. 52 cannot be integrated is a failed trial point
    that the line search backs off from.  It stops when the Gauss–Newton step to the
    optimum changes no rate by more than ``tolerance`` of its scale
    (``dynboltz.runtime.learning.curvature``), and reports the curvature at the optimum:
    standard errors from the replicate scatter of the data, the condition number and
    the rates the data do not determine (an `IdentifiabilityWarning`).

    Parameters
    ----------
    lib : MotifLibrary
        Compiled motif; θ has one entry per ``lib.process_names``.
    data : Ensemble or (times, moments)
        Awake moments: an ensemble of simulations of the motif of ``lib`` (``.times``
        (T,), ``.moments`` (R, T, L), averaged over replicates) or arrays with moments
        (T, L) or (R, T, L), per site in moment order, at T >= 2 times, realisable by
        finite Boltzmann parameters (the test of ``fit_parameters``).
    x0 : array_like, shape (L,)
        Boltzmann parameters at ``times[0]`` (the simulations' initial state).
    theta0 : array_like, shape (P,), or dict of str -> float
        Initial rates (>= 0), in ``lib.process_names`` order or keyed by process name;
        also the centre of the L2 term.
    optimizer : str or OptimizerSettings
        ``"lbfgs"`` (default), ``"trust-constr"`` (scipy, with the Gauss–Newton Hessian),
        or the gradient steps ``"paper"``, ``"nesterov"``, ``"adam"`` (for the noisy
        Gibbs asleep moments); see `OptimizerSettings` for the settings.
    integration : IntegrationSettings, optional
        Integrator of eq. 52 and 54 (default: RK4, one step per data interval).
    checkpoint : str, os.PathLike or CheckpointSettings, optional
        ``.npz`` written atomically every ``checkpoint_every`` iterations and at the
        end; checked writable before any work.  ``resume=True`` continues from it (it
        must come from a run with the same arguments) and equals an uninterrupted run
        bit for bit: the gradient steps restore their state, the quasi-Newton methods
        retrace their path from θ₀ answered from the checkpoint's evaluation log (the
        retraced iterates are not saved again nor passed to ``callback``).
    asleep : {"exact", "gibbs"}
        Asleep moments µ̃ from the transfer matrix or by Gibbs sampling (noisy: use a
        gradient step).
    asleep_options : dict, optional
        ``"gibbs"``: ``N``, ``samples``, ``sweeps`` (see ``ASLEEP``).
    gradient : {"forward", "adjoint"}
    require_convergence : bool
        Raise `ConvergenceError` when the tolerance is not met.
    seed : None, int or sequence of int
        Root of the per-iteration Gibbs streams.  None draws fresh entropy, saved in
        the checkpoint: ``seed=None, resume=True`` continues a ``seed=None`` run with
        the entropy it drew (and refuses a checkpoint of a seeded run).
    progress : bool
        Show a tqdm bar with the current objective.
    callback : callable, optional
        ``callback(iteration, theta, objective)`` after every iteration.
    **keywords
        The settings' fields as flat keywords: ``iterations``, ``tolerance``,
        ``learning_rate``, ``optimizer_options``, ``l2`` (`OptimizerSettings`);
        ``integrator``, ``substeps``, ``rtol``, ``atol`` (`IntegrationSettings`);
        ``checkpoint_every``, ``resume`` (`CheckpointSettings`).

    Returns
    -------
    RateLearningResult
        ``rates`` (dict), ``theta``, ``standard_errors``, ``info["converged"]``, ...
        ``info["misfit_ratio"]``: χ²/point of the learned model against the data's
        noise (``dynboltz.runtime.learning.misfit``; None without replicates), and
        ``info["effective_rates"]``: True above 10, with an `EffectiveRatesWarning`
        (the closure cannot follow the data: the rates are effective rates).

    Raises
    ------
    ValueError, TypeError
        Invalid arguments or data, or a checkpoint of another run when resuming.
    IntegrationError
        Eq. 52 cannot be integrated at θ₀ (the message says whether the step or the
        rates are the cause), or a gradient step diverged (the message names the step).
    ConvergenceError
        ``require_convergence=True`` and the tolerance was not met.
    """
    function = "learn_rates"
    check_library(lib, function)
    opt, integ, saving = settings_from_keywords(optimizer, integration, checkpoint, keywords)
    times, moments, replicates, x0, theta0 = check_learning_inputs(lib, data, x0, theta0,
                                                                   function)
    _check_invertible_at(lib, x0, function)
    check_choice(gradient, "gradient", GRADIENTS, function)
    asleep_settings = check_asleep_options(asleep, asleep_options, function)
    if not isinstance(require_convergence, bool):
        raise invalid("require_convergence", function, "True or False", require_convergence,
                      TypeError)
    settings = _settings_dict(opt, integ, asleep, asleep_settings, gradient)
    entropy = seed_entropy(seed)
    # seed=None: the fresh entropy is saved in the checkpoint, which a resume reuses
    key = _fingerprint(lib, settings, "fresh" if seed is None else entropy,
                       (times, moments, x0, theta0))
    optimizer_steps = None if opt.quasi_newton else make_optimizer(
        opt.name, lib.n_processes, opt.learning_rate, opt.options, function)
    loaded = load_checkpoint(saving.path, key, function) if saving.resume else None
    if loaded and seed is None:
        entropy = loaded[0]["entropy"]
    run = _Run(theta0, entropy, (saving.path, saving.every, key), progress, callback,
               opt.iterations)
    try:
        done = int(loaded[0]["iteration"]) if loaded else 0
        if done > opt.iterations:
            raise invalid("iterations", function,
                          f"at least the {done} iterations of the checkpoint",
                          opt.iterations)
        objective = _objective(lib, times, moments, x0, theta0, opt, integ, asleep,
                               asleep_settings, gradient, entropy)
        if loaded and opt.quasi_newton:
            # retraced from θ₀ (see _Objective), so nothing of the run is restored
            run.resumed_from = done
            objective.replay(_optimizer_arrays(loaded[1]))
        elif loaded:
            optimizer_steps.load_state(run.restore(loaded))
            # One evaluation per gradient step (a failed one ends the run), so the
            # interrupted run made `done`; a retraced quasi-Newton run counts its own.
            objective.evaluations = done
        scale = _scale(theta0)
        converged, message = (_quasi_newton(objective, run, opt, scale) if opt.quasi_newton
                              else _descend(objective, run, opt, optimizer_steps, scale))
        run.save()
    finally:
        # A run that stops on the tolerance ends the bar where it stopped.
        run.bar.total = run.iteration
        run.bar.close()
    return _result(lib, run, objective, (times, moments, replicates, x0, theta0),
                   (opt, integ, settings, scale), (converged, message), require_convergence)


def _objective(lib, times, moments, x0, theta0, opt, integ, asleep, asleep_settings,
               gradient, entropy):
    method, options = integration_options("learn_rates", **integ.as_dict())
    problem = GradientProblem(lib, x0, times, moments, asleep, asleep_settings, gradient,
                              method, options, np.random.SeedSequence(entropy))
    curvature_run = None if gradient == "forward" else PreparedIntegration(
        lib, x0, times, method, options, sensitivities=True, record_steps=False)
    return _Objective(lib, problem, theta0, opt.l2, curvature_run)


def _result(lib, run, objective, problem, configuration, outcome, require_convergence):
    times, moments, replicates, x0, theta0 = problem
    opt, integ, settings, scale = configuration
    converged, message = outcome
    point = run.last
    final = integrate(lib, run.theta, x0, times, **integ.as_dict())
    curvature = identifiability(point.hessian, run.theta, lib.process_names,
                                objective.weights, final.sensitivities, replicates)
    if curvature["warning"]:
        warnings.warn(curvature["warning"], IdentifiabilityWarning, stacklevel=3)
    info = convergence_info(
        run.iteration, objective.evaluations, converged, message,
        gradient_norm=_projected_norm(point), step_size=_step_size(point, scale),
        failed_evaluations=objective.failures,
        condition_number=curvature["condition_number"],
        undetermined=curvature["undetermined"],
        identifiability_warning=curvature["warning"], resumed_from=run.resumed_from,
        settings=settings, seed_entropy=run.entropy)
    if require_convergence and not converged:
        raise ConvergenceError(
            f"learn_rates did not converge: {message}; the Gauss–Newton step is "
            f"{info['step_size']:.3g} of the rates' scale (tolerance {opt.tolerance:g}) "
            f"after {run.iteration} iterations at theta={run.theta.tolist()}",
            [Advice("raise", "iterations")]
            + ([] if opt.quasi_newton else [Advice("use", "optimizer", "'lbfgs'")]))

    def prediction(theta):
        return lib.moments(integrate(lib, theta, x0, times, sensitivities=False,
                                     **integ.as_dict()).x)

    predicted = lib.moments(final.x)
    info["misfit_ratio"] = misfit_ratio(predicted, replicates)
    info["effective_rates"] = bool(info["misfit_ratio"] is not None
                                   and info["misfit_ratio"] > EFFECTIVE_RATIO)
    if info["effective_rates"]:
        warnings.warn(effective_rates_words(info["misfit_ratio"]), EffectiveRatesWarning,
                      stacklevel=3)
    names = lib.process_names
    return RateLearningResult(
        action_history=np.array(run.action_history, dtype=np.float64), info=info,
        theta=run.theta.copy(), rates=dict(zip(names, run.theta.tolist())),
        standard_errors=curvature["standard_errors"], hessian=point.hessian,
        theta_history=np.array(run.theta_history),
        gradient_history=np.array(run.gradient_history, dtype=np.float64).reshape(
            -1, lib.n_processes),
        times=times, data_moments=moments, initial_moments=prediction(theta0),
        predicted_moments=predicted,
        process_names=names)
