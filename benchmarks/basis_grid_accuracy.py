"""Accuracy of `learn_basis`' default grid against an explicit grid the data miss.

Model: Schlögl, A+A → 3A (b = 0.03), 3A → 2A (c = 1e-4), ∅ → A (i = 20), A → ∅
(d = 1); moments do not close, so the truth is the SSA (``truth="ssa"``, 200
trajectories per batch, 30 iterations, K = 1, T = 1, η ∈ [0.05, 0.2], seed 3).

For each grid (the default, from the data's visited ν*, and the README's old
``np.arange(1, 31)/10``), the learned F is integrated (eq. 20) from five held-out
η and the mean 1/(e^ν(T) − 1) is compared with an independent SSA from the MaxEnt
(geometric) initial law of that η: 2000 trajectories, its standard error printed.

Run: ``python benchmarks/basis_grid_accuracy.py`` (about 2 minutes on one core).
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from dynboltz.errors import IntegrationError
from dynboltz.runtime.wellmixed import learn_basis, simulate
from dynboltz.runtime.wellmixed.basis_learning import integrate_reduced
from dynboltz.symbolic import WellMixed

NET = WellMixed({"b": "A + A -> A + A + A", "c": "A + A + A -> A + A",
                 "i": "0 -> A", "d": "A -> 0"})
RATES = {"b": 0.03, "c": 1e-4, "i": 20.0, "d": 1.0}
T = 1.0
LEARNING = dict(K=1, T=T, iterations=30, seed=3, truth="ssa", n_trajectories=200,
                eta_range=(0.05, 0.2))
HELD_OUT = np.linspace(0.06, 0.19, 5)
GRIDS = {"default (data's visited ν*)": None, "np.arange(1, 31)/10": np.arange(1, 31) / 10}


def ssa_mean(eta: float, replicates: int, seed: int) -> tuple[float, float]:
    """(mean, standard error) of n(T) from n(0) ~ p̃(n) ∝ e^{−η n} (geometric)."""
    rng = np.random.default_rng(seed)
    n0 = rng.geometric(-np.expm1(-eta), size=replicates) - 1
    finals = []
    for j, (value, count) in enumerate(zip(*np.unique(n0, return_counts=True))):
        ensemble = simulate(NET, RATES, [int(value)], np.array([0.0, T]),
                            replicates=int(count), seed=seed * 10_000 + j)
        finals.append(ensemble.counts[:, -1, 0])
    finals = np.concatenate(finals)
    return float(finals.mean()), float(finals.std(ddof=1) / np.sqrt(finals.size))


def main() -> None:
    truth = [ssa_mean(eta, 2000, 11 + k) for k, eta in enumerate(HELD_OUT)]
    print("held-out η:", HELD_OUT)
    print("SSA mean n(T):", ", ".join(f"{m:.2f} ± {s:.2f}" for m, s in truth))
    for label, grid in GRIDS.items():
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = learn_basis(NET, RATES, grid=grid, **LEARNING)
        seconds = time.perf_counter() - start
        errors = []
        for eta, (mean, _) in zip(HELD_OUT, truth):
            try:
                nu = integrate_reduced(result.F, result.axes, [eta], T).x[-1, 0]
                errors.append(abs(1.0 / np.expm1(nu) - mean) / mean)
            except IntegrationError:
                errors.append(np.nan)
        axis = result.axes[0]
        print(f"{label}: grid [{axis[0]:.4f}, {axis[-1]:.4f}], warnings "
              f"{sorted({type(w.message).__name__ for w in caught})}, learning {seconds:.0f} s, "
              f"|relative error| of the mean per held-out η {np.round(errors, 3)}, "
              f"mean {np.nanmean(errors):.3f}, max {np.nanmax(errors):.3f}")


if __name__ == "__main__":
    main()
