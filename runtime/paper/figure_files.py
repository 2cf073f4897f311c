"""Writing matplotlib figures without pyplot: no backend switch, atomic PNG files.

All figure modules (``runtime/paper``: ``barw_figures``, ``lattice_basis``, ``continuous``,
``galton_watson``, ``sep_ann``; ``runtime/lattice/bonds/figures``) draw on
a :func:`new_figure` and write it with :func:`save_png`.  The figure is a bare
``matplotlib.figure.Figure``, which ``savefig`` renders with the Agg canvas for
PNG, so no display is needed, the user's backend (``matplotlib.get_backend()``)
is left as it was, and pyplot's list of open figures is never touched.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dynboltz.atomic_files import atomic_writer

if TYPE_CHECKING:  # annotations only
    from matplotlib.figure import Figure

__all__ = ["new_figure", "save_png"]


def new_figure(**kwargs: Any) -> Figure:
    """A new ``matplotlib.figure.Figure`` not registered with pyplot.

    Parameters
    ----------
    **kwargs
        Passed to ``matplotlib.figure.Figure`` (e.g. ``figsize``).

    Returns
    -------
    matplotlib.figure.Figure
        Draw with ``fig.subplots``, ``fig.colorbar``, ...; it is garbage
        collected like any object, no ``close`` is needed.
    """
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def save_png(fig: Figure, path: os.PathLike | str, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` as PNG atomically.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or os.PathLike
        Destination; its folder is created if missing.
    dpi : int
        Resolution.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with atomic_writer(path) as stream:
        fig.savefig(stream, format="png", dpi=dpi)
    return Path(path)
