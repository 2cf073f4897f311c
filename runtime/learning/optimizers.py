"""Gradient-descent steps for learning rates (Algorithm 2, line 16), by name.

Every optimiser maps (θ, ∇, iteration) to the next θ before projection onto
θ ≥ 0 (done by the caller), and keeps its memory in ``state`` (a dict of
float arrays) so that a checkpoint can restore it exactly.  Look one up in
`OPTIMIZERS`; ``make_optimizer`` validates the options.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import check_choice, check_real, invalid


__all__ = ["OPTIMIZERS", "make_optimizer"]


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


OPTIMIZERS = {"paper": PaperStep, "nesterov": Nesterov, "adam": Adam}
"""Optimiser name -> class; ``defaults`` lists each one's options."""

_OPEN_UNIT = {"momentum", "beta1", "beta2"}


def make_optimizer(name: str, n: int, learning_rate: float, options: Mapping[str, float] | None,
                   function: str) -> _Optimizer:
    """An optimiser of `OPTIMIZERS` for n parameters, options checked.

    Parameters
    ----------
    name : str
    n : int
        Number of rates P.
    learning_rate : float
        > 0.
    options : dict or None
        Keys among the class's ``defaults``: ``decay`` (> 0) for ``"paper"``,
        ``momentum`` in [0, 1) for ``"nesterov"``, ``beta1``, ``beta2`` in
        [0, 1) and ``epsilon`` (> 0) for ``"adam"``.
    function : str
        Public function name for error messages.

    Returns
    -------
    optimiser with ``step(theta, grad, iteration)``, ``state``, ``load_state``.
    """
    check_choice(name, "optimizer", OPTIMIZERS, function)
    kind = OPTIMIZERS[name]
    rate = check_real(learning_rate, "learning_rate", function, 0.0, low_open=True)
    given = dict(options or {})
    unknown = sorted(set(given) - set(kind.defaults))
    if unknown:
        raise invalid("optimizer_options", function,
                      f"a dict with keys among {sorted(kind.defaults)} for {name!r}", given)
    merged = {**kind.defaults, **given}
    for key, value in merged.items():
        merged[key] = check_real(value, f"optimizer_options[{key!r}]", function, 0.0,
                                 low_open=key not in _OPEN_UNIT)
        if key in _OPEN_UNIT and merged[key] >= 1.0:
            raise invalid(f"optimizer_options[{key!r}]", function, "in [0, 1)", value)
    return kind(n, rate, **merged)
