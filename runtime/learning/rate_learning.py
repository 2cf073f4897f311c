"""Learning lattice dynamics, public facade (Algorithm 2, eq. 52–54).

>>> from dynboltz.generated import library
>>> from dynboltz.runtime.learning import integrate, learn_rates
>>> traj = integrate(library.barw, [10.0, 10.0, 10.0], [1.0, 0.0], times)
>>> traj.x.shape, traj.sensitivities.shape          # (T, L), (T, P, L)
>>> res = learn_rates(library.barw, data=ens, x0=[1.0, 0.0], theta0=[10.0, 10.0, 10.0],
...                   iterations=400, checkpoint="run.npz")
>>> res.theta, res.moment_errors()

The action, its gradient and the conventions are described in
``dynboltz.runtime.learning.action``; the integrator in
``dynboltz.runtime.learning.reduced_ode``.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from dynboltz.runtime.common.checkpoint import load_checkpoint, save_checkpoint
from dynboltz.runtime.common.ensemble import fingerprint
from dynboltz.runtime.learning.optimizers import OPTIMIZERS, make_optimizer
from dynboltz.runtime.learning.action import (ASLEEP, GRADIENTS, GradientProblem,
                                            LearningResult, asleep_options,
                                            check_learning_inputs, moment_error)
from dynboltz.runtime.learning.reduced_ode import (METHODS, IntegrationError, Trajectory,
                                          adjoint_gradient, check_library, integrate,
                                          integration_options)
from dynboltz.runtime.common.validation import (check_choice, check_integer, check_real, invalid,
                                         seed_entropy)

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary
    from dynboltz.runtime.common.ensemble import Ensemble
    from dynboltz.runtime.common.validation import SeedLike

__all__ = ["learn_rates", "DEFAULT_LEARNING_RATES"]

DEFAULT_LEARNING_RATES = {"paper": 100.0, "nesterov": 10.0, "adam": 0.1}
"""Learning rate used when ``learning_rate`` is None, per optimiser.

The action is per site and per unit time, so its gradient is small (about
1e-2 for BARW at θ ~ 10 over T = 1): the plain and momentum steps need large
rates; Adam's steps are about ``learning_rate`` in θ whatever the scale."""


def _settings(lib, optimizer, learning_rate, optimizer_options, l2, asleep, asleep_opts,
              gradient, method, tolerances, seed):
    function = "learn_rates"
    check_choice(gradient, "gradient", GRADIENTS, function)
    check_choice(method, "method", METHODS, function)
    rate = DEFAULT_LEARNING_RATES.get(optimizer) if learning_rate is None else learning_rate
    make_optimizer(optimizer, lib.n_processes, rate, optimizer_options, function)
    return {
        "optimizer": optimizer, "learning_rate": float(rate),
        "optimizer_options": dict(optimizer_options or {}),
        "l2": check_real(l2, "l2", function, 0.0),
        "asleep": asleep, "asleep_options": asleep_options(asleep, asleep_opts, function),
        "gradient": gradient, "method": method,
        "substeps": check_integer(tolerances[0], "substeps", function, 1),
        "rtol": check_real(tolerances[1], "rtol", function, 0.0, low_open=True),
        "atol": check_real(tolerances[2], "atol", function, 0.0, low_open=True),
        "seed": None if seed is None else seed_entropy(seed),
    }


def _fingerprint(lib, settings, times, moments, x0, theta0):
    metadata = {"motif_hash": lib.motif_hash, "process_names": list(lib.process_names),
                **{key: value for key, value in settings.items() if key != "seed"},
                "seed": str(settings["seed"])}
    return fingerprint(metadata, (times, moments, x0, theta0))


def _fresh_run(theta0, settings):
    entropy = settings["seed"] if settings["seed"] is not None else seed_entropy(None)
    return {"iteration": 0, "theta": theta0.copy(), "theta_history": [theta0.copy()],
            "action_history": [], "gradient_history": [], "entropy": entropy,
            "resumed_from": None}


def _restored_run(optimizer, loaded):
    header, arrays = loaded
    optimizer.load_state({key[len("optimizer_"):]: value for key, value in arrays.items()
                          if key.startswith("optimizer_")})
    iteration = int(header["iteration"])
    return {"iteration": iteration, "theta": arrays["theta"].copy(),
            "theta_history": list(arrays["theta_history"]),
            "action_history": list(arrays["action_history"]),
            "gradient_history": list(arrays["gradient_history"]),
            "entropy": header["entropy"], "resumed_from": iteration}


