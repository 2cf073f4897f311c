"""Sample means and variances of SSA trajectories, with their standard errors.

The route every moment solver (closures, the master equation) is checked against by
simulation.  Estimators over n trajectories: the sample mean with standard error
s/√n, and the unbiased sample variance s² with standard error
√((m₄ − s⁴ (n − 3)/(n − 1)) / n), m₄ the sample fourth central moment.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.results import ShortRepr
from dynboltz.runtime.common.validation import check_integer
from dynboltz.runtime.wellmixed.ssa import simulate

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import SeedLike
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["SampleMoments", "ssa_moments", "sample_moments"]


@dataclass(repr=False)
class SampleMoments(ShortRepr):
    """Sample statistics of the counts, each of shape (T, S).

    Attributes
    ----------
    mean, mean_error : ndarray
        Sample mean and its standard error.
    variance, variance_error : ndarray
        Unbiased sample variance and its standard error.
    replicates : int
        Number of trajectories R.
    """

    mean: np.ndarray
    mean_error: np.ndarray
    variance: np.ndarray
    variance_error: np.ndarray
    replicates: int


def sample_moments(counts: ArrayLike) -> SampleMoments:
    """Statistics of ``counts`` of shape (R, T, S), R >= 4 (module docstring)."""
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.shape[0]
    mean = counts.mean(axis=0)
    variance = counts.var(axis=0, ddof=1)
    m4 = ((counts - mean) ** 4).mean(axis=0)
    variance_error = np.sqrt(np.maximum(m4 - variance ** 2 * (n - 3) / (n - 1), 0.0) / n)
    return SampleMoments(mean=mean, mean_error=np.sqrt(variance / n), variance=variance,
                         variance_error=variance_error, replicates=n)


def ssa_moments(model: WellMixed, rates: Mapping[str, float], initial: ArrayLike,
                times: ArrayLike, replicates: int, seed: SeedLike = None) -> SampleMoments:
    """Means and variances of ``replicates`` Gillespie trajectories with standard errors.

    Parameters are those of :func:`dynboltz.runtime.wellmixed.simulate`, with
    replicates >= 4.

    Returns
    -------
    SampleMoments
        Each statistic of shape (T, S).
    """
    replicates = check_integer(replicates, "replicates", "ssa_moments", 4)
    return sample_moments(simulate(model, rates, initial, times, replicates, seed).counts)
