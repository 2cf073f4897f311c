"""The result of `learn_rates` (Algorithm 2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.common.results import LearningResult
from dynboltz.runtime.learning.action import moment_error

__all__ = ["RateLearningResult"]


@dataclass(repr=False)
class RateLearningResult(LearningResult):
    """Outcome of `learn_rates`: the common `LearningResult` plus the learned rates.

    Attributes
    ----------
    action_history : ndarray, shape (iterations + 1,)
        A(θ_i) + (l2/2)|θ_i − θ₀|² at ``theta_history[i]``.
    info : dict
        ``iterations``, ``evaluations``, ``converged``, ``message`` (common keys), then
        ``gradient_norm`` (projected gradient at θ, per unit rate), ``step_size`` (the
        Gauss–Newton step to the optimum relative to each rate's scale, the stopping
        quantity), ``tolerance``, ``failed_evaluations`` (trial θ where eq. 52 could not
        be integrated), ``condition_number``, ``undetermined`` (process names),
        ``identifiability_warning``, ``resumed_from``, ``seed_entropy``, ``settings`` (dict).
    theta : ndarray, shape (P,)
        Learned rates, ``process_names`` order.
    rates : dict of str -> float
        The same by process name.
    standard_errors : dict of str -> float, or None
        From the replicate scatter of the data (None when the data are a mean only).
    hessian : ndarray, shape (P, P)
        Gauss–Newton curvature of the objective at θ.
    theta_history : ndarray, shape (iterations + 1, P)
        θ₀ then θ after every iteration.
    gradient_history : ndarray, shape (iterations + 1, P)
        Eq. 53 (without the L2 term) at ``theta_history``.
    times : ndarray, shape (T,)
    data_moments : ndarray, shape (T, L)
        Awake moments µ(t) (the replicate mean).
    initial_moments, predicted_moments : ndarray, shape (T, L)
        Exact moments of the reduced model at θ₀ and at the learned θ.
    process_names : tuple of str
    """

    theta: np.ndarray
    rates: dict
    standard_errors: dict | None
    hessian: np.ndarray
    theta_history: np.ndarray
    gradient_history: np.ndarray
    times: np.ndarray
    data_moments: np.ndarray
    initial_moments: np.ndarray
    predicted_moments: np.ndarray
    process_names: tuple

    def moment_errors(self) -> tuple[float, float]:
        """(error at θ₀, error at θ): `moment_error` against the data."""
        return (moment_error(self.initial_moments, self.data_moments, self.times),
                moment_error(self.predicted_moments, self.data_moments, self.times))