def _save(path, key, run, optimizer):
    arrays = {"theta": run["theta"], "theta_history": np.array(run["theta_history"]),
              "action_history": np.array(run["action_history"], dtype=np.float64),
              "gradient_history": np.array(run["gradient_history"], dtype=np.float64),
              **{f"optimizer_{name}": value for name, value in optimizer.state.items()}}
    save_checkpoint(path, {"fingerprint": key, "iteration": run["iteration"],
                           "entropy": run["entropy"]}, arrays)


def _gradient_problem(lib, run, problem, settings):
    times, moments, x0 = problem
    method, options = integration_options(
        "learn_rates", settings["method"], settings["substeps"], settings["rtol"],
        settings["atol"])
    return GradientProblem(lib, x0, times, moments, settings["asleep"],
                           settings["asleep_options"], settings["gradient"], method, options,
                           np.random.SeedSequence(run["entropy"]))


def _iterate(run, optimizer, problem, settings, theta0):
    """One step of Algorithm 2 (lines 8–16) on ``run``, in place."""
    action, grad, _ = problem.evaluate(run["theta"], run["iteration"])
    offset = run["theta"] - theta0
    objective = action + 0.5 * settings["l2"] * float(offset @ offset)
    step = optimizer.step(run["theta"], grad + settings["l2"] * offset, run["iteration"])
    run["theta"] = np.maximum(step, 0.0)
    run["theta_history"].append(run["theta"].copy())
    run["action_history"].append(objective)
    run["gradient_history"].append(grad)
    run["iteration"] += 1
    return objective


def _loop(lib, run, optimizer, problem, settings, theta0, iterations, saving, progress,
          callback):
    path, every, key = saving
    gradient_problem = _gradient_problem(lib, run, problem, settings)
    bar = tqdm(total=iterations, initial=run["iteration"], disable=not progress,
               desc="learn_rates", unit="it")
    try:
        while run["iteration"] < iterations:
            objective = _iterate(run, optimizer, gradient_problem, settings, theta0)
            if progress:
                # Late iterations change the action in the 7th digit or later.
                bar.set_postfix(action=f"{objective:.10e}", refresh=False)
            bar.update()
            if path is not None and (run["iteration"] % every == 0
                                     or run["iteration"] == iterations):
                _save(path, key, run, optimizer)
            if callback is not None:
                callback(run["iteration"], run["theta"].copy(), objective)
    finally:
        bar.close()


