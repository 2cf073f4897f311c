"""The paper's BARW experiment (Sec. III C, Fig. 9-10): simulation data -> Algorithm 2.

A branching and annihilating random walk on a ring of N = 100 sites, recorded every
Δt = 0.01 up to T = 1, every replicate started from its own exact sample of the
Boltzmann ring at h₀ = 1, J₀ = 0 (occupancy e/(1 + e) ≈ 0.731). The mean moments
(µ, ∆) of an ensemble of replicates are the awake data of Algorithm 2, which learns the
coefficients θ = (branching, annihilation, diffusion) of the reduced model eq. 52.

Two data sources (``scheme``):

``"paper"``
    The paper's discrete-time scheme (``dynboltz.runtime.lattice.chain.paper_scheme``): every particle
    attempts a hop each step (hop probability 1), branching at kb = 10 onto each empty
    neighbour, an attempted hop onto an occupied site annihilates with pa = 0.1.
    θ₀ = (kb, pa/Δt, 10) as in the paper.
``"exact"``
    Exact continuous-time KMC (the CME the basis functions describe) at known rates
    ``EXACT_RATES`` = (10, 10, 50): the CTMC counterpart of the paper's scheme. Branching
    kb = 10 per empty neighbour; an adjacent pair in the paper's scheme annihilates with
    probability 2 × ½ × pa per step (each particle aims at the other with probability ½),
    a rate pa/Δt = 10 per pair; a particle hops every step, to each side with
    probability ½, a rate 1/(2Δt) = 50 per direction. θ₀ = half of these, and the distance
    of the learned θ from them measures the moment-closure error.

>>> from dynboltz.runtime.paper.barw import barw_settings, run_barw
>>> run = run_barw(barw_settings("paper"))
>>> run.summary["error_ratio"]                      # moment error at θ₀ / after learning
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.learning import integrate, learn_rates, moment_error
from dynboltz.runtime.learning.action import trapezoid_weights
from dynboltz.runtime.common.json_files import write_json
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.common.results import ShortRepr

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.ensemble import Ensemble
    from dynboltz.runtime.learning import RateLearningResult

__all__ = ["BarwSettings", "BarwRun", "barw_settings", "barw_data", "run_barw",
           "barw_summary", "write_summary", "PAPER_RATES", "EXACT_RATES", "ADAM_LEARNING",
           "PAPER_DIRECTION", "SCHEMES"]

SCHEMES = ("paper", "exact")
PAPER_RATES = {"branching": 10.0, "annihilation": 0.1, "diffusion": 1.0}
"""Paper scheme inputs: kb (rate), pa (probability per collision), hop probability."""
EXACT_RATES = {"branching": 10.0, "annihilation": 10.0, "diffusion": 50.0}
"""Exact scheme rates θ: the CTMC counterpart of ``PAPER_RATES`` at Δt = 0.01."""
PAPER_DIRECTION = {"branching": "down", "annihilation": "down", "diffusion": "up"}
"""Sec. III C: learned branching and annihilation fall below θ₀, diffusion rises."""
PAPER_DIFFUSION_THETA0 = 10.0
X0 = (1.0, 0.0)
"""h₀ = 1, J₀ = 0: occupancy e / (1 + e) ≈ 0.731, as in the paper's data."""
FULL_REPLICATES = 4000
"""Standard error of µ(t) ≈ 0.0007, so the noise floor of the moment error (≈ 2e-6) is
far below the closure error the learning leaves (≈ 5e-5)."""


