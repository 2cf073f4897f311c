"""Algorithm 1 (runtime/wellmixed/basis_learning.py, basis_steps.py, moment_targets.py,
_hat_ode.pyx).

Independent routes: eq. 26 / eq. 29 and the exact reduced solution written here in
numpy; finite differences of the compiled trajectory, of the batch action and of its
gradient; closed-form Galton–Watson moments m(t) = m0 exp((kb - kd) t); brute-force
sums for the KL divergences and the initial-condition sampler; finite differences of
the compiled MaxEnt moments for the Fisher information; standard errors for
everything sampled.
"""
import math

import numpy as np
import pytest

from dynboltz.runtime.common.results import INFO_KEYS, LearningResult, Trajectory
from dynboltz.runtime.wellmixed import basis_learning as bl
from dynboltz.runtime.wellmixed import basis_steps, moment_targets
from dynboltz.runtime.wellmixed import learn_basis as reexported
from dynboltz.runtime.wellmixed.basis_learning import (BasisLearningSettings,
                                                       integrate_reduced, learn_basis)
from dynboltz.symbolic import WellMixed

KB, KD = 1.0, 1.5
RATES = {"birth": KB, "death": KD}
GRID = np.round(np.arange(1, 31) * 0.1, 10)
AXES2 = (np.round(np.arange(-30, 11) * 0.1, 10), np.round(np.arange(1, 31) * 0.1, 10))
GRADIENT = BasisLearningSettings(optimizer="gradient")


@pytest.fixture(scope="module")
def net():
    return WellMixed({"birth": "A -> A + A", "death": "A -> 0"})


def eq26(nu, kb=KB, kd=KD):
    return (kb - kd) * (np.exp(-nu) - 1.0)


def eq29(nu1, nu2):
    f1 = nu1 * (KD - KB + (KB + KD) * nu1) - nu2 / 2 * (KB - KD + (KB + KD) * nu1)
    f2 = -nu2 / 2 * (KD * (-4 - 2 * nu1 + nu2) + KB * (4 - 2 * nu1 + nu2))
    return np.stack([f1, f2], axis=-1)


def eq29_grid(axes=AXES2):
    nu1, nu2 = np.meshgrid(*axes, indexing="ij")
    return eq29(nu1, nu2)


def test_trajectory_matches_exact_reduced_solution():
    # Exact: <n>(t) = m0 e^{(kb-kd)t}, nu = ln(1 + 1/<n>); hat interpolation of the
    # convex eq. 26 errs by <= dnu^2/8 max|F''| = 6.3e-4 in F, so ~1e-3 in nu over T=1.
    eta = 0.55
    trajectory = integrate_reduced(eq26(GRID)[:, None], GRID, [eta], 1.0)
    assert isinstance(trajectory, Trajectory) and trajectory.method == "rk4"
    assert trajectory.sensitivities.shape == (51, 30, 1)
    m = np.exp((KB - KD) * trajectory.times) / np.expm1(eta)
    assert np.abs(trajectory.x[:, 0] - np.log1p(1.0 / m)).max() < 1e-3
    assert trajectory.info["occupation"].sum() == pytest.approx(1.0)


def test_linear_extrapolation_beyond_the_grid_box():
    # Growth (kb > kd) drives nu below the first node 0.1. Eq. 26 continued linearly
    # from the first cell is F(nu) = F(0.1) + (nu - 0.1) (F(0.2) - F(0.1)) / 0.1: the
    # reduced ODE is then linear below 0.1 with a closed-form solution (checked here).
    kb, kd = 2.5, 0.5
    F = eq26(GRID, kb, kd)[:, None]
    slope = (F[1, 0] - F[0, 0]) / 0.1
    trajectory = integrate_reduced(F, GRID, [0.1], 1.0, n_steps=400, n_record=101)
    fixed = 0.1 - F[0, 0] / slope
    exact = fixed + (0.1 - fixed) * np.exp(slope * trajectory.times)
    np.testing.assert_allclose(trajectory.x[:, 0], exact, rtol=0, atol=1e-9)
    # the occupation counts the time outside the box for the boundary node
    assert trajectory.info["occupation"][0] == pytest.approx(1.0)


