"""Paper figures 7 and 8 (lattice basis functions, Sec. III A–B) as PNG files.

``fig7(out_dir)`` and ``fig8(out_dir)`` evaluate the compiled built-in motif
libraries of ``dynboltz.generated.library`` (no sympy at run time) and write
``out_dir/fig7.png`` / ``out_dir/fig8.png`` atomically (rendered by Agg, the
user's matplotlib backend is left alone).
The data behind each figure comes from a separate function
(`single_species_basis_maps`, `trivalent_slices`) so that it can be checked
without plotting.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.generated import library
from dynboltz.runtime.paper.figure_files import new_figure, save_png
from dynboltz.runtime.common.validation import invalid


__all__ = ["SINGLE_SPECIES_LIBRARIES", "single_species_basis_maps", "trivalent_slices",
           "symmetric_log_scale", "fig7", "fig8"]

SINGLE_SPECIES_LIBRARIES = ("creation_A", "death_A", "diffusion_A", "branching_A",
                            "annihilation_A", "coagulation_A")
"""Built-in single-process libraries shown in Fig. 7, in panel order."""

# Fig. 7 colour scale: "from blue to manila" (paper caption).
_BLUE_TO_MANILA = ("#1d3f8f", "#f3e5b5")
# The maps grow like e^{|h|+|J|} towards the corners, so one linear scale shows one
# corner and a flat rest.  Each panel gets its own symmetric log scale instead, linear
# below the magnitude that this fraction of its nonzero values stays under.
_LINEAR_QUANTILE = 0.05
# ... but never below this fraction of the panel's largest magnitude (float noise).
_SMALLEST_LINEAR = 1e-8
_FIG7_COLUMNS = 3  # processes per pair of rows in Fig. 7


def _axis(limit, n_points, function):
    if not (np.isfinite(limit) and limit > 0):
        raise invalid("limit", function, "a positive finite number", limit)
    if int(n_points) != n_points or n_points < 2:
        raise invalid("n_points", function, "an integer >= 2", n_points)
    return np.linspace(-limit, limit, int(n_points))


def single_species_basis_maps(limit: float = 4.0, n_points: int = 121
                              ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fig. 7 data: F̃_h, F̃_J (eq. 49) of each single-species process on a grid.

    Parameters
    ----------
    limit : float
        Half-width of the square h, J ∈ [−limit, limit].
    n_points : int
        Grid points per axis.

    Returns
    -------
    axis : ndarray, shape (n_points,)
        Values of h (horizontal) and of J (vertical).
    maps : dict of str -> ndarray, shape (2, n_points, n_points)
        Per library of `SINGLE_SPECIES_LIBRARIES`, ``maps[name][k, j, i]`` is
        F̃_k (k = 0: h, 1: J) at h = axis[i], J = axis[j], process rate 1.
    """
    axis = _axis(limit, n_points, "single_species_basis_maps")
    h, j = np.meshgrid(axis, axis)
    points = np.stack([h.ravel(), j.ravel()], axis=1)
    maps = {}
    for name in SINGLE_SPECIES_LIBRARIES:
        basis = getattr(library, name).basis(points)[:, 0, :]
        maps[name] = basis.T.reshape(2, n_points, n_points)
    return axis, maps


