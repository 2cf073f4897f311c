"""The closed-form inverse map of the Bethe (pair) closure, as plain numbers.

On a lattice of coordination z the Bethe approximation takes the distribution of a
translation-invariant state to be that of a tree of bonds,

    P(s) ∝ Π_⟨ij⟩ p(s_i, s_j) / Π_i π(s_i)^(z − 1),

with π the site law and p the (symmetric) ordered nearest-neighbour pair law.
Matching its logarithm with the Boltzmann weight exp(Σ_i h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j})
(h_0 = J_0· = 0) gives the parameters in closed form:

    J_ab = ln(p_ab p_00 / (p_0a p_0b)),
    h_a  = z ln(p_0a / p_00) − (z − 1) ln(π_a / π_0),

which for z = 2 is the exact inverse map of the 1D chain (eq. 47 inverted).
Both are rows of an integer matrix M_z acting on logarithms of site and pair
probabilities, x = M_z ln q; acting on logarithmic rates ρ = d ln q/dt it gives
dx/dt = H⁻¹ ṁ (eq. 49), since H⁻¹ = ∂x/∂m is the Jacobian of this map.

Shared by the code generator (which emits F̃ = M_z ρ) and the runtime's Bethe
closure (which inverts moments with it).
"""
from __future__ import annotations

import numpy as np

from dynboltz.lattice_layout import bond_pairs, n_params, statistic_types

__all__ = ["bethe_inverse_map", "bethe_cluster_probabilities", "bethe_parameters"]


def bethe_inverse_map(n_species: int, coordination: int) -> tuple[tuple[int, ...], ...]:
    """Integer matrix M_z of the Bethe inverse map, x = M_z ln q (module docstring).

    Parameters
    ----------
    n_species : int
        S.
    coordination : int
        z (4 square, 6 cubic; 2 gives the chain's map).

    Returns
    -------
    tuple of tuple of int
        Shape (L, S + 1 + (S+1)(S+2)/2), rows in parameter order, columns in
        ``statistic_types(n_species, with_empty=True)`` order: a site type (c,)
        stands for ln π_c, a bond type (c, d) for ln p_cd (one ordered pair).
    """
    z = coordination
    types = statistic_types(n_species, with_empty=True)
    column = {t: k for k, t in enumerate(types)}
    rows = []
    for a in range(1, n_species + 1):
        row = [0] * len(types)
        for t, sign in (((0, a), z), ((0,), z - 1), ((0, 0), -z), ((a,), 1 - z)):
            row[column[t]] += sign
        rows.append(tuple(row))
    for a, b in bond_pairs(n_species):
        row = [0] * len(types)
        for t, sign in (((a, b), 1), ((0, 0), 1), ((0, a), -1), ((0, b), -1)):
            row[column[t]] += sign
        rows.append(tuple(row))
    return tuple(rows)


def bethe_cluster_probabilities(moments: np.ndarray, n_species: int, coordination: int
                                ) -> tuple[np.ndarray, np.ndarray]:
    """Site law π and ordered pair law p of per-site moments (no checks).

    Parameters
    ----------
    moments : ndarray, shape (L,)
        ``[µ_1..µ_S, ∆_11, .., ∆_SS]``, ∆ in bonds per site.
    n_species : int
    coordination : int
        z: a site has z/2 bonds, so p_ab = ∆_ab / z (a ≠ b) and p_aa = 2 ∆_aa / z.

    Returns
    -------
    site : ndarray, shape (S + 1,)
        π_0 = 1 − Σ µ, then π_a = µ_a.
    pair : ndarray, shape (S + 1, S + 1)
        Symmetric p_ab, the rows summing to π (empty rows and columns by difference).
    """
    moments = np.asarray(moments, dtype=float)
    n = n_species + 1
    site = np.empty(n)
    site[1:] = moments[:n_species]
    site[0] = 1.0 - moments[:n_species].sum()
    pair = np.zeros((n, n))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        value = moments[n_species + k] / coordination * (2.0 if a == b else 1.0)
        pair[a, b] = pair[b, a] = value
    pair[0, 1:] = pair[1:, 0] = site[1:] - pair[1:, 1:].sum(axis=1)
    pair[0, 0] = site[0] - pair[0, 1:].sum()
    return site, pair


def bethe_parameters(moments: np.ndarray, n_species: int, coordination: int) -> np.ndarray:
    """x = M_z ln q of per-site moments whose cluster probabilities are all positive.

    Parameters
    ----------
    moments : ndarray, shape (L,)
    n_species : int
    coordination : int

    Returns
    -------
    ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]``; not finite where a probability is ≤ 0.
    """
    site, pair = bethe_cluster_probabilities(moments, n_species, coordination)
    types = statistic_types(n_species, with_empty=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.array([np.log(site[t[0]]) if len(t) == 1 else np.log(pair[t])
                         for t in types])
    matrix = np.array(bethe_inverse_map(n_species, coordination), dtype=float)
    out = np.empty(n_params(n_species))
    for l, row in enumerate(matrix):
        used = row != 0
        out[l] = row[used] @ logs[used]
    return out
