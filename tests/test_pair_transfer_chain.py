"""The ring with next-nearest couplings (`dynboltz.pair_transfer_chain`) against exact routes.

Exact enumeration of small rings (the partition function equals the pair transfer
matrix's trace at the same N; the thermodynamic-limit moments approach the finite ring's
as N grows), the nearest-neighbour chain at J2 = 0, and central differences for every
analytic derivative (moments = ∇ ln λ₊, Hessian = ∇ moments, ∇ Hessian, ∇ P(cluster)).
"""
import itertools

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.pair_transfer_chain import (PairChain, moment_names, n_params, parameter_names,
                                          triple_statistics, _coupling_matrices)


def _ring(x, n_species, n_sites):
    """(ln Z / N, per-site moments) of the ring by enumerating every configuration."""
    g = triple_statistics(n_species)
    confs = np.array(list(itertools.product(range(n_species + 1), repeat=n_sites)))
    left, right = np.roll(confs, 1, axis=1), np.roll(confs, -1, axis=1)
    stats = g[:, left, confs, right].sum(axis=-1).T            # (configs, L2)
    energy = stats @ x
    top = energy.max()
    weight = np.exp(energy - top)
    return ((np.log(weight.sum()) + top) / n_sites,
            weight @ stats / weight.sum() / n_sites)


def _trace(x, n_species, n_sites):
    n = n_species + 1
    h, j1, j2 = _coupling_matrices(x, n_species)
    w = (0.25 * (h[:, None, None] + h[None, None, :]) + 0.5 * h[None, :, None]
         + 0.5 * (j1[:, :, None] + j1[None, :, :]) + j2[:, None, :])
    t = np.zeros((n, n, n, n))
    for b in range(n):
        t[:, b, b, :] = np.exp(w[:, b, :])
    return np.log(np.trace(np.linalg.matrix_power(t.reshape(n * n, n * n), n_sites))) / n_sites


@pytest.mark.parametrize("n_species,n_sites", [(1, 10), (2, 7)])
def test_ring_trace_equals_enumeration(n_species, n_sites):
    x = np.random.default_rng(0).normal(0.0, 0.7, n_params(n_species))
    exact, _ = _ring(x, n_species, n_sites)
    assert _trace(x, n_species, n_sites) == pytest.approx(exact, rel=1e-13)


def test_moments_approach_the_finite_ring():
    x = np.array([0.4, -0.5, 0.3])
    chain = PairChain(x, 1)
    errors = [np.abs(_ring(x, 1, n)[1] - chain.moments).max() for n in (6, 9, 12)]
    assert errors[2] < 1e-4
    assert errors[0] > errors[1] > errors[2]
    _, log_z = PairChain(x, 1).log_eigenvalue, _ring(x, 1, 12)[0]
    assert chain.log_eigenvalue == pytest.approx(log_z, abs=1e-4)


def test_layout_extends_the_chain():
    assert parameter_names(["A", "B"]) == ("h_A", "h_B", "J_AA", "J_AB", "J_BB",
                                            "J2_AA", "J2_AB", "J2_BB")
    assert moment_names(["A"]) == ("mu_A", "Delta_AA", "Delta2_AA")
    assert n_params(3) == 3 + 12


@pytest.mark.parametrize("x", [[0.7, -0.4], [-1.5, 2.0]])
def test_nearest_neighbour_chain_at_zero_second_coupling(x):
    chain = PairChain(np.array(x + [0.0]), 1)
    np.testing.assert_allclose(chain.moments[:2], library.barw.moments(np.array(x)),
                               rtol=1e-11)
    np.testing.assert_allclose(chain.hessian()[:2, :2], library.barw.hessian(np.array(x)),
                               rtol=1e-9, atol=1e-12)
    # First-order Markov: P(s_0 = A, s_2 = A) = Σ_b P(A, b) P(b → A).
    pair = chain.pair
    step = pair / pair.sum(axis=1, keepdims=True)
    assert chain.moments[2] == pytest.approx((pair @ step)[1, 1], rel=1e-11)


def _central(f, x, eps=1e-5):
    columns = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = eps
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("n_species", [1, 2])
def test_derivatives_against_central_differences(n_species):
    x = np.random.default_rng(n_species).normal(0.0, 0.8, n_params(n_species))
    chain = PairChain(x, n_species)
    np.testing.assert_allclose(_central(lambda y: PairChain(y, n_species).log_eigenvalue, x),
                               chain.moments, atol=1e-8)
    hessian = chain.hessian()
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-13)
    np.testing.assert_allclose(_central(lambda y: PairChain(y, n_species).moments, x),
                               hessian, atol=1e-8)
    np.testing.assert_allclose(_central(lambda y: PairChain(y, n_species).hessian(), x),
                               chain.hessian_derivative(), atol=1e-8)
    for codes in [(1,), (0, 1), (n_species, 0, 1), (1, 1, 0, n_species)]:
        np.testing.assert_allclose(
            _central(lambda y: PairChain(y, n_species).cluster_probability(codes), x),
            chain.cluster_gradient(codes), atol=1e-9)
