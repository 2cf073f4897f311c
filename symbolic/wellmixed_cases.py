"""Five small well-mixed networks on which moment closures are measured.

Chosen for few molecules (so the master equation is solved exactly on a small box)
and for the features that break closures: a conservation law with a dimer, bistability,
a binary gene state, a bimolecular sink and an enzyme shared by few substrates.
Nobody tuned the rates to any closure; they set time scales of order one.  Rates are in
1/time with the propensities k Π_s (n_s)_{r_s} of the SSA and the master equation.

>>> case = CLOSURE_CASES["dimerisation"]()
>>> case.net.species, case.initial
(('A', 'B'), (10, 0))
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dynboltz.symbolic.wellmixed import WellMixed

__all__ = ["ClosureCase", "CLOSURE_CASES"]


@dataclass(frozen=True)
class ClosureCase:
    """A network with the rates, start and output times it is measured at.

    Attributes
    ----------
    name : str
    net : WellMixed
    rates : dict of str to float
    initial : tuple of int
        Counts at t = 0, in ``net.species`` order.
    times : numpy.ndarray, shape (T,)
        Output times, from 0.
    description : str
    """

    name: str
    net: WellMixed
    rates: dict
    initial: tuple
    times: np.ndarray
    description: str


def _dimerisation():
    return ClosureCase(
        "dimerisation", WellMixed({"bind": "2 A -> B", "unbind": "B -> 2 A"}),
        {"bind": 0.1, "unbind": 1.0}, (10, 0), np.linspace(0.0, 4.0, 21),
        "2A ⇌ B, ten A molecules (n_A + 2 n_B = 10)")


def _schlogl():
    # deterministic fixed points near 5 (stable), 15 (unstable), 35 (stable)
    return ClosureCase(
        "schlogl", WellMixed({"autocatalysis": "2 A -> 3 A", "reverse": "3 A -> 2 A",
                              "inflow": "0 -> A", "decay": "A -> 0"}),
        {"autocatalysis": 0.1375, "reverse": 0.0025, "inflow": 6.5625, "decay": 1.9375},
        (10,), np.linspace(0.0, 10.0, 21),
        "Schlögl: 2A → 3A, 3A → 2A, ∅ → A, A → ∅; bistable, started between the modes")


def _gene_feedback():
    return ClosureCase(
        "gene_feedback", WellMixed({"express": "G -> G + P", "degrade": "P -> 0",
                                    "bind": "G + P -> Gb", "unbind": "Gb -> G + P"},
                                   species=("G", "Gb", "P")),
        {"express": 10.0, "degrade": 1.0, "bind": 0.5, "unbind": 1.0}, (1, 0, 0),
        np.linspace(0.0, 8.0, 21),
        "one gene G expressing P; P binds the gene and represses it (G + Gb = 1)")


def _annihilation():
    return ClosureCase(
        "annihilation", WellMixed({"inflow_A": "0 -> A", "inflow_B": "0 -> B",
                                   "annihilate": "A + B -> 0", "decay_A": "A -> 0",
                                   "decay_B": "B -> 0"}),
        {"inflow_A": 5.0, "inflow_B": 4.0, "annihilate": 0.5, "decay_A": 0.2, "decay_B": 0.2},
        (0, 0), np.linspace(0.0, 6.0, 21),
        "A + B → ∅ with inflows of A and B and slow decay of each")


def _michaelis_menten():
    return ClosureCase(
        "michaelis_menten", WellMixed({"bind": "S + E -> C", "unbind": "C -> S + E",
                                       "catalyse": "C -> E + P"},
                                      species=("S", "E", "C", "P")),
        {"bind": 0.2, "unbind": 0.5, "catalyse": 1.0}, (20, 3, 0, 0),
        np.linspace(0.0, 15.0, 21),
        "S + E ⇌ C → E + P by elementary steps, 20 substrates, 3 enzymes")


CLOSURE_CASES: dict[str, Callable[[], ClosureCase]] = {
    "dimerisation": _dimerisation,
    "schlogl": _schlogl,
    "gene_feedback": _gene_feedback,
    "annihilation": _annihilation,
    "michaelis_menten": _michaelis_menten,
}
"""name -> function returning the :class:`ClosureCase` (built on call: sympy objects)."""
