"""1D lattices at run time: exact KMC and the paper's scheme, Boltzmann-chain sampling, inverse Ising.

``simulate`` (ensembles of replicates), ``sample`` (exact or Gibbs), ``fit_parameters`` (moments → x).
"""
from dynboltz.runtime.common.ensemble import Ensemble, load_ensemble
from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters
from dynboltz.runtime.lattice.simulation import SCHEMES, simulate

__all__ = ["simulate", "sample", "fit_parameters", "Ensemble", "load_ensemble", "SCHEMES"]
