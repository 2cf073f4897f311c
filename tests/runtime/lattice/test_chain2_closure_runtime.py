"""Runtime side of ``chain2``: inverse map, realisability, next-nearest statistics and
simulations that record them."""
import itertools

import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.generated import library
from dynboltz.runtime.lattice import CLOSURES, fit_parameters, sample, simulate
from dynboltz.runtime.lattice.chain.statistics import lattice_moments
from dynboltz.runtime.lattice.chain.chain2_closure import (next_nearest_moments,
                                                           realisability_margin)
from dynboltz.symbolic import LatticeMotif


@pytest.fixture(scope="module")
def lib():
    return compile_motif(LatticeMotif.builtin("barw"), closure="chain2")


def _count(rows, a, b, periodic):
    n = rows.shape[-1]
    ends = range(n) if periodic else range(n - 2)
    return np.array([sum({r[i], r[(i + 2) % n]} == {a, b} for i in ends) / len(ends)
                     for r in rows])


@pytest.mark.parametrize("periodic", [True, False])
def test_next_nearest_counts(periodic):
    rows = np.random.default_rng(0).integers(0, 3, (5, 11))
    counted = next_nearest_moments(rows, 2, periodic)
    for k, (a, b) in enumerate([(1, 1), (1, 2), (2, 2)]):
        np.testing.assert_allclose(counted[:, k], _count(rows, a, b, periodic))


@pytest.mark.parametrize("x", [[0.3, -0.4, 0.5], [-1.0, 1.5, -0.8]])
def test_fit_parameters_inverts_the_moments(lib, x):
    x = np.array(x)
    np.testing.assert_allclose(fit_parameters(lib, lib.moments(x)), x, atol=1e-7)
    assert realisability_margin(lib.moments(x), 1) > 0


def test_unrealisable_moments_are_refused(lib):
    # Half the sites filled, almost no nearest-neighbour pairs: the sites alternate,
    # so next-nearest pairs cannot be rare too.
    bad = np.array([0.45, 0.01, 0.01])
    assert realisability_margin(bad, 1) < 0
    with pytest.raises(ValueError, match="realisable"):
        fit_parameters(lib, bad)
    with pytest.raises(ValueError, match="realisable"):
        CLOSURES["chain2"].check_realisable(bad, 1, "learn_rates")


def test_simulations_record_next_nearest_bonds(lib):
    rates = {"branching": 3.0, "annihilation": 2.0, "diffusion": 5.0}
    times = np.linspace(0.0, 0.5, 6)
    two = simulate(lib, rates, N=60, times=times, initial=np.array([0.5, 0.0, 0.0]),
                   replicates=3, seed=4, workers=1, snapshots=True)
    one = simulate(library.barw, rates, N=60, times=times, initial=np.array([0.5, 0.0]),
                   replicates=3, seed=4, workers=1)
    assert two.moments.shape == (3, 6, 3)
    np.testing.assert_array_equal(two.moments[..., :2], one.moments)
    np.testing.assert_allclose(two.moments[..., 2], next_nearest_moments(two.snapshots, 1)[..., 0])
    quiet = simulate(lib, rates, N=60, times=times, initial=np.array([0.5, 0.0, 0.0]),
                     replicates=3, seed=4, workers=1)
    assert quiet.snapshots is None
    np.testing.assert_array_equal(quiet.moments, two.moments)
    with pytest.raises(ValueError, match="open chain"):
        simulate(lib, rates, N=60, times=times, initial=np.array([0.5, 0.0, 0.1]), seed=0,
                 scheme_options={"boundary": "open"})


def _ring_moments(x, n_sites):
    """Exact per-site [µ, ∆, ∆2] of the N-ring by enumeration."""
    confs = np.array(list(itertools.product((0, 1), repeat=n_sites)))
    stats = np.stack([confs.mean(1), (confs * np.roll(confs, -1, 1)).mean(1),
                      (confs * np.roll(confs, -2, 1)).mean(1)], axis=1)
    law = np.exp(n_sites * stats @ x)
    return law @ stats / law.sum()


def _within(samples, exact, sigmas=4.5):
    error = samples.std(axis=0, ddof=1) / np.sqrt(samples.shape[0])
    assert np.all(np.abs(samples.mean(axis=0) - exact) < sigmas * error)


def test_exact_ring_samples_have_the_enumerated_moments(lib):
    x = np.array([0.2, -0.6, 0.7])
    rows = sample(lib, x, N=9, n=20000, seed=5)
    stats = np.concatenate([lattice_moments(rows, 1), next_nearest_moments(rows, 1)], axis=1)
    _within(stats, _ring_moments(x, 9))
    with pytest.raises(ValueError, match="method"):
        sample(lib, x, N=9, method="gibbs")


def test_initial_rings_with_a_second_coupling(lib):
    x0 = np.array([0.2, -0.6, 0.7])
    rates = {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0}
    run = simulate(lib, rates, N=9, times=[0.0], initial=x0, replicates=800, seed=2,
                   workers=1)
    _within(run.moments[:, 0], _ring_moments(x0, 9))
