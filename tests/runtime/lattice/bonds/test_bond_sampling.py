"""Boltzmann samplers of square and cubic lattices against independent truth.

Exact enumeration of every state of a 4×4 torus (2**16) and a two-species 3×3 torus
(3**9); Onsager's nearest-neighbour correlation of the zero-field square-lattice Ising
model above T_c and Yang's spontaneous magnetisation below it (lattice gas n = (1 + σ)/2:
K = J/4, zero field at h = −2J on the square lattice).
"""
import types

import numpy as np
import pytest
from scipy.special import ellipk

from bond_truth import all_states, boltzmann_probabilities, state_moments
from dynboltz.runtime.lattice.bonds.sampling import (autocorrelation_time, coupling_tables,
                                                     sample_boltzmann)

ONE = types.SimpleNamespace(n_species=1)
TWO = types.SimpleNamespace(n_species=2)
K_CRITICAL = np.log(1 + np.sqrt(2)) / 2


def onsager_correlation(K):
    """⟨σ_i σ_j⟩ of nearest neighbours, square lattice, zero field (Onsager 1944)."""
    k = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    return 0.5 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1) * ellipk(k * k))


def yang_magnetisation(K):
    """Spontaneous magnetisation below T_c (Yang 1952)."""
    return (1 - np.sinh(2 * K) ** -4) ** 0.125


def _z_scores(values, exact):
    """(mean − exact) / standard error with the error from the samples' own τ_int."""
    tau = max(autocorrelation_time(values), 0.5)
    error = values.std(axis=0, ddof=1) * np.sqrt(2 * tau / values.shape[0])
    return (values.mean(axis=0) - exact) / error


@pytest.mark.parametrize("x, method", [([-1.6, 0.8], "gibbs"), ([0.3, -0.4], "gibbs"),
                                       ([-0.5, 0.6], "wolff"), ([-1.6, 0.8], "wolff")])
def test_one_species_matches_enumeration(x, method):
    states = all_states(16, 1)
    p, moments = boltzmann_probabilities(states, (4, 4), 1, x)
    result = sample_boltzmann(ONE, x, (4, 4), 6000, seed=5, method=method)
    assert result.configurations.shape == (6000, 4, 4)
    assert result.configurations.dtype == np.int8
    sampled = state_moments(result.configurations.reshape(6000, -1).astype(np.int64),
                            (4, 4), 1)
    assert np.all(np.abs(_z_scores(sampled, p @ moments)) < 4.5)
    # the particle-number law, not only its mean
    counts = np.bincount(result.configurations.reshape(6000, -1).sum(axis=1), minlength=17)
    exact_counts = np.bincount(states.sum(axis=1), weights=p, minlength=17) * 6000
    big = exact_counts > 20
    chi2 = np.sum((counts[big] - exact_counts[big]) ** 2 / exact_counts[big])
    assert chi2 < big.sum() + 5 * np.sqrt(2 * big.sum())


def test_two_species_match_enumeration():
    x = [-0.4, 0.2, 0.5, -0.7, 0.3]  # hA hB JAA JAB JBB
    states = all_states(9, 2)
    p, moments = boltzmann_probabilities(states, (3, 3), 2, x)
    result = sample_boltzmann(TWO, x, (3, 3), 6000, seed=7)
    sampled = state_moments(result.configurations.reshape(6000, -1).astype(np.int64),
                            (3, 3), 2)
    assert np.all(np.abs(_z_scores(sampled, p @ moments)) < 4.5)


def test_cube_matches_enumeration():
    x = [-0.9, 0.4]
    states = all_states(8, 1)
    p, moments = boltzmann_probabilities(states, (2, 2, 2), 1, x)
    for method in ("gibbs", "wolff"):
        result = sample_boltzmann(ONE, x, (2, 2, 2), 6000, seed=8, method=method)
        sampled = state_moments(result.configurations.reshape(6000, -1).astype(np.int64),
                                (2, 2, 2), 1)
        assert np.all(np.abs(_z_scores(sampled, p @ moments)) < 4.5)


