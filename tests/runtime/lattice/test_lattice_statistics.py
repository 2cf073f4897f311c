"""lattice_moments against a plain per-site loop over the ring."""
import numpy as np
import pytest

from dynboltz.runtime.lattice.chain.statistics import lattice_moments


def _loop_moments(row, n_species, periodic):
    n_sites = len(row)
    mu = [sum(1 for s in row if s == a) / n_sites for a in range(1, n_species + 1)]
    bonds = [(row[i], row[(i + 1) % n_sites]) for i in range(n_sites if periodic else n_sites - 1)]
    delta = []
    for a in range(1, n_species + 1):
        for b in range(a, n_species + 1):
            delta.append(sum(1 for p, q in bonds if {p, q} == {a, b}) / len(bonds))
    return np.array(mu + delta)


@pytest.mark.parametrize("n_species", [1, 2, 3, 4])
@pytest.mark.parametrize("periodic", [True, False])
def test_matches_loop(n_species, periodic):
    rng = np.random.default_rng(n_species)
    lattices = rng.integers(0, n_species + 1, size=(3, 4, 17)).astype(np.int8)
    got = lattice_moments(lattices, n_species, periodic=periodic)
    assert got.shape == (3, 4, n_species + n_species * (n_species + 1) // 2)
    for index in np.ndindex(3, 4):
        expected = _loop_moments(lattices[index].tolist(), n_species, periodic)
        np.testing.assert_allclose(got[index], expected, rtol=0, atol=1e-15)


def test_single_row_and_wraparound_bond():
    # the closing bond (last, first) = (1, 2) is the only {1, 2} bond
    got = lattice_moments(np.array([2, 0, 0, 1], dtype=np.int8), 2)
    np.testing.assert_array_equal(got, [0.25, 0.25, 0.0, 0.25, 0.0])


@pytest.mark.parametrize("bad, error", [
    (np.array([0, 1, 3]), ValueError), (np.array([0, -1, 1]), ValueError),
    (np.array([0.0, 1.0]), TypeError), (np.array([1]), ValueError)])
def test_rejects_bad_lattices(bad, error):
    with pytest.raises(error, match="`lattices` of `lattice_moments`"):
        lattice_moments(bad, 2)
