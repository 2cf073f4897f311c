"""Method of lines for eq. 42: convergence order against eq. 33 and A15 against finite differences."""
import math

import numpy as np
import pytest

from dynboltz.runtime.continuous import Domain, integrate_pde
from dynboltz.runtime.continuous.heat_kernel import point_source_nu

_GRID = np.linspace(-1.0, 4.0, 11)


def _error(M, T=0.6, t0=0.1):
    domain = Domain(-3.0, 3.0, "reflecting", M)
    eta = point_source_nu(domain.nodes, t0, 0.0, 1.0, math.inf, domain)
    ones = np.ones(_GRID.size)
    trajectory = integrate_pde(-ones, ones, _GRID, eta, domain, t0, [t0, T],
                               sensitivities=False)
    exact = point_source_nu(domain.nodes, T, 0.0, 1.0, math.inf, domain)
    return np.abs(trajectory.nu[-1] - exact).max()


def test_reproduces_point_source_at_second_order():
    # eq. 33 with its mirror images (reflecting walls) solves eq. 42 at F1 = -D, F2 = D
    coarse, fine = _error(61), _error(121)
    order = math.log2(coarse / fine)
    assert coarse < 2e-2 and fine < 4e-3
    assert 1.8 < order < 2.2


def test_quadratic_profile_is_exact_on_the_line_interior():
    # eq. 33 is quadratic in y: the central differences are exact on it, so away from
    # the walls (where images matter) only the O(dt^4) time error remains
    domain = Domain(-6.0, 6.0, "reflecting", 121)
    eta = point_source_nu(domain.nodes, 0.5, 0.0, 1.0, math.inf)
    ones = np.ones(_GRID.size)
    nu = integrate_pde(-ones, ones, _GRID, eta, domain, 0.5, [0.5, 0.7],
                       sensitivities=False).nu[-1]
    centre = np.abs(domain.nodes) < 1.0
    exact = point_source_nu(domain.nodes, 0.7, 0.0, 1.0, math.inf)
    assert np.abs(nu - exact)[centre].max() < 1e-9


@pytest.mark.parametrize("boundary", ["reflecting", "periodic"])
def test_sensitivities_match_finite_differences(boundary):
    domain = Domain(-3.0, 3.0, boundary, 41)
    eta = point_source_nu(domain.nodes, 0.2, 0.0, 1.0, math.inf, domain)
    rng = np.random.default_rng(0)
    F = np.array([-1.0 + 0.2 * rng.standard_normal(11), 1.0 + 0.2 * rng.random(11)])
    times = np.linspace(0.2, 0.6, 5)
    trajectory = integrate_pde(F[0], F[1], _GRID, eta, domain, 0.2, times, dt=2e-3)
    h = 1e-6
    for gamma, g in [(0, 3), (0, 5), (1, 3), (1, 6)]:
        up, down = F.copy(), F.copy()
        up[gamma, g] += h
        down[gamma, g] -= h
        plus = integrate_pde(*up, _GRID, eta, domain, 0.2, times, dt=2e-3,
                             sensitivities=False).nu
        minus = integrate_pde(*down, _GRID, eta, domain, 0.2, times, dt=2e-3,
                              sensitivities=False).nu
        s = trajectory.sensitivity[:, gamma, g]
        assert np.abs(s).max() > 1e-2
        np.testing.assert_allclose(s, (plus - minus) / (2 * h), atol=1e-7)


def test_rejects_negative_diffusion_and_reports_blow_up():
    domain = Domain(0.0, 1.0, "reflecting", 11)
    eta = np.linspace(0.0, 1.0, 11) ** 2
    with pytest.raises(ValueError, match="F2"):
        integrate_pde(np.zeros(11), -np.ones(11), _GRID, eta, domain, 0.0, [0.1])
    with pytest.raises(FloatingPointError, match="RK4 step"):
        integrate_pde(np.zeros(11), np.ones(11), _GRID, eta, domain, 0.0, [10.0], dt=0.1)
