"""Well-mixed networks at run time: exact Gillespie simulation and Algorithm 1.

``simulate`` (SSA, paper Sec. II D), ``simulate_kinetics`` (SSA with compiled kinetic
laws and events, for SBML models) and ``learn_basis`` (Algorithm 1: basis functions F on a grid).
"""
from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningResult,
                                                      BasisLearningSettings, learn_basis)
from dynboltz.runtime.wellmixed.kinetic_ssa import simulate_kinetics
from dynboltz.runtime.wellmixed.ssa import simulate

__all__ = ["simulate", "simulate_kinetics", "learn_basis", "BasisLearningSettings", "BasisLearningResult"]