def learn_rates(lib: MotifLibrary, data: Ensemble | tuple[ArrayLike, ArrayLike], x0: ArrayLike,
                theta0: ArrayLike, iterations: int = 400, optimizer: str = "paper",
                learning_rate: float | None = None,
                optimizer_options: Mapping[str, float] | None = None, l2: float = 0.0,
                asleep: str = "exact", asleep_options: Mapping[str, int] | None = None,
                gradient: str = "forward", method: str = "rk4", substeps: int = 1,
                rtol: float = 1e-8, atol: float = 1e-10,
                checkpoint: os.PathLike | str | None = None,
                checkpoint_every: int = 10, resume: bool = False, seed: SeedLike = 0,
                progress: bool = True, callback: Callable[..., object] | None = None
                ) -> LearningResult:
    """Learn the rates θ of the reduced model from moment data (Algorithm 2).

    Each iteration integrates eq. 52 from x0 at θ, takes the gradient eq. 53
    of the action A(θ) + (l2/2)|θ − θ₀|² (see ``dynboltz.runtime.learning.action``),
    steps with the optimiser and projects onto θ ≥ 0.

    Parameters
    ----------
    lib : MotifLibrary
        Compiled motif; θ has one entry per ``lib.process_names``.
    data : Ensemble or (times, moments)
        Awake moments: an ensemble of simulations (``.times`` (T,),
        ``.moments`` (R, T, L), averaged over replicates) or arrays with
        moments (T, L) or (R, T, L), per site in moment order.
    x0 : array_like, shape (L,)
        Boltzmann parameters at ``times[0]`` (the simulations' initial state).
    theta0 : array_like, shape (P,)
        Initial rates (>= 0), also the centre of the L2 term.
    iterations : int
        Total iterations (including any done before a resume).
    optimizer : {"paper", "nesterov", "adam"}
        See ``dynboltz.runtime.learning.optimizers.OPTIMIZERS``.
    learning_rate : float, optional
        Default ``DEFAULT_LEARNING_RATES[optimizer]``.
    optimizer_options : dict, optional
        ``decay`` ("paper"), ``momentum`` ("nesterov"), ``beta1``, ``beta2``,
        ``epsilon`` ("adam").
    l2 : float
        Strength of the L2 term (l2/2)|θ − θ₀|² towards θ₀ (>= 0).  Off by default:
        the action is a per-site KL divergence whose gradient is typically ~1e-3, so
        a weight of that size already pins θ at θ₀ (the BARW experiment uses 1e-6).
    asleep : {"exact", "gibbs"}
        Asleep moments µ̃ from the transfer matrix or by Gibbs sampling.
    asleep_options : dict, optional
        ``"gibbs"``: ``N``, ``samples``, ``sweeps`` (see ``ASLEEP``).
    gradient : {"forward", "adjoint"}
    method : {"rk4", "adaptive"}
        Integrator of eq. 52 (and 54); ``substeps`` RK4 steps per data interval,
        ``rtol``, ``atol`` the adaptive tolerances (see `integrate`).
    substeps : int
    rtol, atol : float
    checkpoint : str or os.PathLike, optional
        ``.npz`` written atomically every ``checkpoint_every`` iterations and
        at the end.
    checkpoint_every : int
    resume : bool
        Continue from ``checkpoint`` if it exists (it must come from a run
        with the same arguments; results equal an uninterrupted run).
    seed : None, int or sequence of int
        Root of the per-iteration Gibbs streams.
    progress : bool
        Show a tqdm bar with the current objective.
    callback : callable, optional
        ``callback(iteration, theta, objective)`` after every iteration.

    Returns
    -------
    LearningResult

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, or a checkpoint of another run when resuming.
    IntegrationError
        The reduced model diverged at some θ: lower the learning rate or, if
        the message says the step is too coarse, pass a larger ``substeps`` or
        ``method="adaptive"``.
    """
    check_library(lib, "learn_rates")
    times, moments, x0, theta0 = check_learning_inputs(lib, data, x0, theta0, "learn_rates")
    iterations = check_integer(iterations, "iterations", "learn_rates", 0)
    every = check_integer(checkpoint_every, "checkpoint_every", "learn_rates", 1)
    settings = _settings(lib, optimizer, learning_rate, optimizer_options, l2, asleep,
                         asleep_options, gradient, method, (substeps, rtol, atol), seed)
    key = _fingerprint(lib, settings, times, moments, x0, theta0)
    opt = make_optimizer(optimizer, lib.n_processes, settings["learning_rate"],
                         optimizer_options, "learn_rates")
    if resume and checkpoint is None:
        raise invalid("checkpoint", "learn_rates", "a path when resume=True", checkpoint)
    loaded = load_checkpoint(checkpoint, key, "learn_rates") if resume else None
    run = _restored_run(opt, loaded) if loaded else _fresh_run(theta0, settings)
    if run["iteration"] > iterations:
        raise invalid("iterations", "learn_rates",
                      f"at least the {run['iteration']} iterations of the checkpoint",
                      iterations)
    _loop(lib, run, opt, (times, moments, x0), settings, theta0, iterations,
          (checkpoint, every, key), progress, callback)
    return _result(lib, run, times, moments, x0, theta0, settings)


def _result(lib, run, times, moments, x0, theta0, settings):
    integration = {key: settings[key] for key in ("method", "substeps", "rtol", "atol")}

    def prediction(theta):
        return lib.moments(integrate(lib, theta, x0, times, sensitivities=False,
                                     **integration).x)

    return LearningResult(
        theta=run["theta"].copy(), theta_history=np.array(run["theta_history"]),
        action_history=np.array(run["action_history"], dtype=np.float64),
        gradient_history=np.array(run["gradient_history"], dtype=np.float64).reshape(
            -1, lib.n_processes),
        times=times, data_moments=moments, initial_moments=prediction(theta0),
        predicted_moments=prediction(run["theta"]), process_names=lib.process_names,
        info={"iterations": run["iteration"], "resumed_from": run["resumed_from"],
              **{k: v for k, v in settings.items() if k != "seed"},
              "seed_entropy": run["entropy"]})
