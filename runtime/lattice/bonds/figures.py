"""Figures of square-lattice simulations: snapshots over time and moments with bands.

Both draw on a bare ``matplotlib.figure.Figure`` (`dynboltz.runtime.paper.figure_files`:
no pyplot, no backend switch) and return it; pass ``path`` to also write a PNG
atomically.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import invalid
from dynboltz.runtime.paper.figure_files import new_figure, save_png

if TYPE_CHECKING:  # annotations only
    from matplotlib.figure import Figure

__all__ = ["plot_snapshots", "plot_moment_bands"]


def plot_snapshots(snapshots: ArrayLike, times: ArrayLike, species: Sequence[str],
                   path: os.PathLike | str | None = None, columns: int = 4) -> Figure:
    """A panel of square-lattice configurations over time, one colour per species.

    Parameters
    ----------
    snapshots : int array, shape (T, L1, L2)
        Site codes 0 (empty, white) .. S, e.g. one replicate of
        ``simulate(..., snapshots=True)``.
    times : array_like, shape (T,)
        Time of each snapshot (panel titles).
    species : sequence of str
        The S species names (legend).
    path : str or os.PathLike, optional
        Also write the figure there as PNG.
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    frames = np.asarray(snapshots)
    times = np.asarray(times, dtype=float)
    if frames.ndim != 3 or frames.shape[0] != times.size or frames.shape[0] == 0:
        raise invalid("snapshots", "plot_snapshots", f"an array (T, L1, L2) with T = "
                      f"len(times) = {times.size} >= 1", getattr(frames, "shape", frames))
    n_species = len(species)
    palette = ["white", "tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple",
               "tab:brown", "tab:pink", "tab:gray"][: n_species + 1]
    colours = ListedColormap(palette)
    columns = max(1, min(columns, frames.shape[0]))
    rows = -(-frames.shape[0] // columns)
    fig = new_figure(figsize=(2.6 * columns, 2.6 * rows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax, frame, t in zip(axes, frames, times):
        ax.imshow(frame, cmap=colours, vmin=-0.5, vmax=len(palette) - 0.5,
                  interpolation="nearest")
        ax.set_title(f"t = {t:g}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in axes[frames.shape[0]:]:
        ax.set_axis_off()
    fig.legend(handles=[Patch(facecolor=palette[k + 1], label=name)
                        for k, name in enumerate(species)],
               loc="outside lower center", ncol=max(1, n_species), fontsize=8)
    if path is not None:
        save_png(fig, path)
    return fig


def plot_moment_bands(times: ArrayLike, moments: ArrayLike, names: Sequence[str],
                      path: os.PathLike | str | None = None, quantiles: float = 0.9
                      ) -> Figure:
    """Mean moments over replicates with the central ``quantiles`` band.

    Parameters
    ----------
    times : array_like, shape (T,)
    moments : array, shape (R, T, L)
        Per-replicate moments, e.g. ``simulate(...).moments``.
    names : sequence of str
        L moment names (``motif.moment_names``).
    path : str or os.PathLike, optional
        Also write the figure there as PNG.
    quantiles : float
        Width of the band between quantiles (1 − q)/2 and (1 + q)/2 of the replicates;
        the standard error of the mean is drawn as a darker band.

    Returns
    -------
    matplotlib.figure.Figure
    """
    times = np.asarray(times, dtype=float)
    data = np.asarray(moments, dtype=float)
    if data.ndim != 3 or data.shape[1] != times.size or data.shape[2] != len(names):
        raise invalid("moments", "plot_moment_bands", f"an array (R, {times.size}, "
                      f"{len(names)}) matching times and names",
                      getattr(data, "shape", data))
    if not 0 < quantiles < 1:
        raise invalid("quantiles", "plot_moment_bands", "a number in (0, 1)", quantiles)
    fig = new_figure(figsize=(3.2 * len(names), 3.0), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(names), squeeze=False)).ravel()
    low, high = np.quantile(data, [(1 - quantiles) / 2, (1 + quantiles) / 2], axis=0)
    mean = data.mean(axis=0)
    error = data.std(axis=0, ddof=1) / np.sqrt(data.shape[0]) if data.shape[0] > 1 \
        else np.zeros_like(mean)
    for k, (ax, name) in enumerate(zip(axes, names)):
        ax.fill_between(times, low[:, k], high[:, k], alpha=0.25, color="tab:blue",
                        label=f"{quantiles:.0%} of replicates")
        ax.fill_between(times, mean[:, k] - error[:, k], mean[:, k] + error[:, k],
                        alpha=0.6, color="tab:blue", label="± standard error")
        ax.plot(times, mean[:, k], color="tab:blue", label="mean")
        ax.set_xlabel("t")
        ax.set_title(name, fontsize=10)
    axes[0].legend(fontsize=7)
    if path is not None:
        save_png(fig, path)
    return fig
