"""Moment closures against the exact master equation on five small networks.

For each network of ``dynboltz.symbolic.wellmixed_cases.CLOSURE_CASES`` (rates, starts
and times stated there) the master equation is solved by finite state projection
(``solve_cme``, tolerance 1e-6) and checked against 20 000 SSA trajectories (largest
|z| of the means and variances over all species and t > 0, standard errors computed
from the samples).  Then every closure of the registry is integrated (order 2, LSODA,
rtol 1e-7) and compared with the CME: the largest and the time-averaged relative error
of the means and the variances over all species and output times t > 0.  Cost is the
best of three integrations after a first one that compiles the moment equations
(cached), as wall time and as a ratio to the ``normal`` closure timed in the same run.
A second table repeats this at orders 3 and 4 (one timed integration each; the
log-normal closure is order 2 only).

Run: ``python benchmarks/bench_moment_closures.py`` (about ten minutes: maxent at order 4
on Michaelis–Menten alone takes three).
"""
import time

import numpy as np

from dynboltz.runtime.common.results import ConvergenceError
from dynboltz.runtime.wellmixed import integrate_moments, solve_cme
from dynboltz.runtime.wellmixed.moment_closures import CLOSURES
from dynboltz.runtime.wellmixed.ssa_statistics import ssa_moments
from dynboltz.symbolic.wellmixed_cases import CLOSURE_CASES

ORDER = ("maxent", "normal", "poisson", "lognormal", "derivative_matching")
HIGHER = ("maxent", "normal", "poisson", "derivative_matching")
SSA_TRAJECTORIES = 20_000
REPEATS = 3


def _best_time(run, repeats=REPEATS):
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def _relative_errors(result, truth):
    mean = np.abs(result.mean[1:] - truth.mean[1:]) / np.abs(truth.mean[1:])
    variance = np.abs(result.variance[1:] - truth.variance[1:]) / truth.variance[1:]
    return mean.max(), mean.mean(), variance.max(), variance.mean()


def _ssa_check(case, truth):
    sampled = ssa_moments(case.net, case.rates, case.initial, case.times, SSA_TRAJECTORIES,
                          seed=2024)
    moving = sampled.variance_error[1:] > 0
    z_mean = np.abs(truth.mean[1:] - sampled.mean[1:])[moving] / sampled.mean_error[1:][moving]
    z_var = (np.abs(truth.variance[1:] - sampled.variance[1:])[moving]
             / sampled.variance_error[1:][moving])
    return z_mean.max(), z_var.max(), int(moving.sum())


def _closure_row(case, truth, closure, order=2, repeats=REPEATS):
    def run():
        return integrate_moments(case.net, case.rates, case.initial, case.times,
                                 closure=closure, order=order)
    try:
        run()  # compiles (or loads) the moment equations
        seconds, result = _best_time(run, repeats)
    except ConvergenceError as error:
        return None, str(error).split(";")[0][:90]
    return (seconds, result, _relative_errors(result, truth)), None


def _format(name, closure, measured, failure, normal_seconds, order=None):
    label = f"| {name} | {closure} |" if order is None else f"| {name} | {order} | {closure} |"
    if measured is None:
        return f"{label} failed: {failure} | | | | | |"
    seconds, result, (mean_max, mean_avg, var_max, var_avg) = measured
    ratio = f"{seconds / normal_seconds:.1f}" if normal_seconds else "–"
    return (f"{label} {100 * mean_max:.3g} | {100 * mean_avg:.3g} | {100 * var_max:.3g} | "
            f"{100 * var_avg:.3g} | {1e3 * seconds:.0f} | {ratio} |")


def _higher_orders(name, case, truth):
    rows = []
    for order in (3, 4):
        measured = {closure: _closure_row(case, truth, closure, order, repeats=1)
                    for closure in HIGHER}
        normal = measured["normal"][0]
        for closure in HIGHER:
            rows.append(_format(name, closure, *measured[closure],
                                normal[0] if normal else None, order))
    return rows


def main():
    assert set(ORDER) == set(CLOSURES)
    cme_rows, closure_rows, higher_rows = [], [], []
    for name, make in CLOSURE_CASES.items():
        case = make()
        cme_seconds, truth = _best_time(lambda: solve_cme(case.net, case.rates, case.initial,
                                                          case.times))
        z_mean, z_var, compared = _ssa_check(case, truth)
        cme_rows.append(f"| {name} | {truth.info['states']} | {truth.lost_mass[-1]:.1e} | "
                        f"{1e3 * cme_seconds:.1f} | {z_mean:.2f} | {z_var:.2f} | {compared} |")
        normal_seconds = None
        rows = {}
        for closure in ORDER:
            rows[closure] = _closure_row(case, truth, closure)
            if closure == "normal" and rows[closure][0] is not None:
                normal_seconds = rows[closure][0][0]
        for closure in ORDER:
            closure_rows.append(_format(name, closure, *rows[closure], normal_seconds))
        higher_rows.extend(_higher_orders(name, case, truth))
        print(f"done {name}", flush=True)
    print("\n| network | states | lost mass | CME ms | max z mean | max z var | compared |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(cme_rows))
    print("\n| network | closure | mean max % | mean avg % | var max % | var avg % | ms | "
          "× normal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(closure_rows))
    print("\n| network | order | closure | mean max % | mean avg % | var max % | var avg % | "
          "ms | × normal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(higher_rows))


if __name__ == "__main__":
    main()
