"""The quasi-Newton default of `learn_rates`: ``scipy.optimize.minimize`` with θ ≥ 0.

The optimiser works on u = θ / scale (each rate relative to its starting value), so
that its first step and its curvature memory do not depend on the units of θ.  scipy's
stopping tests are switched off: the run stops on the Gauss–Newton step of
``dynboltz.runtime.learning.curvature`` (through the iteration callback) or at the
iteration limit.

A trial θ where eq. 52 cannot be integrated is a failed trial point.  scipy's L-BFGS-B
line search cannot use an infinite value (it stops where it stands), so the point gets
a value above every finite one seen — the last integrable point's plus 1 + |its value|
— with a gradient pointing back to that point: the line search then backs off, and the
trust region of ``trust-constr`` shrinks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import Bounds, minimize

from dynboltz.runtime.learning.optimizers import QUASI_NEWTON

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.learning.settings import OptimizerSettings

__all__ = ["minimize_objective"]

_NO_STOPPING = {"L-BFGS-B": {"gtol": 0.0, "ftol": 0.0, "maxfun": 10**9},
                "trust-constr": {"gtol": 0.0, "xtol": 0.0, "barrier_tol": 1e-300}}
"""scipy's own stopping tests, off (see the module docstring)."""


class _ScaledProblem:
    """f(u), ∇f(u) and the Gauss–Newton Hessian in u = θ / scale, with failed points."""

    def __init__(self, objective, first, scale):
        self.objective, self.scale = objective, scale
        self.good = first
        self.points = {first.theta.tobytes(): first}

    def point(self, u):
        theta = np.maximum(u, 0.0) * self.scale
        key = theta.tobytes()
        if key not in self.points:
            found = self.objective.evaluate(theta, 0)
            if found is not None:
                self.good = found
            # Keep the last few: scipy asks for the iterate again in the callback.
            if len(self.points) > 8:
                self.points.pop(next(iter(self.points)))
            self.points[key] = found
        return self.points[key]

    def value_and_gradient(self, u):
        point = self.point(u)
        if point is not None:
            return point.objective, point.gradient * self.scale
        good_u = self.good.theta / self.scale
        away = u - good_u
        rise = 1.0 + abs(self.good.objective)
        return self.good.objective + rise, away * (2.0 * rise / max(away @ away, 1e-300))

    def hessian(self, u):
        point = self.point(u) or self.good
        return point.hessian * np.outer(self.scale, self.scale)


def minimize_objective(objective: Any, first: Any, scale: np.ndarray,
                       settings: OptimizerSettings,
                       on_iteration: Callable[[Any], bool], iterations: int
                       ) -> tuple[bool, str]:
    """Run the scipy method of ``settings.name`` from the evaluated point ``first``.

    Parameters
    ----------
    objective : object
        ``evaluate(theta, iteration)`` -> evaluation (``theta``, ``objective``,
        ``gradient``, ``hessian``) or None where eq. 52 cannot be integrated.
    first : evaluation
        At the starting θ.
    scale : ndarray, shape (P,)
        Positive scale of each rate.
    settings : OptimizerSettings
    on_iteration : callable
        Called with the evaluation at every accepted iterate; True stops the run
        (converged).
    iterations : int
        Iteration limit.

    Returns
    -------
    (bool, str)
        Converged, and why the run stopped.
    """
    if iterations == 0:
        return False, "stopped at the iteration limit"
    problem = _ScaledProblem(objective, first, scale)
    state = {"converged": False}

    def callback(intermediate_result):
        point = problem.point(intermediate_result.x)
        if point is not None and on_iteration(point):
            state["converged"] = True
            raise StopIteration

    method = QUASI_NEWTON[settings.name]
    options = {**_NO_STOPPING[method], **dict(settings.options), "maxiter": iterations}
    extra = {"hess": problem.hessian} if method == "trust-constr" else {}
    size = scale.size
    outcome = minimize(problem.value_and_gradient, first.theta / scale, jac=True,
                       method=method, bounds=Bounds(np.zeros(size), np.full(size, np.inf)),
                       callback=callback, options=options, **extra)
    if state["converged"]:
        return True, "the Gauss–Newton step to the optimum is below the tolerance"
    return False, f"scipy {method} stopped: {outcome.message}"
