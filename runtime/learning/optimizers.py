"""Optimisers of the rates θ (Algorithm 2, line 16), by name.

Two kinds, one registry `OPTIMIZERS`:

* quasi-Newton (`QUASI_NEWTON`, the default ``"lbfgs"``): ``scipy.optimize.minimize`` on
  the exact, deterministic action with bounds θ ≥ 0 (run by
  ``dynboltz.runtime.learning.quasi_newton``);
* gradient steps (`GRADIENT_STEPS`: the paper's decaying step, Nesterov, Adam), for noisy
  (Gibbs) asleep moments.  Each maps (θ, ∇, iteration) to the next θ before projection
  onto θ ≥ 0 (done by the caller), and keeps its memory in ``state`` (a dict of float
  arrays) so that a checkpoint can restore it exactly; ``make_optimizer`` builds one.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import check_choice, check_real, invalid


__all__ = ["OPTIMIZERS", "QUASI_NEWTON", "GRADIENT_STEPS", "DEFAULT_LEARNING_RATES",
           "make_optimizer", "check_optimizer_options"]


class _Optimizer:
    defaults: dict[str, float] = {}

    def __init__(self, n: int, learning_rate: float, **options: float) -> None:
        self.learning_rate = learning_rate
        self.options = options
        self.state = self._initial_state(n)

    def _initial_state(self, n):
        return {}

    def load_state(self, state: Mapping[str, ArrayLike]) -> None:
        """Replace the memory by ``state`` (arrays as in ``self.state``)."""
        self.state = {key: np.array(state[key], dtype=np.float64) for key in self.state}


class PaperStep(_Optimizer):
    """θ ← θ − λ_i ∇ with λ_i = λ / (1 + i / decay) (the paper's decaying rate)."""

    defaults = {"decay": 100.0}

    def step(self, theta: np.ndarray, grad: np.ndarray, iteration: int) -> np.ndarray:
        rate = self.learning_rate / (1.0 + iteration / self.options["decay"])
        return theta - rate * grad


class Nesterov(_Optimizer):
    """Nesterov momentum in the form that needs ∇ at θ only:
    b ← µ b + ∇, θ ← θ − λ (∇ + µ b)."""

    defaults = {"momentum": 0.9}

    def _initial_state(self, n):
        return {"velocity": np.zeros(n)}

    def step(self, theta: np.ndarray, grad: np.ndarray, iteration: int) -> np.ndarray:
        momentum = self.options["momentum"]
        self.state["velocity"] = momentum * self.state["velocity"] + grad
        return theta - self.learning_rate * (grad + momentum * self.state["velocity"])


class Adam(_Optimizer):
    """Adam (Kingma & Ba) with bias-corrected first and second moments."""

    defaults = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}

    def _initial_state(self, n):
        return {"first": np.zeros(n), "second": np.zeros(n)}

    def step(self, theta: np.ndarray, grad: np.ndarray, iteration: int) -> np.ndarray:
        beta1, beta2 = self.options["beta1"], self.options["beta2"]
        self.state["first"] = beta1 * self.state["first"] + (1 - beta1) * grad
        self.state["second"] = beta2 * self.state["second"] + (1 - beta2) * grad * grad
        first = self.state["first"] / (1 - beta1 ** (iteration + 1))
        second = self.state["second"] / (1 - beta2 ** (iteration + 1))
        return theta - self.learning_rate * first / (np.sqrt(second)
                                                     + self.options["epsilon"])


GRADIENT_STEPS = {"paper": PaperStep, "nesterov": Nesterov, "adam": Adam}
"""Gradient-step name -> class; ``defaults`` lists each one's options."""

QUASI_NEWTON = {"lbfgs": "L-BFGS-B", "trust-constr": "trust-constr"}
"""Quasi-Newton name -> ``scipy.optimize.minimize`` method (bounds θ ≥ 0)."""

OPTIMIZERS = {**QUASI_NEWTON, **GRADIENT_STEPS}
"""Every optimiser name of `learn_rates`."""

DEFAULT_LEARNING_RATES = {"paper": 100.0, "nesterov": 10.0, "adam": 0.1}
"""Learning rate of the gradient steps when ``learning_rate`` is None.

The action is per site and per unit time, so its gradient is small (about 1e-2 for
BARW at θ ~ 10 over T = 1): the plain and momentum steps need large rates, and diverge
where the curvature is larger (use the quasi-Newton default there); Adam's steps are
about ``learning_rate`` in θ whatever the scale."""

_OPEN_UNIT = {"momentum", "beta1", "beta2"}
_SCIPY_OPTIONS = {"maxcor", "maxls", "initial_tr_radius", "initial_barrier_parameter"}
"""``scipy.optimize.minimize`` options a user may set (the stopping rule and iteration
limit are learn_rates' own)."""


def check_optimizer_options(name: str, options: Mapping[str, float] | None, function: str
                            ) -> dict[str, float]:
    """Options of optimiser ``name`` merged with its defaults and checked.

    Parameters
    ----------
    name : str
        A key of `OPTIMIZERS` (checked by the caller).
    options : dict or None
        Gradient steps: keys among the class's ``defaults``: ``decay`` (> 0) for
        ``"paper"``, ``momentum`` in [0, 1) for ``"nesterov"``, ``beta1``, ``beta2`` in
        [0, 1) and ``epsilon`` (> 0) for ``"adam"``.  Quasi-Newton: ``maxcor``,
        ``maxls`` (``"lbfgs"``), ``initial_tr_radius``, ``initial_barrier_parameter``
        (``"trust-constr"``), passed to scipy.
    function : str
        Public function name for error messages.

    Returns
    -------
    dict
    """
    given = dict(options or {})
    allowed = _SCIPY_OPTIONS if name in QUASI_NEWTON else set(GRADIENT_STEPS[name].defaults)
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise invalid("optimizer_options", function,
                      f"a dict with keys among {sorted(allowed)} for {name!r}", given)
    if name in QUASI_NEWTON:
        return {key: check_real(value, f"optimizer_options[{key!r}]", function, 0.0,
                                low_open=True) for key, value in given.items()}
    merged = {**GRADIENT_STEPS[name].defaults, **given}
    for key, value in merged.items():
        merged[key] = check_real(value, f"optimizer_options[{key!r}]", function, 0.0,
                                 low_open=key not in _OPEN_UNIT)
        if key in _OPEN_UNIT and merged[key] >= 1.0:
            raise invalid(f"optimizer_options[{key!r}]", function, "in [0, 1)", value)
    return merged


def make_optimizer(name: str, n: int, learning_rate: float, options: Mapping[str, float] | None,
                   function: str) -> _Optimizer:
    """A gradient step of `GRADIENT_STEPS` for n parameters, options checked.

    Parameters
    ----------
    name : str
    n : int
        Number of rates P.
    learning_rate : float
        > 0.
    options : dict or None
        See `check_optimizer_options`.
    function : str
        Public function name for error messages.

    Returns
    -------
    optimiser with ``step(theta, grad, iteration)``, ``state``, ``load_state``.
    """
    check_choice(name, "optimizer", GRADIENT_STEPS, function)
    rate = check_real(learning_rate, "learning_rate", function, 0.0, low_open=True)
    return GRADIENT_STEPS[name](n, rate, **check_optimizer_options(name, options, function))
