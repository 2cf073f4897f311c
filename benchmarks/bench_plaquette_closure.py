"""Cost of one evaluation of the plaquette closure, against the strip closure.

Both closures are built by the same cluster-library builder from the same coefficient
table of the motif's exact moment equations; they differ only in the engine that
evaluates the cluster probabilities:

* ``plaquette``: Kikuchi's square CVM (`dynboltz.cluster_closures.plaquette`), Newton on
  the D4 orbits of plaquette states from S + 2 starts, Hessian by implicit functions;
* ``strip`` (baseline, measured in the same run): the transfer matrix of the infinite
  cylinder at its default circumference (W = 12 for one species, 6 for two, 5 for three),
  leading eigenpair by ARPACK, Hessian by a fourth-order difference of the moments.

Each call gets a fresh x (a small random perturbation of a base point), so neither
engine's cache of solved points is hit.  CPU time per call (``time.process_time``) is
the median of ``REPEATS`` calls; the machine is shared, so CPU time is what the ratio
uses.  The ratio is strip time / plaquette time (> 1: the plaquette is cheaper).

Run: ``python benchmarks/bench_plaquette_closure.py``
"""
import time

import numpy as np

from dynboltz.codegen import compile_motif
from dynboltz.symbolic import LatticeMotif

REPEATS = {"moments": 9, "basis": 5, "basis_jacobian": 3}
CASES = [
    ("barw (S = 1)", LatticeMotif.builtin("barw", lattice="square"), [-1.2, 0.5]),
    ("two-species flips (S = 2)",
     LatticeMotif(["A", "B"], {"make": ["_ -> A", "_ -> B"], "lose": ["A -> _", "B -> _"],
                               "hop": ["A _ -> _ A", "B _ -> _ B"]}, lattice="square"),
     [-1.0, -0.5, 0.4, -0.3, 0.2]),
    ("trivalent (S = 3)", LatticeMotif.builtin("trivalent", lattice="square"),
     [-1.0, -1.2, -0.8, 0.3, 0.1, -0.2, 0.4, 0.0, 0.2]),
]


def seconds_per_call(function, base, repeats, rng):
    """Median CPU seconds of ``function(x)`` over fresh points near ``base``."""
    times = []
    for _ in range(repeats):
        x = base + 1e-3 * rng.standard_normal(base.size)
        start = time.process_time()
        function(x)
        times.append(time.process_time() - start)
    return float(np.median(times))


def main():
    rng = np.random.default_rng(0)
    print("| motif | call | plaquette (ms, CPU) | strip (ms, CPU) | ratio strip/plaquette |")
    print("| --- | --- | --- | --- | --- |")
    for label, motif, base in CASES:
        base = np.array(base, dtype=float)
        libraries = {name: compile_motif(motif, closure=name) for name in ("plaquette", "strip")}
        for call, repeats in REPEATS.items():
            cost = {name: seconds_per_call(getattr(lib, call), base, repeats, rng)
                    for name, lib in libraries.items()}
            print(f"| {label} | {call} | {1e3 * cost['plaquette']:.3g} | "
                  f"{1e3 * cost['strip']:.3g} | {cost['strip'] / cost['plaquette']:.3g} |",
                  flush=True)


if __name__ == "__main__":
    main()
