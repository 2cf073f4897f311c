"""Mean field: the lattice rules as well-mixed mass action at the same rates.

Sites are taken independent, Q(c, d) = µ_c µ_d: a site rule a → a′ at rate w moves w µ_a
per site, a bond rule (a, b) → (a′, b′) fires z w µ_a µ_b times per site (z ordered pairs
start at every site).  The bond moments follow from the site fractions,
∆_cd = z µ_c µ_d (c ≠ d) and (z/2) µ_c².  This is the rate equation a well-mixed
reaction network with the same stoichiometry and rates would give per site.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.lattice.bonds.pair_dynamics import (ClusterTrajectory,
                                                          comparator_inputs,
                                                          integrate_pairs)

__all__ = ["mean_field", "mean_field_rhs"]


def mean_field_rhs(mu: np.ndarray, rule_table, theta: np.ndarray, coordination: int
                   ) -> np.ndarray:
    """dµ/dt (S+1,) over every code (0 = empty) of the mean-field equations."""
    dmu = np.zeros_like(mu)
    for rate, rules in zip(theta, rule_table):
        for lhs, rhs, weight in rules:
            flux = rate * weight * np.prod(mu[lhs]) * (coordination if len(lhs) == 2 else 1)
            np.subtract.at(dmu, lhs, flux)
            np.add.at(dmu, rhs, flux)
    return dmu


@public
def mean_field(model: object, rates: Mapping[str, float] | ArrayLike, moments0: ArrayLike,
               times: ArrayLike) -> ClusterTrajectory:
    """Moments of the mean-field equations of ``model`` at ``rates`` from ``moments0``.

    Parameters
    ----------
    model : LatticeMotif or MotifLibrary
    rates : dict of str -> float, or array_like, shape (P,)
    moments0 : array_like, shape (L,)
        Per-site moments at ``times[0]``; only the site fractions µ are used.
    times : array_like, shape (T,)

    Returns
    -------
    ClusterTrajectory
        ``pairs`` = µ µᵀ at every time.
    """
    rules, theta, q0, times, z = comparator_inputs(model, rates, moments0, times,
                                                   "mean_field")
    mu0 = q0.sum(axis=1)

    def rhs(q):
        mu = q.sum(axis=1)
        dmu = mean_field_rhs(mu, rules, theta, z)
        return np.outer(dmu, mu) + np.outer(mu, dmu)
    return integrate_pairs(rhs, np.outer(mu0, mu0), times, z, "mean_field")
