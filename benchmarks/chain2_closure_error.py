"""Closure error of ``chain2`` against the nearest-neighbour chain on the BARW demo data.

The demo's exact-scheme experiment (`dynboltz.runtime.paper.barw`, ``barw_settings("exact")``:
ring of 100 sites, rates (branching, annihilation, diffusion) = (10, 10, 50), T = 1,
Δt = 0.01, x0 = (h, J) = (1, 0), 4000 replicates, seed 0) is simulated once with the
``chain2`` library, which records (µ, ∆, ∆2); the (µ, ∆) columns are the same numbers the
chain's run records (same seeds).  For both closures:

* closure error at the true rates: eq. 52 integrated at the simulated rates from x0
  (J2 = 0), its moments against the simulated ones, ∫ |m̃ − m|² dt over (µ, ∆) (and over
  (µ, ∆, ∆2) for chain2);
* learned rates: ``learn_rates`` from θ₀ = half the true rates (the demo's default
  settings), and their relative distance |θ − θ_sim| / |θ_sim|;
* cost of one basis / basis-Jacobian evaluation, chain2 against the chain's compiled
  kernel (the baseline) in the same run.

Run: ``python benchmarks/chain2_closure_error.py [replicates] [out.json] [seed]``.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np

from dynboltz.codegen import compile_motif
from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.learning import integrate, learn_rates, moment_error
from dynboltz.runtime.paper.barw import barw_settings
from dynboltz.symbolic import LatticeMotif


def _closure_rows(lib, ensemble, settings, x0, data_columns):
    names = lib.process_names
    true = np.array([settings.rates[n] for n in names])
    times = ensemble.times
    data = ensemble.moments[..., :data_columns].mean(axis=0)
    trajectory = integrate(lib, true, x0, times, sensitivities=False, substeps=4)
    at_true = lib.moments(trajectory.x)
    start = time.perf_counter()
    result = learn_rates(lib, data=(times, data), x0=x0,
                         theta0=dict(zip(names, np.array(settings.theta0))),
                         iterations=settings.iterations, seed=settings.seed,
                         **settings.learning)
    seconds = time.perf_counter() - start
    theta = np.array([result.rates[n] for n in names])
    initial, learned = result.moment_errors()
    return {
        "closure": lib.closure,
        "error_at_true_rates_mu_delta": moment_error(at_true[:, :2], data[:, :2], times),
        "error_at_true_rates_all": moment_error(at_true, data, times),
        "error_at_theta0": initial, "error_learned": learned,
        "error_learned_mu_delta": moment_error(result.predicted_moments[:, :2], data[:, :2],
                                               times),
        "learned": dict(zip(names, theta.tolist())),
        "closure_distance": float(np.linalg.norm(theta - true) / np.linalg.norm(true)),
        "initial_distance": float(np.linalg.norm(np.array(settings.theta0) - true)
                                  / np.linalg.norm(true)),
        "iterations": result.info["iterations"], "learning_seconds": seconds,
        "final_moments_true_rates": at_true[-1].tolist(), "final_data": data[-1].tolist(),
    }


def _per_point_seconds(lib, x, repeats=200):
    """Mean wall time of one basis and one basis_jacobian evaluation at x."""
    out = {}
    for name in ("basis", "basis_jacobian"):
        function = getattr(lib, name)
        start = time.perf_counter()
        for _ in range(repeats):
            function(x)
        out[name] = (time.perf_counter() - start) / repeats
    return out


def main(replicates: int = 4000, out: str | None = None, seed: int = 0) -> dict:
    settings = barw_settings("exact", replicates=replicates, seed=seed)
    chain2 = compile_motif(LatticeMotif.builtin("barw"), closure="chain2")
    start = time.perf_counter()
    ensemble = simulate(chain2, dict(settings.rates), N=settings.N, times=settings.times,
                        initial=np.array(settings.x0 + (0.0,)), replicates=replicates,
                        seed=settings.seed, scheme="exact")
    simulation_seconds = time.perf_counter() - start
    se = ensemble.moments.std(axis=0, ddof=1) / np.sqrt(replicates)
    report = {
        "settings": settings.as_dict(), "simulation_seconds": simulation_seconds,
        "noise_floor_mu_delta": float(np.sum(np.trapezoid(se[:, :2] ** 2, ensemble.times,
                                                      axis=0))),
        "chain": _closure_rows(library.barw, ensemble, settings, np.array(settings.x0), 2),
        "chain2": _closure_rows(chain2, ensemble, settings,
                                np.array(settings.x0 + (0.0,)), 3),
    }
    chain_cost = _per_point_seconds(library.barw, np.array([0.3, -0.2]), 20000)
    chain2_cost = _per_point_seconds(chain2, np.array([0.3, -0.2, 0.1]))
    report["cost_per_point_seconds"] = {"chain": chain_cost, "chain2": chain2_cost,
                                        "ratio": {k: chain2_cost[k] / chain_cost[k]
                                                  for k in chain_cost}}
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        with open(out, "w") as stream:
            stream.write(text + "\n")
    return report


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4000,
         sys.argv[2] if len(sys.argv) > 2 else None,
         int(sys.argv[3]) if len(sys.argv) > 3 else 0)
