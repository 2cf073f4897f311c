"""Exact samples of the finite ring with next-nearest couplings (closure ``chain2``).

The ring of N sites is a cycle of N overlapping pairs X_k = (s_k, s_k+1) with weight
Π_k T(X_k, X_k+1), T the pair transfer matrix of `dynboltz.pair_transfer_chain`.  A draw
takes X_0 with probability ∝ (T^N)(X_0, X_0), then X_k given X_k−1 with probability
∝ T(X_k−1, y) (T^(N−k))(y, X_0) for k = 1 .. N − 1: the exact Boltzmann law of the ring
(eq. 46, 50 with J2), no burn-in.  The powers are kept rescaled (only ratios in y enter),
so memory is N (S+1)⁴ doubles, which `MAX_POWER_ENTRIES` bounds.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.pair_transfer_chain import n_params, triple_statistics
from dynboltz.runtime.common.validation import check_integer, invalid

__all__ = ["MAX_POWER_ENTRIES", "sample_ring"]

MAX_POWER_ENTRIES = 20_000_000
"""Largest N (S+1)⁴ the sampler stores (160 MB of transfer-matrix powers)."""


def _transfer_matrix(x, n_species):
    n = n_species + 1
    w = np.einsum("l,labc->abc", x, triple_statistics(n_species))
    weight = np.exp(w - w.max())
    full = np.zeros((n, n, n, n))
    for b in range(n):
        full[:, b, b, :] = weight[:, b, :]
    return full.reshape(n * n, n * n)


def _draw(probabilities, rng):
    """One index per row of non-negative weights (rows, k)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(probabilities.shape[0]) * cumulative[:, -1]
    return np.minimum((cumulative < u[:, None]).sum(axis=1), probabilities.shape[1] - 1)


def sample_ring(x: ArrayLike, n_species: int, N: int, n: int = 1, seed=None,
                function: str = "sample") -> np.ndarray:
    """``n`` exact samples of the N-site ring's Boltzmann law at x = [h, J, J2].

    Parameters
    ----------
    x : array_like, shape (L2,)
        Finite parameters in the ``chain2`` order.
    n_species : int
    N : int
        Sites, at least 3.
    n : int
        Samples.
    seed : None, int, sequence of int or numpy.random.SeedSequence
    function : str
        Name used in error messages.

    Returns
    -------
    ndarray of int8, shape (n, N)
    """
    size = n_params(n_species)
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (size,) or not np.all(np.isfinite(x)):
        raise invalid("x", function, f"finite parameters [h, J, J2] of shape ({size},)", x)
    N = check_integer(N, "N", function, 3)
    n = check_integer(n, "n", function, 1)
    states = (n_species + 1) ** 2
    if N * states * states > MAX_POWER_ENTRIES:
        raise invalid("N", function, f"at most {MAX_POWER_ENTRIES // (states * states)} sites "
                      f"for {n_species} species (the exact ring sampler stores N transfer-"
                      "matrix powers)", N)
    rng = np.random.default_rng(seed)
    t = _transfer_matrix(x, n_species)
    powers = np.empty((N + 1, states, states))
    powers[0] = np.eye(states)
    for m in range(1, N + 1):
        product = powers[m - 1] @ t
        powers[m] = product / product.max()
    pairs = np.empty((n, N), dtype=np.intp)
    pairs[:, 0] = _draw(np.broadcast_to(np.diag(powers[N]), (n, states)), rng)
    first = pairs[:, 0]
    for k in range(1, N):
        weights = t[pairs[:, k - 1], :] * powers[N - k][:, first].T
        pairs[:, k] = _draw(weights, rng)
    return (pairs // (n_species + 1)).astype(np.int8)
