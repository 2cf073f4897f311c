"""The gibbs closure: accuracy against Onsager, finite-size bias, noise and cost.

Run ``python benchmarks/bench_gibbs.py``; prints the tables of docs/closures.md,
``## gibbs``: ∆ on the zero-field line h = −2J (K = J/4) against Onsager's exact
nearest-neighbour correlation, the same moments on tori of several sizes against the
strip closure (finite-size bias), the jackknife noise of moments and basis, and the
cost of one ``lib.basis(x)`` (a fresh x each call: no cache) against the bethe closure
in the same run.
"""
import time

import numpy as np
from scipy.special import ellipk

from dynboltz.codegen import compile_motif
from dynboltz.codegen.gibbs_closure import gibbs_library
from dynboltz.symbolic import LatticeMotif


def onsager_sigma_sigma(k):
    """⟨σ_i σ_j⟩ of nearest neighbours, square-lattice Ising at zero field (Onsager)."""
    kappa = 2 * np.sinh(2 * k) / np.cosh(2 * k) ** 2
    k1 = ellipk(kappa ** 2)
    return 0.5 / np.tanh(2 * k) * (1 + (2 * np.tanh(2 * k) ** 2 - 1) * 2 / np.pi * k1)


def main():
    square = LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]},
                          lattice="square")
    print("| K | chain | ∆ exact | ∆ gibbs (32², 2000 samples) | SE | error of ∆ |")
    for label, options in (("default", {}),
                           ("burn-in 2000, thinning 10", {"burn_in": 2000, "thinning": 10})):
        gibbs = gibbs_library(square, **options)
        for k in (0.3, 0.4):
            x = np.array([-8 * k, 4 * k])
            exact = (1 + onsager_sigma_sigma(k)) / 2
            delta = gibbs.moments(x)[1]
            se = gibbs.standard_errors(x)["moments"][1]
            print(f"| {k} | {label} | {exact:.5f} | {delta:.5f} | {se:.5f} | "
                  f"{delta - exact:+.5f} ({(delta - exact) / exact:+.2%}) |")
    strip = compile_motif(square, closure="strip")
    print("\n| x | size | max |gibbs − strip| (moments) | SE | max rel. |basis − strip| | basis SE (rel.) |")
    for x in ([-1.0, 0.5], [-1.5, 0.3], [-2.4, 1.2]):
        x = np.array(x)
        for size in (8, 16, 32):
            lib = gibbs_library(square, size=size)
            diff = np.abs(lib.moments(x) - strip.moments(x))
            errors = lib.standard_errors(x)
            scale = np.abs(strip.basis(x))
            basis_diff = np.abs(lib.basis(x) - strip.basis(x)).max() / scale.max()
            print(f"| {x.tolist()} | {size}² | {diff.max():.4f} | "
                  f"{errors['moments'][diff.argmax()]:.4f} | {basis_diff:.3f} | "
                  f"{errors['basis'].max() / scale.max():.3f} |")
    print("\n| closure | lattice | basis cost | ratio to bethe |")
    for lattice in ("square", "cubic"):
        motif = LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]},
                             lattice=lattice)
        bethe = compile_motif(motif, closure="bethe")
        mc = compile_motif(motif, closure="gibbs")
        points = [np.array([-1.0 - 0.01 * i, 0.3]) for i in range(3)]
        start = time.perf_counter()
        for _ in range(1000):
            for x in points:
                bethe.basis(x)
        t_bethe = (time.perf_counter() - start) / 3000
        start = time.perf_counter()
        for x in points:
            mc.basis(x)
        t_gibbs = (time.perf_counter() - start) / 3
        print(f"| bethe | {lattice} | {t_bethe * 1e6:.1f} µs | 1 |")
        print(f"| gibbs | {lattice} | {t_gibbs:.2f} s | {t_gibbs / t_bethe:.2g} |")


if __name__ == "__main__":
    main()
