"""build_library: moments, Hessian, basis F̃ = H⁻¹ṁ and its Jacobian from a cluster engine.

The engine here is a closed-form toy (independent sites plus an extra smooth bond term),
so the builder's Jacobian formula is checked against a central difference of its own
basis and against the analytic derivative of the toy, independently of any transfer
matrix.
"""
import numpy as np
import pytest

from dynboltz.cluster_closures.library import (ClusterProbabilities, build_library,
                                               coefficient_arrays)
from dynboltz.errors import InvalidArgumentError


class ToyEngine:
    """One species; P(A) = σ(h), pairs independent, ∆ = 2p² + tanh(J)/10."""

    n_species = 1

    def clusters(self, x):
        p = 1.0 / (1.0 + np.exp(-x[0]))
        site = np.array([1 - p, p])
        bond = np.outer(site, site)
        three = np.einsum("a,b,c->abc", site, site, site)
        moments = np.array([p, 2 * p * p + 0.1 * np.tanh(x[1])])
        return ClusterProbabilities(site, bond, three, three, moments, 0.0)

    def hessian(self, x):
        p = 1.0 / (1.0 + np.exp(-x[0]))
        dp = p * (1 - p)
        return np.array([[dp, 0.0], [4 * p * dp, 0.1 / np.cosh(x[1]) ** 2]])


# creation _ -> A on the square lattice: dµ/dt = P(_), d∆/dt = 4 P(_, A)
CREATION = ((( ("site", (0,), 1.0),), (("bond", (0, 1), 4.0),)),)


def _library(engine=None, table=CREATION):
    return build_library(engine or ToyEngine(), table, name="toy", species=("A",),
                         param_names=("h_A", "J_AA"), moment_names=("mu_A", "Delta_AA"),
                         process_names=("creation",), rules=(((((0,), (1,), 1.0),),)),
                         motif_hash="0", geometry="square", closure="toy")


def _exact_basis(x):
    engine = ToyEngine()
    p = 1.0 / (1.0 + np.exp(-x[0]))
    rates = np.array([1 - p, 4 * (1 - p) * p])
    return np.linalg.solve(engine.hessian(x), rates)


def test_basis_is_the_hessian_solve_of_the_table_rates():
    lib = _library()
    x = np.array([0.4, -0.3])
    assert lib.point_kernel is None and lib.moments_kernel is None
    np.testing.assert_allclose(lib.basis(x)[0], _exact_basis(x), rtol=1e-13)
    np.testing.assert_allclose(lib.moments(np.stack([x, x]))[1], ToyEngine().clusters(x).moments)


def test_basis_jacobian_matches_an_independent_central_difference():
    lib = _library()
    x = np.array([0.4, -0.3])
    step = 1e-5
    exact = np.stack([(_exact_basis(x + step * e) - _exact_basis(x - step * e)) / (2 * step)
                      for e in np.eye(2)], axis=-1)
    jacobian = lib.basis_jacobian(x)
    assert jacobian.shape == (1, 2, 2)
    np.testing.assert_allclose(jacobian[0], exact, rtol=1e-7, atol=1e-7)  # O(δ⁴) truncation
    np.testing.assert_allclose(lib.basis_jacobian(np.stack([x, x]))[1], jacobian)


def test_coefficient_table_is_checked():
    with pytest.raises(InvalidArgumentError, match="coefficients"):
        coefficient_arrays(((( ("pair", (0, 1), 1.0),), ()),), 1)
    with pytest.raises(InvalidArgumentError, match="coefficients"):
        coefficient_arrays(((( ("site", (2,), 1.0),), ()),), 1)
    with pytest.raises(InvalidArgumentError, match="`x` of `basis`"):
        _library().basis(np.array([0.0, np.nan]))
    table = coefficient_arrays(CREATION, 1)
    assert table.shape == (1, 2, 2 + 4 + 8 + 8)
    assert table[0, 1, 2 + 1] == 4.0  # bond (0, 1) is column 1 of the bond block


def test_a_singular_hessian_is_out_of_domain_naming_the_state():
    from dynboltz.errors import OutOfDomain

    lib = _library()
    # 0.1/cosh²(J) underflows to 0 at J = 800: H's second column vanishes (H singular)
    for call in (lib.basis, lib.basis_jacobian):
        with pytest.raises(OutOfDomain, match=r"Hessian .* singular at x = \[ *0\. +800\.\]"):
            call(np.array([0.0, 800.0]))
    assert np.all(np.isfinite(lib.basis(np.array([0.0, 1.0]))))
