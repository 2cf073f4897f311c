"""The Python path of the learning routines, for libraries without C kernels.

Independent route: the compiled integrators on the chain's C kernels.  A copy of the
chain library with both kernels set to None must give the same trajectory,
sensitivities, adjoint gradient, action, gradient and learned rates, up to rounding.
"""
import copy

import numpy as np
import pytest

from dynboltz.errors import InvalidArgumentError
from dynboltz.generated import library
from dynboltz.motif_library import MotifLibrary
from dynboltz.runtime.learning import adjoint_gradient, integrate, learn_rates
from dynboltz.runtime.learning.action import rate_gradient
from dynboltz.runtime.learning.backends import BACKENDS, backend_of

TIMES = np.linspace(0.0, 1.0, 21)
THETA, X0 = np.array([3.0, 8.0, 5.0]), np.array([1.0, 0.0])


def _without_kernels(lib):
    python = copy.copy(lib)
    python.point_kernel = python.moments_kernel = None
    return python


@pytest.fixture(scope="module")
def pair():
    return library.barw, _without_kernels(library.barw)


def test_dispatch_picks_the_backend_from_the_kernels(pair):
    compiled, python = pair
    assert backend_of(compiled) is BACKENDS["compiled"]
    assert backend_of(python) is BACKENDS["python"]


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
def test_python_integration_equals_compiled(pair, method):
    compiled, python = pair
    runs = [integrate(lib, THETA, X0, TIMES, integrator=method, substeps=3, record_steps=True)
            for lib in pair]
    np.testing.assert_allclose(runs[1].x, runs[0].x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(runs[1].sensitivities, runs[0].sensitivities, rtol=1e-10,
                               atol=1e-12)
    assert runs[1].info == runs[0].info
    forcing = np.random.default_rng(3).normal(size=runs[0].x.shape)
    np.testing.assert_allclose(adjoint_gradient(python, runs[1], forcing),
                               adjoint_gradient(compiled, runs[0], forcing), rtol=1e-10)


@pytest.mark.parametrize("gradient", ["forward", "adjoint"])
def test_python_action_and_gradient_equal_compiled(pair, gradient):
    compiled, python = pair
    data = compiled.moments(integrate(compiled, [2.0, 9.0, 4.0], X0, TIMES, substeps=2).x)
    (a0, g0, _), (a1, g1, _) = (rate_gradient(lib, THETA, X0, TIMES, data, gradient=gradient)
                                for lib in pair)
    assert a1 == pytest.approx(a0, rel=1e-12)
    np.testing.assert_allclose(g1, g0, rtol=1e-9)


def test_python_learning_equals_compiled(pair):
    compiled, python = pair
    true = np.array([2.0, 9.0, 4.0])
    data = (TIMES, compiled.moments(integrate(compiled, true, X0, TIMES, substeps=4).x))
    fits = [learn_rates(lib, data, X0, THETA, progress=False) for lib in pair]
    np.testing.assert_allclose(fits[1].theta, fits[0].theta, rtol=1e-8)
    assert fits[1].info["iterations"] == fits[0].info["iterations"]


def test_library_refuses_one_kernel_without_the_other():
    lib = library.barw
    fields = dict(name="x", species=lib.species, param_names=lib.param_names,
                  moment_names=lib.moment_names, process_names=lib.process_names,
                  rules=(), motif_hash="0", log_eigenvalue=lib.log_eigenvalue,
                  moments=lib.moments, hessian=lib.hessian, basis=lib.basis,
                  basis_jacobian=lib.basis_jacobian)
    assert MotifLibrary(**fields).point_kernel is None
    with pytest.raises(InvalidArgumentError, match="`moments_kernel` of `MotifLibrary`"):
        MotifLibrary(**fields, point_kernel=lib.point_kernel)
