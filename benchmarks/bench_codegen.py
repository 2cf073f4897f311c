"""Benchmark dynboltz.codegen against sympy.lambdify and symengine.Lambdify.

Workload: the K = 2 Galton-Watson basis functions of the paper,
eq. 29, plus their four Jacobian entries dF_i/dnu_j (6 outputs, inputs nu1,
nu2, parameters k_birth, k_death).  Reports, in one run, the time of one
single-point call and of one call on a 10^6-point grid for each backend
(timeit, several repeats, minimum), with ratios relative to the compiled code.

Baselines get their cheapest calling form: lambdify takes ``(x, p)`` and
returns a list (no array construction); symengine gets one pre-concatenated
float64 vector ``[nu1, nu2, k_birth, k_death]`` (a (10^6, 4) array on the grid).

Run: ``python benchmarks/bench_codegen.py`` (set DYNBOLTZ_CACHE to choose the
cache; the first run compiles).
"""
import subprocess
import sys
import time
import timeit
from pathlib import Path

import numpy as np
import symengine
import sympy

from dynboltz.codegen import compile_expressions

GRID_POINTS = 10**6


def galton_watson_k2():
    """Eq. 29 basis functions and their Jacobian, in (nu1, nu2; k_birth, k_death)."""
    nu1, nu2 = sympy.symbols("nu1 nu2", real=True)
    kb, kd = sympy.symbols("k_birth k_death", positive=True)
    f1 = nu1 * (kd - kb + (kb + kd) * nu1) - nu2 / 2 * (kb - kd + (kb + kd) * nu1)
    f2 = -nu2 / 2 * (kd * (-4 - 2 * nu1 + nu2) + kb * (4 - 2 * nu1 + nu2))
    jacobian = [sympy.diff(f, v) for f in (f1, f2) for v in (nu1, nu2)]
    return [f1, f2] + jacobian, [nu1, nu2], [kb, kd]


def best_time(statement, namespace, number, repeat=7):
    """Minimum over ``repeat`` timeit runs of one execution of ``statement`` (seconds)."""
    return min(timeit.repeat(statement, globals=namespace, number=number,
                             repeat=repeat)) / number


def fresh_process_hit_time():
    """Seconds that compile_expressions takes in a new interpreter when the module is cached."""
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from bench_codegen import galton_watson_k2\n"
        "from dynboltz.codegen import compile_expressions\n"
        "exprs, inputs, params = galton_watson_k2()\n"
        "start = time.perf_counter()\n"
        "compile_expressions(exprs, inputs, params, name='bench_gw2')\n"
        "print(time.perf_counter() - start)\n")
    output = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, check=True).stdout
    return float(output)


def symengine_backend(symbols, exprs):
    """symengine Lambdify with the LLVM backend, or the lambda backend if LLVM is absent."""
    try:
        return symengine.Lambdify(symbols, exprs, backend="llvm"), "llvm"
    except (RuntimeError, ValueError, TypeError):
        return symengine.Lambdify(symbols, exprs, backend="lambda"), "lambda"


def main():
    exprs, inputs, params = galton_watson_k2()
    start = time.perf_counter()
    compiled = compile_expressions(exprs, inputs, params, name="bench_gw2")
    first_call = time.perf_counter() - start
    reload_time = fresh_process_hit_time()

    lambdified = sympy.lambdify([inputs, params], exprs, "numpy")
    engine, backend = symengine_backend(inputs + params, exprs)

    rng = np.random.default_rng(0)
    x = np.array([0.5, 1.2])
    p = np.array([1.0, 1.5])
    xp = np.concatenate([x, p])
    grid = rng.uniform(0.1, 3.0, size=(GRID_POINTS, 2))
    grid_xp = np.column_stack([grid, np.broadcast_to(p, (GRID_POINTS, 2))])

    reference = np.array(lambdified(x, p), dtype=float)
    assert np.allclose(compiled(x, p), reference, rtol=1e-13, atol=0)
    assert np.allclose(engine(xp), reference, rtol=1e-13, atol=0)
    assert np.allclose(compiled(grid[:100], p), engine(grid_xp[:100]), rtol=1e-13, atol=1e-14)

    names = dict(compiled=compiled, lambdified=lambdified, engine=engine, x=x, p=p,
                 xp=xp, grid=grid, grid_xp=grid_xp, out=np.empty(6))
    engine_name = f"symengine.Lambdify({backend})"
    point = {
        "dynboltz.codegen": best_time("compiled(x, p)", names, 200_000),
        "sympy.lambdify(numpy)": best_time("lambdified(x, p)", names, 10_000),
        engine_name: best_time("engine(xp)", names, 10_000),
    }
    point_out = best_time("compiled(x, p, out)", names, 200_000)
    grid_times = {
        "dynboltz.codegen": best_time("compiled(grid, p)", names, 3, repeat=5),
        "sympy.lambdify(numpy)": best_time("lambdified(grid.T, p)", names, 1, repeat=3),
        engine_name: best_time("engine(grid_xp)", names, 3, repeat=5),
    }

    print(f"K=2 Galton-Watson F (eq. 29) + Jacobian: 6 outputs, symengine backend: {backend}")
    print(f"first compile_expressions call (builds unless cached): {first_call:.3f} s; "
          f"cache hit in a fresh process (emit + load): {1e3 * reload_time:.1f} ms")
    print(f"{'backend':32s} {'1 point':>12s} {'ratio':>8s} {'1e6 grid':>12s} {'ratio':>8s}")
    ours_point, ours_grid = point["dynboltz.codegen"], grid_times["dynboltz.codegen"]
    for name in point:
        print(f"{name:32s} {1e9 * point[name]:9.0f} ns {point[name] / ours_point:7.1f}x "
              f"{1e3 * grid_times[name]:9.2f} ms {grid_times[name] / ours_grid:7.2f}x")
    print(f"{'dynboltz.codegen (out=)':32s} {1e9 * point_out:9.0f} ns "
          f"{point_out / ours_point:7.2f}x")
    print("ratio = backend time / dynboltz.codegen time (higher: dynboltz faster)")


if __name__ == "__main__":
    main()
