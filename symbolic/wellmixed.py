"""Well-mixed reaction networks: the symbolic entry point (paper Sec. II D).

>>> net = WellMixed({"birth": "A -> A + A", "death": "A -> 0"})
>>> net.species, net.rate_symbols
(('A',), (k_birth, k_death))

``net.basis_functions(1)`` then equals (k_birth − k_death)(e^−nu1 − 1), eq. 26.

Naming: process ``name`` has the positive rate Symbol ``k_<name>``; factorial moments
are named as documented in :mod:`dynboltz.symbolic.doi_peliti`; MaxEnt parameters are
``nu1 .. nuK`` (:mod:`dynboltz.symbolic.maxent`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import sympy

from dynboltz.symbolic import maxent
from dynboltz.symbolic.doi_peliti import (DoiPelitiOperator, factorial_moment,
                                          moment_equations)
from dynboltz.messages import invalid, public
from dynboltz.symbolic.reactions import Reaction, parse_reaction

__all__ = ["WellMixed"]


def _check_positive_int(value, param, function):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid(param, function, "a positive int", value)


def _check_supported_k(K, function):
    if isinstance(K, bool) or not isinstance(K, int) or K not in maxent.SUPPORTED_K:
        raise invalid("K", function, f"one of {maxent.SUPPORTED_K}", K)


def _named_processes(processes):
    """Validate ``processes`` and return ``[(name, text), ...]`` in the given order."""
    if isinstance(processes, Mapping):
        pairs = list(processes.items())
    elif isinstance(processes, (list, tuple)):
        pairs = list(processes)
        if not all(isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in pairs):
            raise invalid("processes", "WellMixed",
                          "a mapping or a sequence of (name, reaction) pairs", processes,
                          TypeError)
    else:
        raise invalid("processes", "WellMixed",
                      "a mapping or a sequence of (name, reaction) pairs", processes, TypeError)
    if not pairs:
        raise invalid("processes", "WellMixed", "at least one named reaction", processes)
    names = [name for name, _ in pairs]
    for name in names:
        if not (isinstance(name, str) and name.isidentifier()):
            raise invalid("processes", "WellMixed", "keyed by identifiers (process names)",
                          name)
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise invalid("processes", "WellMixed",
                      "keyed by distinct process names (these are repeated)", duplicates)
    return pairs


def _declared_species(species, pairs, reactions):
    """``species`` as a tuple, checked to cover every species the reactions use."""
    if not isinstance(species, (list, tuple)) or \
            not all(isinstance(name, str) for name in species):
        raise invalid("species", "WellMixed", "a list or tuple of str", species, TypeError)
    declared = tuple(species)
    if not all(name.isidentifier() for name in declared):
        raise invalid("species", "WellMixed", "a list or tuple of species names "
                      "(identifiers)", declared)
    if len(set(declared)) != len(declared):
        raise invalid("species", "WellMixed", "distinct names", declared)
    for (name, text), reaction in zip(pairs, reactions):
        unknown = [s for s in reaction.species if s not in declared]
        if unknown:
            raise invalid("processes", "WellMixed",
                          f"written in the declared species {list(declared)} "
                          f"(unknown species {unknown})", f"{name}: {text}")
    return declared


class WellMixed:
    """A well-mixed reaction network with mass-action (falling-factorial) kinetics.

    Parameters
    ----------
    processes : mapping or sequence of (str, str)
        Process name -> reaction text (see :func:`parse_reaction`), e.g.
        ``{"birth": "A -> A + A", "death": "A -> 0"}``.  Names are identifiers and
        distinct; their order is the process order everywhere.
    species : list or tuple of str, optional
        The species the reactions may use, in the order to use everywhere.  Declaring
        them turns a typo (``"A -> A + a"``, ``"A -> O"`` for ``"A -> 0"``) into an
        error instead of a silent extra species.  Default: every species named by the
        reactions, in order of first appearance.

    Attributes
    ----------
    species : tuple of str
        The declared species, or those of the reactions in order of first appearance
        (reactants before products).
    process_names : tuple of str
    reactions : tuple of Reaction
    rate_symbols : tuple of sympy.Symbol
        ``k_<name>``, positive, in process order.
    """

    species: tuple[str, ...]
    process_names: tuple[str, ...]
    reactions: tuple[Reaction, ...]
    rate_symbols: tuple[sympy.Symbol, ...]

    @public
    def __init__(self, processes: Mapping[str, str] | Sequence[tuple[str, str]],
                 species: Sequence[str] | None = None) -> None:
        pairs = _named_processes(processes)
        self.process_names = tuple(name for name, _ in pairs)
        self.reactions = tuple(parse_reaction(text) for _, text in pairs)
        used = tuple(dict.fromkeys(
            name for reaction in self.reactions for name in reaction.species))
        self.species = used if species is None else _declared_species(species, pairs,
                                                                      self.reactions)
        self.rate_symbols = tuple(sympy.Symbol(f"k_{name}", positive=True)
                                  for name in self.process_names)
        self._equations: dict[int, list[sympy.Eq]] = {}
        self._basis_functions: dict[int, list[sympy.Expr]] = {}

    def __repr__(self):
        body = ", ".join(f"{name!r}: {reaction.text!r}"
                         for name, reaction in zip(self.process_names, self.reactions))
        return f"WellMixed({{{body}}})"

    @property
    def rates(self) -> dict[str, sympy.Symbol]:
        """dict process name -> rate Symbol ``k_<name>`` (a fresh dict each call)."""
        return dict(zip(self.process_names, self.rate_symbols))

    @property
    def operators(self) -> tuple[DoiPelitiOperator, ...]:
        """tuple of DoiPelitiOperator, one per process, over ``species``."""
        return tuple(DoiPelitiOperator(rate, *reaction.coefficients(self.species),
                                       species=self.species)
                     for rate, reaction in zip(self.rate_symbols, self.reactions))

    def stoichiometry(self) -> tuple[np.ndarray, np.ndarray]:
        """Reactant and product coefficients of every process.

        Returns
        -------
        (numpy.ndarray, numpy.ndarray)
            ``(reactants, products)``, int64, shape ``(n_processes, n_species)``;
            the propensity of process i is k_i Π_s (n_s)_{reactants[i, s]}.
        """
        pairs = [reaction.coefficients(self.species) for reaction in self.reactions]
        reactants = np.array([r for r, _ in pairs], dtype=np.int64)
        products = np.array([q for _, q in pairs], dtype=np.int64)
        return reactants, products

    def factorial_moment(self, m: Sequence[int] | int) -> sympy.Expr:
        """Symbol of the factorial moment ⟨Π_s (n_s)_{m_s}⟩ (φ_m = ∂_z^m G at z = 1).

        Parameters
        ----------
        m : tuple of int, or int for a one-species network
            Orders per species, in ``species`` order.

        Returns
        -------
        sympy.Expr
            ``phi_<...>(t)`` as named in :mod:`dynboltz.symbolic.doi_peliti`, or 1.
        """
        m = (m,) if isinstance(m, int) and not isinstance(m, bool) else tuple(m)
        return factorial_moment(self.species, m)

    def moment_equations(self, order: int = 2) -> list[sympy.Eq]:
        """Factorial-moment equations from the CME via the Doi–Peliti operators.

        Parameters
        ----------
        order : int
            Highest total order of the moments on the left-hand sides.

        Returns
        -------
        list of sympy.Eq
            ``Eq(Derivative(phi_m(t), t), rhs)`` for all mixed factorial moments of
            total order 1..order (naming and order: :mod:`dynboltz.symbolic.doi_peliti`).
        """
        _check_positive_int(order, "order", "WellMixed.moment_equations")
        if order not in self._equations:
            self._equations[order] = moment_equations(self.operators, self.species, order)
        return list(self._equations[order])

    def moment_equations_latex(self, order: int = 2) -> str:
        """The equations of :meth:`moment_equations` as a LaTeX ``aligned`` block.

        Moments print as ``\\langle (n_A)_{2} (n_B)_{1} \\rangle``.

        Returns
        -------
        str
        """
        equations = self.moment_equations(order)
        names = {}
        replacements = {}
        for moment in set().union(*[eq.atoms(sympy.core.function.AppliedUndef)
                                    for eq in equations]):
            symbol = sympy.Symbol(moment.func.__name__)
            replacements[moment] = symbol
            names[symbol] = _moment_latex(moment)
        lines = []
        for eq in equations:
            lhs = r"\frac{d}{dt} " + names[replacements[eq.lhs.expr]]
            rhs = sympy.latex(eq.rhs.xreplace(replacements), symbol_names=names)
            lines.append(f"{lhs} &= {rhs}")
        return "\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"

    def _one_species(self, function):
        if len(self.species) != 1:
            raise invalid("self", f"WellMixed.{function}",
                          "a one-species network (MaxEnt closure is one-species)",
                          self.species)

    def moment_system(self, order: int) -> tuple[sympy.Matrix, sympy.Matrix]:
        """Linear system dφ/dt = A φ + b of the factorial moments φ_1..φ_order.

        Parameters
        ----------
        order : int
            Number of moments; the hierarchy must close at this order.

        Returns
        -------
        (sympy.Matrix, sympy.Matrix)
            ``A`` of shape (order, order) and ``b`` of shape (order, 1), in the rates.

        Raises
        ------
        ValueError
            For more than one species, or when a moment above ``order`` appears.
        """
        self._one_species("moment_system")
        _check_positive_int(order, "order", "WellMixed.moment_system")
        phi = [self.factorial_moment(k) for k in range(1, order + 1)]
        rhs = [eq.rhs for eq in self.moment_equations(order)]
        unknown = set().union(*[r.atoms(sympy.core.function.AppliedUndef) for r in rhs]) \
            - set(phi)
        if unknown:
            raise invalid("order", "WellMixed.moment_system",
                          f"an order at which the hierarchy closes (the equations involve "
                          f"{sorted(map(str, unknown))})", order)
        A, b = sympy.linear_eq_to_matrix(rhs, phi)
        return A, -b

    def nu(self, K: int) -> tuple[sympy.Symbol, ...]:
        """MaxEnt interaction parameters of eq. 19.

        Parameters
        ----------
        K : int
            Number of parameters, ≥ 1.

        Returns
        -------
        tuple of sympy.Symbol
            ``(nu1, .., nuK)``, real; the same Symbols in every call.
        """
        self._one_species("nu")
        return maxent.nu_symbols(K)

    def maxent_moments(self, K: int) -> list[sympy.Expr]:
        """[⟨C(n,1)⟩, .., ⟨C(n,K)⟩] of p̃ (eq. 19) in ``nu(K)``; K = 1 (eq. 24) or 2.

        See :func:`dynboltz.symbolic.maxent.maxent_moments`.
        """
        self._one_species("maxent_moments")
        _check_supported_k(K, "WellMixed.maxent_moments")
        return maxent.maxent_moments(K)

    def closed_moment_rates(self, K: int) -> list[sympy.Expr]:
        """d⟨(n)_k⟩/dt, k = 1..K, with every moment taken from p̃ (moment closure).

        Returns
        -------
        list of sympy.Expr
            Expressions in ``nu(K)`` and the rate symbols.
        """
        self._one_species("closed_moment_rates")
        _check_supported_k(K, "WellMixed.closed_moment_rates")
        nu = maxent.nu_symbols(K)
        closed = []
        for eq in self.moment_equations(K):
            moments = eq.rhs.atoms(sympy.core.function.AppliedUndef)
            closure = {moment: maxent.closure_factorial_moment(moment.func.orders[0], nu)
                       for moment in moments}
            closed.append(eq.rhs.xreplace(closure))
        return closed

    def basis_functions(self, K: int) -> list[sympy.Expr]:
        """Basis functions [F_1, .., F_K] of dν/dt = F(ν) (eq. 20) by MaxEnt closure.

        F = (∂ν/∂M) · Ṁ with M = maxent_moments(K) and Ṁ from
        :meth:`closed_moment_rates`; gives eq. 26 (K = 1) and eq. 29 (K = 2) for the
        Galton–Watson network and agrees with the general form eq. 30.

        Returns
        -------
        list of sympy.Expr
            In ``nu(K)`` and ``rate_symbols``.
        """
        self._one_species("basis_functions")
        _check_supported_k(K, "WellMixed.basis_functions")
        if K not in self._basis_functions:
            self._basis_functions[K] = maxent.basis_functions_from_moment_rates(
                self.closed_moment_rates(K), maxent.nu_symbols(K))
        return list(self._basis_functions[K])


def _moment_latex(moment):
    """LaTeX of a moment function of :mod:`dynboltz.symbolic.doi_peliti`."""
    factors = [rf"(n_{{{sympy.latex(sympy.Symbol(name))}}})_{{{order}}}"
               for name, order in zip(moment.func.species, moment.func.orders) if order]
    return r"\langle " + " ".join(factors) + r" \rangle"
