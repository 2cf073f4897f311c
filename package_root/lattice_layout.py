"""Layout of a lattice model's parameters and moments, shared by every layer and geometry.

A site holds code 0 (empty) or 1..S (the motif's species, in the order listed).  The
Boltzmann weight is exp(Σ_i h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j}) over nearest-neighbour bonds
⟨ij⟩ (on the ring, i and i + 1) with h_0 = J_0· = 0 and J symmetric (paper eq. 46, 50).  Parameters, and the per-site moments that are their
conjugates (∂ ln λ₊ / ∂x), are ordered

    [h_1 .. h_S, J_11, J_12, .., J_1S, J_22, .., J_SS]      (L = S + S(S+1)/2 entries)
    [µ_1 .. µ_S, ∆_11, ∆_12, .., ∆_1S, ∆_22, .., ∆_SS]

with µ_a the fraction of sites holding a and ∆_ab the number of {a, b} bonds per site
(both orders counted for a ≠ b; at most z/2 per site on a lattice of coordination z).  Everything here is plain Python: the symbolic layer,
the code generator and the runtime all read the same definitions.
"""
from __future__ import annotations

from collections.abc import Sequence

__all__ = ["n_params", "bond_pairs", "parameter_names", "moment_names", "statistic_types"]


def n_params(n_species: int) -> int:
    """L = S + S(S+1)/2, the number of Boltzmann parameters (and moments) of S species."""
    return n_species + n_species * (n_species + 1) // 2


def bond_pairs(n_species: int) -> list[tuple[int, int]]:
    """Species pairs (a, b), a ≤ b, of the bond moments and J parameters.

    Parameters
    ----------
    n_species : int
        S, the number of species.

    Returns
    -------
    list of (int, int)
        ``[(1, 1), (1, 2), .., (1, S), (2, 2), .., (S, S)]``, in parameter order.
    """
    return [(a, b) for a in range(1, n_species + 1) for b in range(a, n_species + 1)]


def parameter_names(species: Sequence[str]) -> tuple[str, ...]:
    """Names of the Boltzmann parameters in parameter order.

    Parameters
    ----------
    species : sequence of str

    Returns
    -------
    tuple of str
        ``("h_A", .., "J_AA", "J_AB", ..)``, length S + S(S+1)/2.
    """
    fields = [f"h_{name}" for name in species]
    fields += [f"J_{species[a - 1]}{species[b - 1]}" for a, b in bond_pairs(len(species))]
    return tuple(fields)


def moment_names(species: Sequence[str]) -> tuple[str, ...]:
    """Names of the per-site moments, same order as `parameter_names`.

    Returns
    -------
    tuple of str
        ``("mu_A", .., "Delta_AA", "Delta_AB", ..)``.
    """
    fields = [f"mu_{name}" for name in species]
    fields += [f"Delta_{species[a - 1]}{species[b - 1]}"
               for a, b in bond_pairs(len(species))]
    return tuple(fields)


def statistic_types(n_species: int, with_empty: bool = False) -> list[tuple[int, ...]]:
    """Site and bond types of the additive per-site statistics, in index order.

    Parameters
    ----------
    n_species : int
        S.
    with_empty : bool
        False: the L moments (µ_1..µ_S, then ∆ in `bond_pairs` order).  True: every
        site type 0..S, then every unordered bond type {c, d}, c ≤ d, over 0..S (empty
        included), S + 1 + (S+1)(S+2)/2 entries.

    Returns
    -------
    list of tuple
        ``(c,)`` for the fraction of sites holding c, ``(c, d)`` for the number of
        {c, d} bonds per site (both orders counted when c ≠ d).
    """
    first = 0 if with_empty else 1
    codes = range(first, n_species + 1)
    return [(c,) for c in codes] + [(c, d) for c in codes for d in codes if c <= d]
