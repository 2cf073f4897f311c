"""Continuous-space experiments: Fig. 6 (branching random walk) and learning eq. 42 from particles.

``fig6(out_dir, seed)`` writes ``fig6.png`` and ``continuous.json`` (atomically):

* δν(y, t)/δF⁽²⁾(ν = 1) and δν(y, t)/δF⁽¹⁾(ν = 1) at y = 0.25, 0.5, 0.75, 1 and the
  profiles ν(y, t) of eq. 42 at the true F⁽¹⁾ = −D, F⁽²⁾ = D (eq. 34), D = 1, from
  the point-source profile eq. 33 (normalised, eq. 35) at t0 = 0.05 between reflecting
  walls at ±3. δν/δF(ω) at the grid node ω = 1 is ∂ν/∂F_g / Δν (Δν = 0.1, as the
  paper's grid). The spatial ν of the branching random walk does not depend on kb, kd
  (independent particles: the spatial density is the heat kernel whatever the family
  tree), which enter through ν1(t), ν2(t) only;
* ν1(t), ν2(t) of the Galton–Watson part, kb = 1, kd = 1.5: eq. 29 integrated
  (compiled from ``WellMixed.basis_functions(2)``) against the particle simulation's
  number moments in the Gaussian reading ν2 = 1/σ², ν1 = (½ − µ)ν2;
* F⁽¹⁾(ν), F⁽²⁾(ν) learned by Algorithm 1 with spatial axes from simulated pure
  diffusion (`diffusion_experiment`), written to the JSON as ``learned_F1``,
  ``learned_F2`` (grid and values) with ``D``.

This module compiles symbolic expressions through ``dynboltz.codegen``; the
``runtime.continuous`` layer it drives never imports sympy.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from dynboltz.runtime.common.validation import rate_vector
from dynboltz.runtime.continuous import (Domain, estimate_density, integrate_pde,
                                         learn_spatial_basis, simulate_particles)
from dynboltz.runtime.continuous.heat_kernel import point_source_nu, sample_point_source
from dynboltz.runtime.paper.barw import write_summary
from dynboltz.runtime.paper.figure_files import new_figure, save_png

__all__ = ["D", "FIG6_POSITIONS", "diffusion_experiment", "branching_sensitivities",
           "branching_number_parameters", "fig6", "QUICK_SIZES"]

D = 1.0
KB, KD = 1.0, 1.5
FIG6_POSITIONS = (0.25, 0.5, 0.75, 1.0)
_DOMAIN = Domain(-3.0, 3.0, "reflecting", 121)
_T0 = 0.05


def diffusion_experiment(seed: int = 0, particles: int = 20000, replicates: int = 8,
                         iterations: int = 30, n_times: int = 20, T: float = 1.0,
                         domain: Domain = _DOMAIN) -> dict:
    """Learn F⁽¹⁾, F⁽²⁾ of eq. 42 from simulated point-source diffusion (Algorithm 1).

    Particles start from exact samples of the point-source density at t0 = 0.05
    (x0 = 0, D = 1, reflecting walls); the density on the nodes gives ν (eq. 33, K = 1),
    and the model starts from the exact profile η = ν(y, t0).

    Parameters
    ----------
    seed : int
    particles, replicates : int
        Particles per replicate, replicates.
    iterations : int
        Levenberg–Marquardt steps.
    n_times : int
        Data times, evenly spaced on [t0, T].
    T : float
        Final time.
    domain : Domain

    Returns
    -------
    dict
        ``grid``, ``F1``, ``F2``, ``visits`` (lists), ``visited`` (grid nodes holding
        >= 1% of the largest visit), ``max_relative_error`` of F⁽¹⁾ against −D and of
        F⁽²⁾ against D over the visited nodes, ``action`` history, settings.
    """
    # entropy [seed, k]: independent streams that stay plain JSON in the metadata
    simulation_seed = [seed, 1]
    rng = np.random.default_rng([seed, 0])
    initial = np.stack([sample_point_source(0.0, _T0, D, particles, domain, rng)
                        for _ in range(replicates)])
    times = np.linspace(_T0, T, n_times)
    ensemble = simulate_particles({"diffusion": D}, initial, times, replicates,
                                  simulation_seed, workers=1, domain=(domain.lo, domain.hi),
                                  boundary=domain.boundary, nodes=domain.n_nodes, t0=_T0)
    data = estimate_density(ensemble)
    eta = point_source_nu(domain.nodes, _T0, 0.0, D, particles, domain)
    grid = np.round(np.arange(-0.5, 4.01, 0.25), 10)
    result = learn_spatial_basis(data, eta, grid, iterations, initial_F1=0.0,
                                 initial_F2=0.5)
    visited = result.visits >= 0.01 * result.visits.max()
    return {
        "grid": grid.tolist(), "F1": result.F1.tolist(), "F2": result.F2.tolist(),
        "visits": result.visits.tolist(), "visited": visited.tolist(),
        "max_relative_error": {
            "F1": float(np.abs(result.F1[visited] + D).max() / D),
            "F2": float(np.abs(result.F2[visited] - D).max() / D)},
        "action": result.action_history.tolist(),
        "settings": {"D": D, "x0": 0.0, "t0": _T0, "T": T, "particles": particles,
                     "replicates": replicates, "iterations": iterations,
                     "n_times": n_times, "domain": domain.as_dict(), "seed": seed,
                     "initial_F1": 0.0, "initial_F2": 0.5},
    }


def branching_sensitivities(T: float = 2.0, n_times: int = 2001, domain: Domain = _DOMAIN
                            ) -> dict:
    """δν(y, t)/δF⁽ᵞ⁾(ν = 1) of eq. A15 at the true F (Fig. 6, top and middle).

    Parameters
    ----------
    T : float
        Final time.
    n_times : int
        Output times on [t0, T].
    domain : Domain

    Returns
    -------
    dict
        ``times`` (T,), ``nodes`` (M,), ``nu`` (T, M), ``positions``,
        ``delta_F1``, ``delta_F2`` (T, 4): δν/δF at ``FIG6_POSITIONS``, ``dnu``.
    """
    grid = np.round(np.arange(-1.0, 5.001, 0.1), 10)
    g = int(np.argmin(np.abs(grid - 1.0)))
    eta = point_source_nu(domain.nodes, _T0, 0.0, D, math.inf, domain)
    times = np.linspace(_T0, T, n_times)
    trajectory = integrate_pde(-D * np.ones(grid.size), D * np.ones(grid.size), grid, eta,
                               domain, _T0, times)
    columns = [int(np.argmin(np.abs(domain.nodes - y))) for y in FIG6_POSITIONS]
    dnu = grid[1] - grid[0]
    return {"times": times, "nodes": domain.nodes, "nu": trajectory.nu,
            "positions": FIG6_POSITIONS, "dnu": dnu, "dt": trajectory.dt,
            "delta_F1": trajectory.sensitivity[:, 0, g][:, columns] / dnu,
            "delta_F2": trajectory.sensitivity[:, 1, g][:, columns] / dnu}


def _eq29_rates():
    from dynboltz.codegen import compile_expressions
    from dynboltz.runtime.paper.galton_watson import galton_watson

    net, _ = galton_watson()
    compiled = compile_expressions(net.basis_functions(2), net.nu(2), net.rate_symbols)
    rates = rate_vector({"birth": KB, "death": KD}, net.process_names, "fig6")
    return lambda nu: compiled(np.ascontiguousarray(nu, dtype=np.float64), rates)


def _gaussian_reading(totals):
    """(ν1, ν2) of counts (R, T) in the Gaussian reading of eq. 19, K = 2."""
    mean, variance = totals.mean(axis=0), totals.var(axis=0, ddof=1)
    return (0.5 - mean) / variance, 1.0 / variance


def branching_number_parameters(seed: int = 0, replicates: int = 2000, mean: float = 20.0,
                                T: float = 1.0, n_times: int = 11) -> dict:
    """ν1(t), ν2(t) of the branching random walk: eq. 29 against particle simulation.

    Initial numbers are Poisson(``mean``) at the origin (µ = σ² = mean); the
    Galton–Watson moment equations are closed, so eq. 29 in the Gaussian reading
    predicts the simulated (µ, σ²) exactly. Standard errors by 200 bootstrap resamples
    of the replicates.

    Returns
    -------
    dict
        ``times``, ``eq29`` (T, 2), ``simulated`` (T, 2), ``standard_error`` (T, 2).
    """
    count_seed, simulation_seed, bootstrap_seed = [seed, 2], [seed, 3], [seed, 4]
    counts = np.random.default_rng(count_seed).poisson(mean, replicates)
    initial = np.full((replicates, counts.max()), np.nan)
    for r, n in enumerate(counts):
        initial[r, :n] = 0.0
    times = np.linspace(0.0, T, n_times)
    ensemble = simulate_particles({"diffusion": D, "branching": KB, "death": KD}, initial,
                                  times, replicates, simulation_seed, workers=1,
                                  domain=(-3.0, 3.0), nodes=3)
    simulated = np.stack(_gaussian_reading(ensemble.totals), axis=1)
    rng = np.random.default_rng(bootstrap_seed)
    resamples = [np.stack(_gaussian_reading(ensemble.totals[rng.integers(0, replicates,
                                                                         replicates)]), 1)
                 for _ in range(200)]
    rates = _eq29_rates()
    nu0 = np.array([(0.5 - mean) / mean, 1.0 / mean])
    solution = solve_ivp(lambda t, nu: rates(nu), (0.0, T), nu0, t_eval=times,
                         rtol=1e-10, atol=1e-12)
    return {"times": times, "eq29": solution.y.T, "simulated": simulated,
            "standard_error": np.std(resamples, axis=0, ddof=1)}


def _plot(sensitivities, numbers, learned, path):
    """Fig. 6 as four lettered panels, each with its own experiment in its title.

    The top panels are sampled at every output time of `branching_sensitivities`
    (2001 on [t0, 2]): δν/δF(ν = 1) is the response to a hat of width Δν in ν, so it
    rises and falls while ν(y, t) sweeps through [1 − Δν, 1 + Δν] near the point
    source (t ≲ 0.1 at y = 0.5, 0.75). Coarser sampling turns that real wiggle into
    a saw-tooth.
    """
    fig = new_figure(figsize=(10, 7.5))
    axes = fig.subplots(2, 2)
    times = sensitivities["times"]
    fig.suptitle(rf"(a, b): eq. A15 at $F^{{(1)}}=-D$, $F^{{(2)}}=D$, D = {D:g}, hat of "
                 rf"width $\Delta\nu$ = {sensitivities['dnu']:.1f} at $\nu$ = 1", fontsize=10)
    for ax, key, label, letter in ((axes[0, 0], "delta_F2", "F^{(2)}", "a"),
                                   (axes[0, 1], "delta_F1", "F^{(1)}", "b")):
        for j, y in enumerate(sensitivities["positions"]):
            ax.plot(times, sensitivities[key][:, j], label=f"y = {y:g}")
        ax.set_xlabel("t")
        ax.set_ylabel(rf"$\delta\nu(y,t)/\delta {label}(\nu=1)$")
        ax.set_title(rf"({letter}) sensitivity to ${label}$", fontsize=9)
        ax.legend(frameon=False, fontsize=8)
    ax = axes[1, 0]
    nodes = sensitivities["nodes"]
    # near t0 the point source is ν ≈ y²/4Dt, off any readable scale: start at t = 0.2
    shown = np.linspace(np.searchsorted(times, 0.2), times.size - 1, 6).astype(int)
    for k in shown:
        ax.plot(nodes, sensitivities["nu"][k], label=f"t = {times[k]:.2f}")
    ax.set_xlabel("y")
    ax.set_ylabel(r"$\nu(y,t)$")
    grid, visited = np.asarray(learned["grid"]), np.asarray(learned["visited"])
    ax.set_title(f"(c) eq. 42 from a point source at t0 = {_T0:g}, reflecting walls at ±3",
                 fontsize=9)
    ax.text(0.5, 0.97, f"learned from particle diffusion on ν ∈ [{grid[visited].min():g}, "
            f"{grid[visited].max():g}]:\nF1 ≈ {np.mean(np.asarray(learned['F1'])[visited]):.3f}"
            f" (true {-D:g}), F2 ≈ {np.mean(np.asarray(learned['F2'])[visited]):.3f}"
            f" (true {D:g})", transform=ax.transAxes, fontsize=8, va="top", ha="center")
    ax.legend(frameon=False, fontsize=8, loc="center", bbox_to_anchor=(0.5, 0.6), ncol=2)
    ax = axes[1, 1]
    for k, name in enumerate((r"$\nu_1$", r"$\nu_2$")):
        ax.plot(numbers["times"], numbers["eq29"][:, k], "-", color=f"C{k}",
                label=f"{name} eq. 29")
        ax.errorbar(numbers["times"], numbers["simulated"][:, k],
                    yerr=numbers["standard_error"][:, k], fmt="o", ms=3, color=f"C{k}",
                    label=f"{name} particles")
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\nu_k(t)$")
    ax.set_title(f"(d) number parameters of branching, kd = 3kb/2 = {KD:g}", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)


QUICK_SIZES = {"particles": 4000, "replicates": 4, "iterations": 10, "number_replicates": 300}
"""Sizes of ``fig6(quick=True)``: the small version ``reproduce all --quick`` draws."""


def fig6(out_dir: os.PathLike | str, seed: int = 0, quick: bool = False) -> Path:
    """Fig. 6 and ``continuous.json`` (module docstring); returns the PNG path.

    Parameters
    ----------
    out_dir : str or os.PathLike
    seed : int
    quick : bool
        Smaller simulations and fewer learning iterations (`QUICK_SIZES`); the
        sensitivities of panel (a) are the same.

    Returns
    -------
    pathlib.Path
    """
    out = Path(out_dir)
    sensitivities = branching_sensitivities()
    if quick:
        numbers = branching_number_parameters(seed,
                                              replicates=QUICK_SIZES["number_replicates"])
        learned = diffusion_experiment(seed, particles=QUICK_SIZES["particles"],
                                       replicates=QUICK_SIZES["replicates"],
                                       iterations=QUICK_SIZES["iterations"])
    else:
        numbers = branching_number_parameters(seed)
        learned = diffusion_experiment(seed)
    path = _plot(sensitivities, numbers, learned, out / "fig6.png")
    grid = learned["grid"]
    z = (numbers["simulated"] - numbers["eq29"])[1:] / numbers["standard_error"][1:]
    summary = {
        "D": D, "kb": KB, "kd": KD,
        "learned_F1": {"grid": grid, "values": learned["F1"]},
        "learned_F2": {"grid": grid, "values": learned["F2"]},
        "true_F1": -D, "true_F2": D,
        "diffusion_experiment": learned,
        "fig6": {"positions": list(FIG6_POSITIONS), "times": sensitivities["times"].tolist(),
                 "delta_nu_delta_F2_at_1": sensitivities["delta_F2"].T.tolist(),
                 "delta_nu_delta_F1_at_1": sensitivities["delta_F1"].T.tolist(),
                 "dnu": sensitivities["dnu"], "dt": sensitivities["dt"]},
        "number_parameters": {"times": numbers["times"].tolist(),
                              "eq29": numbers["eq29"].tolist(),
                              "simulated": numbers["simulated"].tolist(),
                              "standard_error": numbers["standard_error"].tolist(),
                              "max_abs_z": float(np.abs(z).max())},
    }
    write_summary(summary, out / "continuous.json")
    return path