@dataclass(frozen=True)
class BarwSettings:
    """Everything that defines one BARW experiment (JSON-serialisable via ``as_dict``).

    Attributes
    ----------
    scheme : {"paper", "exact"}
    rates : dict of str -> float
        Simulation inputs of ``scheme`` (``PAPER_RATES`` or ``EXACT_RATES``).
    theta0 : tuple of float
        Initial coefficients of eq. 52, in ``library.barw.process_names`` order.
    N, T, dt : int, float, float
        Sites, final time, recording interval (and paper-scheme step).
    x0 : tuple of float
        Initial Boltzmann parameters (h, J).
    replicates, iterations, seed : int
    learning : dict
        Keyword arguments of ``learn_rates`` (optimizer, learning_rate, l2, ...).
    """

    scheme: str
    rates: dict
    theta0: tuple
    N: int = 100
    T: float = 1.0
    dt: float = 0.01
    x0: tuple = X0
    replicates: int = FULL_REPLICATES
    iterations: int = 400
    seed: int = 0
    learning: dict = field(default_factory=dict)

    @property
    def times(self) -> np.ndarray:
        """Recording times 0, Δt, .., T, shape (T/Δt + 1,)."""
        steps = int(round(self.T / self.dt))
        return np.round(np.arange(steps + 1) * self.dt, 12)

    def as_dict(self) -> dict[str, object]:
        """Plain-data copy for the JSON summary."""
        return {"scheme": self.scheme, "rates": dict(self.rates), "theta0": list(self.theta0),
                "N": self.N, "T": self.T, "dt": self.dt, "x0": list(self.x0),
                "replicates": self.replicates, "iterations": self.iterations,
                "seed": self.seed, "learning": dict(self.learning)}


@dataclass(repr=False)
class BarwRun(ShortRepr):
    """Data, learning result and summary of one experiment.

    Attributes
    ----------
    settings : BarwSettings
    times : ndarray, shape (T,)
    data_moments : ndarray, shape (T, 2)
        Ensemble mean of (µ, ∆).
    data_standard_error : ndarray, shape (T, 2)
    result : object
        What ``learn_rates`` returned (theta, theta_history, predicted_moments, ...).
    summary : dict
        ``barw_summary`` of the run.
    """

    settings: BarwSettings
    times: np.ndarray
    data_moments: np.ndarray
    data_standard_error: np.ndarray
    result: object
    summary: dict


def _default_learning():
    # learn_rates' default (L-BFGS-B on the exact action, stopping on its tolerance):
    # 18-21 iterations here, to the action's minimum. One RK4 step per Δt is off by up
    # to 8e-3 in the moments at diffusion 50 (more than the data's standard error);
    # 4 substeps: 1e-5. ADAM_LEARNING is the earlier setting, kept for comparison.
    return {"optimizer": "lbfgs", "substeps": 4}


ADAM_LEARNING = {"optimizer": "adam", "learning_rate": 1.0, "l2": 1e-6, "substeps": 4}
"""Adam at rate 1 with a weak L2 term towards θ₀ (the gradient of eq. 53 is ~1e-3 at
θ₀: l2 = 1e-3 would pin θ at θ₀), 400 fixed steps: the setting before the quasi-Newton
default; ``barw_settings(learning=ADAM_LEARNING)`` reproduces it."""


def barw_settings(scheme: str = "paper", iterations: int = 400,
                  replicates: int = FULL_REPLICATES, seed: int = 0, N: int = 100,
                  T: float = 1.0, dt: float = 0.01, learning: Mapping[str, object] | None = None
                  ) -> BarwSettings:
    """Settings of the paper's BARW experiment (Sec. III C) for one data source.

    Parameters
    ----------
    scheme : {"paper", "exact"}
        ``"paper"``: θ₀ = (kb, pa/Δt, 10); ``"exact"``: θ₀ = ``EXACT_RATES`` / 2.
    iterations : int
        Iteration limit of Algorithm 2 (the paper ran 400 fixed steps; the default
        optimiser stops on its tolerance long before).
    replicates : int
        Simulated lattices averaged into the data.
    seed : int
        Seeds the simulation (replicate r uses stream r) and the learning.
    N, T, dt : int, float, float
        The paper: 100, 1, 0.01. ``T`` must be a multiple of ``dt``.
    learning : dict, optional
        Overrides of the ``learn_rates`` keywords (default: its L-BFGS-B with 4 RK4
        substeps per Δt; ``ADAM_LEARNING`` is the earlier Adam + L2 setting).

    Returns
    -------
    BarwSettings
    """
    function = "barw_settings"
    check_choice(scheme, "scheme", SCHEMES, function)
    dt = check_real(dt, "dt", function, 0.0, low_open=True)
    T = check_real(T, "T", function, 0.0, low_open=True)
    if abs(round(T / dt) * dt - T) > 1e-9 * T:
        raise invalid("T", function, f"a multiple of dt = {dt}", T)
    if learning is not None and not isinstance(learning, dict):
        raise invalid("learning", function, "a dict of learn_rates keywords", learning,
                      TypeError)
    if scheme == "paper":
        rates = dict(PAPER_RATES)
        initial = {"branching": rates["branching"],
                   "annihilation": rates["annihilation"] / dt,
                   "diffusion": PAPER_DIFFUSION_THETA0}
    else:
        rates = dict(EXACT_RATES)
        initial = {name: 0.5 * rate for name, rate in rates.items()}
    theta0 = tuple(initial[name] for name in _library().process_names)
    return BarwSettings(scheme=scheme, rates=rates, theta0=theta0,
                        N=check_integer(N, "N", function, 4), T=T, dt=dt,
                        replicates=check_integer(replicates, "replicates", function, 2),
                        iterations=check_integer(iterations, "iterations", function, 1),
                        seed=check_integer(seed, "seed", function, 0),
                        learning={**_default_learning(), **(learning or {})})


