"""Algorithm 1: Gauss–Newton (default) vs the paper's gradient descent, same run.

Galton–Watson K = 1 on the paper grid ν ∈ (0, 3], Δν = 0.1, T = 1, analytic truth,
32 η per iteration, seed 1.  For each (kb, kd) both methods run and we report the
first iteration at which max |F − eq. 26| over the visited nodes is within 2% of
max |F| (up to 400 iterations for the gradient method with its default per-point RMS
step, 30 for Gauss–Newton), the wall time to get there (run time × that fraction of
the iterations run) and the ratios gradient / Gauss–Newton.  Run:
``python benchmarks/bench_basis_learning.py``.
"""
import time

import numpy as np

from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningSettings, basis_on_grid,
                                                       learn_basis)
from dynboltz.symbolic import WellMixed

GRID = np.round(np.arange(1, 31) * 0.1, 10)
PAIRS = ((1.0, 1.5), (0.5, 1.5), (2.0, 0.8))
TARGET = 0.02
BUDGET = {"gauss_newton": 30, "gradient": 400}


def _time_to_target(net, rates, method):
    true = basis_on_grid(net, rates, 1, GRID)
    start = time.perf_counter()
    result = learn_basis(net, rates, 1, GRID, 1.0, BUDGET[method], seed=1,
                         settings=BasisLearningSettings(optimizer=method))
    elapsed = time.perf_counter() - start
    visited = result.visited()
    errors = [np.abs(F - true)[visited].max() / np.abs(true).max()
              for F in result.F_history[1:]]
    hit = next((i + 1 for i, error in enumerate(errors) if error <= TARGET), None)
    done = len(errors)
    return hit, (elapsed * hit / done if hit else np.inf), errors[-1]


def main():
    net = WellMixed({"birth": "A -> A + A", "death": "A -> 0"})
    learn_basis(net, {"birth": 1.0, "death": 1.5}, 1, GRID, 1.0, 1, seed=0)  # compile
    print(f"{'kb':>5} {'kd':>5} {'method':>13} {'iter to 2%':>11} {'time [s]':>9} "
          f"{'final err':>10}")
    for kb, kd in PAIRS:
        rates = {"birth": kb, "death": kd}
        rows = {method: _time_to_target(net, rates, method) for method in BUDGET}
        for method, (hit, seconds, final) in rows.items():
            print(f"{kb:5.2f} {kd:5.2f} {method:>13} {str(hit or '-'):>11} "
                  f"{seconds:9.3f} {100 * final:9.2f}%")
        (gn_hit, gn_time, _), (gd_hit, gd_time, _) = rows["gauss_newton"], rows["gradient"]
        if gn_hit and gd_hit:
            print(f"{'':>11} ratio gradient / gauss_newton: iterations "
                  f"{gd_hit / gn_hit:.1f}x, time {gd_time / gn_time:.1f}x")
        else:
            print(f"{'':>11} gradient did not reach {100 * TARGET:g}% in "
                  f"{BUDGET['gradient']} iterations")


if __name__ == "__main__":
    main()
