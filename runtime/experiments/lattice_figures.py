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
from dynboltz.runtime.experiments.figure_files import new_figure, save_png
from dynboltz.runtime.common.validation import invalid


__all__ = ["SINGLE_SPECIES_LIBRARIES", "single_species_basis_maps", "trivalent_slices",
           "scaled_to_unit", "fig7", "fig8", "LATTICE_FIGURES"]

SINGLE_SPECIES_LIBRARIES = ("creation_A", "death_A", "diffusion_A", "branching_A",
                            "annihilation_A", "coagulation_A")
"""Built-in single-process libraries shown in Fig. 7, in panel order."""

# Fig. 7 colour scale: "from blue to manila" (paper caption).
_BLUE_TO_MANILA = ("#1d3f8f", "#f3e5b5")
# The maps grow like e^{|h|+|J|} towards the corners, so a linear [−1, 1] scale
# shows one corner and a flat rest; this knee (in units of the largest
# magnitude) sets where the signed-log display turns from linear to logarithmic.
_KNEE = 1e-2
# Colour-bar ticks of Fig. 7: true scaled values, placed where the compression puts them.
_SIGNED_LOG_TICKS = (-1.0, -0.1, -0.01, 0.0, 0.01, 0.1, 1.0)


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


def scaled_to_unit(values: ArrayLike) -> np.ndarray:
    """Fig. 7 scaling: divide by the largest magnitude, then signed-log compress.

    Parameters
    ----------
    values : ndarray

    Returns
    -------
    ndarray
        sign(u) log1p(|u|/k) / log1p(1/k) with u = values / max|values| and
        k = 1e-2: in [−1, 1], same signs and order as ``values``, ±1 at the
        extremes (zero where ``values`` is zero everywhere).
    """
    largest = np.max(np.abs(values))
    if largest == 0:
        return np.zeros_like(values)
    return _signed_log(values / largest)


def _signed_log(unit):
    return np.sign(unit) * np.log1p(np.abs(unit) / _KNEE) / np.log1p(1.0 / _KNEE)


def _signed_log_ticks():
    # (positions on the compressed [-1, 1] axis, labels with the scaled values there)
    values = np.array(_SIGNED_LOG_TICKS)
    return _signed_log(values), [f"{value:g}".replace("-", "\u2212") for value in values]


def _panel(ax, axis, values, title, cmap, labels, limits=None, ticks=None):
    vmin, vmax = limits if limits else (values.min(), values.max())
    image = ax.imshow(values, origin="lower", extent=(axis[0], axis[-1], axis[0], axis[-1]),
                      cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal")
    bar = ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if ticks is not None:
        bar.set_ticks(ticks[0], labels=ticks[1], fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])


def fig7(out_dir: os.PathLike | str, seed: int = 0) -> Path:
    """Fig. 7: basis functions (49) of the single-species processes, scaled to [−1, 1].

    Columns: creation, death, diffusion, branching, annihilation, coagulation
    (rate 1); rows F̃_h, F̃_J over h (horizontal), J (vertical) ∈ [−4, 4], each
    map divided by its largest magnitude, blue (−1) to manila (+1), displayed
    through the signed-log compression of `scaled_to_unit` (the maps span
    several decades; the colour bars are labelled with the scaled values −1,
    −0.1, −0.01, 0, 0.01, 0.1, 1 at their compressed positions); black lines
    are the zero contours.

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
    from matplotlib.colors import LinearSegmentedColormap

    axis, maps = single_species_basis_maps()
    cmap = LinearSegmentedColormap.from_list("blue_manila", _BLUE_TO_MANILA)
    fig = new_figure(figsize=(3.1 * len(maps), 5.9))
    axs = fig.subplots(2, len(maps))
    ticks = _signed_log_ticks()
    for column, (name, values) in enumerate(maps.items()):
        process = name.removesuffix("_A")
        for row, symbol in enumerate(("h", "J")):
            ax = axs[row, column]
            _panel(ax, axis, scaled_to_unit(values[row]), rf"{process}: $\tilde F_{symbol}$",
                   cmap, ("$h$", "$J$"), limits=(-1.0, 1.0), ticks=ticks)
            if values[row].min() < 0 < values[row].max():
                ax.contour(axis, axis, values[row], levels=[0.0], colors="k",
                           linewidths=0.8)
    fig.suptitle(f"Each map divided by its largest magnitude; colour on a signed log "
                 f"scale (linear within ±{_KNEE:g}), zero contours in black", fontsize=10)
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
    fig = new_figure(figsize=(8.4, 7.2))
    axs = fig.subplots(2, 2)
    for ax, key in zip(axs.ravel(), ("F_hA", "F_JAC", "mu_A", "Delta_AC")):
        _panel(ax, axis, panels[key], titles[key], "viridis", ("$h_A$", "$J_{AC}$"))
    fig.suptitle("A + B → C, rate 1; other parameters 0")
    fig.tight_layout()
    return save_png(fig, Path(out_dir) / "fig8.png", dpi=110)


LATTICE_FIGURES = {"fig7": fig7, "fig8": fig8}
"""``dynboltz reproduce`` entries of this module: name -> ``f(out_dir, seed)``."""
