"""The per-bond statistic table g of the Boltzmann chain, built once for every layer.

With the parameters x in the order of `dynboltz.lattice_layout` (paper eq. 46, 50), the
log transfer matrix is linear in them: ln T(a, b) = Σ_l x_l g_l(a, b) with

    g_{h_α}(a, b) = ½ (δ_aα + δ_bα),      g_{J_αβ}(a, b) = 1[{a, b} = {α, β}],

so ∂T = T ⊙ g and ∂²T = T ⊙ g g, and ⟨g_l⟩ under the pair law is the moment of x_l
(eq. 47).  This module is the one source of that table: the code generator emits it
into every chain module (``_G2`` of ``codegen/motif.py``) and the runtime's numpy chain
(``runtime/lattice/chain/boltzmann_chain.py``) reads it.  Plain Python; the entries are
stored doubled (0, 1 or 2) so that they are exact integers.
"""
from __future__ import annotations

from dynboltz.lattice_layout import bond_pairs

__all__ = ["doubled_bond_statistics"]


def doubled_bond_statistics(n_species: int) -> list[list[list[int]]]:
    """2 g_l(a, b) for every parameter l and ordered pair of site codes (a, b).

    Parameters
    ----------
    n_species : int
        S.

    Returns
    -------
    list, shape (L, S+1, S+1)
        Integers 0, 1 or 2; row l in parameter order ``[h_1..h_S, J_11, J_12, .., J_SS]``,
        symmetric in (a, b); site code 0 is the empty site.
    """
    codes = range(n_species + 1)
    rows = [[[int(a == alpha) + int(b == alpha) for b in codes] for a in codes]
            for alpha in range(1, n_species + 1)]
    rows += [[[2 * int({a, b} == {alpha, beta}) for b in codes] for a in codes]
             for alpha, beta in bond_pairs(n_species)]
    return rows
