"""Density estimates n(y, t) from particle histograms, and the natural parameter ν(y, t).

n(y_j, t) is the replicate mean of the counts in node j's bin divided by the bin width,
with the standard error of that mean (replicate-to-replicate spread). The total ⟨n⟩(t)
comes with its own. ν follows eq. 33's K = 1 form, ν(y, t) = ln(1 + 1/⟨n⟩) − ln p(y, t)
with p = n(y, t)/⟨n⟩ the single-particle density (for independent particles this is
exact: eq. 33 on the line, with images between walls); ``nu_spatial`` = −ln p is the
normalised spatial parameter of eq. 35 (∫ e^−ν dy = 1). Their standard errors use the
delta method on each replicate's deviation, so the correlation of a bin with the total
is kept. Empty bins give ν = +inf.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.common.validation import invalid
from dynboltz.runtime.continuous.domain import Domain
from dynboltz.runtime.continuous.particles import ParticleEnsemble
from dynboltz.runtime.common.results import ShortRepr

__all__ = ["DensityEstimate", "estimate_density"]


@dataclass(frozen=True, repr=False)
class DensityEstimate(ShortRepr):
    """Histogram density estimate and natural parameters of a particle ensemble.

    Attributes
    ----------
    times : ndarray, shape (T,)
    domain : Domain
    density, density_se : ndarray, shape (T, M)
        n(y_j, t) (particles per length) and its standard error.
    total, total_se : ndarray, shape (T,)
        ⟨n⟩(t) and its standard error.
    nu, nu_se : ndarray, shape (T, M)
        Eq. 33's K = 1 form ln(1 + 1/⟨n⟩) − ln(n(y, t)/⟨n⟩) and its standard error.
    nu_spatial : ndarray, shape (T, M)
        −ln(n(y, t)/⟨n⟩) (eq. 35 normalisation); same standard error as ``nu`` up to
        the small ln(1 + 1/⟨n⟩) term.
    replicates : int
    """

    times: np.ndarray
    domain: Domain
    density: np.ndarray
    density_se: np.ndarray
    total: np.ndarray
    total_se: np.ndarray
    nu: np.ndarray
    nu_se: np.ndarray
    nu_spatial: np.ndarray
    replicates: int


def _standard_error(samples):
    """Standard error of the mean over axis 0 (R >= 2)."""
    return samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])


def estimate_density(ensemble: ParticleEnsemble) -> DensityEstimate:
    """Histogram density, ν(y, t) (eq. 33, K = 1) and their standard errors.

    Parameters
    ----------
    ensemble : ParticleEnsemble
        At least 2 replicates (the standard errors come from their spread).

    Returns
    -------
    DensityEstimate

    Raises
    ------
    ValueError
        Fewer than 2 replicates, or a time at which every replicate is extinct.
    """
    if not isinstance(ensemble, ParticleEnsemble):
        raise invalid("ensemble", "estimate_density", "a ParticleEnsemble", ensemble,
                      TypeError)
    counts, totals = ensemble.counts, ensemble.totals
    if counts.shape[0] < 2:
        raise invalid("ensemble", "estimate_density", "an ensemble of >= 2 replicates",
                      f"{counts.shape[0]} replicate")
    mean_total = totals.mean(axis=0)
    if np.any(mean_total == 0):
        raise invalid("ensemble", "estimate_density", "particles alive at every time",
                      f"extinct at t = {ensemble.times[mean_total == 0][0]}")
    widths = ensemble.domain.widths
    mean_counts = counts.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_spatial = np.log(mean_total[:, None] * widths / mean_counts)
        # delta method: dν = d⟨n⟩/⟨n⟩ − dc/c for the spatial part, plus d ln(1 + 1/⟨n⟩)
        deviation = (totals - mean_total)[..., None] / mean_total[:, None] \
            - (counts - mean_counts) / mean_counts
        number_term = np.log1p(1.0 / mean_total)
        number_deviation = -(totals - mean_total) / (mean_total * (mean_total + 1.0))
        nu_se = _standard_error(deviation + number_deviation[..., None])
    return DensityEstimate(ensemble.times, ensemble.domain, mean_counts / widths,
                           _standard_error(counts) / widths, mean_total,
                           _standard_error(totals), number_term[:, None] + nu_spatial,
                           np.where(mean_counts > 0, nu_se, np.inf), nu_spatial,
                           counts.shape[0])