@pytest.mark.parametrize("case", ["K1", "K1_outside", "K2"])
def test_sensitivities_match_finite_differences(case):
    # eq. 22 with the hat forcing is the exact derivative of the grid parameterisation,
    # also where the path leaves the box (K1_outside: growth below nu = 0.1).
    F, grid, eta = {"K1": (eq26(GRID)[:, None], GRID, [0.55]),
                    "K1_outside": (eq26(GRID, 2.5, 0.5)[:, None], GRID, [0.25]),
                    "K2": (eq29_grid(), AXES2, [-2.5, 2.0])}[case]
    K = F.shape[-1]
    base = integrate_reduced(F, grid, eta, 1.0, n_steps=400, n_record=101)
    sensitivity = base.sensitivities.reshape((101,) + F.shape + (K,))
    flat = np.abs(sensitivity[-1]).sum(axis=(-2, -1)).ravel()
    checked = 0
    for g in np.argsort(flat)[::-1][:3]:
        index = np.unravel_index(g, F.shape[:-1])
        for k in range(K):
            h = 1e-6
            plus, minus = F.copy(), F.copy()
            plus[index + (k,)] += h
            minus[index + (k,)] -= h
            fd = (integrate_reduced(plus, grid, eta, 1.0, n_steps=400, n_record=101).x
                  - integrate_reduced(minus, grid, eta, 1.0, n_steps=400, n_record=101).x
                  ) / (2 * h)
            analytic = sensitivity[(slice(None),) + index + (k,)]
            assert np.abs(analytic).max() > 1e-3
            assert np.abs(fd - analytic).max() < 1e-6 * np.abs(analytic).max() + 1e-8
            checked += 1
    assert checked == 3 * K


def test_gaussian_delta_integrates_to_the_hat_sensitivity():
    # Both sum (integrate over nu) to d nu / dc for a uniform shift F + c: the hats are a
    # partition of unity, the Gaussian is normalised (Riemann sum with cell area);
    # the grid reaches 4 standard deviations beyond the trajectory on every side.
    axes = (np.round(np.arange(-50, 21) * 0.1, 10), np.round(np.arange(-15, 41) * 0.1, 10))
    F = eq29_grid(axes)
    hat = integrate_reduced(F, axes, [-2.5, 2.0], 1.0)
    gauss = integrate_reduced(F, axes, [-2.5, 2.0], 1.0, delta="gaussian",
                              delta_variance=0.1)
    cell = 0.1 * 0.1
    total_hat = hat.sensitivities[-1].reshape(-1, 2, 2).sum(axis=0)
    total_gauss = gauss.sensitivities[-1].reshape(-1, 2, 2).sum(axis=0) * cell
    np.testing.assert_allclose(total_gauss, total_hat, rtol=1e-3)
    np.testing.assert_allclose(gauss.x, hat.x)


def test_moment_matched_kl_closed_forms_against_brute_force():
    n = np.arange(0, 400)
    nu, m = 1.3, 0.8
    q_star = m / (1 + m)
    p_star = (1 - q_star) * q_star ** n
    p_model = -np.expm1(-nu) * np.exp(-nu * n)
    brute = np.sum(p_star * np.log(p_star / p_model))
    kl = moment_targets.MOMENT_MATCHED_KL
    assert kl[1](np.array([nu]), np.array([m])) == pytest.approx(brute, rel=1e-10)
    assert kl[1](np.array([np.log1p(1 / m)]), np.array([m])) == pytest.approx(0.0, abs=1e-12)
    nu2 = np.array([-1.0, 0.8])
    mu, var = 0.5 + 1.0 / 0.8, 1.0 / 0.8
    m1, var_star = 1.2, 0.9
    m2 = (var_star + m1 ** 2 - m1) / 2
    x = np.linspace(-30, 30, 200001)
    p = np.exp(-(x - m1) ** 2 / (2 * var_star)) / math.sqrt(2 * math.pi * var_star)
    q = np.exp(-(x - mu) ** 2 / (2 * var)) / math.sqrt(2 * math.pi * var)
    brute = np.trapezoid(p * np.log(p / q), x)
    assert kl[2](nu2, np.array([m1, m2])) == pytest.approx(brute, rel=1e-6)


