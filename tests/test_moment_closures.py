"""Moment closures and their algebra against exact enumeration and closed forms."""
import itertools
import math

import numpy as np
import pytest
from scipy import stats

from dynboltz.runtime.wellmixed.moment_closures import (CLOSURES, MaxEntClosure,
                                                        count_lattice)
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import (
    FactorialConversion, raw_from_cumulants, set_partitions, stirling_first)

UNBOUNDED_2D = count_lattice(np.array([[1, 0], [0, 1], [-1, -1]]), np.array([0, 0]))


def test_stirling_numbers_expand_the_falling_factorial():
    n = np.arange(12.0)
    for m in range(6):
        expanded = sum(stirling_first(m, k) * n ** k for k in range(m + 1))
        falling = np.ones_like(n)
        for i in range(m):
            falling *= n - i
        assert np.array_equal(expanded, falling)


def test_set_partitions_are_counted_by_bell_numbers():
    assert [len(set_partitions(n)) for n in range(7)] == [1, 1, 2, 5, 15, 52, 203]


def test_factorial_moments_of_independent_poissons_are_powers_of_the_means():
    # Poisson: every cumulant equals the mean, and ⟨(n)_m⟩ = μ^m
    mean = np.array([1.7, 0.4])
    indices = np.array([[3, 0], [2, 1], [1, 2], [0, 4], [2, 2]])
    conversion = FactorialConversion(indices)
    poisson = CLOSURES["poisson"](UNBOUNDED_2D, conversion.raw_indices)
    phi = conversion(mean, np.diag(mean), poisson.raw_moments(mean, np.diag(mean)))
    assert np.allclose(phi, np.prod(mean ** indices, axis=1), rtol=1e-13)


def test_normal_closure_gives_isserlis_moments():
    mean = np.array([1.5, -0.5])
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    closure = CLOSURES["normal"](UNBOUNDED_2D, [(3, 0), (2, 1), (2, 2), (4, 0)])
    m1, m2 = mean
    v1, v2, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = [m1 ** 3 + 3 * m1 * v1,
             m1 ** 2 * m2 + v1 * m2 + 2 * c * m1,
             (m1 ** 2 + v1) * (m2 ** 2 + v2) + 2 * c ** 2 + 4 * c * m1 * m2,
             m1 ** 4 + 6 * m1 ** 2 * v1 + 3 * v1 ** 2]
    assert np.allclose(closure.raw_moments(mean, cov), exact, rtol=1e-13)


def test_raw_moments_of_a_constant_are_products_of_the_means():
    # all cumulants of a constant vanish above order one: raw moment = product of means
    mean = np.array([2.0, 3.0, 5.0])
    value = raw_from_cumulants((1, 2, 1), lambda index: mean[np.argmax(index)]
                               if sum(index) == 1 else 0.0)
    assert value == 2.0 * 9.0 * 5.0


def test_lognormal_closure_matches_scipy_and_equals_derivative_matching_at_order_two():
    mean, var = 3.0, 2.5
    sigma2 = math.log1p(var / mean ** 2)
    law = stats.lognorm(s=math.sqrt(sigma2), scale=mean * math.exp(-sigma2 / 2))
    lattice1 = count_lattice(np.array([[1], [-1]]), np.array([0]))
    lognormal = CLOSURES["lognormal"](lattice1, [(3,), (4,)])
    assert np.allclose(lognormal.raw_moments(np.array([mean]), np.array([[var]])),
                       [law.moment(3), law.moment(4)], rtol=1e-12)
    rng = np.random.default_rng(3)
    indices = [m for m in itertools.product(range(5), repeat=2) if 3 <= sum(m) <= 4]
    for _ in range(5):
        mean2 = rng.uniform(0.5, 5.0, 2)
        root = rng.uniform(0.1, 1.0, (2, 2))
        cov = root @ root.T
        a = CLOSURES["lognormal"](UNBOUNDED_2D, indices).raw_moments(mean2, cov)
        b = CLOSURES["derivative_matching"](UNBOUNDED_2D, indices).raw_moments(mean2, cov)
        assert np.allclose(a, b, rtol=1e-11)


def _exact_maxent(counts, exponent):
    """p ∝ exp(−exponent) over the listed states (P, S), its mean and covariance."""
    p = np.exp(-(exponent - exponent.min()))
    p /= p.sum()
    mean = p @ counts
    cov = (counts * p[:, None]).T @ counts - np.outer(mean, mean)
    return p, mean, cov


def test_maxent_closure_recovers_the_third_moments_of_a_maxent_law():
    # p ∝ exp(−(0.3 a + 0.05 a² − 0.4 b + 0.08 b² + 0.03 a b)) on the count lattice
    a, b = np.meshgrid(np.arange(80.0), np.arange(80.0), indexing="ij")
    a, b = a.ravel(), b.ravel()
    exponent = 0.3 * a + 0.05 * a ** 2 - 0.4 * b + 0.08 * b ** 2 + 0.03 * a * b
    counts = np.stack([a, b], axis=1)
    p, mean, cov = _exact_maxent(counts, exponent)
    indices = [(3, 0), (2, 1), (1, 2), (0, 3), (2, 2), (0, 4)]
    exact = [p @ (a ** i * b ** j) for i, j in indices]
    closure = MaxEntClosure(UNBOUNDED_2D, indices)
    assert np.allclose(closure.raw_moments(mean, cov), exact, rtol=1e-8)
    assert 0 <= closure.info["truncation_error"] <= 1e-10


def test_maxent_closure_sums_a_conserved_lattice_whole():
    # 2A ⇌ B from 10 A: the states (10 − 2b, b), b = 0..5
    lattice = count_lattice(np.array([[-2, 1], [2, -1]]), np.array([10, 0]))
    b = np.arange(6.0)
    counts = np.stack([10 - 2 * b, b], axis=1)
    p, mean, cov = _exact_maxent(counts, 0.7 * b + 0.2 * b ** 2)
    closure = MaxEntClosure(lattice, [(3, 0), (2, 1), (0, 3)])
    exact = [p @ counts[:, 0] ** 3, p @ (counts[:, 0] ** 2 * b), p @ b ** 3]
    assert np.allclose(closure.raw_moments(mean, cov), exact, rtol=1e-9)
    assert closure.info["truncation_error"] == 0.0 and closure.info["max_points"] == 6


def test_maxent_closure_of_a_deterministic_state_is_the_point_mass():
    closure = MaxEntClosure(UNBOUNDED_2D, [(2, 1), (0, 3)])
    values = closure.raw_moments(np.array([3.0, 2.0]), np.zeros((2, 2)))
    assert np.allclose(values, [18.0, 8.0])


def test_count_lattice_of_michaelis_menten():
    # S + E -> C, C -> S + E, C -> E + P over (S, E, C, P): E + C and S + C + P conserved
    change = np.array([[-1, -1, 1, 0], [1, 1, -1, 0], [0, 1, -1, 1]])
    lattice = count_lattice(change, np.array([20, 3, 0, 0]))
    free = np.array([[c, p] for c in range(4) for p in range(21)])
    counts = lattice.counts(free)
    assert np.all(counts[:, 1] + counts[:, 2] == 3)
    assert np.all(counts[:, 0] + counts[:, 2] + counts[:, 3] == 20)
    assert lattice.free.tolist() == [2, 3] and lattice.upper.tolist() == [3, 20]
