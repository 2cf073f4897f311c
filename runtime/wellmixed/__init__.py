"""Well-mixed networks at run time: exact Gillespie simulation and Algorithm 1.

``simulate`` (SSA, paper Sec. II D) and ``learn_basis`` (Algorithm 1: basis functions F on a grid).
"""
from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningResult,
                                                      BasisLearningSettings, learn_basis)
from dynboltz.runtime.wellmixed.ssa import simulate

__all__ = ["simulate", "learn_basis", "BasisLearningSettings", "BasisLearningResult"]
