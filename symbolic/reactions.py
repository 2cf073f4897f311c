"""Parsing of well-mixed reaction text into stoichiometry.

Grammar of one reaction::

    reaction := side "->" side
    side     := "0" | "∅" | term ("+" term)*
    term     := [coefficient] species
    coefficient := positive integer, e.g. ``2 A`` or ``2A``
    species  := a Python identifier, e.g. ``A``, ``Enzyme``, ``C_1``

A species written more than once on one side adds up (``A + A`` is ``2 A``).
The propensity of the reaction ``Σ r_s X_s -> Σ q_s X_s`` at rate k is
``k Π_s (n_s)_{r_s}`` (falling factorials), see :mod:`dynboltz.symbolic.doi_peliti`.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from dynboltz.messages import invalid, public

__all__ = ["Reaction", "parse_reaction", "MAX_COEFFICIENT"]

_ARROW = "->"
_EMPTY = ("0", "∅")
_GLUED_TERM = re.compile(r"^(?P<coefficient>[0-9]*)(?P<species>.*)$")
MAX_COEFFICIENT = 2 ** 62
"""Largest coefficient of a species on one side: stoichiometry is stored as int64, and
the change q − r of any two such coefficients must fit too."""


@dataclass(frozen=True)
class Reaction:
    """One reaction with its stoichiometric coefficients.

    Attributes
    ----------
    text : str
        The reaction as written by the user.
    reactants : tuple of (str, int)
        ``(species, coefficient)`` of the input side, species in order of first
        appearance, coefficients > 0.
    products : tuple of (str, int)
        Same for the output side.
    """

    text: str
    reactants: tuple[tuple[str, int], ...]
    products: tuple[tuple[str, int], ...]

    @property
    def species(self) -> tuple[str, ...]:
        """Species in order of first appearance (reactants first), no repeats."""
        return tuple(dict.fromkeys(
            [name for name, _ in self.reactants] + [name for name, _ in self.products]))

    def coefficients(self, species: Sequence[str]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Reactant and product coefficient vectors over ``species``.

        Parameters
        ----------
        species : sequence of str
            Species order of the vectors; must contain every species of the reaction.

        Returns
        -------
        (tuple of int, tuple of int)
            ``(r_s)`` and ``(q_s)`` for ``s`` in ``species``.
        """
        reactants, products = dict(self.reactants), dict(self.products)
        return (tuple(reactants.get(name, 0) for name in species),
                tuple(products.get(name, 0) for name in species))


@public
def parse_reaction(text: str) -> Reaction:
    """Parse one reaction such as ``"A + B -> C"``, ``"2 A -> 0"`` or ``"∅ -> A"``.

    Parameters
    ----------
    text : str
        The reaction; ``0`` or ``∅`` is the empty side.

    Returns
    -------
    Reaction

    Raises
    ------
    TypeError
        If ``text`` is not a string.
    ValueError
        Naming the reaction text, for a missing or repeated arrow, an empty side
        written without ``0``, a bad coefficient (not a positive integer, or above
        `MAX_COEFFICIENT`), a token that is not a species,
        or a reaction whose two sides are equal (it changes nothing).
    """
    if not isinstance(text, str):
        raise invalid("text", "parse_reaction", "a str", text, TypeError)
    sides = text.split(_ARROW)
    if len(sides) != 2:
        what = "missing" if len(sides) == 1 else "repeated"
        raise invalid("text", "parse_reaction",
                      f"one reaction with exactly one '->' ({what} arrow)", text)
    reactants = _parse_side(sides[0], text)
    products = _parse_side(sides[1], text)
    if dict(reactants) == dict(products):
        raise invalid("text", "parse_reaction", "a reaction that changes the counts", text)
    return Reaction(text=text, reactants=reactants, products=products)


def _parse_side(side, text):
    """Return ``((species, coefficient), ...)`` of one side of ``text``."""
    stripped = side.strip()
    if not stripped:
        raise invalid("text", "parse_reaction",
                      "a reaction with both sides written (use 0 or ∅ for nothing)", text)
    if stripped in _EMPTY:
        return ()
    counts = {}
    for term in stripped.split("+"):
        name, coefficient = _parse_term(term.strip(), text)
        counts[name] = counts.get(name, 0) + coefficient
        if counts[name] > MAX_COEFFICIENT:
            raise invalid("text", "parse_reaction",
                          f"coefficients of at most 2**62 per species and side (stored as "
                          f"int64; {name} has {counts[name]})", text)
    return tuple(counts.items())


def _parse_term(term, text):
    """Return ``(species, coefficient)`` of one term such as ``2 A``."""
    if not term:
        raise invalid("text", "parse_reaction", "terms joined by single '+' (no empty term)",
                      text)
    if term in _EMPTY:
        raise invalid("text", "parse_reaction", f"{term} only as a whole side", text)
    tokens = term.split()
    if len(tokens) > 2:
        raise invalid("text", "parse_reaction",
                      f"terms of the form '[coefficient] species' (not {term!r})", text)
    if len(tokens) == 2:
        coefficient, name = tokens
    else:
        match = _GLUED_TERM.match(term)
        coefficient, name = match.group("coefficient") or None, match.group("species")
    if coefficient is not None and not (coefficient.isascii() and coefficient.isdigit()
                                        and int(coefficient) > 0):
        raise invalid("text", "parse_reaction",
                      f"coefficients that are positive integers (not {coefficient!r})", text)
    if not name:
        raise invalid("text", "parse_reaction",
                      f"a species after every coefficient (not in {term!r})", text)
    if not name.isidentifier():
        raise invalid("text", "parse_reaction",
                      f"species names that are identifiers (not {name!r})", text)
    return name, 1 if coefficient is None else int(coefficient)
