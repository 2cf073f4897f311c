"""Moment closures and their algebra against exact enumeration and closed forms."""
import itertools
import math

import numpy as np
import pytest
from scipy import stats

from dynboltz.runtime.wellmixed.moment_closures import (CLOSURES, MaxEntClosure,
                                                        count_lattice)
from dynboltz.runtime.wellmixed.moment_closures.lattice_projection import LatticeProjection
from dynboltz.runtime.wellmixed.moment_closures.moment_algebra import (
    FactorialConversion, RawFromFactorial, cumulants_from_raw, raw_from_cumulants,
    set_partitions, stirling_first, stirling_second)
from dynboltz.symbolic.doi_peliti import moment_indices

UNBOUNDED_2D = count_lattice(np.array([[1, 0], [0, 1], [-1, -1]]), np.array([0, 0]))
KNOWN_2D = moment_indices(2, 2)


def _known_raw(mean, cov, indices=KNOWN_2D):
    """Raw moments of order 1 and 2 listed as ``moment_indices`` lists them."""
    values = []
    for j in indices:
        factors = [s for s, v in enumerate(j) for _ in range(v)]
        values.append(mean[factors[0]] if len(factors) == 1
                      else cov[factors[0], factors[1]] + mean[factors[0]] * mean[factors[1]])
    return np.array(values)


def _closure(name, lattice, wanted, order=2, known=KNOWN_2D):
    return CLOSURES[name](lattice, order, known, wanted)


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
    conversion = FactorialConversion(indices, np.array(KNOWN_2D))
    poisson = _closure("poisson", UNBOUNDED_2D, conversion.raw_indices)
    known = _known_raw(mean, np.diag(mean))
    phi = conversion(known, poisson.raw_moments(known))
    assert np.allclose(phi, np.prod(mean ** indices, axis=1), rtol=1e-13)


def test_normal_closure_gives_isserlis_moments():
    mean = np.array([1.5, -0.5])
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    closure = _closure("normal", UNBOUNDED_2D, [(3, 0), (2, 1), (2, 2), (4, 0)])
    m1, m2 = mean
    v1, v2, c = cov[0, 0], cov[1, 1], cov[0, 1]
    exact = [m1 ** 3 + 3 * m1 * v1,
             m1 ** 2 * m2 + v1 * m2 + 2 * c * m1,
             (m1 ** 2 + v1) * (m2 ** 2 + v2) + 2 * c ** 2 + 4 * c * m1 * m2,
             m1 ** 4 + 6 * m1 ** 2 * v1 + 3 * v1 ** 2]
    assert np.allclose(closure.raw_moments(_known_raw(mean, cov)), exact, rtol=1e-13)


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
    lognormal = _closure("lognormal", lattice1, [(3,), (4,)], known=[(1,), (2,)])
    assert np.allclose(lognormal.raw_moments(np.array([mean, var + mean ** 2])),
                       [law.moment(3), law.moment(4)], rtol=1e-12)
    rng = np.random.default_rng(3)
    indices = [m for m in itertools.product(range(5), repeat=2) if 3 <= sum(m) <= 4]
    for _ in range(5):
        mean2 = rng.uniform(0.5, 5.0, 2)
        root = rng.uniform(0.1, 1.0, (2, 2))
        cov = root @ root.T
        known = _known_raw(mean2, cov)
        a = _closure("lognormal", UNBOUNDED_2D, indices).raw_moments(known)
        b = _closure("derivative_matching", UNBOUNDED_2D, indices).raw_moments(known)
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
    closure = MaxEntClosure(UNBOUNDED_2D, 2, KNOWN_2D, indices)
    assert np.allclose(closure.raw_moments(_known_raw(mean, cov)), exact, rtol=1e-8)
    assert 0 <= closure.info["truncation_error"] <= 1e-10


def test_maxent_closure_sums_a_conserved_lattice_whole():
    # 2A ⇌ B from 10 A: the states (10 − 2b, b), b = 0..5
    lattice = count_lattice(np.array([[-2, 1], [2, -1]]), np.array([10, 0]))
    b = np.arange(6.0)
    counts = np.stack([10 - 2 * b, b], axis=1)
    p, mean, cov = _exact_maxent(counts, 0.7 * b + 0.2 * b ** 2)
    closure = MaxEntClosure(lattice, 2, KNOWN_2D, [(3, 0), (2, 1), (0, 3)])
    exact = [p @ counts[:, 0] ** 3, p @ (counts[:, 0] ** 2 * b), p @ b ** 3]
    assert np.allclose(closure.raw_moments(_known_raw(mean, cov)), exact, rtol=1e-8)
    assert closure.info["truncation_error"] == 0.0 and closure.info["max_points"] == 6