def _bond_correlation(configurations):
    spins = 2.0 * configurations - 1.0
    return np.mean(spins * np.roll(spins, 1, axis=1) + spins * np.roll(spins, 1, axis=2),
                   axis=(1, 2)) / 2


@pytest.mark.parametrize("K, size, n", [
    (0.30, 32, 300), (0.38, 32, 300),
    pytest.param(0.30, 128, 200, marks=pytest.mark.slow),
    pytest.param(0.40, 128, 200, marks=pytest.mark.slow)])
def test_onsager_correlation_above_critical_point(K, size, n):
    J = 4 * K
    result = sample_boltzmann(ONE, [-2 * J, J], (size, size), n, seed=1)
    correlation = _bond_correlation(result.configurations)
    assert abs(_z_scores(correlation, onsager_correlation(K))) < 4.5


@pytest.mark.parametrize("K, size, n", [
    (0.50, 32, 300), (0.60, 32, 300),
    pytest.param(0.47, 128, 200, marks=pytest.mark.slow),
    pytest.param(0.55, 128, 200, marks=pytest.mark.slow)])
def test_yang_magnetisation_below_critical_point(K, size, n):
    J = 4 * K
    result = sample_boltzmann(ONE, [-2 * J, J], (size, size), n, seed=2, method="wolff")
    magnetisation = np.abs(2.0 * result.configurations.mean(axis=(1, 2)) - 1.0)
    assert abs(_z_scores(magnetisation, yang_magnetisation(K))) < 4.5


def test_thinning_follows_the_measured_autocorrelation_time():
    near = sample_boltzmann(ONE, [-8 * 0.41, 4 * 0.41], (16, 16), 5, seed=3)
    far = sample_boltzmann(ONE, [-8 * 0.1, 4 * 0.1], (16, 16), 5, seed=3)
    assert near.autocorrelation_time > 3 * far.autocorrelation_time
    for result in (near, far):
        assert result.thinning == max(1, int(np.ceil(4 * result.autocorrelation_time)))
        assert result.burn_in >= 100 * result.autocorrelation_time


def test_autocorrelation_time_of_known_series():
    rng = np.random.default_rng(0)
    assert autocorrelation_time(rng.normal(size=20000)) == pytest.approx(0.5, abs=0.05)
    a = 0.8  # AR(1): τ_int = (1 + a) / (2 (1 − a)) = 4.5
    noise = rng.normal(size=200000)
    series = np.empty_like(noise)
    series[0] = noise[0]
    for t in range(1, noise.size):
        series[t] = a * series[t - 1] + noise[t]
    assert autocorrelation_time(series) == pytest.approx(4.5, rel=0.1)


def test_same_seed_same_samples():
    runs = [sample_boltzmann(TWO, [0.1, -0.2, 0.3, 0.0, 0.1], (4, 6), 3, seed=9)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].configurations, runs[1].configurations)


def test_bad_arguments_refused():
    with pytest.raises(ValueError, match="one of"):
        sample_boltzmann(ONE, [0.0, 0.1], (4, 4), 2, method="metropolis")
    with pytest.raises(ValueError, match="ferromagnet"):
        sample_boltzmann(ONE, [0.0, -0.1], (4, 4), 2, method="wolff")
    with pytest.raises(ValueError, match="keys among"):
        sample_boltzmann(ONE, [0.0, 0.1], (4, 4), 2, options={"sweeps": 3})
    with pytest.raises(ValueError, match="max_sweeps"):
        sample_boltzmann(ONE, [-8 * 0.44, 4 * 0.44], (32, 32), 2,
                         options={"max_sweeps": 64, "pilot_sweeps": 64})
    h, couplings = coupling_tables([0.1, 0.2, 0.3, 0.4, 0.5], 2)
    np.testing.assert_array_equal(couplings, couplings.T)
    assert h[0] == 0 and couplings[0].sum() == 0 and couplings[1, 2] == 0.4
