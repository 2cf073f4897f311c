"""Per-site moments of lattice configurations.

The statistics whose Boltzmann averages are the moments of the closure:
µ_α = fraction of sites holding species α and ∆_αβ = number of {α, β} bonds
per site (both orders for α ≠ β), in parameter order
``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_1S, ∆_22, .., ∆_SS]``.  Used on simulator
output and on samples of the Boltzmann chain alike.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.runtime.common.validation import invalid


def _validated(lattices, n_species, name):
    if isinstance(n_species, bool) or int(n_species) != n_species or n_species < 1:
        raise invalid("n_species", name, "a positive integer", n_species)
    lattices = np.asarray(lattices)
    if lattices.ndim < 1 or lattices.shape[-1] < 2:
        raise invalid("lattices", name, "an array of shape (..., N) with N >= 2 (its shape "
                      "shown)", lattices.shape)
    if not np.issubdtype(lattices.dtype, np.integer):
        raise invalid("lattices", name, "an integer array (its dtype shown)", lattices.dtype,
                      TypeError)
    if lattices.size and (lattices.min() < 0 or lattices.max() > n_species):
        raise invalid("lattices", name, f"site codes 0..{int(n_species)} (its smallest and "
                      "largest shown)", (int(lattices.min()), int(lattices.max())))
    return lattices, int(n_species)


def _pair_counts(lattices, n, periodic):
    """counts[r, a, b]: ordered bonds (s_i, s_i+1) = (a, b) in each row r."""
    rows = lattices.reshape(-1, lattices.shape[-1]).astype(np.intp, copy=False)
    right = np.roll(rows, -1, axis=1) if periodic else rows[:, 1:]
    left = rows if periodic else rows[:, :-1]
    codes = left * n + right
    codes += (np.arange(rows.shape[0]) * (n * n))[:, None]
    counts = np.bincount(codes.ravel(), minlength=rows.shape[0] * n * n)
    return counts.reshape(rows.shape[0], n, n)


def _moments_from_counts(counts, site_counts, n_sites, n_bonds):
    n = counts.shape[-1]
    mu = site_counts[:, 1:] / n_sites
    symmetric = counts + np.swapaxes(counts, 1, 2)
    a, b = np.triu_indices(n - 1)
    a, b = a + 1, b + 1
    bonds = np.where(a == b, counts[:, a, b], symmetric[:, a, b]) / n_bonds
    return np.concatenate([mu, bonds], axis=1)


def lattice_moments(lattices: ArrayLike, n_species: int, periodic: bool = True) -> np.ndarray:
    """Per-site moments (µ_α, ∆_αβ) of lattice configurations.

    Parameters
    ----------
    lattices : array_like of int, shape (..., N)
        Site codes 0 (empty) .. S (species, motif order), one ring per row.
    n_species : int
        S.
    periodic : bool, optional
        True (default): ring, N bonds, ∆ = bond count / N (bonds per site).
        False: open chain, N − 1 bonds, ∆ = bond count / (N − 1), so that both
        are unbiased for the bulk moments of eq. 50's chain.

    Returns
    -------
    ndarray of float, shape (..., L)
        L = S + S(S+1)/2, order ``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]``;
        ∆_αβ for α ≠ β counts bonds (α, β) and (β, α).

    Raises
    ------
    ValueError, TypeError
        Non-integer lattices, codes outside 0..S, N < 2, bad ``n_species``.
    """
    lattices, n_species = _validated(lattices, n_species, "lattice_moments")
    n = n_species + 1
    n_sites = lattices.shape[-1]
    counts = _pair_counts(lattices, n, periodic)
    rows = lattices.reshape(-1, n_sites)
    site_counts = np.stack([np.count_nonzero(rows == a, axis=1) for a in range(n)], axis=1)
    n_bonds = n_sites if periodic else n_sites - 1
    moments = _moments_from_counts(counts, site_counts, n_sites, n_bonds)
    return moments.reshape(lattices.shape[:-1] + (moments.shape[-1],))