def _library():
    from dynboltz.generated import library

    return library.barw


def barw_data(settings: BarwSettings, workers: int | None = None) -> Ensemble:
    """Simulated moments of the BARW ensemble, the awake data of Algorithm 2.

    Parameters
    ----------
    settings : BarwSettings
    workers : int, optional
        Local processes for the ensemble (default: all cores).

    Returns
    -------
    Ensemble
        ``moments`` (replicates, T, 2): per-site (µ, ∆) of each replicate.
    """
    from dynboltz.runtime.lattice import simulate

    options = {"dt": settings.dt} if settings.scheme == "paper" else None
    return simulate(_library(), dict(settings.rates), np.array(settings.x0, dtype=np.float64),
                    settings.times, settings.replicates, settings.seed, workers=workers,
                    N=settings.N, scheme=settings.scheme, scheme_options=options)


def _directions(theta0, theta):
    return {name: ("up" if b > a else "down" if b < a else "unchanged")
            for name, a, b in zip(_library().process_names, theta0, theta)}


def _exact_comparison(settings, theta0, theta, times, data_moments):
    """Learned θ against the simulated rates: the closure error (exact scheme)."""
    names = _library().process_names
    simulated = np.array([settings.rates[name] for name in names])
    integration = {key: settings.learning[key] for key in ("integrator", "substeps", "rtol",
                                                            "atol") if key in settings.learning}
    trajectory = integrate(_library(), simulated, np.array(settings.x0), times,
                           sensitivities=False, **integration)
    at_simulated = _library().moments(trajectory.x)
    scale = np.linalg.norm(simulated)
    return {
        "simulated_rates": dict(zip(names, simulated.tolist())),
        "moment_error_at_simulated_rates": moment_error(at_simulated, data_moments, times),
        "closure_distance": float(np.linalg.norm(theta - simulated) / scale),
        "relative_deviation": dict(zip(names, ((theta - simulated) / simulated).tolist())),
        "initial_distance": float(np.linalg.norm(theta0 - simulated) / scale),
    }


def _scheme_comparison(settings, theta0, theta, times, data_moments):
    if settings.scheme == "exact":
        return _exact_comparison(settings, theta0, theta, times, data_moments)
    directions = _directions(theta0, theta)
    return {"direction": directions, "paper_direction": dict(PAPER_DIRECTION),
            "agrees_with_paper": directions == PAPER_DIRECTION}


_CONVERGENCE_KEYS = ("iterations", "evaluations", "converged", "message", "condition_number",
                     "undetermined")


