"""The Boltzmann ring with nearest- and next-nearest-neighbour couplings (closure ``chain2``).

Boltzmann weight on a ring of sites s_i (codes 0 = empty, 1..S):

    exp(Σ_i h_{s_i} + Σ_i J_{s_i s_{i+1}} + Σ_i J2_{s_i s_{i+2}}),  h_0 = J_0· = J2_0· = 0,

J and J2 symmetric (eq. 46, 50 with a second coupling).  Parameters and their conjugate
per-site moments, in this order (``parameter_names`` / ``moment_names``):

    x = [h_1..h_S, J_11, J_12, .., J_SS, J2_11, J2_12, .., J2_SS]     (L2 = S + S(S+1))
    m = [µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS, ∆2_11, ∆2_12, .., ∆2_SS]

with ∆2_ab the number of next-nearest {a, b} bonds (sites i, i + 2) per site, both orders
counted for a ≠ b: the chain's layout (`dynboltz.lattice_layout`) followed by one more
block of couplings.  In the thermodynamic limit the ring is a stationary second-order
Markov chain, computed from the transfer matrix on pairs of sites

    T((a, b), (b, c)) = exp(w(a, b, c)),  w = (h_a + h_c)/4 + h_b/2 + (J_ab + J_bc)/2 + J2_ac,

(zero between pairs that do not overlap): ln λ₊ is the free energy per site and, with
r its right Perron vector (the left one is r reversed, l(a, b) = r(b, a)),

    π(a, b) = l(a, b) r(a, b) / Σ l r,   P((a, b) → (b, c)) = T r(b, c) / (λ₊ r(a, b)),
    P(s_1..s_m) = π(s_1, s_2) Π_k P((s_k, s_k+1) → (s_k+1, s_k+2)).

Derivatives (all analytic): with g(a, b, c) = ∂w/∂x and dev = g − m, the logarithmic
tangent β = ∂ ln r/∂x solves the Poisson equation of the pair chain
(I − P) β = Σ_c P dev, so ∂ ln P(s_1..s_m)/∂x = α(s_1 s_2) + β(s_m−1 s_m) − E_π[α + β]
+ Σ_k dev(s_k, s_k+1, s_k+2) with α(a, b) = β(b, a); H = ∂m/∂x (eq. 48, B2) and its
derivative follow by differentiating once more.  Plain numpy (no sympy, no runtime
import): the layout and triple statistics for every layer, and the reference
implementation of the compiled ``chain2`` kernel (``codegen/kernels/chain2_kernel.pxi.in``).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from dynboltz.lattice_layout import bond_pairs

__all__ = ["n_params", "parameter_names", "moment_names", "PairChain", "TermTable",
           "basis_and_jacobian", "moment_rates"]

_POWER_STEPS = 8


def n_params(n_species: int) -> int:
    """L2 = S + S(S+1): fields, nearest- and next-nearest-neighbour couplings."""
    return n_species + n_species * (n_species + 1)


def parameter_names(species: Sequence[str]) -> tuple[str, ...]:
    """``("h_A", .., "J_AA", .., "J2_AA", ..)`` in parameter order (length L2)."""
    pairs = bond_pairs(len(species))
    return (tuple(f"h_{s}" for s in species)
            + tuple(f"J_{species[a - 1]}{species[b - 1]}" for a, b in pairs)
            + tuple(f"J2_{species[a - 1]}{species[b - 1]}" for a, b in pairs))


def moment_names(species: Sequence[str]) -> tuple[str, ...]:
    """``("mu_A", .., "Delta_AA", .., "Delta2_AA", ..)``, same order as the parameters."""
    pairs = bond_pairs(len(species))
    return (tuple(f"mu_{s}" for s in species)
            + tuple(f"Delta_{species[a - 1]}{species[b - 1]}" for a, b in pairs)
            + tuple(f"Delta2_{species[a - 1]}{species[b - 1]}" for a, b in pairs))


@functools.cache
def triple_statistics(n_species: int) -> np.ndarray:
    """g[l, a, b, c] = ∂w(a, b, c)/∂x_l, shape (L2, S+1, S+1, S+1).

    Summed over the triples (s_i−1, s_i, s_i+1) of a ring, g gives every site once
    (¼ + ½ + ¼), every nearest-neighbour bond once (½ + ½) and every next-nearest bond
    once: its Boltzmann mean is the moment vector m.  Cached and read-only.
    """
    n = n_species + 1
    pairs = bond_pairs(n_species)
    g = np.zeros((n_params(n_species), n, n, n))
    codes = np.arange(n)
    a, b, c = np.meshgrid(codes, codes, codes, indexing="ij")
    for k in range(n_species):
        s = k + 1
        g[k] = 0.25 * (a == s) + 0.5 * (b == s) + 0.25 * (c == s)
    for k, (s, t) in enumerate(pairs):
        def bond(u, v):
            return ((u == s) & (v == t)) | ((u == t) & (v == s))
        g[n_species + k] = 0.5 * bond(a, b) + 0.5 * bond(b, c)
        g[n_species + len(pairs) + k] = bond(a, c)
    g.flags.writeable = False   # cached: shared by every caller
    return g


def _coupling_matrices(x, n_species):
    """(h (n,), J (n, n), J2 (n, n)) with the empty code's entries zero."""
    n = n_species + 1
    pairs = bond_pairs(n_species)
    h = np.zeros(n)
    h[1:] = x[:n_species]
    couplings = []
    for block in range(2):
        m = np.zeros((n, n))
        offset = n_species + block * len(pairs)
        for k, (s, t) in enumerate(pairs):
            m[s, t] = m[t, s] = x[offset + k]
        couplings.append(m)
    return h, couplings[0], couplings[1]


