"""The strip closure: accuracy against Onsager and cost per basis evaluation.

Accuracy: ∆ of the one-species model on the zero-field line (h = −2J, K = J/4) from
the infinite cylinder of circumference W, against Onsager's exact nearest-neighbour
correlation, and the critical coupling located by phenomenological renormalisation
(ξ_W / W = ξ_W' / W', W' = W + 2) against K_c = ln(1 + √2) / 2.

Cost: CPU seconds per call of the strip library's moments, hessian, basis and
basis_jacobian (barw on the square lattice at x = (−1, 0.3); two species at
x = (−1.2, −0.9, 0.6, −0.5, 0.4)), against two baselines measured in the same run:

* ``chain basis``: the compiled 1D transfer-matrix closure (barw on the ring) — the
  cost of a closure with C kernels and closed-form probabilities;
* ``dense eigh``: LAPACK's dense symmetric eigensolver (``scipy.linalg.eigh``, the
  leading eigenpair only) on the same W's row-to-row matrix built with ``np.kron``, the
  plain reference for the one eigenpair a moments call needs.

Run: ``python benchmarks/bench_strip.py``
"""
import time

import numpy as np
from scipy.linalg import eigh
from scipy.optimize import brentq
from scipy.special import ellipk

from dynboltz.cluster_closures.strip import StripEngine
from dynboltz.codegen import compile_motif
from dynboltz.codegen.strip_closure import strip_library
from dynboltz.generated import library
from dynboltz.symbolic import LatticeMotif

K_C = np.log(1 + np.sqrt(2)) / 2


def onsager_delta(K):
    """∆ per site of the square-lattice Ising model at zero field (K < K_c)."""
    k = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    correlation = 0.5 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1)
                                          * ellipk(k * k))
    return (1 + correlation) / 2


def accuracy_table(couplings=(0.2, 0.3, 0.4, 0.42, 0.44), widths=(4, 6, 8, 10, 12, 14)):
    print("| K | exact ∆ | " + " | ".join(f"W = {w}" for w in widths)
          + " | 1/W² Richardson (12, 14) |")
    print("| --- " * (len(widths) + 3) + "|")
    for K in couplings:
        x = np.array([-8 * K, 4 * K])
        exact = onsager_delta(K)
        values = {w: StripEngine(1, w).clusters(x).moments[1] for w in widths}
        a, b = widths[-2], widths[-1]
        richardson = (b * b * values[b] - a * a * values[a]) / (b * b - a * a)
        cells = " | ".join(f"{(values[w] - exact) / exact:+.1e}" for w in widths)
        print(f"| {K} | {exact:.6f} | {cells} | {(richardson - exact) / exact:+.1e} |")


def critical_table(widths=(4, 6, 8, 10, 12)):
    print("| W, W + 2 | K_c estimate | relative error |")
    print("| --- | --- | --- |")
    for w in widths:
        narrow, wide = StripEngine(1, w), StripEngine(1, w + 2)

        def difference(K):
            x = np.array([-8 * K, 4 * K])
            return narrow.correlation_length(x) / w - wide.correlation_length(x) / (w + 2)

        estimate = brentq(difference, 0.35, 0.5, xtol=1e-12)
        print(f"| {w}, {w + 2} | {estimate:.6f} | {(estimate - K_C) / K_C:+.1e} |")


def cpu_seconds(function, repeats=2):
    """Best CPU time of ``repeats`` calls."""
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best


def dense_reference(n_species, width, x):
    """One dense eigh of the symmetric row-to-row matrix (numpy reference)."""
    engine = StripEngine(n_species, width)
    weight, kernel, _ = engine._transfer(x)
    matrix = kernel
    for _ in range(width - 1):
        matrix = np.kron(matrix, kernel)
    half = np.sqrt(weight)
    top = weight.size - 1
    return lambda: eigh(half[:, None] * matrix * half[None, :], subset_by_index=[top, top])


def cost_table():
    chain = library.barw
    x_chain = np.array([-1.0, 0.3])
    chain_basis = cpu_seconds(lambda: [chain.basis(x_chain) for _ in range(1000)]) / 1000
    print(f"chain closure (compiled, ring) basis: {chain_basis * 1e6:.1f} µs per call\n")
    print("| S | W | row states | moments (s) | hessian (s) | basis (s) | basis_jacobian (s) "
          "| basis / chain basis | dense eigh (s) | moments / dense eigh |")
    print("| --- " * 10 + "|")
    one = LatticeMotif.builtin("barw", lattice="square")
    two = LatticeMotif(["A", "B"], {"hop": ["A _ -> _ A"], "react": ["A B -> _ _"],
                                    "make_A": ["_ -> A"], "make_B": ["_ -> B"]},
                       lattice="square")
    cases = [(one, np.array([-1.0, 0.3]), w) for w in (8, 10, 12)]
    cases += [(two, np.array([-1.2, -0.9, 0.6, -0.5, 0.4]), w) for w in (5, 6, 7)]
    for motif, x, width in cases:
        lib = strip_library(motif, width=width)
        shifts = iter(np.linspace(0, 1e-3, 100))  # defeat the engine's one-point cache

        def fresh():
            return x + next(shifts)

        times = [cpu_seconds(lambda f=f: f(fresh()))
                 for f in (lib.moments, lib.hessian, lib.basis, lib.basis_jacobian)]
        states = (motif.n_species + 1) ** width
        if states <= 4096:
            dense = cpu_seconds(dense_reference(motif.n_species, width, x))
            dense_cells = f"{dense:.3g} | {times[0] / dense:.2g}"
        else:
            dense_cells = "— | —"
        print(f"| {motif.n_species} | {width} | {states} | "
              + " | ".join(f"{t:.3g}" for t in times)
              + f" | {times[2] / chain_basis:.2g} | {dense_cells} |")


if __name__ == "__main__":
    import sys

    compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="strip")
    if "--cost-only" not in sys.argv:
        accuracy_table()
        print()
        critical_table()
        print()
    cost_table()
