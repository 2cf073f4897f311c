"""Results of the well-mixed moment computations: closed moment equations and the CME.

Both are :class:`~dynboltz.runtime.common.results.Trajectory` objects (the family of
every integrator's result) that also carry the mean and covariance of the counts, so
a closure and the exact master equation are compared field by field.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.common.results import Trajectory

__all__ = ["MomentTrajectory", "MasterEquationSolution"]


@dataclass(repr=False, kw_only=True)
class MomentTrajectory(Trajectory):
    """Means and covariances of the species counts on recorded times.

    Attributes
    ----------
    times : ndarray, shape (T,)
    x : ndarray, shape (T, L)
        The integrated state: for a closure, the factorial moments
        ⟨Π_s (n_s)_{m_s}⟩ of total order 1..order in ``moment_indices`` order; for the
        master equation, the probabilities of the projected states.
    sensitivities : None
    method : str
        The closure's name, or ``"fsp"`` for the master equation.
    info : dict
        Integrator statistics (see the function that made the result).
    species : tuple of str
        Species order of the last axes below.
    mean : ndarray, shape (T, S)
        ⟨n_s⟩ (counts).
    covariance : ndarray, shape (T, S, S)
        ⟨n_s n_t⟩ − ⟨n_s⟩⟨n_t⟩ (counts²).
    indices : ndarray of int64, shape (L, S), or None
        For a closure, the multi-index m of each column of ``x``; None otherwise.
    """

    species: tuple[str, ...]
    mean: np.ndarray
    covariance: np.ndarray
    indices: np.ndarray | None = None

    @property
    def variance(self) -> np.ndarray:
        """Diagonal of ``covariance``, shape (T, S)."""
        return np.diagonal(self.covariance, axis1=1, axis2=2).copy()


@dataclass(repr=False, kw_only=True)
class MasterEquationSolution(MomentTrajectory):
    """The chemical master equation solved on a finite state projection.

    Attributes
    ----------
    x : ndarray, shape (T, M)
        p(n, t) of the M projected states (not renormalised; sums to 1 − lost mass).
    states : ndarray of int64, shape (M, S)
        The projected states (counts), every one reachable from the initial state.
    lost_mass : ndarray, shape (T,)
        1 − Σ_n p(n, t): the probability that left the projection by time t, an upper
        bound on the error of every probability (finite state projection theorem).
    bounds : ndarray of int64, shape (S,)
        Largest count of each species in the projection.

    ``mean`` and ``covariance`` are those of p conditioned on the projection
    (p / Σ p).
    """

    states: np.ndarray
    lost_mass: np.ndarray
    bounds: np.ndarray
