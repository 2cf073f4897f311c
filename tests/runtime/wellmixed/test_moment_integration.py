"""integrate_moments (closed moment equations) against the exact master equation."""
import numpy as np
import pytest

from dynboltz.runtime.common.results import Trajectory
from dynboltz.runtime.wellmixed.cme import solve_cme
from dynboltz.runtime.wellmixed.moment_closures import CLOSURES
from dynboltz.runtime.wellmixed.moment_integration import integrate_moments
from dynboltz.symbolic import WellMixed
from dynboltz.symbolic.wellmixed_cases import CLOSURE_CASES

LINEAR_CHAIN = WellMixed({"make": "0 -> A", "convert": "A -> B", "lose_A": "A -> 0",
                          "lose_B": "B -> 0"})
CHAIN_RATES = {"make": 4.0, "convert": 1.5, "lose_A": 0.3, "lose_B": 0.7}


def _errors(result, truth):
    """Largest relative error of the mean and the variance over t > 0 and species."""
    mean = np.abs(result.mean[1:] - truth.mean[1:]) / np.abs(truth.mean[1:])
    variance = np.abs(result.variance[1:] - truth.variance[1:]) / truth.variance[1:]
    return mean.max(), variance.max()


@pytest.mark.parametrize("closure", sorted(CLOSURES))
def test_a_linear_network_needs_no_closure_and_is_exact(closure):
    times = np.linspace(0.0, 3.0, 7)
    result = integrate_moments(LINEAR_CHAIN, CHAIN_RATES, [2, 1], times, closure=closure)
    truth = solve_cme(LINEAR_CHAIN, CHAIN_RATES, [2, 1], times, tolerance=1e-10)
    assert result.info["closed_moments"] == 0
    assert np.allclose(result.mean, truth.mean, rtol=1e-6, atol=1e-8)
    assert np.allclose(result.covariance, truth.covariance, rtol=1e-5, atol=1e-7)
    assert isinstance(result, Trajectory) and result.method == closure
    assert result.x.shape == (7, 5) and result.covariance.shape == (7, 2, 2)


def test_maxent_on_the_gene_with_feedback_is_close_to_the_master_equation():
    case = CLOSURE_CASES["gene_feedback"]()
    truth = solve_cme(case.net, case.rates, case.initial, case.times)
    maxent = integrate_moments(case.net, case.rates, case.initial, case.times)
    normal = integrate_moments(case.net, case.rates, case.initial, case.times,
                               closure="normal")
    mean_error, variance_error = _errors(maxent, truth)
    assert mean_error < 0.05 and variance_error < 0.15
    assert (mean_error, variance_error) < _errors(normal, truth)
    # the binary gene: G + Gb = 1 exactly, so Var(G) = Var(Gb) = −Cov(G, Gb)
    cov = maxent.covariance
    assert np.allclose(cov[:, 0, 0], cov[:, 1, 1]) and np.allclose(cov[:, 0, 1], -cov[:, 0, 0])
    assert maxent.info["truncation_error"] <= 1e-10
    assert maxent.info["moment_mismatch"] < 1e-6


def _factorial_moments(solution, indices):
    """⟨Π_s (n_s)_{m_s}⟩ of the CME distribution, (T, len(indices))."""
    p = solution.x / solution.x.sum(axis=1, keepdims=True)
    columns = []
    for m in indices:
        value = np.ones(solution.states.shape[0])
        for s, order in enumerate(m):
            for i in range(order):
                value = value * (solution.states[:, s] - i)
        columns.append(p @ value)
    return np.stack(columns, axis=1)


@pytest.mark.parametrize("closure", ["maxent", "normal"])
def test_a_linear_network_at_order_three_gives_the_exact_third_moments(closure):
    times = np.linspace(0.0, 2.0, 5)
    result = integrate_moments(LINEAR_CHAIN, CHAIN_RATES, [3, 0], times, closure=closure,
                               order=3)
    truth = solve_cme(LINEAR_CHAIN, CHAIN_RATES, [3, 0], times, tolerance=1e-11)
    assert result.indices.shape == (9, 2) and result.x.shape == (5, 9)
    assert np.allclose(result.x, _factorial_moments(truth, result.indices), rtol=1e-5,
                       atol=1e-7)


def test_maxent_of_order_three_on_the_dimer_beats_order_two():
    case = CLOSURE_CASES["dimerisation"]()
    truth = solve_cme(case.net, case.rates, case.initial, case.times)
    second = _errors(integrate_moments(case.net, case.rates, case.initial, case.times), truth)
    third = integrate_moments(case.net, case.rates, case.initial, case.times, order=3)
    assert _errors(third, truth)[0] < second[0] / 3 and _errors(third, truth)[1] < second[1] / 3
    assert np.allclose(third.x[:, -4:], _factorial_moments(truth, third.indices[-4:]),
                       rtol=0.02)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLOSURE_CASES))
def test_maxent_against_the_master_equation_and_the_normal_closure(name):
    case = CLOSURE_CASES[name]()
    truth = solve_cme(case.net, case.rates, case.initial, case.times)
    maxent = _errors(integrate_moments(case.net, case.rates, case.initial, case.times), truth)
    normal = _errors(integrate_moments(case.net, case.rates, case.initial, case.times,
                                       closure="normal"), truth)
    if name == "schlogl":  # bistable: no closure of order two follows it (docs table)
        assert maxent[0] < normal[0] / 3 and maxent[1] < normal[1] / 2
        return
    assert maxent[0] < 0.05 and maxent[1] < 0.15
    # never worse than normal (on the dimer both means are within 0.1 %)
    assert maxent[0] <= max(normal[0], 1e-3) and maxent[1] <= normal[1]


@pytest.mark.parametrize("kwargs, match", [
    ({"closure": "gamma"},
     r"`closure` of `integrate_moments` must be `a moment closure among \['derivative"),
    ({"order": 5}, "`order` of `integrate_moments`"),
    ({"order": 3, "closure": "lognormal"}, "`order` of `integrate_moments` must be `one of "
                                           r"\(2,\) for closure 'lognormal'`"),
    ({"times": [0.0, -1.0]}, "`times` of `integrate_moments`"),
    ({"initial": [1]}, "`initial` of `integrate_moments`"),
    ({"rtol": 0.0}, "`rtol` of `integrate_moments`"),
    ({"integrator": "Euler"}, "`integrator` of `integrate_moments`"),
])
def test_bad_arguments_are_named(kwargs, match):
    args = {"rates": CHAIN_RATES, "initial": [0, 0], "times": [0.0, 1.0]}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        integrate_moments(LINEAR_CHAIN, **args)
