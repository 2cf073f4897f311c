"""The classical pair approximation of site and bond rules on a lattice.

The ecologists' pair approximation (Matsuda, Ogita, Sasaki & Sato, Prog. Theor. Phys. 88,
1035 (1992); Sato, Matsuda & Sasaki, J. Math. Biol. 32, 251 (1994); Ellner, Sasaki,
Haraguchi & Matsuda, J. Math. Biol. 36, 469 (1998)): the exact equations of the
ordered-pair distribution Q (``pair_dynamics``) close the three-site clusters they
contain, in a line or at a corner alike, by the Markov (tree) factorisation
P(c, a, b) ≈ Q(c, a) Q(a, b) / µ_a.  A site rule a → a′ at rate w changes the z pairs
of its site, which is exact; a bond rule (a, b) → (a′, b′) fires on each ordered pair at
w Q(a, b) and changes the pair itself and the z − 1 other pairs of each end, whose far
sites hold c with probability Q(a, c)/µ_a (resp. Q(b, c)/µ_b).  For site-only motifs
the equations are exact; the contact process has its threshold at λ_c = z/(z − 1)
(4/3 on the square lattice; docs/learning_2d.md derives it).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.lattice.bonds.pair_dynamics import (ClusterTrajectory,
                                                          comparator_inputs,
                                                          integrate_pairs)

__all__ = ["pair_approximation", "pair_rhs"]


def _move(dq, a, new, vector):
    """Pairs with a at one end move that end to ``new``: weights ``vector`` (S+1,)."""
    if a == new:
        return
    dq[a, :] -= vector
    dq[:, a] -= vector
    dq[new, :] += vector
    dq[:, new] += vector


def pair_rhs(q: np.ndarray, rule_table, theta: np.ndarray, coordination: int
             ) -> np.ndarray:
    """dQ/dt (S+1, S+1) of the pair approximation at Q (S+1, S+1).

    Parameters
    ----------
    q : ndarray, shape (S + 1, S + 1)
        Ordered-pair distribution.
    rule_table : tuple
        ``model.rule_table()``: per process, ``(lhs, rhs, weight)`` of one or two sites.
    theta : ndarray, shape (P,)
        Rates, per unit time.
    coordination : int
        z.
    """
    dq = np.zeros_like(q)
    mu = q.sum(axis=1)
    conditional = np.divide(q, mu[:, None], out=np.zeros_like(q), where=mu[:, None] > 0)
    for rate, rules in zip(theta, rule_table):
        for lhs, rhs, weight in rules:
            w = rate * weight
            if len(lhs) == 1:
                _move(dq, lhs[0], rhs[0], w * q[lhs[0], :])
                continue
            (a, b), (a_new, b_new) = lhs, rhs
            r = w * q[a, b]
            if r == 0.0:
                continue
            dq[a, b] -= r
            dq[b, a] -= r
            dq[a_new, b_new] += r
            dq[b_new, a_new] += r
            _move(dq, a, a_new, (coordination - 1) * r * conditional[a])
            _move(dq, b, b_new, (coordination - 1) * r * conditional[b])
    return dq


@public
def pair_approximation(model: object, rates: Mapping[str, float] | ArrayLike,
                       moments0: ArrayLike, times: ArrayLike) -> ClusterTrajectory:
    """Moments of the pair approximation of ``model`` at ``rates`` from ``moments0``.

    Parameters
    ----------
    model : LatticeMotif or MotifLibrary
        Its rules (``rule_table``), processes and lattice (``geometry``: z).
    rates : dict of str -> float, or array_like, shape (P,)
        θ per process, per unit time.
    moments0 : array_like, shape (L,)
        Per-site moments at ``times[0]`` (µ, ∆ in moment order).
    times : array_like, shape (T,)
        Increasing output times.

    Returns
    -------
    ClusterTrajectory
        ``moments`` (T, L) and the pair distribution.

    Raises
    ------
    ValueError, TypeError
        Invalid arguments.
    IntegrationError
        scipy's integrator failed.
    """
    rules, theta, q0, times, z = comparator_inputs(model, rates, moments0, times,
                                                   "pair_approximation")
    return integrate_pairs(lambda q: pair_rhs(q, rules, theta, z), q0, times, z,
                           "pair_approximation")
