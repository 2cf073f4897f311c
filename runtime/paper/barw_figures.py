"""Paper figures 9-10 (BARW, Algorithm 2) as PNG files.

``plot_moments`` (Fig. 9): µ and ∆ from simulation (dashed) and from integrating eq. 52
(solid), left at θ₀, right after learning. ``plot_coefficients`` (Fig. 10): θ over the
iterations of Algorithm 2. ``fig9(out_dir, ...)`` / ``fig10(out_dir, ...)`` run the
experiment of ``dynboltz.runtime.paper.barw`` and write ``figN.png`` and the JSON
summary ``barw_<scheme>.json`` next to it (``figN_exact.png`` for the exact-scheme
data, so both variants can sit in one folder). Agg backend, atomic writes.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dynboltz.runtime.paper.figure_files import new_figure, save_png

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.paper.barw import BarwRun

__all__ = ["plot_moments", "plot_coefficients", "fig9", "fig10"]

_MOMENTS = ((r"$\mu$", "tab:blue"), (r"$\Delta$", "tab:red"))
_PROCESSES = (("branching", "tab:green"), ("annihilation", "tab:purple"),
              ("diffusion", "tab:orange"))


def _moment_panel(ax, times, data, predicted, title):
    for k, (label, colour) in enumerate(_MOMENTS):
        ax.plot(times, data[:, k], "--", color=colour, lw=1.6, label=f"{label} simulation")
        ax.plot(times, predicted[:, k], "-", color=colour, lw=1.6, label=f"{label} eq. 52")
    ax.set_xlabel("t")
    ax.set_title(title, fontsize=10)


def _settings_text(run):
    settings = run.settings
    rates = ", ".join(f"{name} {value:g}" for name, value in settings.rates.items())
    # the paper scheme's inputs are a rate (branching) and per-step probabilities
    kind = "inputs" if settings.scheme == "paper" else "rates"
    return (f"{settings.scheme} scheme ({kind}: {rates})\nN = {settings.N}, "
            f"T = {settings.T:g}, Δt = {settings.dt:g}, {settings.replicates} replicates, "
            f"seed {settings.seed}")


def plot_moments(run: BarwRun, path: os.PathLike | str) -> Path:
    """Fig. 9: (µ, ∆) of the simulation (dashed) and of eq. 52 (solid), θ₀ | learned.

    Parameters
    ----------
    run : BarwRun
        ``times``, ``data_moments`` (T, 2), ``result.initial_moments`` and
        ``result.predicted_moments`` (T, 2), ``summary``.
    path : str or Path
        PNG file to write.

    Returns
    -------
    pathlib.Path
    """
    summary = run.summary
    fig = new_figure(figsize=(9, 3.9))
    left, right = fig.subplots(1, 2, sharey=True)
    theta0 = ", ".join(f"{v:.3g}" for v in summary["theta0"].values())
    theta = ", ".join(f"{v:.3g}" for v in summary["theta"].values())
    _moment_panel(left, run.times, run.data_moments, run.result.initial_moments,
                  rf"$\theta_0$ = ({theta0}): error {summary['moment_error_initial']:.2e}")
    _moment_panel(right, run.times, run.data_moments, run.result.predicted_moments,
                  rf"{len(run.result.theta_history) - 1} iterations, "
                  rf"$\theta$ = ({theta}): error {summary['moment_error_learned']:.2e}")
    left.set_ylabel("moment per site")
    left.legend(frameon=False, fontsize=8)
    fig.suptitle(f"BARW 1st and 2nd moments, {_settings_text(run)}", fontsize=9)
    fig.tight_layout()
    return save_png(fig, path)


def plot_coefficients(run: BarwRun, path: os.PathLike | str) -> Path:
    """Fig. 10: the coefficients θ of eq. 52 over the iterations of Algorithm 2.

    θ₀ is marked by a circle at iteration 0 and a thin dashed line; for the exact
    scheme the simulated rates are drawn dotted: the gap left at the end is the
    moment-closure error.

    Parameters
    ----------
    run : BarwRun
        ``result.theta_history`` (iterations + 1, 3), ``summary``.
    path : str or Path

    Returns
    -------
    pathlib.Path
    """
    history = np.asarray(run.result.theta_history)
    fig = new_figure(figsize=(6.4, 4.2))
    ax = fig.subplots()
    steps = np.arange(history.shape[0])
    simulated = run.summary.get("simulated_rates")
    for k, (name, colour) in enumerate(_PROCESSES):
        ax.plot(steps, history[:, k], "-", color=colour, lw=1.8, label=name)
        ax.axhline(history[0, k], color=colour, ls="--", lw=0.7, alpha=0.6)
        ax.plot([0], [history[0, k]], "o", color=colour, ms=5)
        if simulated is not None:
            ax.axhline(simulated[name], color=colour, ls=":", lw=1.4)
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"coefficient $\theta^{(s)}$")
    theta0 = ", ".join(f"{v:g}" for v in history[0])
    marks = rf"circles/dashed: $\theta_0$ = ({theta0})"
    if simulated is not None:
        marks += "; dotted: simulated rates (" + ", ".join(
            f"{simulated[name]:g}" for name, _ in _PROCESSES) + ")"
    ax.set_title(f"BARW, {_settings_text(run)}\n{marks}", fontsize=8)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)


def _run(scheme, iterations, seed, replicates):
    from dynboltz.runtime.paper.barw import FULL_REPLICATES, barw_settings, run_barw

    settings = barw_settings(scheme, iterations=iterations, seed=seed,
                             replicates=replicates or FULL_REPLICATES)
    return run_barw(settings)


def _write(run, out_dir, name, plot):
    from dynboltz.runtime.paper.barw import write_summary

    out_dir = Path(out_dir)
    suffix = "" if run.settings.scheme == "paper" else f"_{run.settings.scheme}"
    figure = plot(run, out_dir / f"{name}{suffix}.png")
    write_summary(run.summary, out_dir / f"barw_{run.settings.scheme}.json")
    return figure


def fig9(out_dir: os.PathLike | str, seed: int = 0, scheme: str = "paper", iterations: int = 400,
         replicates: int | None = None) -> Path:
    """Fig. 9 of the paper setting (``runtime/paper/barw.py``); writes the PNG and JSON.

    Returns
    -------
    pathlib.Path
        ``out_dir/fig9.png`` (``fig9_exact.png`` for ``scheme="exact"``; the summary is
        ``out_dir/barw_<scheme>.json``).
    """
    return _write(_run(scheme, iterations, seed, replicates), out_dir, "fig9", plot_moments)


def fig10(out_dir: os.PathLike | str, seed: int = 0, scheme: str = "paper", iterations: int = 400,
          replicates: int | None = None) -> Path:
    """Fig. 10 of the paper setting (``runtime/paper/barw.py``); writes the PNG and JSON.

    Returns
    -------
    pathlib.Path
        ``out_dir/fig10.png`` (``fig10_exact.png`` for ``scheme="exact"``; the summary
        is ``out_dir/barw_<scheme>.json``).
    """
    return _write(_run(scheme, iterations, seed, replicates), out_dir, "fig10",
                  plot_coefficients)


