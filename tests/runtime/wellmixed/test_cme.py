"""solve_cme (finite state projection) against closed forms and the SSA."""
import numpy as np
import pytest
from scipy import stats

from dynboltz.runtime.common.results import ConvergenceError, Trajectory
from dynboltz.runtime.wellmixed.cme import solve_cme
from dynboltz.runtime.wellmixed.ssa_statistics import ssa_moments
from dynboltz.symbolic import WellMixed
from dynboltz.symbolic.wellmixed_cases import CLOSURE_CASES

IMMIGRATION_DEATH = WellMixed({"make": "0 -> A", "decay": "A -> 0"})


def _immigration_death_pmf(n, n0, k, gamma, t):
    """Binomial(n0, e^{-γt}) survivors plus Poisson(k/γ (1 − e^{-γt})) newcomers."""
    survive = np.exp(-gamma * t)
    return np.convolve(stats.binom.pmf(np.arange(n0 + 1), n0, survive),
                       stats.poisson.pmf(n, k / gamma * (1 - survive)))[:n.size]


@pytest.mark.parametrize("n0", [0, 7])
def test_immigration_death_distribution_is_binomial_plus_poisson(n0):
    times = np.array([0.0, 0.3, 1.0, 4.0])
    result = solve_cme(IMMIGRATION_DEATH, {"make": 6.0, "decay": 0.8}, [n0], times)
    assert result.lost_mass[-1] <= 1e-6
    order = np.argsort(result.states[:, 0])
    n = result.states[order, 0]
    assert np.array_equal(n, np.arange(n.size))  # every count up to the bound
    for i, t in enumerate(times):
        exact = _immigration_death_pmf(n, n0, 6.0, 0.8, t)
        assert np.max(np.abs(result.x[i, order] - exact)) < 1e-9


def test_birth_death_from_empty_is_poisson_with_exact_moments():
    t = np.array([0.5, 2.0])
    result = solve_cme(IMMIGRATION_DEATH, {"make": 3.0, "decay": 1.0}, [0], t,
                       tolerance=1e-10)
    lam = 3.0 * (1 - np.exp(-t))
    assert np.allclose(result.mean[:, 0], lam, rtol=0, atol=1e-9)
    assert np.allclose(result.variance[:, 0], lam, rtol=0, atol=1e-8)
    assert isinstance(result, Trajectory) and result.method == "fsp"


def test_galton_watson_moments_with_the_box_grown_automatically():
    # mean n0 e^{lt}, variance n0 (kb + kd)/l e^{lt}(e^{lt} − 1), l = kb − kd
    net = WellMixed({"birth": "A -> A + A", "death": "A -> 0"})
    kb, kd, n0, t = 1.0, 0.6, 4, np.array([1.0, 2.0])
    result = solve_cme(net, {"birth": kb, "death": kd}, [n0], t, tolerance=1e-9)
    growth = np.exp((kb - kd) * t)
    assert result.info["attempts"] > 1
    assert np.allclose(result.mean[:, 0], n0 * growth, rtol=1e-7)
    assert np.allclose(result.variance[:, 0],
                       n0 * (kb + kd) / (kb - kd) * growth * (growth - 1), rtol=1e-6)


def test_fixed_box_reports_the_mass_that_left_and_bounds_the_truth_from_below():
    t = np.array([1.0, 3.0])
    small = solve_cme(IMMIGRATION_DEATH, {"make": 6.0, "decay": 0.8}, [0], t, bounds=[6])
    exact = np.array([_immigration_death_pmf(np.arange(7), 0, 6.0, 0.8, ti) for ti in t])
    lost_exact = 1 - stats.poisson.cdf(6, 6.0 / 0.8 * (1 - np.exp(-0.8 * t)))
    assert np.all(small.lost_mass > 0.1) and small.info["attempts"] == 1
    assert np.allclose(small.lost_mass, 1 - small.x.sum(axis=1), atol=1e-14)
    order = np.argsort(small.states[:, 0])
    assert np.all(small.x[:, order] <= exact + 1e-12)
    assert np.all(small.lost_mass >= lost_exact - 1e-12)


def test_conserved_network_is_projected_exactly_on_its_reachable_states():
    net = WellMixed({"bind": "2 A -> B", "unbind": "B -> 2 A"})
    result = solve_cme(net, {"bind": 0.1, "unbind": 1.0}, [10, 0], [0.0, 1.0])
    assert result.info["attempts"] == 1
    assert sorted(map(tuple, result.states)) == [(10 - 2 * b, b) for b in range(5, -1, -1)]
    assert abs(result.lost_mass[-1]) < 1e-13
    # n_A + 2 n_B = 10 exactly: zero variance of the conserved total
    w = np.array([1.0, 2.0])
    assert abs(w @ result.covariance[-1] @ w) < 1e-10


def test_too_many_states_raises_convergence_error():
    net = WellMixed({"birth": "A -> A + A"})
    with pytest.raises(ConvergenceError, match="max_states"):
        solve_cme(net, {"birth": 2.0}, [5], [0.0, 5.0], max_states=500)


@pytest.mark.parametrize("kwargs, match", [
    ({"times": [1.0, 0.5]}, "`times` of `solve_cme`"),
    ({"initial": [1.5]}, "`initial` of `solve_cme`"),
    ({"initial": [1, 2]}, "`initial` of `solve_cme`"),
    ({"tolerance": 0.0}, "`tolerance` of `solve_cme`"),
    ({"tolerance": 1.0}, "`tolerance` of `solve_cme`"),
    ({"bounds": [-1]}, "`bounds` of `solve_cme`"),
    ({"rates": {"make": 1.0}}, "`rates` of `solve_cme`"),
    ({"max_states": 0}, "`max_states` of `solve_cme`"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"rates": {"make": 1.0, "decay": 1.0}, "initial": [0], "times": [0.0, 1.0]}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        solve_cme(IMMIGRATION_DEATH, **args)


def _agrees_with_ssa(name, n, seed):
    case = CLOSURE_CASES[name]()
    times = case.times[::4]
    exact = solve_cme(case.net, case.rates, case.initial, times)
    sampled = ssa_moments(case.net, case.rates, case.initial, times, n, seed=seed)
    moving = sampled.variance_error[1:] > 0
    z_mean = np.abs(exact.mean[1:] - sampled.mean[1:])[moving] / sampled.mean_error[1:][moving]
    z_var = (np.abs(exact.variance[1:] - sampled.variance[1:])[moving]
             / sampled.variance_error[1:][moving])
    # at most 5·S·(T−1) ≤ 80 comparisons each: 4.5 standard errors
    assert z_mean.max() < 4.5 and z_var.max() < 4.5, (z_mean.max(), z_var.max())


def test_cme_agrees_with_ssa_on_the_dimerisation():
    _agrees_with_ssa("dimerisation", 4000, seed=5)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLOSURE_CASES))
def test_cme_agrees_with_ssa_on_every_closure_network(name):
    _agrees_with_ssa(name, 20000, seed=7)
