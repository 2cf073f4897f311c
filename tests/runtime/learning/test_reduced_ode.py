"""Compiled reduced model (eq. 52) and sensitivities (eq. 54).

Independent routes: scipy's DOP853 at tight tolerances on a numpy right-hand
side (lib.basis) for the trajectory; central finite differences of
``integrate`` in θ for the sensitivities; forward sensitivities for the
adjoint sweep; the numpy LatticeReference and finite differences of
ln λ₊ (whose gradient is the moments, eq. 47) for the new log_eigenvalue;
a fresh `integrate` for every rerun of a reused PreparedIntegration.
"""
import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dynboltz.generated import library
from dynboltz.runtime.learning import _reduced_ode
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.learning import adjoint_gradient, integrate, learn_rates
from dynboltz.errors import IntegrationError
from dynboltz.runtime.learning.reduced_ode import PreparedIntegration, integration_options
from dynboltz.symbolic.lattice.motif import LatticeMotif

CASES = {
    "barw": (np.array([10.0, 10.0, 10.0]), np.array([1.0, 0.0])),
    "trivalent": (np.array([1.0, 0.5, 1.0, 2.0, 0.7]),
                  np.array([0.2, -0.3, -1.0, 0.1, 0.0, 0.0, -0.2, 0.0, 0.3])),
}
TIMES = np.linspace(0.0, 1.0, 26)


def _case(name):
    theta, x0 = CASES[name]
    return getattr(library, name), theta, x0


def _scipy_trajectory(lib, theta, x0, times):
    sol = solve_ivp(lambda t, x: theta @ lib.basis(x), (times[0], times[-1]), x0,
                    t_eval=times, method="DOP853", rtol=1e-13, atol=1e-13)
    return sol.y.T


@pytest.mark.parametrize("name", ["barw", "trivalent", "sep"])
def test_log_eigenvalue_matches_reference_and_its_gradient_is_the_moments(name):
    lib = getattr(library, name)
    reference = LatticeReference.from_motif(LatticeMotif.builtin(name))
    xs = np.random.default_rng(5).uniform(-3, 3, (4, lib.n_params))
    np.testing.assert_allclose(lib.log_eigenvalue(xs), reference.log_eigenvalue(xs),
                               rtol=1e-12)
    assert isinstance(lib.log_eigenvalue(xs[0]), float)
    eps = 1e-6
    steps = np.eye(lib.n_params) * eps
    slope = np.array([(lib.log_eigenvalue(xs[0] + e) - lib.log_eigenvalue(xs[0] - e))
                      / (2 * eps) for e in steps])
    np.testing.assert_allclose(slope, lib.moments(xs[0]), atol=1e-8)


def test_point_kernels_are_named_capsules():
    assert "dynboltz.motif.basis_and_jacobian" in repr(library.barw.point_kernel)
    assert "dynboltz.motif.moments_and_log_eigenvalue" in repr(library.barw.moments_kernel)


def test_a_capsule_of_the_wrong_kind_is_refused_in_the_message_shape():
    T, L, P = 2, 2, 3
    arrays = (np.ones(T), np.zeros((T, L)), np.zeros((T, L)), np.zeros((T, P, L)),
              np.zeros((T, L)), np.zeros(T), np.zeros(P))
    with pytest.raises(TypeError, match=r"^`capsule` of `exact_action_gradient` must be "
                       r"`a MotifLibrary.moments_kernel PyCapsule named "
                       r"'dynboltz.motif.moments_and_log_eigenvalue'`; got `<capsule "
                       r"object \"dynboltz.motif.basis_and_jacobian\""):
        _reduced_ode.exact_action_gradient(library.barw.point_kernel, *arrays)


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
def test_prepared_integration_reruns_in_place_like_fresh_integrations(method):
    # A learning run reuses one PreparedIntegration: nothing of one theta may
    # leak into the next (the workspace, FSAL stage, recorded steps).
    lib, theta, x0 = _case("barw")
    method, options = integration_options("test", method, substeps=2)
    prepared = PreparedIntegration(lib, x0, TIMES, method, options, sensitivities=True,
                                   record_steps=True)
    buffers = prepared.x, prepared.s
    for scale in (1.0, 0.3, 1.0):
        prepared.run(theta * scale)
        fresh = integrate(lib, theta * scale, x0, TIMES, integrator=method, substeps=2,
                          record_steps=True)
        assert prepared.x is buffers[0] and prepared.s is buffers[1]
        np.testing.assert_array_equal(prepared.x, fresh.x)
        np.testing.assert_array_equal(prepared.s, fresh.sensitivities)
        assert prepared.info == fresh.info
        for mine, theirs in zip(prepared.recorded_steps(), fresh._steps):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_trajectory_matches_scipy(name):
    lib, theta, x0 = _case(name)
    truth = _scipy_trajectory(lib, theta, x0, TIMES)
    adaptive = integrate(lib, theta, x0, TIMES, integrator="adaptive", rtol=1e-11, atol=1e-12,
                         sensitivities=False)
    np.testing.assert_allclose(adaptive.x, truth, atol=1e-9)
    errors = [np.abs(integrate(lib, theta, x0, TIMES, substeps=k).x - truth).max()
              for k in (16, 32)]
    assert errors[0] < 1e-5
    assert 10 < errors[0] / errors[1] < 22   # fourth order: ratio 2**4


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_sensitivities_match_finite_differences(name, method):
    lib, theta, x0 = _case(name)
    options = dict(integrator=method, rtol=1e-12, atol=1e-13)
    trajectory = integrate(lib, theta, x0, TIMES, **options)
    assert trajectory.sensitivities.shape == (TIMES.size, lib.n_processes, lib.n_params)
    assert np.all(trajectory.sensitivities[0] == 0)
    eps = 1e-6
    for s in range(lib.n_processes):
        up, down = theta.copy(), theta.copy()
        up[s] += eps
        down[s] -= eps
        fd = (integrate(lib, up, x0, TIMES, sensitivities=False, **options).x
              - integrate(lib, down, x0, TIMES, sensitivities=False, **options).x) / (2 * eps)
        np.testing.assert_allclose(trajectory.sensitivities[:, s], fd, atol=2e-8)


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_adjoint_equals_forward_sensitivities(name, method):
    lib, theta, x0 = _case(name)
    trajectory = integrate(lib, theta, x0, TIMES, integrator=method, substeps=3,
                           record_steps=True)
    forcing = np.random.default_rng(2).normal(size=trajectory.x.shape)
    forward = np.einsum("kl,ksl->s", forcing, trajectory.sensitivities)
    adjoint = adjoint_gradient(lib, trajectory, forcing)
    np.testing.assert_allclose(adjoint, forward, rtol=1e-10, atol=1e-13)