def barw_summary(settings: BarwSettings, times: ArrayLike, data_moments: ArrayLike,
                 data_standard_error: ArrayLike, result: RateLearningResult) -> dict[str, object]:
    """JSON-ready summary: θ₀, θ, the moment error of eq. 52 before/after learning.

    Parameters
    ----------
    settings : BarwSettings
    times : ndarray, shape (T,)
    data_moments, data_standard_error : ndarray, shape (T, 2)
    result : RateLearningResult

    Returns
    -------
    dict
        ``settings``; ``process_names``; ``theta0`` and ``theta`` (dicts by process
        name); ``standard_errors`` (dict, from the replicate scatter) and
        ``convergence`` (``iterations``, ``evaluations``, ``converged``, ``message``,
        ``condition_number``, ``undetermined``) of the learning;
        ``moment_error_initial`` / ``moment_error_learned``: ∫ |µ̃(t) − µ(t)|² dt over
        (µ, ∆) (``moment_error``) at θ₀ and at the learned θ; ``error_ratio`` (initial /
        learned; None when the learned error is 0); ``noise_floor``: ∫ Σ SE² dt, the error an exact model would show from
        the finite ensemble. ``"paper"``: ``direction`` of each coefficient vs θ₀,
        ``paper_direction``, ``agrees_with_paper``. ``"exact"``: ``simulated_rates``,
        ``moment_error_at_simulated_rates`` (eq. 52 integrated at the true rates),
        ``closure_distance`` = |θ − θ_sim| / |θ_sim|, ``relative_deviation`` per process,
        ``initial_distance`` (the same for θ₀).
    """
    names = list(_library().process_names)
    theta0 = np.asarray(settings.theta0, dtype=float)
    theta = np.asarray(result.theta, dtype=float)
    initial = moment_error(result.initial_moments, data_moments, times)
    learned = moment_error(result.predicted_moments, data_moments, times)
    summary = {
        "experiment": "BARW (paper Sec. III C, Fig. 9-10)",
        "settings": settings.as_dict(),
        "process_names": names,
        "theta0": dict(zip(names, theta0.tolist())),
        "theta": dict(result.rates),
        "standard_errors": result.standard_errors,
        "convergence": {key: result.info[key] for key in _CONVERGENCE_KEYS},
        "moment_error_initial": float(initial),
        "moment_error_learned": float(learned),
        "error_ratio": float(initial / learned) if learned > 0 else None,
        "noise_floor": float(trapezoid_weights(times)
                             @ np.sum(np.asarray(data_standard_error) ** 2, axis=-1)),
    }
    summary.update(_scheme_comparison(settings, theta0, theta, times, data_moments))
    return summary


def run_barw(settings: BarwSettings, workers: int | None = None, progress: bool = False,
             checkpoint: os.PathLike | str | None = None) -> BarwRun:
    """Simulate the BARW ensemble and learn θ with Algorithm 2 (eq. 52-54).

    Parameters
    ----------
    settings : BarwSettings
    workers : int, optional
        Processes for the simulation (default: all cores).
    progress : bool
        Show the learning progress bar.
    checkpoint : str or os.PathLike, optional
        Checkpoint file of ``learn_rates`` (resumed when it exists).

    Returns
    -------
    BarwRun
    """
    if not isinstance(settings, BarwSettings):
        raise invalid("settings", "run_barw", "a BarwSettings (see barw_settings)",
                      settings, TypeError)
    ensemble = barw_data(settings, workers=workers)
    times = ensemble.times
    mean = ensemble.moments.mean(axis=0)
    error = ensemble.moments.std(axis=0, ddof=1) / np.sqrt(ensemble.moments.shape[0])
    extra = {"checkpoint": checkpoint, "resume": True} if checkpoint is not None else {}
    names = _library().process_names
    result = learn_rates(_library(), data=ensemble, x0=np.array(settings.x0),
                         theta0=dict(zip(names, settings.theta0)),
                         iterations=settings.iterations,
                         seed=settings.seed, progress=progress, **settings.learning,
                         **extra)
    summary = barw_summary(settings, times, mean, error, result)
    return BarwRun(settings, times, mean, error, result, summary)


def write_summary(summary: Mapping[str, object], path: os.PathLike | str) -> Path:
    """Write a summary dict as indented standard JSON, atomically; returns the path.

    Non-finite numbers (an ``error_ratio`` of a perfect fit) are written as ``null``
    (``dynboltz.runtime.common.json_files``).
    """
    return write_json(summary, path)
