"""Classical cluster closures of lattice rules: the state, its moments, the integrator.

The classical comparators of the learned reduced model close the exact moment equations
of a motif on a lattice of coordination z (``bond_moments``) at the level of sites
(`mean_field`) or of nearest-neighbour pairs (`pair_approximation`).  Both carry the
ordered-pair distribution Q[c, d] = P(s_i = c, s_{i+e} = d) averaged over sites and
directions, over every code 0..S (0 = empty), symmetric with Σ Q = 1; the per-site moments
are µ_c = Σ_d Q[c, d], ∆_cc = (z/2) Q[c, c] and ∆_cd = z Q[c, d] (c ≠ d: both orders),
which `pair_matrix` inverts.  Each comparator is a right-hand side dQ/dt(Q) integrated
here by scipy's DOP853.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp

from dynboltz.errors import IntegrationError
from dynboltz.lattice_layout import bond_pairs, n_params
from dynboltz.lattices import LATTICES
from dynboltz.registry import Registry
from dynboltz.runtime.common.results import ShortRepr
from dynboltz.runtime.common.validation import check_real, invalid, rate_vector
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["ClusterTrajectory", "CLASSICAL_CLOSURES", "pair_matrix", "pair_moments",
           "integrate_pairs"]

CLASSICAL_CLOSURES = Registry("classical closure", {
    "mean_field": "dynboltz.runtime.lattice.bonds.mean_field:mean_field",
    "pair_approximation":
        "dynboltz.runtime.lattice.bonds.pair_approximation:pair_approximation",
})
"""Classical comparators by name; each is called ``(model, rates, moments0, times)``."""


@dataclass(repr=False)
class ClusterTrajectory(ShortRepr):
    """Moments of a classical closure on the requested times.

    Attributes
    ----------
    times : ndarray, shape (T,)
    moments : ndarray, shape (T, L)
        Per site, in moment order.
    pairs : ndarray, shape (T, S + 1, S + 1)
        The ordered-pair distribution Q(t).
    method : str
        The closure's name.
    """

    times: np.ndarray
    moments: np.ndarray
    pairs: np.ndarray
    method: str


def pair_matrix(moments: np.ndarray, n_species: int, coordination: int) -> np.ndarray:
    """Q (S+1, S+1) of moments (L,): the inverse of `pair_moments`."""
    q = np.zeros((n_species + 1, n_species + 1))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        q[a, b] = q[b, a] = moments[n_species + k] * (2.0 if a == b else 1.0) / coordination
    mu = np.concatenate([[1.0 - moments[:n_species].sum()], moments[:n_species]])
    q[1:, 0] = q[0, 1:] = mu[1:] - q[1:, 1:].sum(axis=1)
    q[0, 0] = mu[0] - q[0, 1:].sum()
    return q


def pair_moments(q: np.ndarray, coordination: int) -> np.ndarray:
    """Moments (L,) of Q (S+1, S+1) or (T, L) of (T, S+1, S+1)."""
    q = np.asarray(q)
    n_species = q.shape[-1] - 1
    mu = q[..., 1:, :].sum(axis=-1)
    bonds = [q[..., a, b] * (coordination / 2 if a == b else coordination)
             for a, b in bond_pairs(n_species)]
    return np.concatenate([mu, np.stack(bonds, axis=-1)], axis=-1)


def comparator_inputs(model: object, rates: Mapping[str, float] | ArrayLike,
                      moments0: ArrayLike, times: ArrayLike, function: str):
    """Checked (rule table, θ (P,), Q0, times, z) of a classical comparator."""
    n_species = check_lattice_model(model, function, needs=("rule_table", "process_names"))
    lattice = LATTICES.lookup(getattr(model, "geometry", "chain"), "model.geometry", function)
    names = tuple(model.process_names)
    if isinstance(rates, Mapping):
        theta = rate_vector(rates, names, function)
    else:
        theta = np.asarray(rates, dtype=np.float64)
        if theta.shape != (len(names),):
            raise invalid("rates", function, f"a mapping or an array of {len(names)} rates",
                          rates)
        theta = np.array([check_real(v, f"rates[{k}]", function, 0.0)
                          for k, v in enumerate(theta)])
    m0 = np.asarray(moments0, dtype=np.float64)
    if m0.shape != (n_params(n_species),) or not np.all(np.isfinite(m0)):
        raise invalid("moments0", function, f"finite moments of shape "
                      f"({n_params(n_species)},)", moments0)
    q0 = pair_matrix(m0, n_species, lattice.coordination)
    if np.any(q0 < -1e-12):
        raise invalid("moments0", function, "moments of a pair distribution (every "
                      "site and bond fraction >= 0)", m0.tolist())
    times = np.asarray(times, dtype=np.float64)
    if times.ndim != 1 or times.size < 1 or not np.all(np.isfinite(times)) \
            or np.any(np.diff(times) <= 0):
        raise invalid("times", function, "a 1-D finite strictly increasing array", times)
    return model.rule_table(), theta, q0, times, lattice.coordination


def integrate_pairs(rhs: Callable[[np.ndarray], np.ndarray], q0: np.ndarray,
                    times: np.ndarray, coordination: int, method: str,
                    rtol: float = 1e-10, atol: float = 1e-12) -> ClusterTrajectory:
    """Integrate dQ/dt = rhs(Q) by DOP853 and report Q and the moments at ``times``."""
    shape = q0.shape
    if times.size == 1:
        return ClusterTrajectory(times, pair_moments(q0[None], coordination), q0[None],
                                 method)
    solution = solve_ivp(lambda _, q: rhs(q.reshape(shape)).ravel(), (times[0], times[-1]),
                         q0.ravel(), method="DOP853", t_eval=times, rtol=rtol, atol=atol)
    if not solution.success:
        raise IntegrationError(f"the {method} equations failed: {solution.message}")
    pairs = solution.y.T.reshape((times.size,) + shape)
    return ClusterTrajectory(times, pair_moments(pairs, coordination), pairs, method)
