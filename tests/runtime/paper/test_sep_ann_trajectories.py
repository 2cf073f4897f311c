"""Parameter trajectories: inverse Ising per time point, zero-phase filter, derivatives."""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.paper.parameter_trajectories import (filtered_derivative, lowpass,
                                                              noise_gain,
                                                              parameter_trajectory,
                                                              smooth_trajectory)

X0 = np.array([0.5, 1.0, -1.0, -1.0] + [0.0] * 10)
PAPER_RATES = {"bind": 0.1, "unbind": 0.1, "catalysis": 0.5, "diffusion_S": 1.0,
               "diffusion_E": 1.0, "diffusion_C": 1.0, "diffusion_P": 1.0}


def _drawn_path(seed, n_times=40):
    """A smooth random path through parameter space (drawn, not tuned)."""
    rng = np.random.default_rng(seed)
    start, end = rng.normal(0, 1, 14), rng.normal(0, 1, 14)
    s = np.linspace(0, 1, n_times)[:, None]
    return start + (end - start) * s + 0.3 * np.sin(3 * np.pi * s) * rng.normal(0, 1, 14)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inverse_ising_trajectory_reproduces_its_moments(seed):
    lib = library.sep
    x_true = _drawn_path(seed)
    moments = lib.moments(x_true)
    x = parameter_trajectory(lib, moments)
    assert np.abs(lib.moments(x) / moments - 1).max() < 1e-10
    assert np.abs(x - x_true).max() < 1e-6


def test_inverse_ising_of_simulated_moments_round_trips():
    lib = library.sep
    times = np.arange(21) * 0.01
    # Enough sites and replicates that every bond type occurs at every time.
    ens = simulate(lib, PAPER_RATES, X0, times, replicates=40, seed=3, workers=1, N=100,
                   scheme="paper")
    moments = ens.moments.mean(axis=0)
    x = parameter_trajectory(lib, moments)
    assert np.abs(lib.moments(x) / moments - 1).max() < 1e-9


def test_boltzmann_method_agrees_with_newton():
    lib = library.barw
    x_true = np.stack([np.linspace(-0.5, 0.5, 5), np.linspace(0.3, -0.3, 5)], axis=1)
    moments = lib.moments(x_true)
    x = parameter_trajectory(lib, moments, method="boltzmann")
    assert np.abs(x - x_true).max() < 1e-6


def _reduced_sep_path(n_times):
    """x(t) of the SEP reduced model (eq. 52) from X0: a path like the data's."""
    from dynboltz.runtime.learning import integrate

    theta = np.array([10.0, 0.1, 0.5, 5.0, 5.0, 5.0, 5.0])
    times = np.linspace(0.0, 0.5, n_times)
    return integrate(library.sep, theta, X0, times, integrator="adaptive",
                     sensitivities=False).x


def test_boltzmann_method_converges_on_the_sep():
    # The SEP's Hessian has condition numbers of hundreds: the ascent's learning rate
    # is set from its largest eigenvalue, and every time point converges.
    x_true = _reduced_sep_path(8)
    x = parameter_trajectory(library.sep, library.sep.moments(x_true), method="boltzmann")
    assert np.abs(x - x_true).max() < 1e-6


def test_boltzmann_method_refuses_with_the_reason(monkeypatch):
    from dynboltz.runtime.common.results import ConvergenceError
    from dynboltz.runtime.paper import parameter_trajectories

    monkeypatch.setattr(parameter_trajectories, "BOLTZMANN_MAX_ITER", 20)
    moments = library.sep.moments(_reduced_sep_path(4))
    with pytest.raises(ConvergenceError, match="time index 1.*condition number"):
        parameter_trajectory(library.sep, moments, method="boltzmann")


@pytest.mark.slow
def test_boltzmann_method_at_paper_size():
    from dynboltz.runtime.paper.sep_ann import sep_data, sep_settings

    moments = sep_data(sep_settings("paper", seed=0), workers=2)
    x = parameter_trajectory(library.sep, moments, method="boltzmann")
    newton = parameter_trajectory(library.sep, moments)
    # Measured: 5e-8 on seeds 0 and 3 (the tolerance is 1e-10 on the moments).
    assert np.abs(x - newton).max() < 1e-6


def test_lowpass_keeps_a_smooth_signal():
    times = np.arange(201) * 0.01
    smooth = np.exp(-times) + 0.2 * np.sin(2 * np.pi * 0.5 * times)
    out = lowpass(times, smooth, cutoff=3.0)
    # Zero phase: no lag (a causal filter of this order lags ~0.1 time units, an
    # error of ~0.1 here); odd-extension padding keeps the ends to 0.5 %.
    assert np.abs(out - smooth).max() < 1e-2
    assert np.abs(out - smooth)[40:-40].max() < 1e-3


def test_lowpass_removes_white_noise_by_the_predicted_factor():
    dt, cutoff, n_series, length = 0.01, 3.0, 40, 4000
    rng = np.random.default_rng(7)
    times = np.arange(length) * dt
    ratios = []
    for _ in range(n_series):
        noise = rng.normal(0, 1, length)
        out = lowpass(times, noise, cutoff=cutoff)[200:-200]
        ratios.append(out.var() / noise.var())
    ratios = np.array(ratios)
    mean, se = ratios.mean(), ratios.std(ddof=1) / np.sqrt(n_series)
    predicted = noise_gain(dt, cutoff)
    assert abs(mean - predicted) < 4 * se
    # A sharp filter would leave 2 dt cutoff = 0.06 of the variance.
    assert 0.04 < predicted < 0.07
    assert 1 / mean > 14


def test_filtered_derivative_of_a_sine():
    times = np.arange(301) * 0.01
    values = np.column_stack([np.sin(2 * times), times ** 2])
    derivative = filtered_derivative(times, values, cutoff=4.0)
    truth = np.column_stack([2 * np.cos(2 * times), 2 * times])
    assert np.abs(derivative - truth)[40:-40].max() < 1e-3
    assert np.abs(derivative - truth).max() < 2e-2


def test_smooth_trajectory_on_clean_moments_returns_the_path():
    lib = library.sep
    times = np.arange(101) * 0.02
    x_true = _drawn_path(5, 101)
    result = smooth_trajectory(lib, times, lib.moments(x_true), cutoff=5.0)
    assert np.abs(result.raw - x_true).max() < 1e-6
    assert np.abs(result.x - x_true).max() < 0.02
    slope = np.gradient(x_true, times, axis=0)
    assert np.abs(result.dxdt - slope)[20:-20].max() < 0.01 * np.abs(slope).max()


@pytest.mark.parametrize("call, message", [
    (lambda: lowpass(np.arange(10) * 0.1, np.ones(10)), "padding"),
    (lambda: lowpass(np.array([0, 0.1, 0.3] + list(np.arange(4, 40) * 0.1)), np.ones(39)),
     "evenly spaced"),
    (lambda: lowpass(np.arange(100) * 0.01, np.ones(100), cutoff=60.0), "Nyquist"),
    (lambda: parameter_trajectory(library.sep, np.ones((3, 2))), "shape"),
    (lambda: parameter_trajectory(library.sep, np.ones((3, 14)), method="x"), "one of"),
])
def test_bad_input_is_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()
