"""Moment closures by name: each supplies the raw moments above order two from μ and C.

``CLOSURES`` maps a name to a class constructed as ``cls(lattice, raw_indices)`` with a
:class:`CountLattice` and the raw multi-indices wanted; its ``raw_moments(mean,
covariance)`` returns them and its ``info`` dict reports on the work done.  A new
closure is a new class in this registry and nothing else changes.  A class with
``on_lattice = True`` reads only the free species of the lattice; the integrator then
rebuilds the dependent species' moments from the conservation laws at every step.
"""
from dynboltz.runtime.wellmixed.moment_closures.classical import (DerivativeMatchingClosure,
                                                                  LogNormalClosure,
                                                                  NormalClosure,
                                                                  PoissonClosure)
from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice, count_lattice
from dynboltz.runtime.wellmixed.moment_closures.maxent import MaxEntClosure

__all__ = ["CLOSURES", "CountLattice", "count_lattice", "MaxEntClosure", "NormalClosure",
           "PoissonClosure", "LogNormalClosure", "DerivativeMatchingClosure"]

CLOSURES = {cls.name: cls for cls in (MaxEntClosure, NormalClosure, LogNormalClosure,
                                      PoissonClosure, DerivativeMatchingClosure)}
"""name -> closure class."""
