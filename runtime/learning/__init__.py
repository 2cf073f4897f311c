"""Learning lattice dynamics (Algorithm 2): the reduced model eq. 52, sensitivities eq. 54, action eq. 53.

``integrate`` solves eq. 52 with eq. 54; ``learn_rates`` fits the rates θ to simulation data.
"""
from dynboltz.runtime.learning.action import ASLEEP, LearningResult, moment_error
from dynboltz.runtime.learning.optimizers import OPTIMIZERS
from dynboltz.runtime.learning.rate_learning import DEFAULT_LEARNING_RATES, learn_rates
from dynboltz.runtime.learning.reduced_ode import (METHODS, IntegrationError, Trajectory,
                                                   adjoint_gradient, integrate)

__all__ = ["integrate", "adjoint_gradient", "learn_rates", "moment_error", "Trajectory",
           "LearningResult", "IntegrationError", "OPTIMIZERS", "ASLEEP", "METHODS",
           "DEFAULT_LEARNING_RATES"]
