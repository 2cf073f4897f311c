"""compile_motif(..., closure="strip"): the square-lattice cylinder closure end to end."""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.codegen.strip_closure import emit_strip, strip_library
from dynboltz.errors import InvalidArgumentError
from dynboltz.symbolic import LatticeMotif


def _motif(*processes):
    rules = {"creation": ["_ -> A"], "death": ["A -> _"]}
    return LatticeMotif(["A"], {name: rules[name] for name in processes}, lattice="square")


def test_default_strip_library_is_finite_on_a_square_motif():
    lib = compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="strip")
    assert (lib.geometry, lib.closure) == ("square", "strip")
    assert lib.point_kernel is None and lib.moments_kernel is None
    x = np.array([-1.5, 0.4])
    assert np.all(np.isfinite(lib.moments(x))) and np.all(np.isfinite(lib.basis(x)))
    assert lib.basis(x).shape == (3, 2)


def test_creation_and_death_at_zero_coupling_give_the_exact_rates_and_hessian():
    # Independent sites, p = P(A): dµ/dt = 1 - p, d∆/dt = 4p(1 - p) (creation);
    # -p, -4p² (death).  The Hessian of the square lattice at J = 0 is exact too:
    # ∂µ/∂h = p(1-p), ∂µ/∂J = ∂∆/∂h = 4p²(1-p), ∂∆/∂J = 2p²(1-p²) + 12p³(1-p).
    lib = strip_library(_motif("creation", "death"), width=6)
    x = np.array([-0.6, 0.0])
    p = 1 / (1 + np.exp(0.6))
    hessian = np.array([[p * (1 - p), 4 * p * p * (1 - p)],
                        [4 * p * p * (1 - p), 2 * p * p * (1 - p * p) + 12 * p ** 3 * (1 - p)]])
    np.testing.assert_allclose(lib.hessian(x), hessian, rtol=1e-9)
    rates = np.array([[1 - p, 4 * p * (1 - p)], [-p, -4 * p * p]])
    np.testing.assert_allclose(lib.basis(x), np.linalg.solve(hessian, rates.T).T, rtol=1e-9,
                               atol=1e-10)


def test_basis_jacobian_is_the_central_difference_of_the_basis():
    lib = strip_library(LatticeMotif.builtin("barw", lattice="square"), width=6)
    x = np.array([-1.2, 0.5])
    step = 1e-3  # another step than the library's own scheme (fourth order, 1e-2)
    difference = np.stack([(lib.basis(x + e) - lib.basis(x - e)) / (2 * step)
                           for e in np.eye(2) * step], axis=-1)
    jacobian = lib.basis_jacobian(x)
    np.testing.assert_allclose(jacobian, difference, rtol=1e-5,
                               atol=1e-5 * np.abs(jacobian).max())


def test_strip_refuses_other_lattices():
    with pytest.raises(InvalidArgumentError, match="closure"):
        compile_motif(LatticeMotif.builtin("barw"), closure="strip")
    with pytest.raises(InvalidArgumentError, match="`motif` of `emit_strip`"):
        emit_strip(LatticeMotif.builtin("barw", lattice="cubic"), "motif")
    with pytest.raises(InvalidArgumentError, match="`width` of `strip_library`"):
        strip_library(_motif("creation", "death"), width=2)
