r"""Where the data of Algorithm 1 live in ν: the default grid and the coverage check.

The true moments m_k(t) = ⟨C(n,k)⟩_p of a batch of initial conditions are read as the
parameters ν* of the MaxEnt family that matches them (the ν* of
:mod:`dynboltz.runtime.wellmixed.moment_targets`): with K = 1 the geometric
p̃ ∝ exp(−ν n) (eq. 19) of mean m, ν* = ln((1 + m) / m), exact; with K = 2 the Gaussian
reading µ = 1/2 − ν1/ν2, σ² = 1/ν2 of eq. 19, ν2* = 1/σ*², ν1* = (1/2 − m_1) ν2*, with
σ*² = 2 m_2 + m_1 − m_1².  The default grid spans, on every axis, the central
``GRID_QUANTILES`` of ν* over every recorded time and initial condition of the batch,
with ``GRID_NODES[K]`` evenly spaced nodes; an explicit grid is checked against the
same ν* values.
"""
from __future__ import annotations

import numpy as np

__all__ = ["GRID_QUANTILES", "GRID_NODES", "UNVISITED_LIMIT", "moment_matched_nu",
           "grid_from_moments", "grid_coverage"]

GRID_QUANTILES = (0.01, 0.99)
"""Quantiles of ν* (over times and initial conditions) at the ends of the default axes."""

GRID_NODES = {1: 30, 2: 15}
"""Nodes per axis of the default grid, by K."""

UNVISITED_LIMIT = 0.5
"""An explicit grid warns when less than this share of the data's ν* lies inside it,
or less than this share of its nodes lies inside the data's central range."""


def moment_matched_nu(moments: np.ndarray, K: int) -> np.ndarray:
    """ν* matching the moments ⟨C(n,k)⟩, shape (..., K); rows without one are NaN.

    Parameters
    ----------
    moments : ndarray, shape (..., K)
        ⟨C(n,k)⟩_p, k = 1..K.
    K : {1, 2}

    Returns
    -------
    ndarray, shape (..., K)
        NaN where no member matches (m_1 <= 0, or σ*² <= 0 with K = 2).
    """
    m1 = moments[..., 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        if K == 1:
            nu = np.where(m1 > 0, np.log1p(1.0 / m1), np.nan)[..., None]
        else:
            variance = 2.0 * moments[..., 1] + m1 - m1 ** 2
            nu2 = np.where(variance > 0, 1.0 / variance, np.nan)
            nu = np.stack([(0.5 - m1) * nu2, nu2], axis=-1)
    return nu


def _finite_rows(nu):
    rows = nu.reshape(-1, nu.shape[-1])
    return rows[np.all(np.isfinite(rows), axis=1)]


def grid_from_moments(moments: np.ndarray, K: int, nodes: int | None = None
                      ) -> tuple[np.ndarray, ...]:
    """The default grid: per axis the central `GRID_QUANTILES` of ν*, evenly spaced.

    Parameters
    ----------
    moments : ndarray, shape (n_initial, n_times, K)
        True moments of a batch.
    K : {1, 2}
    nodes : int, optional
        Nodes per axis (default ``GRID_NODES[K]``).

    Returns
    -------
    tuple of K ndarray, each (nodes,)
        Increasing axes; an axis whose ν* barely varies is widened to ±5 % of its value
        (at least 1e-3) so that the grid has a spacing.
    """
    nodes = GRID_NODES[K] if nodes is None else nodes
    rows = _finite_rows(moment_matched_nu(moments, K))
    low, high = np.quantile(rows, GRID_QUANTILES, axis=0)
    axes = []
    for lo, hi in zip(low, high):
        pad = max(0.05 * abs(hi), 1e-3) if hi - lo < 1e-9 * max(1.0, abs(hi)) else 0.0
        axes.append(np.linspace(lo - pad, hi + pad, nodes))
    if axes[-1][0] <= 0:  # the last axis keeps p̃ normalisable
        axes[-1] = np.linspace(max(axes[-1][0], 0.5 * low[-1]), axes[-1][-1], nodes)
    return tuple(axes)


def grid_coverage(axes: tuple[np.ndarray, ...], moments: np.ndarray, K: int
                  ) -> tuple[float, float]:
    """(share of the data's ν* inside the grid box, share of nodes inside the data's range).

    The data's range is the box of the central `GRID_QUANTILES` of ν*, widened by one
    grid spacing per side.
    """
    rows = _finite_rows(moment_matched_nu(moments, K))
    low = np.array([a[0] for a in axes])
    high = np.array([a[-1] for a in axes])
    inside = float(np.mean(np.all((rows >= low) & (rows <= high), axis=1)))
    q_low, q_high = np.quantile(rows, GRID_QUANTILES, axis=0)
    shares = [np.mean((a >= ql - (a[1] - a[0])) & (a <= qh + (a[1] - a[0])))
              for a, ql, qh in zip(axes, q_low, q_high)]
    return inside, float(np.prod(shares))
