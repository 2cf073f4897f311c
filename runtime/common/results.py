"""The result family of the runtime's integrators and learning loops, and its one error.

Every reduced integrator returns a :class:`Trajectory`; every learning loop (Algorithm 1,
Algorithm 2, and the fits built on them) returns a subclass of :class:`LearningResult`
whose ``info`` dict has the same keys everywhere (:func:`convergence_info`).  Whatever
fails to converge — an integration, the inverse Ising iteration, a learning run asked
to converge — raises :class:`ConvergenceError`.  ``repr`` of these objects lists
arrays by shape, never by content.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dynboltz.errors import ConvergenceError

__all__ = ["ConvergenceError", "Trajectory", "LearningResult", "convergence_info",
           "INFO_KEYS"]

INFO_KEYS = ("iterations", "evaluations", "converged", "message")
"""Keys every learning result's ``info`` has (more may follow)."""


def convergence_info(iterations: int, evaluations: int, converged: bool, message: str,
                     **extra: Any) -> dict:
    """The normalised ``info`` dict of a learning result.

    Parameters
    ----------
    iterations : int
        Optimiser iterations (steps taken).
    evaluations : int
        Objective (and gradient) evaluations, each one integration of the reduced model.
    converged : bool
        Whether the stopping tolerance was met (False for a fixed iteration count).
    message : str
        Why the run stopped, in words.
    **extra
        Method-specific entries, after the four common ones.

    Returns
    -------
    dict
    """
    return {"iterations": int(iterations), "evaluations": int(evaluations),
            "converged": bool(converged), "message": str(message), **extra}


def _short(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"array(shape={value.shape}, dtype={value.dtype})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)) and any(isinstance(v, np.ndarray) for v in value):
        return f"{type(value).__name__}(len={len(value)})"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class ShortRepr:
    """``repr`` listing dataclass fields with arrays shown by shape and dtype."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{f.name}={_short(getattr(self, f.name))}"
                           for f in dataclasses.fields(self) if f.repr)
        return f"{type(self).__name__}({fields})"


@dataclass(repr=False)
class Trajectory(ShortRepr):
    """Solution of a reduced model dx/dt = F(x) with its sensitivities on recorded times.

    Attributes
    ----------
    times : ndarray, shape (T,)
    x : ndarray, shape (T, L)
        The reduced state: Boltzmann parameters x (lattice, eq. 52) or MaxEnt
        parameters ν (well-mixed, eq. 20), in the model's parameter order.
    sensitivities : ndarray, shape (T, P, L), or None
        ∂x(t)/∂p for the P learned quantities p (rates θ, eq. 54; or grid values of F,
        eq. 22, flattened), or None when not integrated.
    method : str
        Integrator name.
    info : dict
        Integrator statistics (``steps``, ``rejected``, ...).
    """

    times: np.ndarray
    x: np.ndarray
    sensitivities: np.ndarray | None
    method: str
    info: dict = field(default_factory=dict)


@dataclass(repr=False)
class LearningResult(ShortRepr):
    """Base of every learning loop's result.

    Attributes
    ----------
    action_history : ndarray, shape (iterations,)
        The objective at each iterate.
    info : dict
        ``iterations``, ``evaluations``, ``converged``, ``message`` (see
        :func:`convergence_info`), then method-specific entries.
    """

    action_history: np.ndarray
    info: dict
