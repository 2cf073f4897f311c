"""Exact KMC on periodic square and cubic lattices against the master equation.

Every state of a 3×3 torus (2**9), a 2×2×2 cube (2**8) and a two-species 2×3 torus
(3**6) is enumerated by ``bond_truth``; the mean moments of many replicates must match
the matrix exponential of the generator within computed standard errors.
"""
import numpy as np
import pytest

from bond_truth import exact_moment_curves, neighbour_slots, state_moments
from dynboltz.runtime.lattice.bonds._kmc import BondEngine, stream_words
from dynboltz.runtime.lattice.chain.engine_tables import rule_tables

ONE_SPECIES = [((0,), (1,), 0.3), ((1,), (0,), 0.5), ((1, 0), (0, 1), 0.7),
               ((1, 0), (1, 1), 0.4), ((1, 1), (0, 0), 0.6)]
TWO_SPECIES = [((1, 2), (0, 0), 0.8), ((1, 0), (0, 1), 0.5), ((2, 0), (0, 2), 0.3),
               ((0,), (1,), 0.4), ((0,), (2,), 0.2), ((1,), (0,), 0.3), ((2, 1), (2, 2), 0.6)]
TIMES = np.array([0.0, 0.3, 1.0, 2.5])


def _replicates(shape, n_species, rules, initial, replicates, seed):
    tables = rule_tables(rules, n_species)
    words = stream_words(seed)
    n = int(np.prod(shape))
    moments = np.empty((replicates, TIMES.size, n_species + n_species * (n_species + 1) // 2))
    for r in range(replicates):
        engine = BondEngine(np.array(initial, dtype=np.int8).ravel(),
                            np.array(shape, dtype=np.int64), n_species, **tables)
        engine.run_exact(TIMES, words, r, moments[r], np.empty((0, n), np.int8))
        engine.events()  # the lists and position maps agree after the run
    return moments


@pytest.mark.parametrize("shape, n_species, rules, initial", [
    ((3, 3), 1, ONE_SPECIES, [1, 0, 0, 1, 1, 0, 0, 0, 0]),
    ((2, 2, 2), 1, ONE_SPECIES, [1, 0, 0, 1, 1, 0, 0, 0]),
    ((2, 3), 2, TWO_SPECIES, [1, 2, 0, 0, 1, 2]),
])
def test_moments_match_master_equation(shape, n_species, rules, initial):
    exact = exact_moment_curves(shape, n_species, rules, initial, TIMES)
    moments = _replicates(shape, n_species, rules, initial, 8000, seed=11)
    mean = moments.mean(axis=0)
    error = moments.std(axis=0, ddof=1) / np.sqrt(moments.shape[0])
    np.testing.assert_allclose(mean[0], exact[0], atol=1e-12)
    z = (mean[1:] - exact[1:]) / error[1:]
    assert np.all(np.abs(z) < 4.5), z
    assert np.any(np.abs(mean[1:] - mean[0]) > 10 * error[1:])  # the moments moved


def test_counts_match_a_scan_after_a_run():
    shape = (4, 5, 3)
    rng = np.random.default_rng(3)
    lattice = rng.integers(0, 3, size=np.prod(shape)).astype(np.int8)
    engine = BondEngine(lattice, np.array(shape, dtype=np.int64), 2,
                        **rule_tables(TWO_SPECIES, 2))
    moments = np.empty((1, 5))
    frames = np.empty((1, lattice.size), np.int8)
    events = engine.run_exact(np.array([3.0]), stream_words(5), 0, moments, frames)
    assert events > 100
    np.testing.assert_array_equal(frames[0], lattice)  # the final state is written back
    np.testing.assert_allclose(moments[0], state_moments(lattice[None].astype(np.int64),
                                                         shape, 2)[0])
    fresh = BondEngine(lattice.copy(), np.array(shape, dtype=np.int64), 2,
                       **rule_tables(TWO_SPECIES, 2))
    assert engine.events() == fresh.events()


def test_each_ordered_pair_is_an_event():
    # A _ -> _ A at one particle of an otherwise empty torus: one event per slot
    for shape in ((3, 4), (2, 3), (3, 3, 3)):
        lattice = np.zeros(np.prod(shape), dtype=np.int8)
        lattice[0] = 1
        engine = BondEngine(lattice, np.array(shape, dtype=np.int64), 1,
                            **rule_tables([((1, 0), (0, 1), 1.0)], 1))
        z = 2 * len(shape)
        assert engine.events() == [list(range(z))]
        assert neighbour_slots(shape).shape == (lattice.size, z)


def test_same_seed_same_trajectory():
    runs = [_replicates((3, 3), 1, ONE_SPECIES, [1] * 9, 3, seed=4) for _ in range(2)]
    np.testing.assert_array_equal(*runs)
    assert not np.array_equal(runs[0][0], runs[0][1])


def test_bad_shape_refused():
    with pytest.raises(ValueError, match="lengths >= 2"):
        BondEngine(np.zeros(3, np.int8), np.array([1, 3], dtype=np.int64), 1,
                   **rule_tables(ONE_SPECIES, 1))
