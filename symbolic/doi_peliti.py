"""Doi–Peliti operators of well-mixed reactions and their factorial-moment equations.

A reaction ``Σ_s r_s X_s -> Σ_s q_s X_s`` at rate k is the normal-ordered operator
(paper Sec. II)

    W = k (Π_s â_s^{q_s} − Π_s â_s^{r_s}) Π_s a_s^{r_s},

whose action on a state |n⟩ has propensity k Π_s (n_s)_{r_s} (falling factorials).
In the generating-function representation â_s → z_s and a_s → ∂/∂z_s, so the CME
reads ∂_t G = Σ_reactions W G with G(z) = Σ_n p(n) Π_s z_s^{n_s}.

Factorial moments and their symbols
-----------------------------------
For a multi-index m = (m_s) over the species of a network, the mixed factorial moment

    φ_m(t) = ⟨Π_s (n_s)_{m_s}⟩ = Π_s ∂_{z_s}^{m_s} G |_{z=1}

is the sympy function application ``Function(name)(t)`` with ``t = TIME`` (a real
Symbol ``"t"``) and ``name = "phi_" + "_".join(f"{s}_{m_s}" for s with m_s > 0)``,
species in network order.  The function class also carries the attributes
``species`` and ``orders`` (= m), which take part in equality, so moments never
collide even when species names would make two names alike.
Examples: ⟨n_A⟩ is ``phi_A_1(t)``, ⟨(n_A)_2⟩ is
``phi_A_2(t)``, ⟨n_A (n_B)_2⟩ is ``phi_A_1_B_2(t)``.  φ_0 = 1 (normalisation).
``⟨C(n, k)⟩ = φ_k / k!``.  :func:`moment_equations` returns
``Eq(Derivative(φ_m(t), t), rhs)`` for every m with 1 ≤ |m| ≤ order, sorted by
total order and then lexicographically in reverse (so ``A`` before ``B``).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import sympy

from dynboltz.messages import invalid

__all__ = [
    "TIME",
    "DoiPelitiOperator",
    "generating_variable",
    "factorial_moment",
    "moment_indices",
    "moment_equations",
]

TIME = sympy.Symbol("t", real=True)


def generating_variable(species: str) -> sympy.Symbol:
    """The generating-function variable z_s that stands for â_s (paper Sec. II).

    Parameters
    ----------
    species : str

    Returns
    -------
    sympy.Symbol
        ``Symbol("z_<species>")``.
    """
    return sympy.Symbol(f"z_{species}")


def _moment_name(species, m):
    parts = [f"{name}_{order}" for name, order in zip(species, m) if order > 0]
    return "phi_" + "_".join(parts)


def factorial_moment(species: Sequence[str], m: Sequence[int]) -> sympy.Expr:
    """Symbol of the mixed factorial moment ⟨Π_s (n_s)_{m_s}⟩ (see module docstring).

    Parameters
    ----------
    species : tuple of str
        Species of the network, in network order.
    m : tuple of int
        Orders m_s ≥ 0, same length as ``species``.

    Returns
    -------
    sympy.Expr
        ``Function(name)(TIME)``, or ``1`` when every m_s is 0.
    """
    if len(m) != len(species) or any(order < 0 for order in m):
        raise invalid("m", "factorial_moment", f"{len(species)} orders ≥ 0", m)
    if not any(m):
        return sympy.Integer(1)
    return sympy.Function(_moment_name(species, m), real=True, species=tuple(species),
                          orders=tuple(m))(TIME)


def moment_indices(n_species: int, order: int) -> list[tuple[int, ...]]:
    """Multi-indices m with 1 ≤ |m| ≤ ``order``, by total order then reverse-lexicographic.

    Returns
    -------
    list of tuple of int
        Each of length ``n_species``; for one species ``[(1,), (2,), .., (order,)]``.
    """
    indices = []
    for total in range(1, order + 1):
        level = [m for m in itertools.product(range(total + 1), repeat=n_species)
                 if sum(m) == total]
        indices.extend(sorted(level, reverse=True))
    return indices


@dataclass(frozen=True)
class DoiPelitiOperator:
    """Normal-ordered Doi–Peliti operator of one reaction (module docstring).

    Attributes
    ----------
    rate : sympy.Symbol
        Rate constant k.
    reactants, products : tuple of int
        r_s and q_s over ``species``.
    species : tuple of str
        Species order of the coefficient vectors.
    """

    rate: sympy.Expr
    reactants: tuple[int, ...]
    products: tuple[int, ...]
    species: tuple[str, ...]

    def ladder_form(self) -> sympy.Expr:
        """W = k (Π â^q − Π â^r) Π a^r with non-commutative ladder Symbols.

        Creation operators are named ``"ahat_<s>"`` (printed \\hat{a}_s) and
        annihilation operators ``"a_<s>"``.

        Returns
        -------
        sympy.Expr
            Non-commutative, normal ordered (all â left of all a).
        """
        create = [sympy.Symbol(f"ahat_{name}", commutative=False) for name in self.species]
        annihilate = [sympy.Symbol(f"a_{name}", commutative=False) for name in self.species]
        return self.rate * (_power_product(create, self.products)
                            - _power_product(create, self.reactants)) \
            * _power_product(annihilate, self.reactants)

    def act(self, generating_function: sympy.Expr) -> sympy.Expr:
        """W G in the generating-function representation: k (z^q − z^r) ∂^r G.

        Parameters
        ----------
        generating_function : sympy.Expr
            G as an expression in the ``generating_variable`` of every species.

        Returns
        -------
        sympy.Expr
        """
        variables = [generating_variable(name) for name in self.species]
        derivative = generating_function
        for variable, order in zip(variables, self.reactants):
            if order:
                derivative = sympy.diff(derivative, variable, order)
        return self.rate * (_power_product(variables, self.products)
                            - _power_product(variables, self.reactants)) * derivative

    def propensity(self, counts: Sequence[sympy.Expr | int]) -> sympy.Expr:
        """k Π_s (n_s)_{r_s}, the rate at which the reaction fires in state ``counts``.

        Parameters
        ----------
        counts : sequence of sympy.Expr or int
            n_s for every species.

        Returns
        -------
        sympy.Expr
        """
        return self.rate * sympy.Mul(*[sympy.ff(n, order)
                                       for n, order in zip(counts, self.reactants)])


def _power_product(factors, exponents):
    return sympy.Mul(*[factor ** exponent for factor, exponent in zip(factors, exponents)])


def moment_equations(operators: Sequence[DoiPelitiOperator], species: Sequence[str],
                     order: int) -> list[sympy.Eq]:
    """Factorial-moment equations dφ_m/dt = ∂_z^m (Σ W G) |_{z=1}, 1 ≤ |m| ≤ order.

    Parameters
    ----------
    operators : sequence of DoiPelitiOperator
        The reactions of the network (all over ``species``).
    species : tuple of str
        Species order.
    order : int
        Highest total order |m| of the left-hand sides.

    Returns
    -------
    list of sympy.Eq
        ``Eq(Derivative(φ_m(t), t), rhs)``; rhs is linear in factorial moments, which
        may be of total order above ``order`` for nonlinear reactions.
    """
    variables = [generating_variable(name) for name in species]
    generating_function = sympy.Function("G")(*variables)
    flow = sympy.Add(*[operator.act(generating_function) for operator in operators])
    equations = []
    for m in moment_indices(len(species), order):
        derivative = flow
        for variable, m_s in zip(variables, m):
            if m_s:
                derivative = sympy.diff(derivative, variable, m_s)
        rhs = _at_unit_argument(derivative, generating_function, variables, species)
        lhs = sympy.Derivative(factorial_moment(species, m), TIME)
        equations.append(sympy.Eq(lhs, rhs))
    return equations


def _at_unit_argument(expression, generating_function, variables, species):
    """Replace ∂^m G by φ_m and set every z_s = 1."""
    def to_moment(derivative):
        # variable_count lists (z_s, order) pairs of this derivative
        orders = dict(derivative.variable_count)
        return factorial_moment(species, tuple(orders.get(v, 0) for v in variables))

    moments = expression.replace(
        lambda node: isinstance(node, sympy.Derivative) and node.expr == generating_function,
        to_moment)
    moments = moments.xreplace({generating_function: sympy.Integer(1)})
    rhs = sympy.expand(moments.subs({variable: 1 for variable in variables}))
    return sympy.collect(rhs, list(rhs.atoms(sympy.core.function.AppliedUndef)))
