"""Well-mixed reaction networks at run time: exact stochastic simulation (SPEC §2, §5).

``simulate`` runs Gillespie's direct method, compiled in ``_gillespie.pyx``, for a
``dynboltz.symbolic.WellMixed`` network. It reads only ``net.stoichiometry()``,
``net.process_names`` and ``net.species`` (no sympy at run time).
"""
import math
from numbers import Integral, Real

import numpy as np

from dynboltz.runtime import _gillespie

__all__ = ["simulate", "learn_basis"]


def _invalid(param, constraint, value, error=ValueError):
    return error(f"`{param}` of `simulate` must be {constraint}; got {value!r}")


def _check_net(net):
    if not all(hasattr(net, name) for name in ("stoichiometry", "process_names", "species")):
        raise _invalid("net", "a dynboltz.symbolic.WellMixed", net, TypeError)
    if len(net.process_names) == 0:
        raise _invalid("net", "a network with at least one process", net)


def _rate_vector(rates, process_names):
    if not hasattr(rates, "keys"):
        raise _invalid("rates", "a mapping from process name to rate", rates, TypeError)
    missing = [name for name in process_names if name not in rates]
    unknown = [name for name in rates if name not in process_names]
    if missing or unknown:
        raise _invalid("rates", f"keyed by exactly the process names {list(process_names)}"
                       f" (missing {missing}, unknown {unknown})", dict(rates))
    values = []
    for name in process_names:
        value = rates[name]
        if isinstance(value, bool) or not isinstance(value, Real) \
                or not math.isfinite(value) or value < 0:
            raise _invalid(f"rates[{name!r}]", "a finite non-negative real number", value)
        values.append(float(value))
    return np.array(values, dtype=np.float64)


def _time_vector(times):
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.issubdtype(array.dtype, np.complexfloating):
        raise _invalid("times", "a non-empty 1-D array of real numbers", times)
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(np.diff(array) < 0):
        raise _invalid("times", "finite, non-negative and sorted ascending", times)
    return np.ascontiguousarray(array)


def _initial_counts(initial, n, n_species):
    array = np.asarray(initial)
    if not np.issubdtype(array.dtype, np.integer):
        raise _invalid("initial", "an array of integer counts", initial, TypeError)
    if array.shape not in ((n_species,), (n, n_species)):
        raise _invalid("initial", f"of shape ({n_species},) or ({n}, {n_species})",
                       f"array of shape {array.shape}")
    if np.any(array < 0):
        raise _invalid("initial", "non-negative", initial)
    return np.ascontiguousarray(np.broadcast_to(array, (n, n_species)), dtype=np.int64)


def _csr(rows):
    """Compressed sparse rows ``(ptr, columns, values)`` of a dense int matrix."""
    rows = np.asarray(rows, dtype=np.int64)
    row_index, columns = np.nonzero(rows)
    ptr = np.searchsorted(row_index, np.arange(rows.shape[0] + 1)).astype(np.int64)
    return ptr, columns.astype(np.int64), rows[row_index, columns].astype(np.int64)


def _network_arrays(reactants, products):
    """CSR arrays of ``_gillespie.direct_method``: reactant orders, net changes, and
    for each reaction j the reactions whose propensity reads a species j changes."""
    change = products - reactants
    depends = (change != 0).astype(np.int64) @ (reactants > 0).astype(np.int64).T
    dependent_ptr, dependent_reaction, _ = _csr(depends)
    return (*_csr(reactants), *_csr(change), dependent_ptr, dependent_reaction)


def simulate(net, rates, initial, times, n, seed=None):
    """Exact stochastic trajectories of a well-mixed network (Gillespie direct method).

    Each process ``Σ r_s X_s -> Σ q_s X_s`` at rate k fires with propensity
    ``k Π_s (n_s)_{r_s}`` (falling factorials, SPEC §2: the normal-ordered Doi–Peliti
    operator W), so the trajectories sample the chemical master equation ṗ = W p
    (paper eq. 7) whose moments the basis functions describe.

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
        The network; only ``stoichiometry()``, ``process_names`` and ``species`` are read.
    rates : mapping of str to float
        Rate constant of every process, keyed by exactly ``net.process_names``;
        finite, >= 0, in units of 1/time.
    initial : array_like of int, shape (S,) or (n, S)
        Counts of the S species at t = 0: one row for all trajectories or one per
        trajectory.
    times : array_like of float, shape (T,)
        Output times, sorted ascending, >= 0.
    n : int
        Number of independent trajectories, >= 1.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Trajectory i draws from xoshiro256** seeded by child i of
        ``numpy.random.SeedSequence(seed)``, so it does not depend on ``n``.

    Returns
    -------
    numpy.ndarray of int64, shape (n, T, S)
        Counts at each output time: the state after every event at t <= times[k].

    Raises
    ------
    TypeError, ValueError
        If an argument breaks the constraints above (message names it).
    """
    _check_net(net)
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise _invalid("n", "an integer >= 1", n)
    rate_vector = _rate_vector(rates, tuple(net.process_names))
    time_vector = _time_vector(times)
    counts = _initial_counts(initial, int(n), len(net.species))
    reactants, products = (np.asarray(m, dtype=np.int64) for m in net.stoichiometry())
    return _gillespie.direct_method(rate_vector, *_network_arrays(reactants, products),
                                    counts, time_vector, seed)


# Algorithm 1 lives in its own module; it imports simulate from here, so this
# re-export comes last.
from .basis_learning import learn_basis  # noqa: E402