def trivalent_slices(limit: float = 2.0, n_points: int = 101
                     ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Fig. 8 data: A + B → C at rate 1 over the (h_A, J_AC) plane, others 0.

    Parameters
    ----------
    limit : float
        Half-width of h_A, J_AC ∈ [−limit, limit].
    n_points : int
        Grid points per axis.

    Returns
    -------
    axis : ndarray, shape (n_points,)
        Values of h_A (horizontal) and J_AC (vertical).
    panels : dict of str -> ndarray, shape (n_points, n_points)
        ``"F_hA"``, ``"F_JAC"`` (eq. 49) and the moments they control,
        ``"mu_A"``, ``"Delta_AC"`` (eq. 47), indexed ``[J_AC, h_A]``.
    """
    axis = _axis(limit, n_points, "trivalent_slices")
    motif = library.bind_A_B_C
    h_index, j_index = motif.param_names.index("h_A"), motif.param_names.index("J_AC")
    h, j = np.meshgrid(axis, axis)
    points = np.zeros((h.size, motif.n_params))
    points[:, h_index], points[:, j_index] = h.ravel(), j.ravel()
    basis = motif.basis(points)[:, 0, :]
    moments = motif.moments(points)
    shape = (n_points, n_points)
    return axis, {"F_hA": basis[:, h_index].reshape(shape),
                  "F_JAC": basis[:, j_index].reshape(shape),
                  "mu_A": moments[:, h_index].reshape(shape),
                  "Delta_AC": moments[:, j_index].reshape(shape)}


def symmetric_log_scale(values: ArrayLike) -> tuple[float, float]:
    """Fig. 7 colour scale of one panel: a symmetric log, linear near zero.

    Parameters
    ----------
    values : ndarray
        The panel's F̃ values (rate 1).

    Returns
    -------
    linear_width : float
        Half-width of the linear part around 0: the 5 % quantile of the nonzero
        magnitudes, at least 1e-8 × the largest (1 for an all-zero panel).
    limit : float
        max |values| (1 for an all-zero panel).
    """
    magnitudes = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    limit = float(magnitudes.max()) if magnitudes.size else 0.0
    if limit == 0.0:
        return 1.0, 1.0
    nonzero = magnitudes[magnitudes > 0]
    linear_width = max(float(np.quantile(nonzero, _LINEAR_QUANTILE)),
                       _SMALLEST_LINEAR * limit)
    return linear_width, limit


def _log_ticks(low, high, linear_width, per_side=3):
    """0 and up to ``per_side`` powers of ten on each side, inside [low, high]."""
    ticks = [0.0] if low <= 0 <= high else []
    for sign, end in ((1, high), (-1, -low)):
        if end <= linear_width:
            continue
        exponents = np.arange(np.ceil(np.log10(linear_width)), np.floor(np.log10(end)) + 1)
        inside = [e for e in exponents if low <= sign * 10.0 ** e <= high]
        step = max(1, int(np.ceil(len(inside) / per_side)))
        ticks += [sign * 10.0 ** e for e in inside[::-1][::step]]
    return sorted(ticks)


def _panel(ax, axis, values, title, cmap, labels, bar_label, norm=None, ticks=None):
    image = ax.imshow(values, origin="lower", extent=(axis[0], axis[-1], axis[0], axis[-1]),
                      cmap=cmap, norm=norm, aspect="equal")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if ticks is not None:
        bar.set_ticks(ticks, labels=[f"{t:.0e}".replace("1e+00", "1").replace("-", "\u2212")
                                     if t else "0" for t in ticks])
    bar.set_label(bar_label, fontsize=8)
    bar.ax.tick_params(labelsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])


def fig7(out_dir: os.PathLike | str, seed: int = 0) -> Path:
    """Fig. 7: basis functions (49) of the single-species processes, each on its own log scale.

    Processes creation, death, diffusion (top two rows) and branching,
    annihilation, coagulation (bottom two rows), at rate 1; per process F̃_h above
    F̃_J, over h (horizontal), J (vertical) ∈ [−4, 4],
    blue (the panel's minimum) to manila (its maximum) on a per-panel symmetric
    log scale (`symmetric_log_scale`: the maps span many decades, so one division
    by the largest magnitude would show one corner and a flat rest); each colour
    bar is labelled with the values of F̃; black lines are the zero contours.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder for ``fig7.png``.
    seed : int
        Unused (the figure is deterministic); accepted for the uniform
        ``dynboltz reproduce`` interface.

    Returns
    -------
    pathlib.Path
    """
    from matplotlib.colors import LinearSegmentedColormap, SymLogNorm

    axis, maps = single_species_basis_maps()
    cmap = LinearSegmentedColormap.from_list("blue_manila", _BLUE_TO_MANILA)
    # three processes per pair of rows: a 4 × 3 grid reads on a slide, a 2 × 6 strip
    # (what the paper's page width allows) does not
    columns = _FIG7_COLUMNS
    pairs = -(-len(maps) // columns)
    fig = new_figure(figsize=(4.2 * columns, 3.6 * 2 * pairs))
    axs = fig.subplots(2 * pairs, columns, squeeze=False)
    for k, (name, values) in enumerate(maps.items()):
        process = name.removesuffix("_A")
        for row, symbol in enumerate(("h", "J")):
            ax = axs[2 * (k // columns) + row, k % columns]
            linear_width, _ = symmetric_log_scale(values[row])
            low, high = float(values[row].min()), float(values[row].max())
            norm = SymLogNorm(linear_width, vmin=low, vmax=high, base=10)
            _panel(ax, axis, values[row], rf"{process}: $\tilde F_{symbol}$", cmap,
                   ("$h$", "$J$"), rf"$\tilde F_{symbol}$ (linear within "
                   rf"$\pm${linear_width:.1g})", norm=norm,
                   ticks=_log_ticks(low, high, linear_width))
            if values[row].min() < 0 < values[row].max():
                ax.contour(axis, axis, values[row], levels=[0.0], colors="k",
                           linewidths=0.8)
    fig.suptitle(f"Basis functions (eq. 49) of single-species processes at rate 1, "
                 f"h, J ∈ [{axis[0]:g}, {axis[-1]:g}], thermodynamic limit\neach panel on "
                 f"its own symmetric log colour scale from its minimum (blue) to its "
                 f"maximum (manila), zero contours in black", fontsize=11)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig7.png", dpi=110)


def fig8(out_dir: os.PathLike | str, seed: int = 0) -> Path:
    """Fig. 8: A + B → C (rate 1): F̃_hA, F̃_JAC and the moments µ_A, ∆_AC.

    2-D slices over h_A (horizontal) and J_AC (vertical) ∈ [−2, 2], all other
    seven parameters 0, thermodynamic-limit chain (the paper used N = 1000).
    Top row: basis functions; bottom row: the moments these parameters control.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder for ``fig8.png``.
    seed : int
        Unused (deterministic); accepted for the uniform interface.

    Returns
    -------
    pathlib.Path
    """
    axis, panels = trivalent_slices()
    titles = {"F_hA": r"$\tilde F_{h_A}$", "F_JAC": r"$\tilde F_{J_{AC}}$",
              "mu_A": r"$\mu_A$", "Delta_AC": r"$\Delta_{AC}$"}
    bar_labels = {"F_hA": r"$\tilde F_{h_A}$ (rate 1)", "F_JAC": r"$\tilde F_{J_{AC}}$ (rate 1)",
                  "mu_A": r"$\mu_A$ (A per site)", "Delta_AC": r"$\Delta_{AC}$ (AC bonds per site)"}
    fig = new_figure(figsize=(8.6, 7.4))
    axs = fig.subplots(2, 2)
    for ax, key in zip(axs.ravel(), ("F_hA", "F_JAC", "mu_A", "Delta_AC")):
        _panel(ax, axis, panels[key], titles[key], "viridis", ("$h_A$", "$J_{AC}$"),
               bar_labels[key])
    fig.suptitle(f"A + B → C at rate k = 1 (eq. 49); h_A, J_AC ∈ [{axis[0]:g}, {axis[-1]:g}], "
                 "other seven parameters 0, thermodynamic limit", fontsize=10)
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig8.png", dpi=110)


