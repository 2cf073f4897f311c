"""dynboltz.runtime: simulation, sampling, inverse Ising and learning; no sympy on any hot path.

Subpackages by task: ``wellmixed`` (SSA, Algorithm 1), ``lattice`` (KMC, sampling, inverse
Ising), ``learning`` (Algorithm 2), ``experiments`` (the paper's runs, figures, the CLI),
``common`` (what they share).  Importing this package imports nothing else.
"""
