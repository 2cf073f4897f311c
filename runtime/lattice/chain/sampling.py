"""Samples of the one-dimensional Boltzmann chain (paper eq. 46, 50).

Weight exp(Σ_i h_{s_i} + Σ_i J_{s_i s_i+1}) with transfer matrix
T(a, b) = exp((h_a + h_b)/2 + J_ab).  Two targets:

* ``ring=True``: a periodic ring of N sites, P(s) ∝ Π_i T(s_i, s_i+1) (s_N = s_0);
* ``ring=False``: N consecutive sites of the infinite chain (thermodynamic limit),
  P(s) = u_{s_1} Π T(s_i, s_i+1) u_{s_N} / λ₊^(N−1), i.e. the stationary Markov chain
  π(a) = u_a², P(a → b) = T(a, b) u_b / (λ₊ u_a).

and two methods: ``"exact"`` (independent exact draws; bisection with matrix powers on
the ring, the Markov chain otherwise) and ``"gibbs"`` (the paper's heat-bath sampler in
checkerboard order, started from independent sites ~ π, correct only in the limit of
many sweeps).  The kernels are compiled (``_chain_sampling.pyx``); this module builds
their probability tables and splits the rows between threads.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.lattice.chain import _sampling as _chain_sampling
from dynboltz.runtime.lattice.chain.boltzmann_chain import (BoltzmannChain, log_transfer_matrix,
                                                     n_params)
from dynboltz.runtime.common.validation import check_choice, invalid
from dynboltz.runtime.lattice.geometries import check_lattice_model

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.validation import LatticeModel, SeedLike

_MAX_STATES = 32  # MAX_STATES of the kernel


def _cumulative(weights):
    cdf = np.cumsum(weights, axis=-1)
    total = cdf[..., -1:]
    # a law whose weights all underflow belongs to a context of probability 0: any
    # valid law will do there
    uniform = np.arange(1, weights.shape[-1] + 1) / weights.shape[-1]
    return np.ascontiguousarray(np.where(total > 0, cdf / np.where(total > 0, total, 1.0),
                                         uniform))


def _ring_powers(t, n_sites):
    """Max-normalised powers of T needed by the bisection ring sampler.

    Entry ``2 j + r`` is T^k / max(T^k) with k = ⌊N/2^j⌋ + r (r = 0, 1), for the
    depths j = 0 .. until ⌊N/2^j⌋ = 0 (k = 0 entries are the identity, never read).
    Each power is the product of the two powers of half its length, so every entry
    is a sum of positive terms (no cancellation, relative error ~ log2 N ulp).

    Returns
    -------
    powers : ndarray, shape (2 (depths), S+1, S+1)
    lengths : list of int
        k of each entry.
    """
    cache = {0: np.eye(len(t)), 1: t / t.max()}

    def power(k):
        if k not in cache:
            product = power(k // 2) @ power(k - k // 2)
            cache[k] = product / product.max()
        return cache[k]

    lengths = []
    depth = 0
    while True:
        floor = n_sites >> depth
        lengths += [floor, floor + 1]
        if floor == 0:
            break
        depth += 1
    return np.stack([power(k) for k in lengths]), lengths


def _ring_tables(t, n_sites):
    """Cumulative laws of the bisection ring sampler (``_chain_sampling.ring_rows``).

    Returns
    -------
    first_cdf : ndarray, shape (S+1,)
        Site 0: diag(T^N) / tr(T^N).
    midpoint_cdf : ndarray, shape (2 (depths), S+1, S+1, S+1)
        ``[2 j + r, a, b, c]``: P(midpoint = c | ends a, b) ∝ T^h(a, c) T^(k−h)(c, b)
        for a segment of length k = ⌊N/2^j⌋ + r, h = ⌊k/2⌋ (unused where k < 2).
    """
    powers, lengths = _ring_powers(t, n_sites)
    index = {k: i for i, k in enumerate(lengths)}
    n = len(t)
    midpoint = np.ones((len(lengths), n, n, n))
    for i, k in enumerate(lengths):
        if k >= 2:
            left, right = powers[index[k // 2]], powers[index[k - k // 2]]
            midpoint[i] = left[:, None, :] * right.T[None, :, :]
    return _cumulative(np.diag(powers[0]).copy()), _cumulative(midpoint)


def _exact_kernel(chain, ring, sweeps, out, words):
    t, u = chain.t, chain.u
    if ring:
        first_cdf, midpoint_cdf = _ring_tables(t, out.shape[1])
        return lambda first, stop: _chain_sampling.ring_rows(out, first_cdf, midpoint_cdf,
                                                             words, first, stop)
    initial, transition = _cumulative(u ** 2), _cumulative(t * u[None, :])
    return lambda first, stop: _chain_sampling.markov_rows(out, initial, transition, words,
                                                           first, stop)


def _gibbs_kernel(chain, ring, sweeps, out, words):
    t, u = chain.t, chain.u
    # [a, b, c] = T(a, c) T(c, b): site c between neighbours a and b
    conditional = _cumulative(t[:, None, :] * t.T[None, :, :])
    initial = _cumulative(u ** 2)
    first_site, last_site = _cumulative(t.T * u[None, :]), _cumulative(t * u[None, :])
    return lambda first, stop: _chain_sampling.gibbs_rows(
        out, initial, conditional, first_site, last_site, ring, sweeps, words, first, stop)


METHODS = {"exact": _exact_kernel, "gibbs": _gibbs_kernel}
"""Samplers of `sample` by name: independent exact draws, or heat-bath Gibbs sweeps."""


def _positive_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise invalid(name, "sample", f"an integer >= {minimum}", value)
    return int(value)


def check_parameters(x: ArrayLike, n_species: int, param: str, function: str) -> np.ndarray:
    """Boltzmann parameters x as float64, checked usable by the transfer matrix (eq. 50).

    Parameters
    ----------
    x : array_like, shape (L,)
        Parameters in parameter order.
    n_species : int
        S.
    param, function : str
        The argument and the public function, for the message.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    ValueError
        Wrong shape, a non-finite entry, or entries so large (|x| near 1e308) that
        some ln T(a, b) = (h_a + h_b)/2 + J_ab overflows float64: the chain would
        be computed from infinities, i.e. wrong.
    """
    size = n_params(n_species)
    x = np.asarray(x, dtype=float)
    if x.shape != (size,) or not np.all(np.isfinite(x)):
        raise invalid(param, function, f"a finite array of shape ({size},)", x)
    with np.errstate(over="ignore", invalid="ignore"):
        log_t = log_transfer_matrix(x, n_species)
    if not np.all(np.isfinite(log_t)):
        raise invalid(param, function, "parameters whose ln T(a, b) = (h_a + h_b)/2 + "
                      "J_ab are all finite in float64 (|h|, |J| well below 1e308)", x)
    return x


def _validated_point(lib, x):
    n_species = check_lattice_model(lib, "sample", "lib")
    x = check_parameters(x, n_species, "x", "sample")
    if n_species + 1 > _MAX_STATES:
        raise invalid("lib", "sample", f"a model with at most {_MAX_STATES - 1} species "
                      "(its species count shown)", n_species)
    return x, n_species


@public
def sample(lib: LatticeModel, x: ArrayLike, N: int = 1000, n: int = 1, seed: SeedLike = None,
           method: str = "exact", ring: bool = True, sweeps: int = 100,
           threads: int | None = None) -> np.ndarray:
    """Draw lattice configurations from the Boltzmann chain at parameters x (eq. 50).

    Parameters
    ----------
    lib : compiled motif library, LatticeMotif or LatticeReference
        Supplies S (``species`` or ``n_species``).
    x : array_like, shape (L,)
        Parameters in the order ``[h_1..h_S, J_11, .., J_SS]``.
    N : int
        Sites per configuration (>= 2).
    n : int
        Number of independent configurations (rows).
    seed : None, int, sequence of int or numpy.random.SeedSequence
        Row i uses stream i of ``SeedSequence(seed)`` (xoshiro256**), so it does not
        depend on ``n`` or ``threads``.
    method : {"exact", "gibbs"}
        Independent exact draws, or heat-bath Gibbs sweeps (checkerboard order)
        started from independent sites ~ π = u².
    ring : bool
        True: periodic ring of N sites (finite-N distribution).  False: N
        consecutive sites of the infinite chain (stationary Markov chain).
    sweeps : int
        Gibbs sweeps per row (ignored by ``"exact"``).
    threads : int, optional
        Worker threads (the kernels release the GIL); default ``os.cpu_count()``.

    Returns
    -------
    ndarray of int8, shape (n, N)
        Site codes 0 (empty) .. S.

    Raises
    ------
    ValueError
        Bad shapes, non-finite x, unknown method, non-positive sizes.
    """
    x, n_species = _validated_point(lib, x)
    n_sites = _positive_int(N, "N", 2)
    rows = _positive_int(n, "n", 1)
    sweeps = _positive_int(sweeps, "sweeps", 0)
    check_choice(method, "method", METHODS, "sample")
    workers = _positive_int((os.cpu_count() or 1) if threads is None else threads,
                            "threads", 1)
    out = np.empty((rows, n_sites), dtype=np.int8)
    words = _chain_sampling.seed_words(seed)
    chain = BoltzmannChain(x, n_species)
    bounds = np.linspace(0, rows, min(workers, rows) + 1).astype(int)
    kernel = METHODS[method](chain, bool(ring), sweeps, out, words)
    with ThreadPoolExecutor(max_workers=len(bounds) - 1) as pool:
        jobs = [pool.submit(kernel, first, stop)
                for first, stop in zip(bounds[:-1], bounds[1:])]
        for job in jobs:
            job.result()
    return out
