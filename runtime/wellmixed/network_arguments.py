"""Argument checks of the well-mixed moment solvers (the project's one message shape).

A network is anything with ``stoichiometry()``, ``process_names`` and ``species``
(a :class:`dynboltz.symbolic.WellMixed`); the runtime reads nothing else of it.
"""
from __future__ import annotations

import numpy as np

from dynboltz.runtime.common.validation import invalid

__all__ = ["check_network", "initial_counts", "time_vector", "change_matrices"]

_INT64 = np.iinfo(np.int64)


def check_network(net: object, function: str) -> None:
    """Raise TypeError unless ``net`` looks like a WellMixed network with a process."""
    if not all(hasattr(net, name) for name in ("stoichiometry", "process_names", "species")):
        raise invalid("net", function, "a dynboltz.symbolic.WellMixed", net, TypeError)
    if len(net.process_names) == 0:
        raise invalid("net", function, "a network with at least one process", net)


def initial_counts(initial: object, n_species: int, function: str) -> np.ndarray:
    """``initial`` as int64 counts of shape (S,), checked non-negative."""
    array = np.asarray(initial)
    if not np.issubdtype(array.dtype, np.integer):
        raise invalid("initial", function, "an array of integer counts", initial, TypeError)
    if array.shape != (n_species,):
        raise invalid("initial", function, f"of shape ({n_species},)",
                      f"array of shape {array.shape}")
    if np.any(array < 0) or (array.size and int(array.max()) > _INT64.max):
        raise invalid("initial", function, "non-negative int64 counts", initial)
    return array.astype(np.int64)


def time_vector(times: object, function: str) -> np.ndarray:
    """``times`` as a float64 vector, checked finite, >= 0 and sorted ascending."""
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.issubdtype(array.dtype, np.complexfloating):
        raise invalid("times", function, "a non-empty 1-D array of real numbers", times)
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.diff(array) < 0):
        raise invalid("times", function, "finite, non-negative and sorted ascending", times)
    return array


def change_matrices(net: object) -> tuple[np.ndarray, np.ndarray]:
    """``(reactants, change)``, int64 of shape (R, S): orders r and net change q − r."""
    reactants, products = (np.asarray(m, dtype=np.int64) for m in net.stoichiometry())
    return reactants, products - reactants
