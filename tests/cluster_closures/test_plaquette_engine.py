"""PlaquetteEngine against independent routes: Onsager's exact nearest-neighbour
correlation, the literature value of the plaquette approximation's critical temperature,
independent sites at J = 0, a direct constrained maximisation of the CVM functional, and
finite differences of ln Z and of the moments."""
import itertools

import numpy as np
import pytest
from scipy.optimize import minimize
from scipy.special import ellipk

from dynboltz.cluster_closures.plaquette import PlaquetteEngine
from dynboltz.errors import InvalidArgumentError


def _onsager_delta(K):
    """∆ = (1 + ⟨σσ⟩)/2 of the square-lattice Ising model at zero field (K < K_c)."""
    k = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    correlation = 0.5 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1)
                                          * ellipk(k * k))  # scipy's ellipk takes m = k²
    return (1 + correlation) / 2


def _zero_field(K):
    """Lattice-gas parameters of the Ising model at coupling K, H = 0 (J = 4K, h = −2J)."""
    return np.array([-8 * K, 4 * K])


@pytest.fixture(scope="module")
def one():
    return PlaquetteEngine(1)


def test_nearest_neighbour_bonds_within_three_per_mille_of_onsager(one):
    moments = one.clusters(_zero_field(0.3)).moments
    assert moments[0] == pytest.approx(0.5, abs=1e-12)
    assert abs(moments[1] / _onsager_delta(0.3) - 1) < 3e-3


def test_critical_temperature_is_kikuchis(one):
    # Kikuchi's square approximation orders at k_B T_c / J_Ising ≈ 2.426 (exact 2.269).
    low, high = 0.40, 0.43
    for _ in range(20):
        K = 0.5 * (low + high)
        ordered = abs(one.clusters(_zero_field(K)).moments[0] - 0.5) > 1e-6
        low, high = (low, K) if ordered else (K, high)
    assert 1 / high == pytest.approx(2.426, abs=1.5e-3)


@pytest.mark.parametrize("n_species, field", [(1, [-0.4]), (2, [0.3, -1.1]),
                                              (3, [-0.5, 0.2, -1.0])])
def test_independent_sites_at_zero_coupling(n_species, field):
    engine = PlaquetteEngine(n_species)
    x = np.concatenate([field, np.zeros(n_species * (n_species + 1) // 2)])
    weights = np.concatenate([[1.0], np.exp(field)])
    p = weights / weights.sum()
    clusters = engine.clusters(x)
    np.testing.assert_allclose(clusters.site, p, atol=1e-12)
    np.testing.assert_allclose(clusters.bond, np.outer(p, p), atol=1e-12)
    triple = np.einsum("a,b,c->abc", p, p, p)
    np.testing.assert_allclose(clusters.line, triple, atol=1e-12)
    np.testing.assert_allclose(clusters.corner, triple, atol=1e-12)
    assert clusters.log_eigenvalue == pytest.approx(np.log(weights.sum()), abs=1e-12)


def _direct_maximum(x):
    """max Φ over D4-symmetric plaquette laws of one species by SLSQP (another route)."""
    h, J = x
    states = np.array(list(itertools.product((0, 1), repeat=4)))
    energy = h * states.sum(1) / 4 + J * sum(states[:, i] * states[:, (i + 1) % 4]
                                             for i in range(4)) / 2
    keys = [min(tuple(s[list(p)]) for p in itertools.permutations(range(4))
                if set(zip(p, p[1:] + p[:1])) <= {(i, (i + 1) % 4) for i in range(4)}
                | {((i + 1) % 4, i) for i in range(4)}) for s in states]
    labels = {k: n for n, k in enumerate(sorted(set(keys)))}
    orbit = np.array([labels[k] for k in keys])
    size = np.bincount(orbit)

    def phi(w):
        rho = w[orbit] / size[orbit]
        top = np.array([[rho[(states[:, 0] == a) & (states[:, 1] == b)].sum()
                         for b in (0, 1)] for a in (0, 1)])
        site = top.sum(1)
        ent = [-np.sum(p * np.log(p)) for p in (rho, top.ravel(), site)]
        return rho @ energy + ent[0] - 2 * ent[1] + ent[2]

    best = None
    for start in (np.full(len(size), 1.0 / len(size)), np.eye(len(size))[0] * 0.9 + 0.02,
                  np.eye(len(size))[-1] * 0.9 + 0.02):
        result = minimize(lambda w: -phi(w), start / start.sum(), method="SLSQP",
                          bounds=[(1e-12, 1)] * len(size), options={"ftol": 1e-14},
                          constraints={"type": "eq", "fun": lambda w: w.sum() - 1})
        if best is None or -result.fun > best:
            best = -result.fun
    return best


@pytest.mark.parametrize("x", [[-1.3, 0.7], [0.4, -0.8], [-4.0, 2.0]])
def test_free_energy_is_the_maximum_of_the_cvm_functional(one, x):
    # [-4, 2] is below T_c at zero field: the ordered branch has the larger Φ.
    assert one.clusters(np.array(x)).log_eigenvalue == pytest.approx(
        _direct_maximum(x), abs=1e-7)


@pytest.mark.parametrize("n_species, x", [(1, [-0.7, 0.6]), (1, [-2.0, 0.9]),
                                          (2, [-1.0, -0.5, 0.6, 0.2, 0.4])])
def test_moments_and_hessian_are_derivatives(n_species, x):
    engine = PlaquetteEngine(n_species)
    x, step = np.array(x), 1e-5
    eye = np.eye(x.size) * step
    log_z = [(engine.clusters(x + e).log_eigenvalue - engine.clusters(x - e).log_eigenvalue)
             / (2 * step) for e in eye]
    np.testing.assert_allclose(engine.clusters(x).moments, log_z, rtol=1e-8, atol=1e-9)
    difference = np.stack([(engine.clusters(x + e).moments - engine.clusters(x - e).moments)
                           / (2 * step) for e in eye], axis=1)
    np.testing.assert_allclose(engine.hessian(x), difference, rtol=1e-7, atol=1e-8)


def test_bad_arguments_are_refused_before_work():
    with pytest.raises(InvalidArgumentError, match="`n_species` of `PlaquetteEngine`"):
        PlaquetteEngine(0)
    with pytest.raises(InvalidArgumentError, match="`tol` of `PlaquetteEngine`"):
        PlaquetteEngine(1, tol=0.0)
    with pytest.raises(InvalidArgumentError, match="`x` of `PlaquetteEngine.solve`"):
        PlaquetteEngine(1).clusters(np.array([0.0, np.nan]))
