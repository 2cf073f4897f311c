"""Exact symbolic checks of eq. 33, 34, 42 and A15, and the compiled stencil against them."""
import numpy as np
import pytest
import sympy

from dynboltz.symbolic import continuous as sc


def test_eq33_solves_eq34_and_eq42_with_true_parameterisation():
    nu = sc.point_source_nu()
    F1, F2 = sc.true_parameterisation()
    assert (F1, F2) == (-sc.D, sc.D)
    assert sympy.simplify(sympy.diff(nu, sc.T) - sc.diffusion_functional(nu)) == 0
    assert sympy.simplify(sympy.diff(nu, sc.T) - sc.parameterised_rate(nu, F1, F2)) == 0
    # the paper's sentence (F1 = D, F2 = -D) does not solve it
    assert sympy.simplify(sympy.diff(nu, sc.T) - sc.parameterised_rate(nu, sc.D, -sc.D)) != 0


def test_eq33_normalisation_is_the_k1_number_term():
    # ∫ e^-ν dy = n/(n+1) = 1/(1 + 1/n): e^-ν of eq. 33 is (n/(n+1)) p(y, t)
    integral = sympy.integrate(sympy.exp(-sc.point_source_nu()), (sc.Y, -sympy.oo, sympy.oo))
    assert sympy.simplify(integral - sc.N_PARTICLES / (sc.N_PARTICLES + 1)) == 0


def test_a15_matches_the_paper_form():
    j = sc.JET
    rates = sc.local_rates()
    common = (j.dF1 * j.nu_y ** 2 + j.dF2 * j.nu_yy) * j.s + 2 * j.F1 * j.nu_y * j.s_y \
        + j.F2 * j.s_yy
    assert sympy.expand(rates["nu"] - (j.F1 * j.nu_y ** 2 + j.F2 * j.nu_yy)) == 0
    assert sympy.expand(rates["F1"] - common - j.nu_y ** 2 * j.forcing) == 0
    assert sympy.expand(rates["F2"] - common - j.nu_yy * j.forcing) == 0


def test_compiled_stencil_equals_codegen_of_a15():
    """The hand-written stencil's right-hand side is the sympy eq. 42/A15, compiled."""
    from dynboltz.codegen import compile_expressions
    from dynboltz.runtime.continuous import _pde_stencil
    from dynboltz.runtime.continuous.domain import Domain
    from dynboltz.runtime.continuous.pde import _derivatives, hat_interpolate

    rates = sc.local_rates()
    compiled = compile_expressions([rates["nu"], rates["F1"], rates["F2"]], list(sc.JET), [])
    rng = np.random.default_rng(3)
    grid = np.linspace(-1.0, 2.0, 7)
    F1, F2 = rng.normal(size=7), 0.5 + rng.random(7)
    for boundary in ("reflecting", "periodic"):
        domain = Domain(0.0, 1.0, boundary, 9)
        state = rng.normal(size=(1 + 2 * 7, 9))
        state[0] = rng.uniform(-1.5, 2.5, 9)          # ν inside and beyond the grid
        stencil = _pde_stencil.evaluate_rhs(F1, F2, grid[0], grid[1] - grid[0], state,
                                            domain.spacing, domain.periodic)
        nu_y, nu_yy = _derivatives(state[0], domain)
        s_y, s_yy = _derivatives(state[1:], domain)
        f1, d1 = hat_interpolate(F1, grid, state[0])
        f2, d2 = hat_interpolate(F2, grid, state[0])
        x = np.clip((state[0] - grid[0]) / (grid[1] - grid[0]), 0, 6)
        hats = np.maximum(0.0, 1.0 - np.abs(x[None] - np.arange(7)[:, None]))  # (G, M)
        for field in range(1 + 2 * 7):
            gamma, g = divmod(field - 1, 7)
            s = state[field] if field else np.zeros(9)
            rows = np.stack([state[0], nu_y, nu_yy, s, s_y[field - 1] if field else s,
                             s_yy[field - 1] if field else s, f1, d1, f2, d2,
                             hats[g] if field else s], axis=1)
            expected = compiled(np.ascontiguousarray(rows), np.zeros(0))
            column = 0 if field == 0 else 1 + gamma
            np.testing.assert_allclose(stencil[field], expected[:, column], rtol=1e-12,
                                       atol=1e-10)


@pytest.mark.parametrize("K", [1, 2, 3])
def test_temporal_gradient_integrand_shape(K):
    integrand, symbols = sc.temporal_gradient_integrand(K)
    assert len(symbols) == 3 * K
    assert sympy.diff(integrand, symbols[2 * K]) == symbols[0] - symbols[K]


def test_runtime_eq33_is_the_symbolic_eq33_at_numbers():
    # both evaluate dynboltz.point_source; this checks the two callers' algebra
    # (log1p vs log(1 + z)) and the images of a wide domain (reducing to the line)
    import math

    from dynboltz.runtime.continuous.domain import Domain
    from dynboltz.runtime.continuous.heat_kernel import point_source_nu

    values = {sc.T: 0.3, sc.X0: 0.2, sc.D: 1.3, sc.N_PARTICLES: 40}
    nu = sympy.lambdify(sc.Y, sc.point_source_nu().subs(values))
    y = np.linspace(-2.0, 2.0, 9)
    line = point_source_nu(y, 0.3, 0.2, 1.3, 40)
    np.testing.assert_allclose(line, nu(y), rtol=1e-14)
    walls = point_source_nu(y, 0.3, 0.2, 1.3, 40, Domain(-30.0, 30.0, "reflecting", 61))
    np.testing.assert_allclose(walls, line, rtol=1e-12)
    assert math.isfinite(point_source_nu(np.array([1e3]), 0.3, 0.2, 1.3, math.inf)[0])
