"""Paper figures 1-5 (Galton–Watson, Algorithm 1) as PNG files.

Every ``figN(out_dir, seed)`` computes what the paper's caption describes and writes
``out_dir/figN.png`` atomically (temporary file in the same folder, then
``os.replace``) from a bare matplotlib Figure rendered by Agg: no display is
needed and the user's matplotlib backend is left alone.  The paper setting is
kb = 1, kd = 1.5 (kd = 3kb/2), grid ν ∈ (0, 3] with Δν = 0.1, T = 1.  Learning uses
Algorithm 1 with its default Gauss–Newton method; K = 2 runs draw η in
``K2_ETA_RANGE`` (around the paper's (−2.5, 2.0)).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningSettings, basis_on_grid,
                                                       integrate_reduced, learn_basis)
from dynboltz.runtime.paper.figure_files import new_figure, save_png

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.wellmixed.basis_learning import BasisLearningResult
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["galton_watson", "K1_GRID", "K2_AXES", "K2_ETA_RANGE", "learn_galton_watson",
           "visited_error", "plot_learned_basis", "plot_convergence", "fig1", "fig2", "fig3", "fig4", "fig5"]

RATES = {"birth": 1.0, "death": 1.5}
K1_GRID = np.round(np.arange(1, 31) * 0.1, 10)
K2_AXES = (np.round(np.arange(-30, 11) * 0.1, 10), np.round(np.arange(1, 31) * 0.1, 10))
K2_ETA_RANGE = ((-2.8, -1.5), (1.2, 2.2))


def galton_watson() -> tuple[WellMixed, dict[str, float]]:
    """The Galton–Watson network A → A + A (kb), A → ∅ (kd) and the paper's rates.

    Returns
    -------
    (dynboltz.symbolic.WellMixed, dict)
    """
    from dynboltz.symbolic import WellMixed

    return WellMixed({"birth": "A -> A + A", "death": "A -> 0"}), dict(RATES)


def _settings_text(**extra) -> str:
    """The paper setting as a title line: the rates, then any extra ``name = value``."""
    parts = [f"Galton–Watson kb = {RATES['birth']:g}, kd = {RATES['death']:g}"]
    parts += [f"{name} = {value}" for name, value in extra.items()]
    return ", ".join(parts)


def plot_learned_basis(result: BasisLearningResult, true_F: ArrayLike,
                       path: os.PathLike | str, title: str = "") -> Path:
    """Fig. 1: learned F(ν) of a K = 1 run against the analytic eq. 26.

    Parameters
    ----------
    result : BasisLearningResult
        A K = 1 run of :func:`learn_basis`.
    true_F : array of shape (G, 1)
        Reference values on ``result.grid``.
    path : str or Path
        PNG file to write.
    title : str
        Axes title (the rates and settings of the run).

    Returns
    -------
    pathlib.Path
    """
    nu = result.grid[:, 0]
    fig = new_figure(figsize=(5, 3.6))
    ax = fig.subplots()
    ax.plot(nu, true_F[:, 0], "k-", label="analytic (26)")
    ax.plot(nu, result.F[:, 0], "o", color="tab:red", ms=4,
            label=f"learned, {len(result.action_history)} iterations")
    ax.plot(nu, result.F_history[0][:, 0], ":", color="0.5", label="initial")
    ax.set_xlabel(r"$\nu$")
    ax.set_ylabel(r"$F(\nu)$")
    ax.legend(frameon=False)
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return save_png(fig, path)


def fig1(out_dir: os.PathLike | str, seed: int = 0, iterations: int = 30) -> Path:
    """Fig. 1: F(ν) learned by Algorithm 1 (analytic truth) vs eq. 26; path of the PNG."""
    result, true_F = learn_galton_watson(1, seed, iterations)
    return plot_learned_basis(result, true_F, Path(out_dir) / "fig1.png",
                              _settings_text(K=1, T=1, **{"Δν": 0.1, "seed": seed}))


def fig2(out_dir: os.PathLike | str, seed: int = 0, iterations: int = 30) -> Path:
    """Fig. 2: convergence of the action per η and of |δS/δF(ν)| per grid point.

    16 fixed η; the run stops early once converged, so the axis ends there.
    """
    net, rates = galton_watson()
    settings = BasisLearningSettings(n_initial=16, resample_initial=False)
    result = learn_basis(net, rates, 1, K1_GRID, 1.0, iterations, seed=seed,
                         settings=settings)
    fig = plot_convergence(result)
    fig.suptitle(_settings_text(K=1, T=1, **{"η": "16 fixed", "seed": seed}), fontsize=9)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig2.png")


def plot_convergence(result):
    """Fig. 2's two panels for a `BasisLearningResult`: action per η, |gradient| per node.

    Grid points whose gradient is exactly zero (never reached by a trajectory) are
    left out of the logarithmic panel rather than drawn at log 0.
    """
    iterations = len(result.action_history)
    per_eta = result.action_per_initial
    scaled = (per_eta - per_eta[-1]) / (per_eta[0] - per_eta[-1])
    fig = new_figure(figsize=(9, 3.6))
    left, right = fig.subplots(1, 2)
    step = np.arange(1, iterations + 1)
    left.plot(step, scaled, color="0.7", lw=0.8)
    left.plot([], [], color="0.7", lw=0.8, label=r"each $\eta$")
    left.plot(step, scaled.mean(axis=1), "k-", lw=2, label=r"mean over $\eta$")
    left.set_xlabel("iteration")
    left.set_ylabel(r"action $S$ (normalised per $\eta$)")
    left.legend(frameon=False, fontsize=8)
    magnitude = np.abs(result.gradient[..., 0])
    reached = np.where(magnitude > 0, magnitude, np.nan)
    right.semilogy(step, reached, color="0.7", lw=0.8)
    right.semilogy([], [], color="0.7", lw=0.8, label=r"each grid point $\nu_g$ reached")
    right.semilogy(step, np.nanmean(reached, axis=1), "k-", lw=2,
                   label="mean over those points")
    right.set_xlabel("iteration")
    right.set_ylabel(r"$|\delta S / \delta F(\nu)|$ per grid point")
    right.legend(frameon=False, fontsize=8)
    return fig


def fig3(out_dir: os.PathLike | str, seed: int = 0, T: float = 2.0) -> Path:
    """Fig. 3: δν(t)/δF(ν = 2) and ν(t) for η = 1.5..1.9 (F = eq. 26 on the grid).

    T = 2 so that every trajectory crosses ν = 2; ``seed`` is unused (deterministic).
    """
    net, rates = galton_watson()
    F = basis_on_grid(net, rates, 1, K1_GRID)
    node = int(np.argmin(np.abs(K1_GRID - 2.0)))
    fig = new_figure(figsize=(5, 5.5))
    top, bottom = fig.subplots(2, 1, sharex=True)
    for eta in (1.5, 1.6, 1.7, 1.8, 1.9):
        trajectory = integrate_reduced(F, K1_GRID, [eta], T, n_steps=400, n_record=201)
        # K = 1: the flat parameter index of F(ν_g) is g
        top.plot(trajectory.times, trajectory.sensitivities[:, node, 0],
                 label=rf"$\eta = {eta}$")
        bottom.plot(trajectory.times, trajectory.x[:, 0])
    bottom.axhline(2.0, color="0.5", ls=":")
    top.set_ylabel(r"$\delta\nu(t)/\delta F(\nu=2)$")
    top.legend(frameon=False, fontsize=8)
    bottom.set_xlabel("t")
    bottom.set_ylabel(r"$\nu(t)$")
    top.set_title(_settings_text(F="eq. 26", T=f"{T:g}"), fontsize=8)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig3.png")


def learn_galton_watson(K: int, seed: int = 0, iterations: int = 30
                        ) -> tuple[BasisLearningResult, np.ndarray]:
    """Algorithm 1 on the paper's Galton–Watson setting: K = 1 on ``K1_GRID`` (Fig. 1),
    K = 2 on ``K2_AXES`` with η in ``K2_ETA_RANGE`` (Figs. 4–5).

    Parameters
    ----------
    K : {1, 2}
    seed : int
    iterations : int
        Most Gauss–Newton iterations.

    Returns
    -------
    (BasisLearningResult, numpy.ndarray)
        The run and the exact basis functions on its grid (eq. 26, shape (30, 1); eq.
        29, shape (41, 30, 2)); the same objects for the same arguments within one
        process (do not modify them).
    """
    return _learn_galton_watson(int(K), int(seed), int(iterations))


@functools.lru_cache(maxsize=4)
def _learn_galton_watson(K, seed, iterations):
    # Each run is drawn by two figures (fig1 and the report's numbers; fig4 and fig5):
    # learning it once saves ~15 s per reproduction at K = 2.
    net, rates = galton_watson()
    grid, extra = (K1_GRID, {}) if K == 1 else (K2_AXES, {"eta_range": K2_ETA_RANGE})
    result = learn_basis(net, rates, K, grid, 1.0, iterations, seed=seed, **extra)
    return result, basis_on_grid(net, rates, K, grid)


def visited_error(result: BasisLearningResult, true_F: np.ndarray) -> tuple[float, int]:
    """Max |learned F − true F| over the grid points the data visited, and their number.

    "Visited": at least one recorded ν of the run fell in the point's hat (``visits``).
    """
    visited = result.visits > 0
    return float(np.abs(result.F[visited] - true_F[visited]).max()), int(visited.sum())


def _map(ax, axes, values, title, quantity, visited=None):
    """One 2-D map: ``title`` says which run, the colour bar only the ``quantity``."""
    mesh = ax.pcolormesh(axes[0], axes[1], values.T, shading="auto", cmap="viridis")
    ax.figure.colorbar(mesh, ax=ax).set_label(quantity)
    if visited is not None:
        ax.contour(axes[0], axes[1], visited.T.astype(float), levels=[0.5], colors="w",
                   linewidths=1.0)
    ax.set_xlabel(r"$\nu_1$")
    ax.set_ylabel(r"$\nu_2$")
    ax.set_title(title, fontsize=9)


def fig4(out_dir: os.PathLike | str, seed: int = 0, iterations: int = 30) -> Path:
    """Fig. 4: eq. 29 (kd = 3kb/2 = 1.5) and F learned with K = 2, as 2-D maps.

    Top row the true F1, F2; bottom row the learned ones on the same colour scale,
    with the visited nodes (``BasisLearningResult.visited``) outlined in white and
    the maximum error there, relative to max |F_k| there, in the title.
    """
    result, true_F = learn_galton_watson(2, seed, iterations)
    visited = result.visited()
    fig = new_figure(figsize=(10, 7.2))
    axs = fig.subplots(2, 2)
    for k in range(2):
        _map(axs[0, k], K2_AXES, true_F[..., k], rf"$F_{k + 1}$, eq. 29", rf"$F_{k + 1}$",
             visited)
        error = (np.abs(result.F[..., k] - true_F[..., k])[visited].max()
                 / np.abs(true_F[..., k][visited]).max())
        learned = np.clip(result.F[..., k], true_F[..., k].min(), true_F[..., k].max())
        _map(axs[1, k], K2_AXES, learned,
             rf"$F_{k + 1}$ learned, {len(result.action_history)} iterations "
             f"(visited: {100 * error:.1f}%)", rf"$F_{k + 1}$", visited)
    fig.suptitle(_settings_text(K=2, T=1, seed=seed), fontsize=10)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig4.png")


def fig5(out_dir: os.PathLike | str, seed: int = 0, T: float = 1.0,
         iterations: int = 30) -> Path:
    """Fig. 5: δν1(T)/δF1(ν) and δν2(T)/δF1(ν) from (η1, η2) = (−2.5, 2.0).

    Eq. 22 forced by the normalised Gaussian of variance 0.1 (the paper's choice);
    top row with F = eq. 29 on the grid, bottom row with the F learned by
    :func:`learn_galton_watson`; the trajectory is dashed.
    """
    result, true_F = learn_galton_watson(2, seed, iterations)
    fig = new_figure(figsize=(10, 7.2))
    axs = fig.subplots(2, 2)
    for row, (F, name) in enumerate(((true_F, "eq. 29"), (result.F, "learned"))):
        trajectory = integrate_reduced(F, K2_AXES, [-2.5, 2.0], T, n_steps=400,
                                       n_record=101, delta="gaussian", delta_variance=0.1)
        # flat parameter index p = g K + k; F1 is k = 0
        sensitivity = trajectory.sensitivities[-1].reshape(F.shape + (2,))[..., 0, :]
        for k_prime in range(2):
            ax = axs[row, k_prime]
            _map(ax, K2_AXES, sensitivity[..., k_prime],
                 rf"$\delta\nu_{k_prime + 1}(T)/\delta F_1(\nu_1,\nu_2)$, T = {T:g}, "
                 f"F {name}", rf"$\delta\nu_{k_prime + 1}/\delta F_1$")
            ax.plot(trajectory.x[:, 0], trajectory.x[:, 1], "k--", lw=1.5)
    fig.suptitle(_settings_text(K=2, **{"(η1, η2)": "(−2.5, 2.0)", "seed": seed}),
                 fontsize=10)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig5.png")


