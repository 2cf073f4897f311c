"""compile_motif(..., closure="plaquette" or "cube"): Kikuchi's CVM closures end to end."""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.codegen.cube_closure import emit_cube
from dynboltz.codegen.plaquette_closure import ENGINE, emit_plaquette
from dynboltz.errors import InvalidArgumentError
from dynboltz.symbolic import LatticeMotif


def _motif(*processes):
    rules = {"creation": ["_ -> A"], "death": ["A -> _"], "diffusion": ["A _ -> _ A"],
             "branching": ["A _ -> A A"], "annihilation": ["A A -> _ _"]}
    return LatticeMotif(["A"], {name: rules[name] for name in processes}, lattice="square")


@pytest.fixture(scope="module")
def barw():
    return compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="plaquette")


def test_emitted_module_names_the_engine_and_imports_no_sympy():
    source = emit_plaquette(_motif("creation", "diffusion"), "motif")["motif.pyx"]
    assert ENGINE.replace(":", " import ") in source.replace("from ", "")
    assert "closure='plaquette'" in source and "sympy" not in source


def test_plaquette_library_is_finite_on_a_square_motif(barw):
    assert (barw.geometry, barw.closure) == ("square", "plaquette")
    assert barw.point_kernel is None and barw.moments_kernel is None
    x = np.array([[-1.5, 0.4], [0.2, -0.3]])
    assert barw.moments(x).shape == (2, 2) and barw.basis(x).shape == (2, 3, 2)
    assert np.all(np.isfinite(barw.moments(x))) and np.all(np.isfinite(barw.basis(x)))


def test_creation_and_death_at_zero_coupling_give_the_exact_rates_and_hessian():
    # Independent sites, p = P(A): dµ/dt = 1 - p, d∆/dt = 4p(1 - p) (creation);
    # -p, -4p² (death).  Square-lattice Hessian at J = 0: ∂µ/∂h = p(1-p),
    # ∂µ/∂J = ∂∆/∂h = 4p²(1-p), ∂∆/∂J = 2p²(1-p²) + 12p³(1-p).
    lib = compile_motif(_motif("creation", "death"), closure="plaquette")
    x = np.array([-0.6, 0.0])
    p = 1 / (1 + np.exp(0.6))
    hessian = np.array([[p * (1 - p), 4 * p * p * (1 - p)],
                        [4 * p * p * (1 - p), 2 * p * p * (1 - p * p) + 12 * p ** 3 * (1 - p)]])
    np.testing.assert_allclose(lib.hessian(x), hessian, rtol=1e-10)
    rates = np.array([[1 - p, 4 * p * (1 - p)], [-p, -4 * p * p]])
    np.testing.assert_allclose(lib.hessian(x) @ lib.basis(x).T, rates.T, rtol=1e-10,
                               atol=1e-12)


def test_hessian_is_the_central_difference_of_the_moments(barw):
    x, step = np.array([-1.2, 0.7]), 1e-5
    difference = np.stack([(barw.moments(x + e) - barw.moments(x - e)) / (2 * step)
                           for e in np.eye(2) * step], axis=1)
    np.testing.assert_allclose(barw.hessian(x), difference, rtol=1e-7, atol=1e-9)


def test_basis_jacobian_is_the_central_difference_of_the_basis(barw):
    x = np.array([-1.2, 0.5])
    step = 1e-4  # another step and order than the library's own scheme
    difference = np.stack([(barw.basis(x + e) - barw.basis(x - e)) / (2 * step)
                           for e in np.eye(2) * step], axis=-1)
    jacobian = barw.basis_jacobian(x)
    np.testing.assert_allclose(jacobian, difference, rtol=1e-6,
                               atol=1e-7 * np.abs(jacobian).max())


def test_plaquette_refuses_other_lattices():
    with pytest.raises(InvalidArgumentError, match="closure"):
        compile_motif(LatticeMotif.builtin("barw"), closure="plaquette")
    with pytest.raises(InvalidArgumentError, match="closure"):
        compile_motif(LatticeMotif.builtin("barw", lattice="cubic"), closure="plaquette")
    with pytest.raises(InvalidArgumentError, match="`motif` of `emit_plaquette`"):
        emit_plaquette(LatticeMotif.builtin("barw", lattice="cubic"), "motif")


def test_cube_closure_at_zero_coupling_gives_the_exact_rates_and_hessian():
    # Simple cubic (z = 6), independent sites: creation (1 - p, 6p(1 - p)), death
    # (-p, -6p²); ∂µ/∂h = p(1-p), ∂µ/∂J = ∂∆/∂h = 6p²(1-p),
    # ∂∆/∂J = 3p²(1-p²) + 30p³(1-p) (bond variance plus the z(z-1) bond pairs at a site).
    lib = compile_motif(LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]},
                                     lattice="cubic"), closure="cube")
    assert (lib.geometry, lib.closure) == ("cubic", "cube")
    x = np.array([-0.6, 0.0])
    p = 1 / (1 + np.exp(0.6))
    hessian = np.array([[p * (1 - p), 6 * p * p * (1 - p)],
                        [6 * p * p * (1 - p), 3 * p * p * (1 - p * p) + 30 * p ** 3 * (1 - p)]])
    np.testing.assert_allclose(lib.hessian(x), hessian, rtol=1e-10)
    rates = np.array([[1 - p, 6 * p * (1 - p)], [-p, -6 * p * p]])
    np.testing.assert_allclose(lib.hessian(x) @ lib.basis(x).T, rates.T, rtol=1e-10,
                               atol=1e-12)


def test_cube_basis_jacobian_is_the_central_difference_of_the_basis():
    lib = compile_motif(LatticeMotif.builtin("barw", lattice="cubic"), closure="cube")
    x, step = np.array([-1.5, 0.3]), 1e-4
    difference = np.stack([(lib.basis(x + e) - lib.basis(x - e)) / (2 * step)
                           for e in np.eye(2) * step], axis=-1)
    jacobian = lib.basis_jacobian(x)
    np.testing.assert_allclose(jacobian, difference, rtol=1e-6,
                               atol=1e-7 * np.abs(jacobian).max())
    with pytest.raises(InvalidArgumentError, match="closure"):
        compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="cube")
    with pytest.raises(InvalidArgumentError, match="`motif` of `emit_cube`"):
        emit_cube(LatticeMotif.builtin("trivalent", lattice="cubic"), "motif")