class PairChain:
    """The second-order Markov chain of the ring's Boltzmann law at one x.

    Parameters
    ----------
    x : array_like, shape (L2,)
        Parameters ``[h, J, J2]`` (module docstring), finite.
    n_species : int
        S.

    Attributes
    ----------
    log_eigenvalue : float
        ln λ₊, the free energy per site (ln Z / N as N → ∞).
    pair : ndarray, shape (n, n)
        π(a, b) of nearest-neighbour sites (i, i+1), n = S + 1.
    transition : ndarray, shape (n, n, n)
        P((a, b) → (b, c)).
    triple : ndarray, shape (n, n, n)
        P(a, b, c) of three consecutive sites.
    moments : ndarray, shape (L2,)
    """

    def __init__(self, x, n_species: int) -> None:
        self.n_species = int(n_species)
        n = self.n_species + 1
        self.n = n
        x = np.asarray(x, dtype=np.float64)
        h, j1, j2 = _coupling_matrices(x, self.n_species)
        w = (0.25 * (h[:, None, None] + h[None, None, :]) + 0.5 * h[None, :, None]
             + 0.5 * (j1[:, :, None] + j1[None, :, :]) + j2[:, None, :])
        shift = float(w.max())
        weight = np.exp(w - shift)                       # (a, b, c)
        matrix = np.zeros((n, n, n, n))                  # T[(a, b), (b', c)]
        for b in range(n):
            matrix[:, b, b, :] = weight[:, b, :]
        matrix = matrix.reshape(n * n, n * n)
        values, vectors = np.linalg.eig(matrix)
        top = int(np.argmax(values.real))
        r = np.abs(vectors[:, top].real)
        r /= r.sum()
        # Power steps on the positive matrix restore full relative accuracy of small entries.
        for _ in range(_POWER_STEPS):
            r = matrix @ r
            r /= r.sum()
        lam = float((matrix @ r).sum() / r.sum())
        r = r.reshape(n, n)
        left = r.T
        pair = left * r
        pair /= pair.sum()
        transition = weight * r[None, :, :] / (lam * r[:, :, None])
        self.log_eigenvalue = float(np.log(lam) + shift)
        self.pair = pair
        self.transition = transition
        self.triple = pair[:, :, None] * transition
        self.g = triple_statistics(self.n_species)
        self.moments = np.einsum("abc,labc->l", self.triple, self.g)
        self.dev = self.g - self.moments[:, None, None, None]
        self._fundamental = np.linalg.inv(np.eye(n * n) - transition_matrix(transition)
                                          + np.ones((n * n, 1)) * pair.reshape(1, -1))
        self.beta = self._poisson(np.einsum("abc,labc->lab", transition, self.dev))
        self.alpha = np.swapaxes(self.beta, 1, 2)
        ends = self.alpha + self.beta
        self.pair_tangent = ends - np.einsum("ab,lab->l", pair, ends)[:, None, None]
        self.triple_tangent = (self.alpha[:, :, :, None] + self.beta[:, None, :, :]
                               - np.einsum("ab,lab->l", pair, ends)[:, None, None, None]
                               + self.dev)

    def _poisson(self, rhs):
        """Solution β (..., n, n) of (I − P) β = rhs with E_π β = 0."""
        n = self.n
        flat = rhs.reshape(-1, n * n)
        return (flat @ self._fundamental.T).reshape(rhs.shape)

    def hessian(self) -> np.ndarray:
        """H = ∂m/∂x (eq. 48, B2), shape (L2, L2), symmetric."""
        h = np.einsum("abc,kabc,labc->kl", self.triple, self.dev, self.triple_tangent)
        return 0.5 * (h + h.T)

    def cluster_probability(self, codes: Sequence[int]) -> float:
        """P(s_1..s_m) of m consecutive sites (m ≥ 1)."""
        if len(codes) == 1:
            return float(self.pair[codes[0]].sum())
        value = self.pair[codes[0], codes[1]]
        for k in range(len(codes) - 2):
            value *= self.transition[codes[k], codes[k + 1], codes[k + 2]]
        return float(value)

    def cluster_gradient(self, codes: Sequence[int]) -> np.ndarray:
        """∂P(s_1..s_m)/∂x, shape (L2,)."""
        if len(codes) == 1:
            a = codes[0]
            return np.einsum("b,lb->l", self.pair[a], self.pair_tangent[:, a, :])
        slope = self.pair_tangent[:, codes[0], codes[1]].copy()
        for k in range(len(codes) - 2):
            a, b, c = codes[k:k + 3]
            slope += self.triple_tangent[:, a, b, c] - self.pair_tangent[:, a, b]
        return self.cluster_probability(codes) * slope

    def hessian_derivative(self) -> np.ndarray:
        """∂H_kl/∂x_j = ∂³ ln λ₊/∂x_k∂x_l∂x_j, shape (L2, L2, L2) indexed [k, l, j]."""
        hess = self.hessian()
        p = self.transition
        d_log_p = (self.dev + self.beta[:, None, :, :] - self.beta[:, :, :, None])  # [j,a,b,c]
        target = self.beta[:, None, :, :] + self.dev                             # [l,a,b,c]
        rhs = (np.einsum("abc,jabc,labc->ljab", p, d_log_p, target)
               - hess[:, :, None, None])
        d_beta = self._poisson(rhs)                                              # [l,j,a,b]
        d_alpha = np.swapaxes(d_beta, 2, 3)
        ends = self.alpha + self.beta
        d_mean = (np.einsum("ab,jab,lab->lj", self.pair, self.pair_tangent, ends)
                  + np.einsum("ab,ljab->lj", self.pair, d_alpha + d_beta))
        d_tangent = (d_alpha[:, :, :, :, None] + d_beta[:, :, None, :, :]
                     - d_mean[:, :, None, None, None] - hess[:, :, None, None, None])
        third = (np.einsum("abc,jabc,kabc,labc->klj", self.triple, self.triple_tangent,
                           self.dev, self.triple_tangent)
                 + np.einsum("abc,kabc,ljabc->klj", self.triple, self.dev, d_tangent))
        return (third + third.transpose(1, 0, 2)) / 2


