"""Refuse, before any work, a simulation whose event count cannot finish.

An exact simulation does one event at a time (10⁷–10⁸ per second); a run that needs
more than `MAX_EVENTS` of them would not end in days, so it is refused at once with
the rate that makes it so (the loops still stop on Ctrl-C within milliseconds).

* Lattice KMC: a rule fires at θ × weight at each window where it matches, at most N
  windows, so θ × Σ weights × N × t_last bounds the expected events of a process.
* Well-mixed SSA: the expected event count is estimated from the mean-field rate
  equations dn/dt = Σ_j (q_j − r_j) a_j(n), integrated with the cumulative
  propensity ∫ a_j dt until t_last, until the total passes `MAX_EVENTS` or until a
  mean count passes 2**63 − 1 (where the run stops with an ``OverflowError``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.integrate import solve_ivp

from dynboltz.messages import invalid

__all__ = ["MAX_EVENTS", "check_lattice_events", "check_wellmixed_events"]

_INT64_MAX = float(2**63 - 1)

MAX_EVENTS = 1e13
"""Events above which a run is refused (about a day at 10⁸ events per second)."""


def _refuse(name, rate, events, detail, function):
    raise invalid(f"rates[{name!r}]", function, f"small enough for the run to finish: "
                  f"{detail} ≈ {events:.3g} events, beyond the {MAX_EVENTS:.0e} a run can "
                  "do (lower the rate, the sites or the last time)", rate)


def check_lattice_events(rule_table: Sequence, values: np.ndarray,
                         process_names: Sequence[str], n_sites: int, t_last: float,
                         replicates: int = 1, function: str = "simulate") -> None:
    """Refuse a lattice KMC run whose event bound passes `MAX_EVENTS`.

    Parameters
    ----------
    rule_table : sequence
        Per process, its rules ``(lhs, rhs, weight)`` (``rule_table()``).
    values : ndarray, shape (P,)
        θ per process (1/time).
    process_names : sequence of str
    n_sites : int
        N.
    t_last : float
        Last recorded time.
    replicates : int
        Replicates of the run (their events add up).
    function : str
        Public function named in the error.

    Raises
    ------
    InvalidArgumentError
        Naming ``rates['<process>']`` of the largest bound θ × Σ weights × N × t_last.
    """
    bounds = [float(theta) * sum(float(w) for _, _, w in rules) * n_sites * t_last
              * replicates for theta, rules in zip(values, rule_table)]
    worst = int(np.argmax(bounds)) if bounds else 0
    if bounds and not bounds[worst] <= MAX_EVENTS:
        _refuse(process_names[worst], float(values[worst]), bounds[worst],
                f"rate × rule weights × {n_sites} sites × t = {t_last:g}"
                + (f" × {replicates} replicates" if replicates > 1 else ""), function)


def _propensities(counts, rates, reactants):
    counts = np.maximum(counts, 0.0)
    a = rates.copy()
    for m in range(int(reactants.max(initial=0))):
        # the falling factorial Π (n)_r on mean counts, clipped at zero
        a *= np.prod(np.where(reactants > m, np.maximum(counts - m, 0.0), 1.0), axis=1)
    return a


def check_wellmixed_events(reactants: np.ndarray, products: np.ndarray, rates: np.ndarray,
                           process_names: Sequence[str], initial: np.ndarray,
                           t_last: float, function: str = "simulate") -> None:
    """Refuse an SSA run whose mean-field event count passes `MAX_EVENTS`.

    Parameters
    ----------
    reactants, products : ndarray of int, shape (J, S)
    rates : ndarray, shape (J,)
    process_names : sequence of str
    initial : ndarray of int, shape (n, S)
        Initial counts of every trajectory (their events add up).
    t_last : float
    function : str

    Raises
    ------
    InvalidArgumentError
        Naming ``rates['<process>']`` of the reaction that contributes most events.
    """
    if t_last <= 0 or not len(rates):
        return
    rows, weights = np.unique(np.asarray(initial, dtype=np.float64), axis=0,
                              return_counts=True)
    change = (products - reactants).astype(np.float64)
    n_species = reactants.shape[1]
    events = np.zeros(len(rates))
    for row, weight in zip(rows, weights):
        events += weight * _row_events(row, rates, reactants, change, n_species, t_last,
                                       MAX_EVENTS / weight)
    worst = int(np.argmax(events))
    if not events.sum() <= MAX_EVENTS:
        _refuse(process_names[worst], float(rates[worst]), events.sum(),
                f"the mean-field rate equations to t = {t_last:g} give "
                f"{len(initial)} trajectories × (events per trajectory)", function)


def _row_events(row, rates, reactants, change, n_species, t_last, limit):
    def rhs(_, y):
        a = _propensities(y[:n_species], rates, reactants)
        return np.concatenate([change.T @ a, a])

    def too_many(_, y):
        return limit - y[n_species:].sum()

    def overflows(_, y):
        # the run stops at a count past int64 (OverflowError) long before then
        return _INT64_MAX - y[:n_species].max(initial=0.0)

    too_many.terminal = overflows.terminal = True
    y0 = np.concatenate([row, np.zeros(len(rates))])
    with np.errstate(over="ignore", invalid="ignore"):
        solution = solve_ivp(rhs, (0.0, t_last), y0, method="LSODA",
                             events=(too_many, overflows), rtol=1e-3, atol=1e-6)
    last = np.maximum(solution.y[n_species:, -1], 0.0)
    if solution.status == 1 and solution.t_events[0].size:
        # passed the limit before t_last: count it as (just above) the limit
        return last * (1.0001 * limit / max(last.sum(), 1.0))
    return last  # finished, overflowed, or the solver stopped (the run itself will tell)
