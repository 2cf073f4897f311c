"""Benchmark the compiled single-species closed forms against sympy.lambdify.

Workload: for every single-species built-in process (creation,
death, diffusion, branching, annihilation, coagulation), the closed forms of
symbolic/lattice/single_species.py in (h, J): moments (2), Hessian (4) and
basis functions F̃_h, F̃_J (2), eight outputs per process.  Reports the time of
one single-point call and of one call on a 10^5-point grid in [−10, 10]², for
the compiled module (dynboltz.codegen.compile_expressions) and for
``sympy.lambdify(..., "numpy")`` of the same expressions (its cheapest form:
two arguments, a list of arrays back), with ratios lambdify / compiled.  The
maximum relative difference between the two on the grid is printed as a check
that both evaluate the same thing.

Run: ``python benchmarks/bench_single_species.py`` (the first run compiles).
"""
import timeit

import numpy as np
import sympy

from dynboltz.codegen import compile_expressions
from dynboltz.symbolic.lattice.motif import LatticeMotif
from dynboltz.symbolic.lattice.single_species import (SINGLE_SPECIES_PROCESSES, H, J,
                                                      single_species_closed_forms)

GRID_POINTS = 10**5


def closed_form_expressions(kind):
    """Moments, Hessian and basis of one built-in process as a flat list."""
    forms = single_species_closed_forms(LatticeMotif.builtin(kind))
    return list(forms["moments"]) + list(forms["hessian"]) + list(forms["basis"])


def best_time(statement, namespace, number, repeat=5):
    """Minimum over ``repeat`` timeit runs of one execution (seconds)."""
    return min(timeit.repeat(statement, globals=namespace, number=number,
                             repeat=repeat)) / number


def measure(kind, grid):
    """Per-point and grid times (s) of compiled and lambdified closed forms."""
    exprs = closed_form_expressions(kind)
    compiled = compile_expressions(exprs, [H, J], [], name=f"single_{kind}")
    lambdified = sympy.lambdify([H, J], exprs, "numpy")
    point, empty = np.array([0.3, -0.7]), np.zeros(0)
    h, j = grid[:, 0].copy(), grid[:, 1].copy()
    namespace = {"compiled": compiled, "lambdified": lambdified, "point": point,
                 "empty": empty, "grid": grid, "h": h, "j": j}
    fast = compiled(grid, empty)
    slow = np.stack([np.broadcast_to(v, h.shape) for v in lambdified(h, j)], axis=1)
    difference = np.max(np.abs(fast - slow) / np.maximum(np.abs(slow), 1e-300))
    return {
        "point_compiled": best_time("compiled(point, empty)", namespace, 20000),
        "point_lambdify": best_time("lambdified(0.3, -0.7)", namespace, 2000),
        "grid_compiled": best_time("compiled(grid, empty)", namespace, 5),
        "grid_lambdify": best_time("lambdified(h, j)", namespace, 3),
        "difference": difference,
    }


def main():
    """Print one table row per process."""
    rng = np.random.default_rng(0)
    grid = rng.uniform(-10.0, 10.0, (GRID_POINTS, 2))
    print(f"single-species closed forms, 8 outputs; grid = {GRID_POINTS} points")
    print(f"{'process':13s} {'point comp':>11s} {'point lamb':>11s} {'ratio':>7s}"
          f" {'grid comp':>10s} {'grid lamb':>10s} {'ratio':>7s} {'max rel diff':>12s}")
    for kind in SINGLE_SPECIES_PROCESSES:
        t = measure(kind, grid)
        print(f"{kind:13s} {t['point_compiled'] * 1e6:9.2f}us {t['point_lambdify'] * 1e6:9.2f}us"
              f" {t['point_lambdify'] / t['point_compiled']:7.1f}"
              f" {t['grid_compiled'] * 1e3:8.2f}ms {t['grid_lambdify'] * 1e3:8.2f}ms"
              f" {t['grid_lambdify'] / t['grid_compiled']:7.1f} {t['difference']:12.1e}")


if __name__ == "__main__":
    main()
