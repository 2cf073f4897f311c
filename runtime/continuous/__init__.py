"""Continuous 1D space: branching Brownian particles, density estimates, eq. 42 with its A15 sensitivities.

``simulate_particles``, ``estimate_density``, ``integrate_pde`` and ``learn_spatial_basis`` (Algorithm 1 with spatial axes).
"""
from dynboltz.runtime.continuous.density import DensityEstimate, estimate_density
from dynboltz.runtime.continuous.domain import BOUNDARIES, Domain
from dynboltz.runtime.continuous.particles import ParticleEnsemble, simulate_particles
from dynboltz.runtime.continuous.pde import PDETrajectory, integrate_pde
from dynboltz.runtime.continuous.spatial_learning import (SpatialLearningResult,
                                                          SpatialLearningSettings,
                                                          learn_spatial_basis)

__all__ = ["simulate_particles", "ParticleEnsemble", "estimate_density", "DensityEstimate",
           "Domain", "BOUNDARIES", "integrate_pde", "PDETrajectory", "learn_spatial_basis",
           "SpatialLearningSettings", "SpatialLearningResult"]