def transition_matrix(transition: np.ndarray) -> np.ndarray:
    """The pair chain's (n², n²) transition matrix from P((a, b) → (b, c)) of shape (n, n, n)."""
    n = transition.shape[0]
    full = np.zeros((n, n, n, n))
    for b in range(n):
        full[:, b, b, :] = transition[:, b, :]
    return full.reshape(n * n, n * n)


class TermTable:
    """The moment-equation terms of a motif, grouped by cluster length for vectorised use.

    Parameters
    ----------
    table : sequence
        ``table[r]``: rows ``(moment index, cluster codes, coefficient)``, dm_i/dt +=
        coefficient × P(cluster) for process r at unit rate (eq. 48).
    n_params : int
        L2.
    """

    def __init__(self, table, n_params: int) -> None:
        self.n_processes = len(table)
        self.n_params = int(n_params)
        groups = {}
        for r, terms in enumerate(table):
            for index, codes, coefficient in terms:
                rows = groups.setdefault(len(codes), ([], [], []))
                rows[0].append(r * self.n_params + index)
                rows[1].append(tuple(codes))
                rows[2].append(float(coefficient))
        self.groups = [(np.array(slot, dtype=np.intp), np.array(codes, dtype=np.intp),
                        np.array(coefficient)) for slot, codes, coefficient in
                       (groups[m] for m in sorted(groups))]

    def evaluate(self, chain: PairChain, slopes: bool = True):
        """ṁ (P, L2) and, if ``slopes``, ∂ṁ/∂x (P, L2, L2) at ``chain``."""
        size, flat = self.n_params, self.n_processes * self.n_params
        rates = np.zeros(flat)
        gradient = np.zeros((flat, size)) if slopes else None
        for slot, codes, coefficient in self.groups:
            if codes.shape[1] == 1:
                sites = codes[:, 0]
                probability = chain.pair[sites].sum(axis=1)
                tangent = np.einsum("kb,lkb->kl", chain.pair[sites],
                                    chain.pair_tangent[:, sites, :]) / probability[:, None]
            else:
                probability = chain.pair[codes[:, 0], codes[:, 1]].copy()
                tangent = chain.pair_tangent[:, codes[:, 0], codes[:, 1]].T.copy()
                for k in range(codes.shape[1] - 2):
                    a, b, c = codes[:, k], codes[:, k + 1], codes[:, k + 2]
                    probability *= chain.transition[a, b, c]
                    tangent += (chain.triple_tangent[:, a, b, c]
                                - chain.pair_tangent[:, a, b]).T
            np.add.at(rates, slot, coefficient * probability)
            if slopes:
                np.add.at(gradient, slot, (coefficient * probability)[:, None] * tangent)
        rates = rates.reshape(self.n_processes, size)
        if slopes:
            gradient = gradient.reshape(self.n_processes, size, size)
        return rates, gradient


