"""Numerical cluster closures of square and cubic lattices, shared by every layer.

A closure of a lattice with coordination z > 2 needs the probabilities of four kinds of
cluster (a site, a nearest-neighbour pair, three sites in a line, a corner) as functions
of the Boltzmann parameters x; the exact moment equations
(`dynboltz.symbolic.lattice.bond_moments`) are linear in them.  Each engine here is plain
numpy/scipy (no sympy, no codegen, no runtime), so generated modules and the runtime can
both use it:

* :mod:`dynboltz.cluster_closures.library` — `ClusterProbabilities` and `build_library`,
  which turns an engine and a table of moment-equation coefficients into the callables of
  a `dynboltz.motif_library.MotifLibrary`;
* :mod:`dynboltz.cluster_closures.strip` — `StripEngine`, the transfer matrix of an
  infinite square-lattice cylinder of width W;
* :mod:`dynboltz.cluster_closures.plaquette` — `PlaquetteEngine`, Kikuchi's square
  cluster variation method (the 2×2 plaquette as the largest cluster), and
  :mod:`dynboltz.cluster_closures.cube` — `CubeEngine`, its simple-cubic analogue, both
  on the shared solver :mod:`dynboltz.cluster_closures.cvm`;
* :mod:`dynboltz.cluster_closures.gibbs` — `GibbsEngine`, Monte Carlo averages over
  Boltzmann samples of a periodic square or cubic torus (the general fallback), which
  draws its samples through a registry of configuration sources (the runtime's compiled
  heat-bath chain, named by string and imported on first use).
"""
