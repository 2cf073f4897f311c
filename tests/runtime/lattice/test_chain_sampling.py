"""Boltzmann-chain samplers against exact distributions (§5).

Independent routes: brute-force enumeration of every configuration of a small ring or
open segment (chi-square on the full configuration distribution), finite-N ring
moments from ln tr(T^N) by finite differences, and the thermodynamic-limit moments of
the compiled motif libraries (``lib.moments``, transfer-matrix eigenvectors), with standard errors from the
row-to-row spread of independent rows.
"""
import itertools

import numpy as np
import pytest
from scipy import stats

from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.sampling import sample
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.lattice.chain.statistics import lattice_moments

_P_VALUE = 1e-4  # fixed seeds: a correct sampler fails with this probability per test


def _lib(n_species):
    """Compiled built-in library with S species (numpy reference for S = 2: no built-in
    motif has two species; the samplers only read S from it)."""
    name = {1: "barw", 3: "trivalent", 4: "sep"}.get(n_species)
    return LatticeReference(2, ()) if name is None else getattr(library, name)


def _point(n_species, seed):
    size = n_species + n_species * (n_species + 1) // 2
    return np.random.default_rng(seed).uniform(-1.5, 1.5, size)


def _log_weight(config, x, n_species, ring):
    """ln of the unnormalised Boltzmann weight, written from eq. 50 directly."""
    h = np.concatenate([[0.0], x[:n_species]])
    coupling = np.zeros((n_species + 1, n_species + 1))
    rows, cols = np.triu_indices(n_species)
    coupling[rows + 1, cols + 1] = coupling[cols + 1, rows + 1] = x[n_species:]
    n_sites = len(config)
    bonds = n_sites if ring else n_sites - 1
    return (sum(h[s] for s in config)
            + sum(coupling[config[i], config[(i + 1) % n_sites]] for i in range(bonds)))


def _open_boundary_log_weight(config, x, n_species):
    # N sites of the infinite chain: ends weighted by the Perron vector, and each
    # end site carries only half of its field inside T (T's h/2 split)
    n = n_species + 1
    t = np.exp([[_log_weight((a, b), x, n_species, False)
                 - 0.5 * (_log_weight((a,), x, n_species, False)
                          + _log_weight((b,), x, n_species, False)) for b in range(n)]
                for a in range(n)])
    eigenvalues, vectors = np.linalg.eigh(t)
    u = np.abs(vectors[:, -1])
    h = np.concatenate([[0.0], x[:n_species]])
    return (_log_weight(config, x, n_species, False) - 0.5 * (h[config[0]] + h[config[-1]])
            + np.log(u[config[0]] * u[config[-1]]))


def _chi_square_p(lattices, n_species, log_weights):
    codes = lattices.astype(np.int64) @ (n_species + 1) ** np.arange(lattices.shape[1])
    observed = np.bincount(codes, minlength=len(log_weights))
    expected = np.exp(log_weights - log_weights.max())
    expected *= len(lattices) / expected.sum()
    # pool the cells with expected count below 5 into one cell
    rare = expected < 5
    observed = np.append(observed[~rare], observed[rare].sum())
    expected = np.append(expected[~rare], expected[rare].sum())
    if expected[-1] == 0:
        observed, expected = observed[:-1], expected[:-1]
    return stats.chisquare(observed, expected).pvalue


def _enumerated_log_weights(x, n_species, n_sites, ring):
    configs = itertools.product(range(n_species + 1), repeat=n_sites)
    # code = Σ s_i (S+1)^i, matching _chi_square_p: product() varies the last site fastest
    weights = {}
    for config in configs:
        code = sum(s * (n_species + 1) ** i for i, s in enumerate(config))
        weights[code] = (_log_weight(config, x, n_species, True) if ring
                         else _open_boundary_log_weight(config, x, n_species))
    return np.array([weights[code] for code in range(len(weights))])


@pytest.mark.parametrize("n_species, n_sites", [(1, 2), (1, 5), (1, 6), (2, 6), (3, 4)])
@pytest.mark.parametrize("ring", [True, False])
def test_exact_matches_enumeration(n_species, n_sites, ring):
    x = _point(n_species, 10 * n_species + n_sites)
    lattices = sample(_lib(n_species), x, N=n_sites, n=200_000, seed=n_sites, ring=ring)
    log_weights = _enumerated_log_weights(x, n_species, n_sites, ring)
    assert _chi_square_p(lattices, n_species, log_weights) > _P_VALUE


@pytest.mark.parametrize("n_species, n_sites", [(1, 5), (1, 6), (2, 5)])
@pytest.mark.parametrize("ring", [True, False])
def test_gibbs_matches_enumeration(n_species, n_sites, ring):
    x = _point(n_species, 7 + n_species)
    lattices = sample(_lib(n_species), x, N=n_sites, n=100_000, seed=3, ring=ring,
                      method="gibbs", sweeps=30)
    log_weights = _enumerated_log_weights(x, n_species, n_sites, ring)
    assert _chi_square_p(lattices, n_species, log_weights) > _P_VALUE


def _ring_moments(x, n_species, n_sites, step=1e-5):
    """Finite-ring moments ∂ ln tr(T^N) / ∂x / N by central differences."""
    def log_trace(point):
        n = n_species + 1
        log_t = np.array([[_log_weight((a, b), point, n_species, False)
                           - 0.5 * (_log_weight((a,), point, n_species, False)
                                    + _log_weight((b,), point, n_species, False))
                           for b in range(n)] for a in range(n)])
        eigenvalues = np.linalg.eigvalsh(np.exp(log_t))
        top = eigenvalues[-1]
        return n_sites * np.log(top) + np.log(np.sum((eigenvalues / top) ** n_sites))
    grad = [(log_trace(x + step * e) - log_trace(x - step * e)) / (2 * step)
            for e in np.eye(len(x))]
    return np.array(grad) / n_sites