def moment_rates(chain: PairChain, table) -> tuple[np.ndarray, np.ndarray]:
    """ṁ_r (P, L2) and ∂ṁ_r/∂x (P, L2, L2) from a table of cluster terms.

    ``table`` is a `TermTable` or the sequence it is built from: ``table[r]`` holds
    ``(moment index, cluster codes, coefficient)`` rows, dm_i/dt += coefficient ×
    P(cluster) for process r at unit rate (eq. 48).
    """
    if not isinstance(table, TermTable):
        table = TermTable(table, chain.moments.size)
    return table.evaluate(chain)


def basis_and_jacobian(x, n_species: int, table, jacobian: bool = True):
    """F̃_r = H⁻¹ ṁ_r (eq. 49) and ∂F̃_r/∂x (eq. 54) at one x.

    ∂F̃_r/∂x_j = H⁻¹ (∂ṁ_r/∂x_j − (∂H/∂x_j) F̃_r), every factor analytic.

    Returns
    -------
    basis : ndarray, shape (P, L2)
    jacobian : ndarray, shape (P, L2, L2) or None
    """
    chain = PairChain(x, n_species)
    hess = chain.hessian()
    if not isinstance(table, TermTable):
        table = TermTable(table, chain.moments.size)
    rates, slopes = table.evaluate(chain, jacobian)
    basis = np.linalg.solve(hess, rates.T).T
    if not jacobian:
        return basis, None
    third = chain.hessian_derivative()
    correction = np.einsum("klj,rl->rkj", third, basis)
    return basis, np.linalg.solve(hess[None], slopes - correction)