def _closed_form_fisher(nu):
    """I(ν) by hand: m̃(1 + m̃), m̃ = 1/(e^ν − 1) (K = 1); −∂(µ, (σ² + µ² − µ)/2)/∂ν
    with µ = 1/2 − ν1/ν2, σ² = 1/ν2 (K = 2)."""
    if nu.size == 1:
        m = 1.0 / np.expm1(nu[0])
        return np.array([[m * (1.0 + m)]])
    nu1, nu2 = nu
    return np.array([[1.0 / nu2, -nu1 / nu2 ** 2],
                     [-nu1 / nu2 ** 2, 0.5 / nu2 ** 2 + nu1 ** 2 / nu2 ** 3]])


@pytest.mark.parametrize("K, nu", [(1, [0.3]), (1, [2.4]), (2, [-2.5, 2.0]), (2, [0.7, 0.4])])
def test_fisher_information_is_minus_the_jacobian_of_the_compiled_moments(net, K, nu):
    moments, fisher_information = bl._maxent_functions(net, K, np.array([KB, KD]))
    nu = np.array(nu)
    h = 1e-6
    jacobian = np.empty((K, K))
    for l in range(K):
        step = np.zeros(K)
        step[l] = h
        jacobian[:, l] = (moments((nu + step)[None])[0] - moments((nu - step)[None])[0]) / (2 * h)
    fisher = fisher_information(nu[None])[0]
    np.testing.assert_allclose(fisher, -jacobian, rtol=1e-7)
    np.testing.assert_allclose(fisher, _closed_form_fisher(nu), rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(fisher) > 0)


def test_initial_sampler_matches_maxent_distribution():
    rng = np.random.default_rng(7)
    size = 40000
    geometric = moment_targets.sample_maxent_counts(np.array([0.7]), size, rng)
    mean = 1 / np.expm1(0.7)
    assert abs(geometric.mean() - mean) < 4 * math.sqrt(mean * (1 + mean) / size)
    eta = np.array([-2.5, 2.0])
    samples = moment_targets.sample_maxent_counts(eta, size, rng)
    n = np.arange(0, 60)
    weight = np.exp(-eta[0] * n - eta[1] * n * (n - 1) / 2)
    prob = weight / weight.sum()
    for k in range(5):
        freq = np.mean(samples == k)
        assert abs(freq - prob[k]) < 4 * math.sqrt(prob[k] * (1 - prob[k]) / size) + 1e-12


def _truth(net, kind, K, eta, times, n=1):
    rate_vector = np.array([KB, KD])
    compiled = bl._compile(net.maxent_moments(K), net.nu(K), net.rate_symbols)

    def maxent_moments(nu):
        return compiled(np.ascontiguousarray(nu), rate_vector)

    if kind == "analytic":
        return moment_targets.AnalyticTruth(net, rate_vector, K, maxent_moments, times,
                                            bl._compile)(eta, None)
    truth = moment_targets.SsaTruth(net, RATES, K, n, times)
    return truth(eta, np.random.SeedSequence(11))


def test_analytic_truth_is_the_galton_watson_mean(net):
    times = np.linspace(0, 1, 11)
    eta = np.array([[0.3], [1.7]])
    mean = _truth(net, "analytic", 1, eta, times)[:, :, 0]
    expected = np.exp((KB - KD) * times)[None] / np.expm1(eta)
    np.testing.assert_allclose(mean, expected, rtol=1e-12)


