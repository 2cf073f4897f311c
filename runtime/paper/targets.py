"""The ``dynboltz reproduce`` targets: figure name -> the function that draws it.

A lazy `Registry`, so the command line lists the names (``--help``, ``--version``,
argument checking) without importing any experiment, and ``reproduce all`` imports
each module only when its figure is drawn.  Every target is ``f(out_dir, seed=...)``
returning the path of the PNG it wrote; a new experiment is one entry here.
"""
from __future__ import annotations

import re

from dynboltz.registry import Registry

__all__ = ["FIGURES", "figure_order"]

_PAPER = "dynboltz.runtime.paper"

FIGURES = Registry("figure", {
    **{f"fig{k}": f"{_PAPER}.galton_watson:fig{k}" for k in (1, 2, 3, 4, 5)},
    "fig6": f"{_PAPER}.continuous:fig6",
    "fig7": f"{_PAPER}.lattice_basis:fig7",
    "fig8": f"{_PAPER}.lattice_basis:fig8",
    "fig9": f"{_PAPER}.barw_figures:fig9",
    "fig10": f"{_PAPER}.barw_figures:fig10",
    "fig11": f"{_PAPER}.sep_ann:fig11",
    **{name: f"{_PAPER}.lattice_learning:{name}"
       for name in ("contact2d", "barw2d", "lotka_volterra2d", "contact3d")},
})
"""Reproduce targets by name: the paper's figures 1–11, then learning on square and
cubic lattices (``contact2d``, ``barw2d``, ``lotka_volterra2d``, ``contact3d``)."""


def figure_order(name: str) -> tuple[int, int]:
    """Sort key: ``fig2`` before ``fig10``; other names after the figures, in their order."""
    match = re.fullmatch(r"fig(\d+)", name)
    return (0, int(match.group(1))) if match else (1, 0)