def test_adjoint_on_its_own_steps_agrees_within_tolerance():
    # Without sensitivities the adaptive steps differ (error control on x only).
    lib, theta, x0 = _case("barw")
    forcing = np.random.default_rng(3).normal(size=(TIMES.size, lib.n_params))
    forward = np.einsum("kl,ksl->s", forcing,
                        integrate(lib, theta, x0, TIMES, integrator="adaptive",
                                  rtol=1e-11, atol=1e-12).sensitivities)
    alone = integrate(lib, theta, x0, TIMES, integrator="adaptive", sensitivities=False,
                      record_steps=True, rtol=1e-11, atol=1e-12)
    assert alone.sensitivities is None
    np.testing.assert_allclose(adjoint_gradient(lib, alone, forcing), forward, rtol=1e-7)


def test_divergence_raises():
    with pytest.raises(IntegrationError, match="non-finite"):
        integrate(library.barw, [1e6, 0.0, 0.0], [1.0, 0.0], [0.0, 1.0])


def test_rk4_steps_too_coarse_for_the_rates_suggest_the_fix():
    # Δt = 0.1 and θ = (5, 5, 25): h·rate is past RK4's stability limit with one step.
    lib, theta, x0 = library.barw, [5.0, 5.0, 25.0], [1.0, 0.0]
    times = np.linspace(0.0, 2.0, 21)
    hint = (r"failed: the state became non-finite; the step is too coarse for these rates; "
            r"pass substeps=4 or pass integrator='adaptive'$")
    with pytest.raises(IntegrationError, match=hint):
        integrate(lib, theta, x0, times)
    # both suggested fixes integrate; adaptive agrees with much finer RK4 steps
    fine = integrate(lib, theta, x0, times, substeps=4, sensitivities=False).x
    adaptive = integrate(lib, theta, x0, times, integrator="adaptive", sensitivities=False).x
    finest = integrate(lib, theta, x0, times, substeps=400, sensitivities=False).x
    assert np.all(np.isfinite(fine))
    np.testing.assert_allclose(adaptive, finest, atol=1e-6)
    with pytest.raises(IntegrationError, match=hint):
        learn_rates(lib, (times, lib.moments(fine)), x0, theta, iterations=1, progress=False)


def test_validation_messages():
    lib = library.barw
    good = dict(theta=[1.0, 1.0, 1.0], x0=[0.0, 0.0], times=[0.0, 1.0])
    bad = [({"theta": [1.0, 1.0]}, "`theta` of `integrate` must be `a real array of shape"),
           ({"x0": [np.nan, 0.0]}, "`x0` of `integrate` must be `finite"),
           ({"times": [0.0, 0.0]}, "`times` of `integrate` must be `finite and strictly"),
           ({"times": [[0.0, 1.0]]}, "`times` of `integrate` must be `a non-empty 1-D")]
    for change, message in bad:
        with pytest.raises(ValueError, match=message):
            integrate(lib, **{**good, **change})
    with pytest.raises(ValueError, match="`integrator` of `integrate` must be `one of"):
        integrate(lib, **good, integrator="euler")
    with pytest.raises(ValueError, match="`substeps` of `integrate` must be `an integer"):
        integrate(lib, **good, substeps=0)
    with pytest.raises(TypeError, match="`lib` of `integrate` must be `a compiled"):
        integrate(LatticeMotif.builtin("barw"), **good)
    trajectory = integrate(lib, **good)
    with pytest.raises(TypeError, match="record_steps=True"):
        adjoint_gradient(lib, trajectory, np.zeros((2, 2)))
    recorded = integrate(lib, **good, record_steps=True)
    with pytest.raises(ValueError, match="`forcing` of `adjoint_gradient` must be"):
        adjoint_gradient(lib, recorded, np.zeros((3, 2)))
    # a trajectory of another library (sizes the compiled sweep would read past)
    other = integrate(library.trivalent, [1.0] * 5, [0.0] * 9, [0.0, 1.0], record_steps=True)
    for lib_, trajectory, got in ((lib, other, "5 rates, 9 parameters"),
                                  (library.trivalent, recorded, "3 rates, 2 parameters")):
        expected = f"{lib_.n_processes} rates, {lib_.n_params} parameters"
        with pytest.raises(ValueError, match=rf"^`trajectory` of `adjoint_gradient` must be "
                           rf"`a trajectory of lib \({expected}\)`; got `'{got}'`$"):
            adjoint_gradient(lib_, trajectory, np.zeros(trajectory.x.shape))