def test_analytic_truth_k2_follows_eq28_from_the_gaussian_reading(net):
    times = np.linspace(0, 1, 11)
    nu1, nu2 = -2.5, 2.0
    mean, var = _galton_watson_mean_and_variance(0.5 - nu1 / nu2, 1 / nu2, times)
    moments = _truth(net, "analytic", 2, np.array([[nu1, nu2]]), times)[0]
    np.testing.assert_allclose(moments[:, 0], mean, rtol=1e-12)
    np.testing.assert_allclose(moments[:, 1], (var + mean ** 2 - mean) / 2, rtol=1e-12)


def _galton_watson_mean_and_variance(m0, var0, times):
    """Eq. 28 solved: mean and variance of n(t) from any initial mean and variance."""
    growth = np.exp((KB - KD) * times)
    mean = m0 * growth
    var = var0 * growth ** 2 + (KB + KD) / (KB - KD) * m0 * (growth ** 2 - growth)
    return mean, var


@pytest.mark.parametrize("eta", [[0.5], [-2.5, 2.0]])
def test_ssa_truth_matches_closed_form_moments(net, eta):
    # Start from the exact discrete p~(eta) (enumerated here); SE from eq. 28.
    times = np.linspace(0, 1, 6)
    n = 4000
    eta = np.array(eta)
    counts = np.arange(0, 200)
    log_weight = -eta[0] * counts - (eta[1] * counts * (counts - 1) / 2 if eta.size > 1 else 0)
    prob = np.exp(log_weight - log_weight.max())
    prob /= prob.sum()
    m0 = prob @ counts
    mean, var = _galton_watson_mean_and_variance(m0, prob @ counts ** 2 - m0 ** 2, times)
    ssa = _truth(net, "ssa", eta.size, eta[None], times, n)[0, :, 0]
    assert np.all(np.abs(ssa - mean) < 4 * np.sqrt(var / n))


def _batch(net, K, grid, eta, truth="analytic"):
    problem = bl._check_problem(net, RATES, K, grid, 1.0, truth, 300, None, None)
    return bl._Batch(bl._build_setup(problem), np.array(eta), np.random.SeedSequence(10))


@pytest.mark.parametrize("K", [1, 2])
def test_batch_gradient_and_curvature_match_finite_differences(net, K):
    # eq. 21 is the derivative of the recorded action (closed-form KL of
    # moment_targets): checked against central differences of the action. The
    # Gauss–Newton matrix ∫ sᵀ I s dt equals the Hessian up to residual-weighted
    # second-order terms, which are small at eq. 26/29 (residual ~ interpolation error).
    if K == 1:
        F, grid, eta = eq26(GRID)[:, None], GRID, [[0.4], [1.1], [2.0]]
    else:
        F, grid, eta = eq29_grid(), AXES2, [[-2.5, 2.0], [-1.8, 1.4]]
    batch = _batch(net, K, grid, eta)
    F = F + 0.05 * np.cos(np.arange(F.size)).reshape(F.shape)  # off the optimum
    evaluation = batch.evaluate(F, curvature=True)
    order = np.argsort(np.abs(evaluation.gradient).ravel())[::-1][:4]
    h = 1e-6
    for p in order:
        step = np.zeros(F.size)
        step[p] = h
        plus = batch.evaluate(F + step.reshape(F.shape))
        minus = batch.evaluate(F - step.reshape(F.shape))
        fd = (plus.action - minus.action) / (2 * h)
        assert fd == pytest.approx(evaluation.gradient.ravel()[p], rel=1e-5, abs=1e-12)
    at_truth = batch.evaluate(F - 0.05 * np.cos(np.arange(F.size)).reshape(F.shape),
                              curvature=True)
    direction = np.zeros(F.size)
    direction[order] = 1.0
    h = 1e-4
    F0 = F - 0.05 * np.cos(np.arange(F.size)).reshape(F.shape)
    hessian_v = (batch.evaluate(F0 + h * direction.reshape(F.shape)).gradient.ravel()
                 - batch.evaluate(F0 - h * direction.reshape(F.shape)).gradient.ravel()
                 ) / (2 * h)
    gn_v = at_truth.curvature @ direction
    assert np.abs(gn_v - hessian_v).max() < 0.05 * np.abs(hessian_v).max()


