"""Moment closures by name: each supplies the raw moments above the truncation order.

``CLOSURES`` (a `dynboltz.registry.Registry`) maps a name to a class constructed as ``cls(lattice, order, known_indices,
raw_indices)`` with a :class:`CountLattice`, the truncation order K, the multi-indices of
the known raw moments (every 1 ≤ |j| ≤ K) and those wanted; its
``raw_moments(known_raw)`` returns the wanted raw moments, its ``info`` dict reports on
the work done and its ``orders`` attribute lists the orders it supports (None: all).  A new
closure is a new class in this registry and nothing else changes.  A class with
``on_lattice = True`` reads only the free species of the lattice; the integrator then
rebuilds the dependent species' moments from the conservation laws at every step.
"""
from dynboltz.registry import Registry
from dynboltz.runtime.wellmixed.moment_closures.classical import (DerivativeMatchingClosure,
                                                                  LogNormalClosure,
                                                                  NormalClosure,
                                                                  PoissonClosure)
from dynboltz.runtime.wellmixed.moment_closures.count_lattice import CountLattice, count_lattice
from dynboltz.runtime.wellmixed.moment_closures.maxent import MaxEntClosure

__all__ = ["CLOSURES", "CountLattice", "count_lattice", "MaxEntClosure", "NormalClosure",
           "PoissonClosure", "LogNormalClosure", "DerivativeMatchingClosure"]

CLOSURES = Registry("moment closure", {
    cls.name: cls for cls in (MaxEntClosure, NormalClosure, LogNormalClosure,
                              PoissonClosure, DerivativeMatchingClosure)})
"""name -> closure class (an unknown name is refused with the valid ones listed)."""