def test_exact_ring_finite_size_moments():
    # strong repulsion on an odd ring: alternating order is frustrated, so the ring's
    # moments differ from the infinite chain's by tens of standard errors
    x = np.array([3.0, -6.0])
    lattices = sample(_lib(1), x, N=11, n=40_000, seed=11)
    per_row = lattice_moments(lattices, 1)
    se = per_row.std(axis=0, ddof=1) / np.sqrt(len(per_row))
    finite = _ring_moments(x, 1, 11)
    limit = _lib(1).moments(x)
    assert np.all(np.abs(per_row.mean(axis=0) - finite) < 3 * se)
    assert np.any(np.abs(finite - limit) > 10 * se)  # the check can tell them apart


@pytest.mark.parametrize("n_species", [1, 3, 4])
@pytest.mark.parametrize("method, ring", [("exact", True), ("exact", False),
                                          ("gibbs", True), ("gibbs", False)])
def test_moments_match_thermodynamic_limit(n_species, method, ring):
    lib = _lib(n_species)
    x = _point(n_species, 100 + n_species)
    lattices = sample(lib, x, N=1000, n=400, seed=5, method=method, ring=ring, sweeps=100)
    per_row = lattice_moments(lattices, n_species, periodic=ring)
    se = per_row.std(axis=0, ddof=1) / np.sqrt(len(per_row))
    # 4 SE per component: 16 cases x up to 9 correlated components would put a 3 SE
    # bound per component at a few per cent false-alarm rate per run (calibrated over
    # 30 seeds: z has mean ~0, standard deviation ~1 for both methods)
    np.testing.assert_array_less(np.abs(per_row.mean(axis=0) - lib.moments(x)), 4 * se)


@pytest.mark.parametrize("method", ["exact", "gibbs"])
@pytest.mark.parametrize("ring", [True, False])
def test_same_seed_same_numbers(method, ring):
    lib, x = _lib(3), _point(3, 1)
    kwargs = dict(N=101, seed=42, method=method, ring=ring, sweeps=3)
    first = sample(lib, x, n=6, threads=1, **kwargs)
    np.testing.assert_array_equal(first, sample(lib, x, n=6, threads=4, **kwargs))
    # row i depends only on (seed, i)
    np.testing.assert_array_equal(first[:4], sample(lib, x, n=4, threads=2, **kwargs))
    assert not np.array_equal(first, sample(lib, x, n=6, **{**kwargs, "seed": 43}))


def test_large_ring_extreme_parameters():
    # ring powers up to T^(10^6) and a nearly frozen chain: no overflow, sane moments
    lib = _lib(1)
    x = np.array([-20.0, 30.0])
    lattices = sample(lib, x, N=10**6, n=2, seed=0)
    # Ground state: all occupied (+10 per site).  A block of k holes changes the log
    # weight by 20k - 30(k + 1) <= -40, so a row has any hole with probability
    # <= N e^-40 / (1 - e^-10) = 4e-12: the rows must be exactly the frozen state.
    np.testing.assert_array_equal(lattices, 1)
    np.testing.assert_allclose(lib.moments(x), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(lattice_moments(lattices, 1), 1.0)


@pytest.mark.parametrize("kwargs, match", [
    (dict(x=np.zeros(3)), "`x` of `sample`"),
    (dict(x=np.array([0.0, np.nan])), "`x` of `sample`"),
    (dict(N=1), "`N` of `sample`"), (dict(n=0), "`n` of `sample`"),
    (dict(method="metropolis"), "`method` of `sample` must be `one of"),
    (dict(sweeps=-1), "`sweeps` of `sample`")])
def test_rejects_bad_arguments(kwargs, match):
    arguments = dict(x=np.zeros(2), N=10, n=1, seed=0)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sample(_lib(1), **arguments)


def test_rejects_a_lib_without_species_count():
    with pytest.raises(TypeError, match="`lib` of `sample` must be"):
        sample(object(), np.zeros(2), N=10)


@pytest.mark.parametrize("x", [[1e308, 1e308], [-1e308, -1e308], [1.7e308, 1.7e308]])
def test_parameters_whose_log_transfer_matrix_overflows_are_refused(x):
    # [9e307, 0] used to give density 0.51 where the chain is fully occupied
    with pytest.raises(ValueError, match=r"^`x` of `sample` must be `parameters whose "
                       r"ln T\(a, b\) = \(h_a \+ h_b\)/2 \+ J_ab are all finite"):
        sample(library.barw, np.array(x), N=1000, seed=0)


@pytest.mark.parametrize("x", [[1e307, 0.0], [0.0, 1e308], [8e307, 0.0], [9e307, 0.0],
                               [1.7e308, 0.0]])
def test_huge_parameters_that_fit_give_the_exact_frozen_chain(x):
    # ln T stays finite: every site is occupied, as the moments say.  ln T(1, 1) =
    # Σ_l x_l g_l(1, 1) = h never forms h_a + h_b, so h up to the float64 limit fits
    # ([9e307, 0] used to be refused, and before that gave density 0.51)
    np.testing.assert_array_equal(sample(library.barw, np.array(x), N=1000, n=3, seed=0), 1)
    np.testing.assert_array_equal(library.barw.moments(np.array(x)), 1.0)
