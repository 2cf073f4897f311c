"""Dynamic accuracy of every square/cubic closure at the true rates against exact KMC.

For each case (contact process on 64×64 at λ = zθ = 2 and 1.8, BARW on 64×64 at the
``barw2d`` rates, contact process on 16³ at λ = 2), from a high and a low initial density
(independent sites; a third, µ0 = 0.05, for the λ = 2 contact process), exact KMC (`dynboltz.runtime.lattice.simulate`, fixed seeds) gives the
replicate-mean moments m(t) = (µ, ∆).  Each model is run at the TRUE rates from the data's
initial moments m(0):

* every closure of the lattice (``bethe``, ``plaquette``, ``strip`` on the square lattice,
  ``bethe`` and ``cube`` on the cubic one): eq. 52 integrated by the adaptive Dormand–Prince
  pair (`dynboltz.runtime.learning.integrate`, rtol 1e-6, atol 1e-8) from
  x0 = ``fit_parameters(lib, m(0))``;
* the classical pair approximation and mean field (``CLASSICAL_CLOSURES``, DOP853).

Reported per model: the RMS error over (µ, ∆) and all output times, with its KMC standard
error (bootstrap over replicates, 200 resamples, seeded); the signed errors of µ and ∆ at
the last time (KMC standard error of the replicate mean in the KMC row); the wall seconds of
one trajectory and the ratio to ``bethe`` in the same run.  A model that cannot be
integrated (state leaves the closure's domain, NaN, step limit) is reported as failed with
the error message.

The strip closure runs at circumference ``--strip-width`` (default 8, 256 row states): the
default W = 12 costs ~100 s per trajectory on the shared 2-core machine.

Run: ``nice python benchmarks/closure_dynamics.py [--replicates R] [--strip-width W]
[--quick] [--out results.json]``; prints Markdown tables.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass

import numpy as np

from dynboltz.codegen import compile_motif
from dynboltz.codegen.closures import closures_of
from dynboltz.codegen.strip_closure import strip_library
from dynboltz.errors import IntegrationError
from dynboltz.runtime.lattice import fit_parameters, simulate
from dynboltz.runtime.lattice.bonds.pair_dynamics import CLASSICAL_CLOSURES
from dynboltz.runtime.learning import integrate
from dynboltz.runtime.paper.lattice_learning import EXPERIMENTS

INTEGRATION = {"integrator": "adaptive", "rtol": 1e-6, "atol": 1e-8}
"""Settings of eq. 52 for every closure."""


@dataclass(frozen=True)
class Case:
    """One process, lattice and rate set; ``experiment`` names the motif's experiment."""

    name: str
    experiment: str
    rates: dict
    shape: tuple
    quick_shape: tuple
    densities: tuple
    t_end: float
    n_times: int = 41


