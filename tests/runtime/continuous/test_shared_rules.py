"""The particle simulator, eq. 42's integrator and the spatial learning share one times
check and one hat-function rule."""
import numpy as np
import pytest

from dynboltz.runtime.continuous import Domain
from dynboltz.runtime.continuous.particles import simulate_particles
from dynboltz.runtime.continuous.pde import hat_interpolate, hat_weights, integrate_pde

_GRID = np.linspace(-1.0, 2.0, 7)


def test_hat_weights_reproduce_the_interpolation_inside_and_beyond_the_grid():
    values = np.random.default_rng(0).normal(size=_GRID.size)
    nu = np.linspace(-2.0, 3.0, 41).reshape(41, 1)   # clamped ends included
    weights = hat_weights(nu, _GRID)
    assert weights.shape == (41, 1, _GRID.size)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-15)
    np.testing.assert_allclose(weights @ values, hat_interpolate(values, _GRID, nu)[0],
                               rtol=0, atol=1e-14)


@pytest.mark.parametrize("times", [[0.5, 0.2], [0.05], [np.nan, 1.0], [[0.2, 0.3]]])
def test_particles_and_pde_refuse_the_same_times_alike(times):
    message = (r"`times` of `{}` must be `a non-empty ascending 1-D array of finite times "
               r">= t0 = 0.1`")
    with pytest.raises(ValueError, match=message.format("simulate_particles")):
        simulate_particles({"diffusion": 1.0}, np.zeros(3), times, t0=0.1, domain=(-1.0, 1.0))
    domain = Domain(-1.0, 1.0, "reflecting", 11)
    with pytest.raises(ValueError, match=message.format("integrate_pde")):
        integrate_pde(np.zeros(_GRID.size), np.ones(_GRID.size), _GRID, np.zeros(11), domain,
                      0.1, times)
