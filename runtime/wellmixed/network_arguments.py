"""Argument checks of the well-mixed solvers and simulators (the project's one message
shape), and the network's matrices in the forms they take.

A network is anything with ``stoichiometry()``, ``process_names`` and ``species``
(a :class:`dynboltz.symbolic.WellMixed`); the runtime reads nothing else of it.
"""
from __future__ import annotations

import numpy as np

from dynboltz.runtime.common.validation import invalid

__all__ = ["check_network", "initial_counts", "initial_count_rows", "time_vector",
           "change_matrices", "sparse_rows"]

_INT64 = np.iinfo(np.int64)


def check_network(net: object, function: str, param: str = "net") -> None:
    """Raise TypeError unless ``net`` looks like a WellMixed network with a process."""
    if not all(hasattr(net, name) for name in ("stoichiometry", "process_names", "species")):
        raise invalid(param, function, "a dynboltz.symbolic.WellMixed", net, TypeError)
    if len(net.process_names) == 0:
        raise invalid(param, function, "a network with at least one process", net)


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


def initial_count_rows(initial: object, n: int, n_species: int, function: str) -> np.ndarray:
    """``initial`` (S,) or (n, S) as C-contiguous int64 counts of shape (n, S).

    Raises
    ------
    TypeError
        Not integer counts.
    ValueError
        Another shape, a negative count or one above 2**63 - 1 (int64).
    """
    array = np.asarray(initial)
    if not np.issubdtype(array.dtype, np.integer):
        raise invalid("initial", function, "an array of integer counts", initial, TypeError)
    if array.shape not in ((n_species,), (n, n_species)):
        raise invalid("initial", function, f"of shape ({n_species},) or ({n}, {n_species})",
                      f"array of shape {array.shape}")
    if np.any(array < 0):
        raise invalid("initial", function, "non-negative", initial)
    # compared as Python ints: a uint64 count above 2**63 - 1 would wrap in int64
    if array.size and int(array.max()) > _INT64.max:
        raise invalid("initial", function, f"counts of at most 2**63 - 1 = {_INT64.max} "
                      "(int64)", initial)
    return np.ascontiguousarray(np.broadcast_to(array, (n, n_species)), dtype=np.int64)


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


def sparse_rows(rows: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compressed sparse rows ``(ptr, columns, values)``, int64, of a dense int matrix.

    Row i's nonzero entries are ``values[ptr[i]:ptr[i + 1]]`` in the columns
    ``columns[ptr[i]:ptr[i + 1]]`` (the layout the compiled Gillespie loops read).
    """
    rows = np.asarray(rows, dtype=np.int64)
    row_index, columns = np.nonzero(rows)
    ptr = np.searchsorted(row_index, np.arange(rows.shape[0] + 1)).astype(np.int64)
    return ptr, columns.astype(np.int64), rows[row_index, columns].astype(np.int64)
