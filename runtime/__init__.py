"""dynboltz.runtime: compiled simulation and learning; never imports sympy on a hot path.

Public entry points, by task:

* well-mixed networks: :mod:`dynboltz.runtime.wellmixed.ssa` (``simulate``, Gillespie SSA;
  ``learn_basis``, Algorithm 1);
* lattices: :mod:`dynboltz.runtime.lattice.simulation` (``simulate``, exact KMC or the paper's
  scheme over ensembles; ``sample``, exact or Gibbs Boltzmann-chain samples;
  ``fit_parameters``, inverse Ising);
* learning lattice dynamics: :mod:`dynboltz.runtime.learning.rate_learning` (``integrate``, eq. 52 with
  the sensitivities of eq. 54; ``learn_rates``, Algorithm 2);
* the paper's experiments and figures: :mod:`dynboltz.runtime.experiments.barw`,
  :mod:`dynboltz.runtime.experiments.wellmixed_figures`, :mod:`dynboltz.runtime.experiments.lattice_figures`,
  :mod:`dynboltz.runtime.experiments.learning_figures`, and the ``dynboltz`` command
  (:mod:`dynboltz.runtime.experiments.cli`).

Importing this package imports nothing else.
"""
