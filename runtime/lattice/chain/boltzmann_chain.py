"""The one-dimensional Boltzmann chain in plain numpy (paper eq. 46-50, B2).

Weight exp(Σ_i h_{s_i} + Σ_i J_{s_i s_i+1}) over site codes 0 (empty) .. S, h_0 = J_0· = 0,
parameters x in the order ``[h_1..h_S, J_11, J_12, .., J_SS]`` (L = S + S(S+1)/2 of
them).  Transfer matrix T(a, b) = exp((h_a + h_b)/2 + J_ab); in the thermodynamic limit
ln Z / N = ln λ₊ and the chain is the stationary Markov chain with site law π = u² and
pair law p_ab = u_a T(a, b) u_b / λ₊ (u the normalised Perron vector).

The inverse problem has a closed form: a stationary reversible Markov chain with pair law
p is the Gibbs measure of the bond weight p_cd / √(π_c π_d), so
J_ab = ln(p_ab p_00 / (p_0a p_0b)) and h_a = ln(p_0a² π_0 / (p_00² π_a)) — a fixed
integer matrix (`inverse_ising_map`) applied to logarithms of site and pair
probabilities, the one matrix of ``dynboltz.chain_inverse_map`` that the code generator
emits too.

Sources: ln T = Σ_l x_l g_l with the bond-statistic table g of ``dynboltz.bond_statistics``
(the table the code generator emits into every chain module), and the inverse map of
``dynboltz.chain_inverse_map``; this module is the one numpy copy of the chain itself
(transfer matrix, Perron vector, pair law), read by the sampler, the inverse Ising
fit, the strip/plaquette/chain2 closures and the numpy reference closure
``runtime/lattice/chain/reference.py``.  The compiled kernel
(``codegen/kernels/motif_kernel.pxi.in``) is its nogil C counterpart, checked against
it in the tests.

Numerics: T is built in log space and divided by its largest entry; the Perron vector
from ``eigh`` is refined by positive power steps so that tiny components keep their
relative accuracy (they set the probabilities of rare site types, π = u²).
"""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike

from dynboltz import bond_statistics, chain_inverse_map, lattice_layout
from dynboltz.lattice_layout import n_params
from dynboltz.runtime.common.validation import invalid


__all__ = ["n_params", "bond_statistics_table", "log_transfer_matrix", "perron_vector",
           "BoltzmannChain", "pair_probabilities", "inverse_ising_map",
           "parameters_from_probabilities"]

_PERRON_STEPS = 4


@lru_cache(maxsize=32)
def _bond_statistics(n_species):
    table = 0.5 * np.array(bond_statistics.doubled_bond_statistics(n_species), dtype=float)
    table.setflags(write=False)
    return table


def bond_statistics_table(n_species: int) -> np.ndarray:
    """g[l, a, b], the per-bond statistic of parameter l (``dynboltz.bond_statistics``).

    Parameters
    ----------
    n_species : int
        S.

    Returns
    -------
    ndarray, shape (L, S+1, S+1)
        Read-only (cached per S): ½(δ_aα + δ_bα) for h_α, 1[{a, b} = {α, β}] for J_αβ.
    """
    return _bond_statistics(int(n_species))


def log_transfer_matrix(x: ArrayLike, n_species: int) -> np.ndarray:
    """ln T(a, b) = Σ_l x_l g_l(a, b) = (h_a + h_b)/2 + J_ab (eq. 50), h_0 = J_0· = 0.

    Parameters
    ----------
    x : array_like, shape (L,)
        Parameters in parameter order.
    n_species : int
        S.

    Returns
    -------
    ndarray, shape (S+1, S+1)
        Symmetric; site code 0 = empty.
    """
    return np.tensordot(np.asarray(x, dtype=float), bond_statistics_table(n_species), 1)


