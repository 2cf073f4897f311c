"""dynboltz: chemical reaction motifs to compiled reduced models (dynamic Boltzmann distributions).

Layers, each a subpackage, with data flowing one way:

* :mod:`dynboltz.symbolic` — reactions and lattice rules, moment equations, MaxEnt closure,
  basis functions (sympy);
* :mod:`dynboltz.codegen` — Cython source from those expressions, compiled and cached;
* :mod:`dynboltz.generated` — the committed, compiled built-in motif library;
* :mod:`dynboltz.runtime` — simulation, sampling, inverse Ising, learning (Algorithms 1
  and 2), the paper's experiments and the ``dynboltz`` command.

The modules at this level (:mod:`dynboltz.lattice_layout`, :mod:`dynboltz.messages`,
:mod:`dynboltz.atomic_files`) are the facts and tools every layer shares; they import
nothing but the standard library and numpy.  Importing ``dynboltz`` loads nothing else.
"""
__version__ = "0.1.0"
