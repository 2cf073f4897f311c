"""Symbolic layer of dynboltz: reactions, Doi–Peliti moment equations, MaxEnt closure.

Never imports ``dynboltz.codegen`` or ``dynboltz.runtime`` (one-way data flow).
"""
from dynboltz.symbolic.reactions import Reaction
from dynboltz.symbolic.reactions import parse_reaction
from dynboltz.symbolic.doi_peliti import DoiPelitiOperator
from dynboltz.symbolic.wellmixed import WellMixed
from dynboltz.symbolic.lattice.motif import LatticeMotif
