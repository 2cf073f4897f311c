"""Well-mixed networks at run time: exact Gillespie simulation, the master equation, Algorithm 1.

``simulate`` (SSA, paper Sec. II D; a ``WellMixedEnsemble`` of counts), ``simulate_kinetics`` (SSA with compiled kinetic
laws and events, for SBML models), ``solve_cme`` (the master equation by finite state
projection), ``integrate_moments`` (closed moment equations, MaxEnt or classical closures)
and ``learn_basis`` (Algorithm 1: basis functions F on a grid).
"""
from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningResult,
                                                      BasisLearningSettings, learn_basis)
from dynboltz.runtime.wellmixed.cme import solve_cme
from dynboltz.runtime.wellmixed.kinetic_ssa import simulate_kinetics
from dynboltz.runtime.wellmixed.moment_integration import integrate_moments
from dynboltz.runtime.wellmixed.moment_results import MasterEquationSolution, MomentTrajectory
from dynboltz.runtime.wellmixed.ssa import simulate
from dynboltz.runtime.wellmixed.ssa_ensemble import WellMixedEnsemble

__all__ = ["simulate", "simulate_kinetics", "WellMixedEnsemble", "solve_cme", "integrate_moments", "learn_basis",
           "BasisLearningSettings", "BasisLearningResult", "MomentTrajectory", "MasterEquationSolution"]
