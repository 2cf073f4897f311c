"""Compile the factorial-moment equations of a well-mixed network for closure.

The equations dφ_m/dt of every mixed factorial moment of total order 1..order
(:meth:`dynboltz.symbolic.WellMixed.moment_equations`, derived from the Doi–Peliti
operators) involve, for reactions with two or more reactants, moments of higher order;
a moment closure supplies those.  Here each moment function becomes a plain Symbol, the
state moments first and the moments to be closed after them, and the right-hand sides
are compiled once by :func:`compile_expressions`; the runtime then evaluates them with
numbers only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import sympy

from dynboltz.messages import invalid
from dynboltz.symbolic.doi_peliti import moment_indices

from .expressions import compile_expressions

if TYPE_CHECKING:  # annotations only
    from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["CompiledMomentEquations", "compile_moment_equations"]


@dataclass(frozen=True)
class CompiledMomentEquations:
    """The compiled hierarchy, cut at ``order``.

    Attributes
    ----------
    rhs : callable
        ``rhs(x, k)``: x of shape (Q + C,) holds the state moments then the closed
        ones, k the rates in process order; returns dφ/dt of the state, shape (Q,).
    state_indices : ndarray of int64, shape (Q, S)
        Multi-indices m of the state moments φ_m = ⟨Π_s (n_s)_{m_s}⟩, 1 ≤ |m| ≤ order,
        in :func:`dynboltz.symbolic.doi_peliti.moment_indices` order.
    closure_indices : ndarray of int64, shape (C, S)
        Multi-indices of the moments above ``order`` the equations need (C may be 0).
    order : int
    """

    rhs: Callable[..., np.ndarray]
    state_indices: np.ndarray
    closure_indices: np.ndarray
    order: int


def compile_moment_equations(net: WellMixed, order: int = 2) -> CompiledMomentEquations:
    """Compile dφ_m/dt, 1 ≤ |m| ≤ ``order``, with the higher moments as extra inputs.

    Parameters
    ----------
    net : dynboltz.symbolic.WellMixed
    order : int
        Highest total order of the integrated moments, >= 1.

    Returns
    -------
    CompiledMomentEquations

    Raises
    ------
    ValueError
        If ``order`` is not a positive int.
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise invalid("order", "compile_moment_equations", "a positive int", order)
    equations = net.moment_equations(order)
    n_species = len(net.species)
    state = [tuple(m) for m in moment_indices(n_species, order)]
    moments = set().union(*(eq.rhs.atoms(sympy.core.function.AppliedUndef)
                            for eq in equations))
    by_index = {tuple(moment.func.orders): moment for moment in moments}
    closed = sorted((m for m in by_index if sum(m) > order), key=lambda m: (sum(m), m))
    symbols = {m: sympy.Symbol("phi_" + "_".join(map(str, m))) for m in state + closed}
    replace = {moment: symbols[m] for m, moment in by_index.items()}
    rhs = [eq.rhs.xreplace(replace) for eq in equations]
    compiled = compile_expressions(rhs, inputs=[symbols[m] for m in state + closed],
                                   params=list(net.rate_symbols), name="moment_equations")
    return CompiledMomentEquations(
        rhs=compiled, state_indices=np.array(state, dtype=np.int64).reshape(-1, n_species),
        closure_indices=np.array(closed, dtype=np.int64).reshape(-1, n_species), order=order)
