"""How far the learned closure stays from the data, in units of the data's noise.

The standard errors of learned rates hold the data's noise only, not the closure's
bias: when the closure cannot follow the data, the rates are *effective* rates (the
best the reduced model eq. 52 can do), precise-looking and possibly far from the
simulated ones. The misfit ratio says which case holds:

    χ²/point = mean over times t and moments l of ((µ̃_l(t) − µ̄_l(t)) / se_l(t))²

with µ̄ the replicate mean and se = sample standard deviation / √R. About 1 when the
model follows the data to within their noise; far above 1 when it cannot.
"""
from __future__ import annotations

import numpy as np

__all__ = ["EFFECTIVE_RATIO", "misfit_ratio", "effective_rates_words"]

EFFECTIVE_RATIO = 10.0
"""χ²/point above which the rates are said to be effective (misfit > ~3× the noise)."""


def misfit_ratio(predicted: np.ndarray, replicates: np.ndarray | None) -> float | None:
    """χ²/point of ``predicted`` (T, L) against the replicates (R, T, L) (module
    docstring); None without replicates (R < 2) or when no entry has noise."""
    if replicates is None or len(replicates) < 2:
        return None
    replicates = np.asarray(replicates, dtype=np.float64)
    mean = replicates.mean(axis=0)
    se = replicates.std(axis=0, ddof=1) / np.sqrt(len(replicates))
    noisy = se > 0
    if not noisy.any():
        return None
    return float(np.mean(((np.asarray(predicted)[noisy] - mean[noisy]) / se[noisy]) ** 2))


def effective_rates_words(ratio: float) -> str:
    """The warning for a misfit ratio above `EFFECTIVE_RATIO`."""
    return (f"effective rates: the closure misses the data by {np.sqrt(ratio):.3g}× its "
            f"noise (χ²/point = {ratio:.3g}); the learned rates are the closure's best "
            "fit, not the rates the data were simulated with, and their standard errors "
            "exclude this bias; see the closures in docs/conventions.md")
