"""dynboltz.runtime: simulation, sampling, inverse Ising and learning; no sympy on any hot path.

Subpackages by task: ``wellmixed`` (SSA, Algorithm 1), ``lattice`` (geometries: KMC,
sampling, inverse maps), ``learning`` (Algorithm 2), ``continuous`` (continuous space),
``cli`` (the ``dynboltz`` command and the tools for a user's own motif), ``paper`` (one
module per experiment of the paper, with its figure), ``common`` (what they share).  Importing this package imports nothing else.
"""