def perron_vector(t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Refined positive Perron vector and full spectrum of a positive symmetric T.

    Parameters
    ----------
    t : ndarray, shape (n, n)
        Symmetric with positive entries (scaled so the largest is 1).

    Returns
    -------
    u : ndarray, shape (n,)
        Unit-norm, positive; ``eigh``'s vector followed by power steps T u / |T u|.
    eigenvalues : ndarray, shape (n,)
        Ascending (λ₊ last).
    eigenvectors : ndarray, shape (n, n)
        Columns, as ``numpy.linalg.eigh`` returns them.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(t)
    u = np.abs(eigenvectors[:, -1])
    for _ in range(_PERRON_STEPS):
        u = t @ u
        u /= np.sqrt(u @ u)
    return u, eigenvalues, eigenvectors


class BoltzmannChain:
    """The chain at one x: scaled transfer matrix, spectrum, site and pair laws.

    Parameters
    ----------
    x : array_like, shape (L,)
        Parameters in parameter order.
    n_species : int
        S.

    Attributes
    ----------
    t : ndarray, shape (S+1, S+1)
        T / max T.
    log_scale : float
        ln max T, so that ln λ₊(T) = ``log_scale`` + ln ``lam``.
    eigenvalues, eigenvectors : ndarray
        Spectrum of ``t`` (``numpy.linalg.eigh``).
    lam : float
        Largest eigenvalue of ``t``.
    u : ndarray, shape (S+1,)
        Refined Perron vector (`perron_vector`); π = u².
    pair : ndarray, shape (S+1, S+1)
        p_ab = u_a t(a, b) u_b / lam, the ordered pair law of consecutive sites.
    """

    def __init__(self, x: ArrayLike, n_species: int) -> None:
        log_t = log_transfer_matrix(x, n_species)
        self.log_scale = log_t.max()
        self.t = np.exp(log_t - self.log_scale)
        self.u, self.eigenvalues, self.eigenvectors = perron_vector(self.t)
        self.lam = self.eigenvalues[-1]
        self.pair = self.u[:, None] * self.t * self.u[None, :] / self.lam

    @property
    def log_eigenvalue(self) -> float:
        """ln λ₊ of the unscaled T (thermodynamic-limit ln Z / N)."""
        return self.log_scale + np.log(self.lam)

    def cluster(self, codes: Sequence[int]) -> float:
        """P(c_1..c_m) = u_c1 Π T(c_i, c_i+1) u_cm / λ^(m-1) of m consecutive sites."""
        value = self.u[codes[0]] * self.u[codes[-1]]
        for a, b in zip(codes[:-1], codes[1:]):
            value *= self.t[a, b] / self.lam
        return value


def pair_probabilities(moments: ArrayLike, n_species: int) -> tuple[np.ndarray, np.ndarray]:
    """Site and ordered-pair probabilities of the chain from its per-site moments.

    Parameters
    ----------
    moments : array_like, shape (L,)
        ``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]`` (∆_ab, a ≠ b, counts both orders).
    n_species : int
        S.

    Returns
    -------
    site : ndarray, shape (S+1,)
        π_c, c = 0 (empty) .. S.
    pair : ndarray, shape (S+1, S+1)
        Symmetric p_cd = P(s_i = c, s_i+1 = d); rows sum to π.
    """
    moments = np.asarray(moments, dtype=float)
    n = n_species + 1
    site = np.concatenate([[1.0 - moments[:n_species].sum()], moments[:n_species]])
    pair = np.zeros((n, n))
    rows, cols = np.triu_indices(n_species)
    bonds = moments[n_species:] * np.where(rows == cols, 1.0, 0.5)
    pair[rows + 1, cols + 1] = bonds
    pair[cols + 1, rows + 1] = bonds
    pair[0, 1:] = pair[1:, 0] = site[1:] - pair[1:, 1:].sum(axis=1)
    pair[0, 0] = site[0] - pair[0, 1:].sum()
    return site, pair


def inverse_ising_map(n_species: int) -> np.ndarray:
    """`dynboltz.chain_inverse_map.inverse_ising_map` as a float array, shape (L, S + 1 + (S+1)(S+2)/2)."""
    return np.array(chain_inverse_map.inverse_ising_map(n_species), dtype=float)


def parameters_from_probabilities(site: np.ndarray, pair: np.ndarray) -> np.ndarray:
    """x of the chain with site law π and ordered pair law p (exact 1D inverse Ising).

    Parameters
    ----------
    site : ndarray, shape (S+1,)
        π_c > 0, c = 0 (empty) .. S.
    pair : ndarray, shape (S+1, S+1)
        Symmetric p_cd > 0 (`pair_probabilities`).

    Returns
    -------
    ndarray, shape (L,)
        ``inverse_ising_map(S) @ [ln π, ln p_cd (c ≤ d)]``.
    """
    n_species = len(site) - 1
    pairs = lattice_layout.statistic_types(n_species, with_empty=True)[n_species + 1:]
    logs = np.concatenate([np.log(site), np.log([pair[c, d] for c, d in pairs])])
    return inverse_ising_map(n_species) @ logs
