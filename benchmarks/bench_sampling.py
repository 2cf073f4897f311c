"""Boltzmann-chain sampling speed: exact samplers vs Gibbs sweeps, same run.

Sites per second of ``dynboltz.runtime.lattice.chain.sampling.sample`` on the ``sep`` motif
(S = 4) and on ``barw`` (S = 1) at a moderate point, N = 10**5 and 10**6, one row,
one thread: exact ring sampling (bisection with matrix powers), exact
thermodynamic-limit chain (Markov), and Gibbs (checkerboard heat bath; a "site" is one
site update, so N × sweeps per row).  The baseline is the Gibbs sweep; the ratio says
how many heat-bath site updates cost as much as one exact site.  An exact sample is
independent, while Gibbs needs many sweeps (≫ correlation time) per independent
configuration, so the per-sample advantage of the exact sampler is this ratio times
the number of sweeps used.  Each entry is the best of a few repeats.
Run: ``python benchmarks/bench_sampling.py``.
"""
import time

import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.sampling import sample

REPEATS = 3
SWEEPS = 10
SIZES = (10 ** 5, 10 ** 6)
POINTS = {"barw": np.array([-0.5, 0.8]),
          "sep": np.array([0.5, 1.0, -1.0, -1.0] + [0.3] * 10)}


def _sites_per_second(lib, x, n_sites, method, ring):
    sweeps = SWEEPS if method == "gibbs" else 0
    best = np.inf
    for repeat in range(REPEATS):
        start = time.perf_counter()
        sample(lib, x, N=n_sites, n=1, seed=repeat, method=method, ring=ring,
               sweeps=sweeps, threads=1)
        best = min(best, time.perf_counter() - start)
    return n_sites * max(sweeps, 1) / best


def main():
    print(f"{'motif':6} {'N':>8} {'sampler':14} {'sites/s':>10} {'vs Gibbs sweep':>15}")
    for name, x in POINTS.items():
        lib = getattr(library, name)
        for n_sites in SIZES:
            gibbs = _sites_per_second(lib, x, n_sites, "gibbs", True)
            for label, method, ring in (("gibbs sweep", "gibbs", True),
                                        ("exact ring", "exact", True),
                                        ("exact chain", "exact", False)):
                rate = gibbs if method == "gibbs" else _sites_per_second(
                    lib, x, n_sites, method, ring)
                print(f"{name:6} {n_sites:>8} {label:14} {rate:10.3g} {rate / gibbs:15.2f}")


if __name__ == "__main__":
    main()
