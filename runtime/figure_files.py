"""Writing matplotlib figures: headless backend and atomic PNG files.

All figure modules (``figures``, ``lattice_figures``, ``learning_figures``) draw
with :func:`pyplot` and write with :func:`save_png`, so every figure is rendered
without a display and lands on disk whole or not at all.
"""
from pathlib import Path

from dynboltz.runtime.atomic_files import atomic_writer

__all__ = ["pyplot", "save_png"]


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path, dpi=120):
    """Write ``fig`` to ``path`` as PNG atomically and close it.

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
    try:
        with atomic_writer(path) as stream:
            fig.savefig(stream, format="png", dpi=dpi)
    finally:
        pyplot().close(fig)
    return Path(path)
