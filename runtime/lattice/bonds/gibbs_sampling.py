"""Configurations of the heat-bath chain at fixed burn-in and thinning, for the gibbs closure.

`dynboltz.cluster_closures.gibbs` estimates moments, Hessians and cluster probabilities
from Boltzmann samples; it needs the *same* random numbers at every x (common random
numbers: the library is a deterministic function of x) and a chain whose length does not
depend on x, so the adaptive pilot run of `sample_boltzmann` is replaced here by a fixed
burn-in and thinning.  The chain is the compiled heat-bath sampler of
``_sampling.pyx`` (`sample_boltzmann`'s ``"gibbs"`` method, same start, same stream).
This function is the ``"heat_bath"`` entry of
`dynboltz.cluster_closures.gibbs.CONFIGURATION_SOURCES`.
"""
from __future__ import annotations

import numpy as np

from dynboltz.runtime.lattice.bonds import _sampling
from dynboltz.runtime.lattice.bonds._kmc import stream_words
from dynboltz.runtime.lattice.bonds.sampling import coupling_tables

__all__ = ["draw_configurations"]


def draw_configurations(n_species: int, x: np.ndarray, shape: tuple[int, ...], n: int,
                        burn_in: int, thinning: int, seed: int) -> np.ndarray:
    """``n`` configurations of one heat-bath chain at x, fully determined by ``seed``.

    Parameters
    ----------
    n_species : int
        S.
    x : ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]`` (eq. 50, 2D/3D form), finite.
    shape : tuple of int
        (L1, L2) or (L1, L2, L3), periodic.
    n, burn_in, thinning : int
        Samples, sweeps discarded first, sweeps between samples (>= 1, >= 0, >= 1).
    seed : int
        The chain's stream and random start (independent sites, P(a) ∝ exp(h_a)) come
        from ``SeedSequence(seed)``: the same seed and x give identical configurations.

    Returns
    -------
    int8 ndarray, shape (n, *shape)
    """
    h, couplings = coupling_tables(x, n_species)
    sequence = np.random.SeedSequence(seed)
    size = int(np.prod(shape))
    weights = np.exp(h - h.max())
    lattice = np.random.default_rng(sequence).choice(
        h.size, size=size, p=weights / weights.sum()).astype(np.int8)
    chain = _sampling.BoltzmannLattice(lattice, np.array(shape, dtype=np.int64), h,
                                       np.ascontiguousarray(couplings),
                                       stream_words(sequence), 0)
    no_record = np.empty((0, len(x)))
    chain.run(burn_in, True, 0, no_record)
    out = np.empty((n, *shape), dtype=np.int8)
    for k in range(n):
        chain.run(thinning, True, 0, no_record)
        out[k] = lattice.reshape(shape)
    return out
