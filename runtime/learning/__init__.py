"""Learning lattice dynamics (Algorithm 2): the reduced model eq. 52, sensitivities eq. 54, action eq. 53.

``integrate`` solves eq. 52 with eq. 54; ``learn_rates`` fits the rates θ to simulation data.
"""
from dynboltz.runtime.common.results import Trajectory
from dynboltz.runtime.learning.action import ASLEEP, moment_error
from dynboltz.errors import IdentifiabilityWarning
from dynboltz.runtime.learning.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS
from dynboltz.runtime.learning.rate_learning import learn_rates
from dynboltz.runtime.learning.reduced_ode import (METHODS, RateTrajectory, adjoint_gradient,
                                                   integrate)
from dynboltz.errors import IntegrationError
from dynboltz.runtime.learning.result import RateLearningResult
from dynboltz.runtime.learning.settings import (CheckpointSettings, IntegrationSettings,
                                                OptimizerSettings)

__all__ = ["integrate", "adjoint_gradient", "learn_rates", "moment_error", "Trajectory",
           "RateTrajectory", "RateLearningResult", "IntegrationError",
           "IdentifiabilityWarning", "OptimizerSettings", "IntegrationSettings",
           "CheckpointSettings", "OPTIMIZERS", "ASLEEP", "METHODS", "DEFAULT_LEARNING_RATES"]
