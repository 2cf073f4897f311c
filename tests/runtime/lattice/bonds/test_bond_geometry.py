"""Square and cubic geometries: statistics, replicate tasks and exact checks of dynamics.

Per-site statistics against the enumeration helper; creation/death keeps sites
independent, so µ(t) follows the two-state law and ∆ = (z/2) µ² at every time.
"""
import numpy as np
import pytest

from bond_truth import state_moments
from dynboltz.runtime.lattice.bonds.geometry import CUBIC, SQUARE



def _rules(*processes):
    return tuple(tuple((np.array(lhs), np.array(rhs), w) for lhs, rhs, w in p)
                 for p in processes)


CREATION_DEATH = _rules([((0,), (1,), 1.0)], [((1,), (0,), 1.0)])


@pytest.mark.parametrize("geometry, shape, n_species", [
    (SQUARE, (5, 4), 1), (SQUARE, (2, 3), 2), (CUBIC, (3, 2, 4), 2), (CUBIC, (3, 3, 3), 3)])
def test_statistics_match_enumeration_helper(geometry, shape, n_species):
    rng = np.random.default_rng(0)
    configurations = rng.integers(0, n_species + 1, size=(2, 3) + shape)
    moments = geometry.statistics(configurations, n_species)
    assert moments.shape == (2, 3, n_species + n_species * (n_species + 1) // 2)
    flat = configurations.reshape(6, -1)
    np.testing.assert_allclose(moments.reshape(6, -1), state_moments(flat, shape, n_species))


def test_statistics_of_full_lattices():
    assert SQUARE.statistics(np.ones((6, 7), dtype=np.int8), 1).tolist() == [1.0, 2.0]
    assert CUBIC.statistics(np.ones((3, 4, 5), dtype=np.int8), 1).tolist() == [1.0, 3.0]
    with pytest.raises(ValueError, match="site codes 0..1"):
        SQUARE.statistics(np.full((3, 3), 2), 1)


@pytest.mark.parametrize("geometry, shape", [(SQUARE, (48, 48)), (CUBIC, (14, 14, 14))])
def test_creation_death_keeps_sites_independent(geometry, shape):
    kc, kd = 0.7, 0.4
    times = np.array([0.0, 0.2, 0.6, 1.5, 4.0])
    task = geometry.replicate_task("exact", {}, 1, shape, CREATION_DEATH,
                                   np.array([kc, kd]), ("creation", "death"), times, 3,
                                   None, np.zeros(shape, np.int8), False)
    runs = np.array([task(r)["moments"] for r in range(6)])
    n_sites = np.prod(shape)
    mu_exact = kc / (kc + kd) * (1 - np.exp(-(kc + kd) * times))
    mu, delta = runs[..., 0], runs[..., 1]
    # binomial error of the mean over all sites and replicates
    mu_error = np.sqrt(mu_exact * (1 - mu_exact) / (n_sites * runs.shape[0])) + 1e-12
    assert np.all(np.abs(mu.mean(axis=0) - mu_exact) < 4.5 * mu_error)
    z = geometry.coordination
    # ∆ − (z/2) µ² of the same lattice: independent sites leave only O(1/n) noise
    excess = delta - z / 2 * mu ** 2
    assert np.all(np.abs(excess.mean(axis=0)) < 4.5 * excess.std(axis=0, ddof=1)
                  / np.sqrt(runs.shape[0]) + 1e-3)
    assert np.all(np.abs(excess) < 6 * z * np.sqrt(mu_exact * (1 - mu_exact) / n_sites) + 1e-12)


def test_task_snapshots_and_initial_samples():
    times = np.array([0.0, 0.5, 1.0])
    rules = _rules([((1, 0), (0, 1), 1.0)], [((1, 1), (0, 0), 0.5)])
    task = SQUARE.replicate_task("exact", {}, 1, (8, 6), rules, np.array([1.0, 2.0]),
                                 ("hop", "pair"), times, 4, np.array([-0.5, 0.3]), None,
                                 True)
    result = task(0)
    assert result["snapshots"].shape == (3, 8, 6) and result["events"] > 0
    np.testing.assert_allclose(SQUARE.statistics(result["snapshots"], 1), result["moments"])
    again = task(0)
    np.testing.assert_array_equal(again["snapshots"], result["snapshots"])
    other = task(1)
    assert not np.array_equal(other["snapshots"][0], result["snapshots"][0])


def test_shape_and_options_validated():
    assert SQUARE.shape((64, 32), "simulate") == (64, 32)
    assert CUBIC.shape([4, 5, 6], "simulate", widest=2) == (4, 5, 6)
    for bad in (64, (64,), (64, 1), (4, 4, 4), (True, 4)):
        with pytest.raises(ValueError, match="`N` of `simulate`"):
            SQUARE.shape(bad, "simulate")
    with pytest.raises(ValueError, match="at most 2 sites"):
        SQUARE.shape((8, 8), "simulate", widest=3)
    with pytest.raises(ValueError, match="keys among"):
        SQUARE.scheme_options("exact", {"dt": 0.1}, "simulate")
    samples = CUBIC.sample(type("M", (), {"n_species": 1})(), [0.2, 0.1], (4, 4, 4), 3, 0,
                           "gibbs")
    assert samples.shape == (3, 4, 4, 4) and samples.dtype == np.int8
