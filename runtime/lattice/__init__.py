"""Lattices at run time: ensembles of simulations, samples, inverse maps, in any geometry.

``simulate`` (ensembles of replicates), ``sample`` (configurations of the closure
distribution), ``fit_parameters`` (moments → x) dispatch through the registries
``GEOMETRIES`` and ``CLOSURES``; the periodic 1D ring is the ``chain`` subpackage.
"""
from dynboltz.runtime.common.ensemble import Ensemble, load_ensemble
from dynboltz.runtime.lattice.closures import CLOSURES
from dynboltz.runtime.lattice.geometries import GEOMETRIES
from dynboltz.runtime.lattice.simulation import fit_parameters, sample, simulate

__all__ = ["simulate", "sample", "fit_parameters", "Ensemble", "load_ensemble", "GEOMETRIES",
           "CLOSURES"]