def test_second_difference_penalty_vanishes_on_affine_functions():
    shape = (5, 4)
    penalty = basis_steps.second_difference_penalty(shape, 2)
    x, y = np.meshgrid(np.arange(5.0), np.arange(4.0), indexing="ij")
    affine = np.stack([1 + 2 * x - y + 0.5 * x * y, 3 - x + 4 * y], axis=-1).ravel()
    for k in range(2):
        assert np.abs(penalty[k] @ affine).max() < 1e-12
    quadratic = np.stack([x ** 2, np.zeros_like(x)], axis=-1).ravel()
    # ‖D F_1‖² = (number of second differences along axis 0) · 2² = 3 · 4 · 4
    assert quadratic @ (penalty[0] @ quadratic) == pytest.approx(48.0)
    assert quadratic @ (penalty[1] @ quadratic) == pytest.approx(0.0)


def _k1_error(result, kb, kd):
    true = eq26(GRID, kb, kd)
    visited = result.visited()
    return np.abs(result.F[visited, 0] - true[visited]).max() / np.abs(true).max()


def _drawn_pairs(seed, n):
    rng = np.random.default_rng(seed)
    return [tuple(rng.uniform(0.2, 3.0, 2)) for _ in range(n)]


@pytest.mark.parametrize("kb, kd", [(KB, KD), (0.5, 1.5)] + _drawn_pairs(20261203, 2))
def test_gauss_newton_k1_within_2_percent_in_30_iterations(net, kb, kd):
    result = learn_basis(net, {"birth": kb, "death": kd}, 1, GRID, 1.0, 30, seed=1)
    assert isinstance(result, LearningResult)
    assert tuple(result.info)[:4] == INFO_KEYS and result.info["optimizer"] == "gauss_newton"
    assert result.info["iterations"] <= 30
    assert result.visited().sum() >= 28
    assert _k1_error(result, kb, kd) < 0.02


@pytest.mark.slow
@pytest.mark.parametrize("kb, kd", _drawn_pairs(7, 8))
def test_gauss_newton_k1_within_2_percent_on_more_drawn_rates(net, kb, kd):
    result = learn_basis(net, {"birth": kb, "death": kd}, 1, GRID, 1.0, 30, seed=2)
    assert _k1_error(result, kb, kd) < 0.02


def test_paper_gradient_method_still_converges_slowly(net):
    result = learn_basis(net, RATES, 1, GRID, 1.0, 200, seed=1, settings=GRADIENT)
    assert reexported is learn_basis
    assert result.visited().sum() == GRID.size
    assert _k1_error(result, KB, KD) < 0.05
    assert result.action_history[-1] < 1e-3 * result.action_history[0]
    assert result.F.shape == (30, 1) and result.action_history.shape == (200,)
    assert result.F_history.shape == (201, 30, 1)
    np.testing.assert_array_equal(result.grid[:, 0], GRID)
    assert not result.info["converged"] and result.info["evaluations"] == 200


def test_learn_is_deterministic_given_seed(net):
    settings = BasisLearningSettings(n_initial=4)
    first = learn_basis(net, RATES, 1, GRID, 1.0, 3, seed=3, settings=settings)
    second = learn_basis(net, RATES, 1, GRID, 1.0, 3, seed=3, settings=settings)
    other = learn_basis(net, RATES, 1, GRID, 1.0, 3, seed=4, settings=settings)
    np.testing.assert_array_equal(first.F, second.F)
    assert not np.array_equal(first.eta, other.eta)


def _k2_errors(result):
    truth = eq29_grid()
    visited = result.visited()
    return [np.abs(result.F[..., k] - truth[..., k])[visited].max()
            / np.abs(truth[..., k][visited]).max() for k in range(2)]


