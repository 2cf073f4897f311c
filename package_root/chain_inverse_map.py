"""The closed-form inverse Ising map of the 1D chain closure, as plain integers.

Shared by the code generator (which emits F̃ = H⁻¹ṁ of eq. 49 through it) and the
runtime's chain closure (which inverts moments with it); only the chain has one.
"""
from __future__ import annotations

from dynboltz.lattice_layout import bond_pairs, statistic_types

__all__ = ["inverse_ising_map"]


def inverse_ising_map(n_species: int) -> tuple[tuple[int, ...], ...]:
    """Integer matrix M of the closed-form 1D inverse Ising map, x = M ln p.

    The chain's site law π and pair law p determine its parameters exactly:
    J_ab = ln(p_ab p_00 / (p_0a p_0b)) and h_a = ln(p_0a² π_0 / (p_00² π_a)).
    Columns follow ``statistic_types(n_species, with_empty=True)``.  Applied to
    logarithms of site and ordered-pair probabilities M gives x; applied to the
    logarithmic rates ρ = d ln p/dt of site and bond types it gives
    dx/dt = H⁻¹ ṁ (eq. 49), the factor 2 of unordered bond counts cancelling in
    every row.

    Parameters
    ----------
    n_species : int

    Returns
    -------
    tuple of tuple of int
        Shape (L, S + 1 + (S+1)(S+2)/2), rows in parameter order.
    """
    types = statistic_types(n_species, with_empty=True)
    column = {t: k for k, t in enumerate(types)}
    rows = []
    for a in range(1, n_species + 1):
        row = [0] * len(types)
        for t, sign in (((0, a), 2), ((0,), 1), ((0, 0), -2), ((a,), -1)):
            row[column[t]] += sign
        rows.append(tuple(row))
    for a, b in bond_pairs(n_species):
        row = [0] * len(types)
        for t, sign in (((a, b), 1), ((0, 0), 1), ((0, a), -1), ((0, b), -1)):
            row[column[t]] += sign
        rows.append(tuple(row))
    return tuple(rows)