def test_maxent_closure_of_a_deterministic_state_is_the_point_mass():
    closure = MaxEntClosure(UNBOUNDED_2D, 2, KNOWN_2D, [(2, 1), (0, 3)])
    values = closure.raw_moments(_known_raw(np.array([3.0, 2.0]), np.zeros((2, 2))))
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


def test_stirling_numbers_of_both_kinds_are_inverse():
    for m in range(7):
        for k in range(7):
            assert sum(stirling_first(m, j) * stirling_second(j, k)
                       for j in range(7)) == (m == k)


def test_raw_and_factorial_moments_of_a_two_species_law_convert_both_ways():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 6, (50, 2)).astype(float)
    weights = rng.dirichlet(np.ones(50))
    indices = np.array(moment_indices(2, 4))
    raw = np.array([weights @ np.prod(counts ** j, axis=1) for j in indices])
    def falling(x, m):
        out = np.ones_like(x)
        for i in range(m):
            out *= x - i
        return out

    factorial = np.array([weights @ (falling(counts[:, 0], a) * falling(counts[:, 1], b))
                          for a, b in indices])
    convert = RawFromFactorial(indices)
    assert np.allclose(convert(factorial), raw, rtol=1e-12)
    assert np.allclose(convert.factorial(raw), factorial, rtol=1e-10, atol=1e-9)


def test_cumulants_invert_the_moment_cumulant_formula():
    kappa = {(1, 0): 2.0, (0, 1): 1.0, (2, 0): 0.7, (1, 1): 0.2, (0, 2): 0.5, (3, 0): 0.3,
             (2, 1): -0.1, (1, 2): 0.05, (0, 3): 0.4}
    raw = {j: raw_from_cumulants(j, kappa.__getitem__) for j in kappa}
    for j, value in kappa.items():
        assert abs(cumulants_from_raw(j, raw.__getitem__) - value) < 1e-12


def test_normal_closure_at_order_three_sets_the_fourth_cumulant_to_zero():
    # one species, known ⟨n⟩, ⟨n²⟩, ⟨n³⟩: ⟨n⁴⟩ = κ4 + 4κ3κ1 + 3κ2² + 6κ2κ1² + κ1⁴, κ4 = 0
    k1, k2, k3 = 3.0, 2.0, 0.5
    raw = [k1, k2 + k1 ** 2, k3 + 3 * k2 * k1 + k1 ** 3]
    lattice1 = count_lattice(np.array([[1], [-1]]), np.array([0]))
    closure = _closure("normal", lattice1, [(4,)], order=3, known=[(1,), (2,), (3,)])
    assert np.isclose(closure.raw_moments(np.array(raw))[0],
                      4 * k3 * k1 + 3 * k2 ** 2 + 6 * k2 * k1 ** 2 + k1 ** 4, rtol=1e-13)


def test_maxent_of_order_four_recovers_a_bimodal_law():
    # p ∝ exp(−(−2.2 u² + 0.35 u⁴ + 0.3 u)), u = (n − 20)/6: two modes, on 0..120
    n = np.arange(121.0)
    u = (n - 20) / 6
    exponent = -2.2 * u ** 2 + 0.35 * u ** 4 + 0.3 * u
    p = np.exp(-(exponent - exponent.min()))
    p /= p.sum()
    known = [(1,), (2,), (3,), (4,)]
    raw = np.array([p @ n ** k for k in range(1, 5)])
    lattice1 = count_lattice(np.array([[1], [-1]]), np.array([0]))
    closure = MaxEntClosure(lattice1, 4, known, [(5,), (6,)])
    assert np.allclose(closure.raw_moments(raw), [p @ n ** 5, p @ n ** 6], rtol=1e-7)


def test_lattice_projection_rebuilds_the_dependent_species():
    # 2A ⇌ B from 10 A: n_A = 10 − 2 n_B, so ⟨n_A²⟩ = 100 − 40⟨n_B⟩ + 4⟨n_B²⟩ etc.
    lattice = count_lattice(np.array([[-2, 1], [2, -1]]), np.array([10, 0]))
    indices = np.array(moment_indices(2, 3))
    b = np.arange(6.0)
    p = np.array([0.1, 0.2, 0.3, 0.2, 0.15, 0.05])
    a = 10 - 2 * b
    exact = np.array([p @ (a ** i * b ** j) for i, j in indices])
    scrambled = exact.copy()
    scrambled[[i for i, (x, _) in enumerate(indices) if x > 0]] = 123.0
    assert np.allclose(LatticeProjection(lattice, indices)(scrambled), exact, rtol=1e-13)