CASES = (
    # µ0 = 0.05: the pair-level trajectory crosses the Bethe coexistence line (see docs)
    Case("contact2d, λ = 2", "contact2d", {"death": 1.0, "infection": 0.5}, (64, 64),
         (16, 16), (0.5, 0.1, 0.05), 8.0),
    Case("contact2d, λ = 1.8", "contact2d", {"death": 1.0, "infection": 0.45}, (64, 64),
         (16, 16), (0.5, 0.1), 8.0),
    Case("barw2d", "barw2d", {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
         (64, 64), (16, 16), (0.6, 0.05), 4.0),
    Case("contact3d, λ = 2", "contact3d", {"death": 1.0, "infection": 2.0 / 6},
         (16, 16, 16), (6, 6, 6), (0.5, 0.1), 8.0),
)


def closures(motif, strip_width):
    """{closure name: library} of every deterministic closure of the motif's lattice."""
    libs = {}
    for name in sorted(closures_of(motif.geometry, deterministic=True),
                       key=lambda n: (n != "bethe", n)):
        libs[name] = (strip_library(motif, width=strip_width) if name == "strip"
                      else compile_motif(motif, closure=name))
    return libs


def closure_moments(lib, theta, m0, times):
    """(moments (T, L), seconds) of eq. 52 at θ from m0; raises IntegrationError etc."""
    start = time.perf_counter()
    x0 = fit_parameters(lib, m0)
    x = integrate(lib, theta, x0, times, sensitivities=False, **INTEGRATION).x
    moments = lib.moments(x)
    if not np.all(np.isfinite(moments)):
        raise IntegrationError("non-finite moments along the trajectory")
    return moments, time.perf_counter() - start


def classical_moments(name, motif, rates, m0, times):
    start = time.perf_counter()
    moments = CLASSICAL_CLOSURES[name](motif, dict(rates), m0, times).moments
    return moments, time.perf_counter() - start


def rms(predicted, data):
    """RMS over times and moments of predicted − data, both (T, L)."""
    return float(np.sqrt(np.mean((predicted - data) ** 2)))


def error_row(predicted, replicate_moments, seconds, rng, resamples=200):
    """RMS error ± bootstrap SE and last-time errors of one model against KMC."""
    data = replicate_moments.mean(axis=0)
    n = replicate_moments.shape[0]
    boot = [rms(predicted, replicate_moments[rng.integers(0, n, n)].mean(axis=0))
            for _ in range(resamples)]
    return {"rms": rms(predicted, data), "rms_se": float(np.std(boot, ddof=1)),
            "last": (predicted[-1] - data[-1]).tolist(), "seconds": seconds}


def run_start(motif, libs, case, rates, density, shape, replicates, seed):
    """Rows of every model from one initial density."""
    times = np.linspace(0.0, case.t_end, case.n_times)
    x_init = np.array([np.log(density / (1.0 - density)), 0.0])  # independent sites
    start = time.perf_counter()
    ensemble = simulate(motif, dict(rates), N=shape, times=times, initial=x_init,
                        replicates=replicates, seed=seed, workers=1)
    kmc_seconds = time.perf_counter() - start
    reps = ensemble.moments[:, :, :2]
    data = reps.mean(axis=0)
    se = reps.std(axis=0, ddof=1) / np.sqrt(replicates)
    m0 = ensemble.moments[:, 0].mean(axis=0)
    theta = np.array([rates[n] for n in libs["bethe"].process_names])
    rng = np.random.default_rng(seed)
    rows = {}
    models = [(name, lambda lib=lib: closure_moments(lib, theta, m0, times))
              for name, lib in libs.items()]
    models += [(name, lambda name=name: classical_moments(name, motif, rates, m0, times))
               for name in ("pair_approximation", "mean_field")]
    for name, run in models:
        try:
            moments, seconds = run()
        except (IntegrationError, ValueError, ArithmeticError) as error:
            rows[name] = {"failed": f"{type(error).__name__}: {error}"}
            continue
        rows[name] = error_row(moments[:, :2], reps, seconds, rng)
        rows[name]["trajectory"] = moments[:, :2].tolist()
    return {"density": density, "replicates": replicates, "shape": list(shape),
            "kmc_seconds": kmc_seconds, "m0": m0.tolist(), "times": times.tolist(),
            "kmc_last": data[-1].tolist(), "kmc_last_se": se[-1].tolist(),
            "kmc_se_rms": float(np.sqrt(np.mean(se ** 2))), "kmc": data.tolist(),
            "models": rows}


def markdown(results):
    """Markdown tables (one per case and start) of the ``run`` results."""
    lines = []
    for case in results:
        for start in case["starts"]:
            models = start["models"]
            base = models.get("bethe", {}).get("seconds")
            lines += [f"**{case['case']}**, µ0 = {start['density']} "
                      f"({'×'.join(map(str, start['shape']))}, {start['replicates']} "
                      f"replicates, t ≤ {start['times'][-1]:g}; KMC at t_end: "
                      f"µ = {start['kmc_last'][0]:.4f} ± {start['kmc_last_se'][0]:.4f}, "
                      f"∆ = {start['kmc_last'][1]:.4f} ± {start['kmc_last_se'][1]:.4f})", "",
                      "| model | RMS error (µ, ∆) ± SE | µ error at t_end | ∆ error at t_end "
                      "| s / trajectory | × bethe |",
                      "| --- | --- | ---: | ---: | ---: | ---: |"]
            for name, row in models.items():
                if "failed" in row:
                    lines.append(f"| {name} | failed: {row['failed']} | | | | |")
                    continue
                ratio = f"{row['seconds'] / base:.3g}" if base else "—"
                lines.append(f"| {name} | {row['rms']:.4f} ± {row['rms_se']:.4f} | "
                             f"{row['last'][0]:+.4f} | {row['last'][1]:+.4f} | "
                             f"{row['seconds']:.3g} | {ratio} |")
            lines.append("")
    return "\n".join(lines)


def run(replicates=64, strip_width=8, quick=False, seed=20261205, cases=CASES):
    """Every case and start; returns a list of {case, starts: [...]}."""
    results = []
    for k, case in enumerate(cases):
        motif = EXPERIMENTS[case.experiment].motif()
        start = time.perf_counter()
        libs = closures(motif, strip_width)
        compile_seconds = time.perf_counter() - start
        shape = case.quick_shape if quick else case.shape
        starts = [run_start(motif, libs, case, case.rates, density, shape, replicates,
                            seed + 10 * k + j) for j, density in enumerate(case.densities)]
        results.append({"case": case.name, "rates": case.rates, "lattice": motif.geometry,
                        "compile_seconds": compile_seconds, "starts": starts})
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=64)
    parser.add_argument("--strip-width", type=int, default=8)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    start = time.perf_counter()
    results = run(args.replicates, args.strip_width, args.quick)
    print(markdown(results))
    print(f"total wall time {time.perf_counter() - start:.0f} s")
    if args.out:
        with open(args.out, "w") as stream:
            json.dump(results, stream, indent=1)


if __name__ == "__main__":
    main()
