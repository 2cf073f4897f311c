"""dynboltz.runtime: compiled simulation and learning; never imports sympy on a hot path.

Public entry points, by task:

* well-mixed networks: :mod:`dynboltz.runtime.wellmixed` (``simulate``, Gillespie SSA;
  ``learn_basis``, Algorithm 1);
* lattices: :mod:`dynboltz.runtime.lattice` (``simulate``, exact KMC or the paper's
  scheme over ensembles; ``sample``, exact or Gibbs Boltzmann-chain samples;
  ``fit_parameters``, inverse Ising);
* learning lattice dynamics: :mod:`dynboltz.runtime.learning` (``integrate``, eq. 52 with
  the sensitivities of eq. 54; ``learn_rates``, Algorithm 2);
* the paper's experiments and figures: :mod:`dynboltz.runtime.barw_experiment`,
  :mod:`dynboltz.runtime.figures`, :mod:`dynboltz.runtime.lattice_figures`,
  :mod:`dynboltz.runtime.learning_figures`, and the ``dynboltz`` command
  (:mod:`dynboltz.runtime.cli`).

Importing this package imports nothing else.
"""