@pytest.mark.slow
def test_gauss_newton_k2_within_10_percent_of_eq29_on_visited_nodes(net):
    result = learn_basis(net, RATES, 2, AXES2, 1.0, 30, seed=2,
                         eta_range=[[-2.8, -1.5], [1.2, 2.2]])
    assert result.F.shape == (41, 30, 2) and result.eta.shape[1:] == (32, 2)
    assert result.visited().sum() > 100
    assert max(_k2_errors(result)) < 0.10


def test_learn_k1_ssa_reduces_action_to_that_of_eq26(net):
    settings = BasisLearningSettings(n_initial=8)
    result = learn_basis(net, RATES, 1, GRID, 1.0, 10, seed=5, truth="ssa",
                         n_trajectories=300, settings=settings)
    # Score the initial, the learned and the exact F (eq. 26) on the same fresh eta and
    # the same SSA data (common random numbers); SEs come from the per-eta differences.
    eta = np.random.default_rng(9).uniform(GRID[0], GRID[-1], size=(64, 1))
    batch = _batch(net, 1, GRID, eta, truth="ssa")
    before, after, exact = (batch.evaluate(F).actions
                            for F in (result.F_history[0], result.F, eq26(GRID)[:, None]))

    def mean_and_se(values):
        return values.mean(), values.std(ddof=1) / math.sqrt(values.size)

    gain, gain_se = mean_and_se(before - after)
    excess, excess_se = mean_and_se(after - exact)
    assert gain > 4 * gain_se
    assert excess < 4 * excess_se


@pytest.mark.slow
def test_learn_k1_ssa_converges_where_data_is_informative(net):
    # memory 0.9: the accumulated curvature averages the batches' sampling noise
    settings = BasisLearningSettings(n_initial=16, memory=0.9)
    result = learn_basis(net, RATES, 1, GRID, 1.0, 30, seed=1, truth="ssa",
                         n_trajectories=5000, settings=settings)
    informative = GRID <= 1.0  # <n> >= 0.58 at t = 0; above, SSA noise dominates (~10-20%)
    error = np.abs(result.F[informative, 0] - eq26(GRID[informative]))
    assert error.max() < 0.05 * np.abs(eq26(GRID)).max()


@pytest.mark.parametrize("kwargs, match", [
    ({"K": 3}, "`K` of `learn_basis` must be"),
    ({"truth": "exact"}, "`truth` of `learn_basis` must be `one of"),
    ({"T": -1.0}, "`T` of `learn_basis` must be"),
    ({"iterations": 0}, "`iterations` of `learn_basis` must be"),
    ({"grid": np.array([0.1, 0.2, 0.4])}, "`grid` of `learn_basis` must be"),
    ({"grid": np.array([-0.1, 0.0, 0.1])}, "`grid` of `learn_basis` must be `positive"),
    ({"rates": {"birth": 1.0}}, "`rates` of `learn_basis` must be"),
    ({"eta_range": [2.0, 1.0]}, "`eta_range` of `learn_basis` must be"),
    ({"initial_F": np.ones(7)}, "`initial_F` of `learn_basis` must be `finite"),
    ({"initial_F": np.nan}, "`initial_F` of `learn_basis` must be `finite"),
])
def test_learn_validates_arguments_before_compiling(net, kwargs, match, monkeypatch):
    def no_compiling(*args):
        raise AssertionError("learn_basis compiled before validating its arguments")

    monkeypatch.setattr(bl, "_compile", no_compiling)
    arguments = dict(rates=RATES, K=1, grid=GRID, T=1.0, iterations=2)
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=match):
        learn_basis(net, **arguments)


