"""Runtime tools every task shares: argument checks, checkpoints, quadrature, ensembles.

Plain numpy; the xoshiro256** generator for compiled code is ``xoshiro.pxd`` here.
"""
from dynboltz.runtime.common.ensemble import Ensemble, load_ensemble
from dynboltz.runtime.common.validation import SeedLike

__all__ = ["Ensemble", "load_ensemble", "SeedLike"]
