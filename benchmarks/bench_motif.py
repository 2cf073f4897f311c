"""Compiled lattice-motif library vs the plain numpy route (the project's speed targets).

Baseline: ``dynboltz.runtime.lattice.chain.reference.LatticeReference`` (numpy
eigh per point, einsum, Richardson differences for the Jacobian), measured in
the same run.  Reports per-point and 10^5-point evaluation of the ``sep``
basis and Jacobian, cold generate+compile time of ``sep`` into an empty cache,
and warm (cached) load time in a fresh interpreter.

Targets: compiled >= 50x numpy per point; cold build < 2 min; warm load < 50 ms.

Run: ``python benchmarks/bench_motif.py``
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from dynboltz.codegen import compile_motif
from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic.lattice.motif import LatticeMotif

N_BATCH = 100_000


def _per_call(function, points, repeats):
    """Best-of-3 mean seconds per call of ``function`` over ``points``."""
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            for x in points:
                function(x)
        best = min(best, (time.perf_counter() - start) / (repeats * len(points)))
    return best


def _timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def _per_point_rows(compiled, reference, points):
    rows = []
    for method, ref_points, repeats in (("basis", points, 20), ("basis_jacobian", points[:5], 1)):
        fast = _per_call(getattr(compiled, method), points, 200)
        slow = _per_call(getattr(reference, method), ref_points, repeats)
        rows.append((f"sep {method}, one point", slow, fast))
    return rows


def _batch_rows(compiled, reference, xs):
    rows = []
    for method, sample in (("basis", 2000), ("basis_jacobian", 40)):
        fast = _timed(getattr(compiled, method), xs)
        # The numpy route is a Python loop over points: time a sample, scale.
        slow = _timed(getattr(reference, method), xs[:sample]) * len(xs) / sample
        rows.append((f"sep {method}, {len(xs)} points", slow, fast))
    return rows


_WARM_SCRIPT = """
import time
from dynboltz.codegen import compile_motif
from dynboltz.symbolic.lattice.motif import LatticeMotif
motif = LatticeMotif.builtin("sep")
start = time.perf_counter()
compile_motif(motif)
print(time.perf_counter() - start)
"""

_INSTALLED_SCRIPT = """
import time
import numpy
start = time.perf_counter()
from dynboltz.generated import library
library.sep
print(time.perf_counter() - start)
"""


def _build_times():
    with tempfile.TemporaryDirectory() as cache:
        environment = dict(os.environ, DYNBOLTZ_CACHE=cache)
        os.environ["DYNBOLTZ_CACHE"] = cache
        try:
            cold = _timed(compile_motif, LatticeMotif.builtin("sep"))
        finally:
            del os.environ["DYNBOLTZ_CACHE"]
        warm = float(subprocess.run([sys.executable, "-c", _WARM_SCRIPT], env=environment,
                                    capture_output=True, text=True, check=True).stdout)
    installed = float(subprocess.run([sys.executable, "-c", _INSTALLED_SCRIPT],
                                     capture_output=True, text=True, check=True).stdout)
    return cold, warm, installed


def main():
    motif = LatticeMotif.builtin("sep")
    compiled, reference = library.sep, LatticeReference.from_motif(motif)
    rng = np.random.default_rng(0)
    points = list(rng.uniform(-10, 10, (50, motif.n_params)))
    xs = rng.uniform(-10, 10, (N_BATCH, motif.n_params))
    rows = _per_point_rows(compiled, reference, points) + _batch_rows(compiled, reference, xs)
    print(f"{'case':38s} {'numpy [s]':>12s} {'compiled [s]':>13s} {'speed-up':>9s}")
    for case, slow, fast in rows:
        print(f"{case:38s} {slow:12.3e} {fast:13.3e} {slow / fast:8.0f}x")
    cold, warm, installed = _build_times()
    print(f"\nsep cold generate+compile (empty cache): {cold:7.2f} s   (target < 120 s)")
    print(f"sep warm compile_motif (cache hit, fresh interpreter): {warm * 1e3:6.1f} ms"
          "   (target < 50 ms)")
    print(f"sep built-in library load (fresh interpreter, numpy preloaded): "
          f"{installed * 1e3:6.1f} ms")


if __name__ == "__main__":
    main()