@pytest.mark.parametrize("kwargs, match", [
    ({"optimizer": "bfgs"}, r"`optimizer` of `BasisLearningSettings` must be `one of "
                         r"\['gauss_newton', 'gradient'\]`; got `'bfgs'`"),
    ({"step_rule": "adam"}, "`step_rule` of `BasisLearningSettings` must be `one of"),
    ({"n_record": 7}, "`n_record` of `BasisLearningSettings` must be"),
    ({"n_initial": 0}, "`n_initial` of `BasisLearningSettings` must be"),
    ({"learning_rate": 0.0}, "`learning_rate` of `BasisLearningSettings` must be"),
    ({"decay": 1.5}, "`decay` of `BasisLearningSettings` must be `in"),
    ({"memory": 0.0}, "`memory` of `BasisLearningSettings` must be"),
    ({"smoothness": -1.0}, "`smoothness` of `BasisLearningSettings` must be"),
    ({"damping": 0.0}, "`damping` of `BasisLearningSettings` must be"),
])
def test_settings_are_validated_on_creation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BasisLearningSettings(**kwargs)


def test_settings_must_be_a_settings_object(net):
    with pytest.raises(TypeError, match="`settings` of `learn_basis` must be"):
        learn_basis(net, RATES, 1, GRID, 1.0, 1, settings={"optimizer": "gradient"})


def test_non_finite_basis_values_are_rejected_before_integrating():
    F = np.zeros((30, 1))
    F[4, 0] = np.nan
    with pytest.raises(ValueError, match="`F` of `integrate_reduced` must be `finite`"):
        integrate_reduced(F, np.arange(1, 31) / 10, [0.5], 1.0)


def test_a_trajectory_that_overflows_stops_with_an_error_not_a_crash(net):
    # ν + dt·F overflows to inf in the first step; before the guard, the NaN that
    # followed indexed outside the grid in the compiled kernel.
    F = np.full((30, 1), 1e308)
    with pytest.raises(FloatingPointError, match=r"^the reduced trajectory ν\(t\) of "
                       r"integrate_reduced left the finite numbers at step 1 of 200"):
        integrate_reduced(F, np.arange(1, 31) / 10, [0.5], 1.0)
    for method in ("gradient", "gauss_newton"):
        with pytest.raises(FloatingPointError, match=r"^the reduced trajectory ν\(t\) of "
                           r"learn_basis left the finite numbers at step 1 of 200"):
            learn_basis(net, RATES, 1, GRID, 1.0, 1, seed=0, initial_F=1e308,
                        settings=BasisLearningSettings(optimizer=method, n_initial=1))


def test_paths_leaving_the_domain_are_left_out_and_counted(net):
    # F = -1 everywhere (also beyond the box) gives nu(t) = eta - t, which leaves
    # nu > 0 (p̃ not normalisable) before T = 1 exactly when eta <= 1: those paths
    # cannot be scored and are left out; if all leave, the run stops with an error.
    result = learn_basis(net, RATES, 1, GRID, 1.0, 1, seed=0, initial_F=-1.0,
                         settings=GRADIENT)
    assert result.info["dropped_paths"] == np.sum(result.eta[0, :, 0] <= 1.0) > 0
    assert np.all(np.isnan(result.action_per_initial[0][result.eta[0, :, 0] <= 1.0]))
    with pytest.raises(FloatingPointError, match="every reduced trajectory of the "
                       "iteration left the domain nu1 > 0"):
        learn_basis(net, RATES, 1, GRID, 1.0, 1, seed=0, initial_F=-5.0, settings=GRADIENT)


def test_an_analytic_truth_that_cannot_apply_says_to_use_ssa():
    import numpy as np

    from dynboltz.errors import InvalidArgumentError
    from dynboltz.runtime.wellmixed.basis_learning import learn_basis
    from dynboltz.symbolic import WellMixed

    net = WellMixed({"b": "A + A -> A", "d": "A -> 0"})  # bimolecular: no closed hierarchy
    with pytest.raises(InvalidArgumentError, match=r"^`truth` of `learn_basis` must be "
                                                   r"`'ssa' for this network.*pass "
                                                   r"truth='ssa'`; got `'analytic'`$"):
        learn_basis(net, {"b": 0.1, "d": 1.0}, 1, np.arange(1, 31) / 10, 1.0, 2, seed=0)
