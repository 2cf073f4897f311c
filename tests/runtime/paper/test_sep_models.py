"""The spatial reduced models of the SEP (Algorithm 2, hybrid, constant drift)."""
import warnings

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.paper.sep_ann import EXACT_RATES, X0
from dynboltz.runtime.paper.sep_models import (SEP_MODELS, ModelInputs, build_model,
                                                     extrapolate_model, learned_rates_field)
from dynboltz.runtime.learning import integrate
from dynboltz.runtime.paper.ann import sep_features
from dynboltz.runtime.paper.parameter_trajectories import smooth_trajectory

SEP = library.sep
THETA = np.array([8.0, 0.3, 0.6, 20.0, 30.0, 25.0, 15.0])
"""Rates of the synthetic data, in ``library.sep.process_names`` order."""


def test_learned_rates_field_is_the_compiled_reduced_model():
    # Independent route: the compiled RK4 integrator of eq. 52 against numpy RK4 on the
    # field built from the basis functions.
    times = np.linspace(0.0, 0.3, 31)
    compiled = integrate(SEP, THETA, np.array(X0), times, sensitivities=False).x
    from dynboltz.runtime.paper.ann import integrate_rk4

    ours = integrate_rk4(learned_rates_field(SEP, THETA), np.array(X0), times).x
    assert np.abs(ours - compiled).max() < 1e-9
    batch = learned_rates_field(SEP, THETA)(compiled[:3])
    assert np.allclose(batch[1], learned_rates_field(SEP, THETA)(compiled[1]), rtol=1e-12)


@pytest.fixture(scope="module")
def synthetic_inputs():
    """Moments of the reduced model itself at THETA: Algorithm 2 must find THETA."""
    times = np.linspace(0.0, 0.5, 51)
    x = integrate(SEP, THETA, np.array(X0), times, sensitivities=False).x
    moments = SEP.moments(x)
    training = smooth_trajectory(SEP, times, moments)
    return ModelInputs(SEP, times, moments, training, sep_features(), np.array(X0),
                       dict(EXACT_RATES), 0)


def test_algorithm2_recovers_the_rates_of_its_own_model(synthetic_inputs):
    model = build_model("algorithm2", synthetic_inputs)
    learned = np.array([model.info["rates"][p] for p in SEP.process_names])
    assert model.info["converged"]
    assert np.allclose(learned, THETA, rtol=1e-3)


def test_extrapolation_starts_at_the_start_and_maps_moments(synthetic_inputs):
    model = build_model("algorithm2", synthetic_inputs)
    start = synthetic_inputs.training.x[-1]
    times = np.linspace(0.5, 0.8, 31)
    x, moments, info = extrapolate_model(model, SEP, start, times)
    assert np.array_equal(x[0], start) and info["diverged_at"] is None
    assert np.allclose(moments, SEP.moments(x), rtol=1e-12)
    exact = integrate(SEP, THETA, start, times, sensitivities=False).x
    # Learned rates within 1e-3 of the true ones: the paths agree to that order.
    assert np.abs(x - exact).max() < 1e-3


def test_constant_drift_is_a_straight_line(synthetic_inputs):
    model = build_model("constant_drift", synthetic_inputs)
    start = synthetic_inputs.training.x[-1]
    times = np.linspace(0.5, 1.0, 11)
    x, _, _ = extrapolate_model(model, SEP, start, times)
    slope = synthetic_inputs.training.dxdt[-1]
    assert np.allclose(x, start + (times - 0.5)[:, None] * slope, rtol=1e-12, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_hybrid_is_the_learned_rates_plus_the_mean_residual_network(synthetic_inputs):
    options = {"hidden": (4,), "members": 2, "max_iter": 50}
    hybrid = build_model("hybrid", synthetic_inputs, options)
    base = build_model("algorithm2", synthetic_inputs)
    x = synthetic_inputs.training.x
    residual = synthetic_inputs.training.dxdt - base.field(x)
    # The networks fit the residual of the learned rates, so along the training path
    # the hybrid is closer to the filtered dx/dt than the rates alone, up to the fit.
    assert hybrid.info["members"] == 2
    rms_hybrid = np.sqrt(np.mean((hybrid.field(x) - synthetic_inputs.training.dxdt) ** 2))
    assert rms_hybrid <= np.sqrt(np.mean(residual ** 2)) + 1e-12
    assert hybrid.info["residual_rms"] == pytest.approx(np.sqrt(np.mean(residual ** 2)))


def test_build_model_checks_its_arguments(synthetic_inputs):
    with pytest.raises(ValueError, match="algorithm2"):
        build_model("ann2", synthetic_inputs)
    with pytest.raises(ValueError, match="options"):
        build_model("algorithm2", synthetic_inputs, {"alpha": 1.0})
    with pytest.raises(TypeError, match="ModelInputs"):
        build_model("algorithm2", {})
    assert set(SEP_MODELS) == {"algorithm2", "hybrid", "constant_drift"}
