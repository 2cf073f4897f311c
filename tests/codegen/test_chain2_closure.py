"""The compiled ``chain2`` closure: layout, basis against the exact master equation of a
ring, the chain's basis at J2 = 0, Jacobian against central differences, C kernels."""
import itertools

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from dynboltz.codegen import compile_motif
from dynboltz.codegen.chain2_closure import emit_chain2
from dynboltz.errors import InvalidArgumentError
from dynboltz.generated import library
from dynboltz.pair_transfer_chain import PairChain, basis_and_jacobian, triple_statistics
from dynboltz.runtime.learning import integrate
from dynboltz.symbolic import LatticeMotif

BARW = LatticeMotif.builtin("barw")


@pytest.fixture(scope="module")
def lib():
    return compile_motif(BARW, closure="chain2")


def test_layout_and_registry(lib):
    assert (lib.geometry, lib.closure, lib.n_params) == ("chain", "chain2", 3)
    assert lib.param_names == ("h_A", "J_AA", "J2_AA")
    assert lib.moment_names == ("mu_A", "Delta_AA", "Delta2_AA")
    assert lib.process_names == library.barw.process_names
    with pytest.raises(InvalidArgumentError, match="closure"):
        compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="chain2")
    assert "Delta2" in emit_chain2(BARW)["motif.pyx"]


def _ring_rates(x, n_sites):
    """Exact d(µ, ∆, ∆2)/dt per process on the N-ring at its Boltzmann law (CME)."""
    g = triple_statistics(1)
    confs = np.array(list(itertools.product((0, 1), repeat=n_sites)))
    stats = g[:, np.roll(confs, 1, 1), confs, np.roll(confs, -1, 1)].sum(-1).T / n_sites
    law = np.exp(n_sites * stats @ x)
    law /= law.sum()
    codes = confs @ (1 << np.arange(n_sites)[::-1])
    position = np.empty(1 << n_sites, dtype=int)
    position[codes] = np.arange(codes.size)
    rates = np.zeros((len(BARW.processes), 3))
    for r, process in enumerate(BARW.processes):
        for rule in process.rules:
            for i in range(n_sites):
                window = [(i + j) % n_sites for j in range(rule.width)]
                match = np.all(confs[:, window] == np.array(rule.lhs), axis=1)
                new = confs[match].copy()
                new[:, window] = rule.rhs
                target = position[new @ (1 << np.arange(n_sites)[::-1])]
                rates[r] += float(rule.weight) * (law[match] @ (stats[target] - stats[match]))
    return rates


def test_moment_rates_match_the_master_equation_of_a_large_ring(lib):
    x = np.array([0.3, -0.4, 0.25])
    closure = lib.basis(x) @ lib.hessian(x)          # H F̃ = ṁ (H symmetric)
    exact = _ring_rates(x, 14)
    np.testing.assert_allclose(closure, exact, atol=2e-4)
    assert np.abs(closure - exact).max() < 0.5 * np.abs(closure - _ring_rates(x, 10)).max()


def test_the_chain_basis_at_zero_second_coupling(lib):
    # H2 F2 = ṁ2 whose (µ, ∆) rows are the chain's ṁ when J2 = 0, so the chain's basis is
    # F1 = F2[:2] + H1⁻¹ H2[:2, 2:] F2[2:].
    x = np.array([0.7, -0.4])
    x2 = np.append(x, 0.0)
    h1, h2, f2 = library.barw.hessian(x), lib.hessian(x2), lib.basis(x2)
    projected = f2[:, :2] + np.linalg.solve(h1, h2[:2, 2:] @ f2[:, 2:].T).T
    np.testing.assert_allclose(projected, library.barw.basis(x), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(lib.moments(x2)[:2], library.barw.moments(x), rtol=1e-11)


def test_basis_jacobian_against_central_differences(lib):
    x = np.array([0.6, -0.3, 0.4])
    eps = 1e-5
    columns = [(lib.basis(x + e) - lib.basis(x - e)) / (2 * eps) for e in np.eye(3) * eps]
    np.testing.assert_allclose(lib.basis_jacobian(x), np.stack(columns, axis=-1),
                               atol=1e-7)
    np.testing.assert_allclose(lib.basis_jacobian(np.stack([x, x]))[1],
                               lib.basis_jacobian(x))


def test_compiled_integrator_follows_the_basis(lib):
    theta, x0 = np.array([10.0, 10.0, 50.0]), np.array([1.0, 0.0, 0.0])
    times = np.linspace(0.0, 0.1, 11)
    run = integrate(lib, theta, x0, times, substeps=32, sensitivities=False)
    ode = solve_ivp(lambda t, y: theta @ lib.basis(y), (0.0, 0.1), x0, t_eval=times,
                    rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.x, ode.y.T, atol=1e-6)


def test_bad_points_are_refused(lib):
    with pytest.raises(ValueError, match="shape"):
        lib.moments(np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        lib.basis(np.array([0.0, np.nan, 0.0]))


def _matches_the_numpy_engine(lib, x):
    terms = __import__(lib.basis.__module__).TERMS
    chain = PairChain(x, lib.n_species)
    basis, jacobian = basis_and_jacobian(x, lib.n_species, terms)
    np.testing.assert_allclose(lib.moments(x), chain.moments, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(lib.log_eigenvalue(x), chain.log_eigenvalue, rtol=1e-13)
    np.testing.assert_allclose(lib.hessian(x), chain.hessian(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(lib.basis(x), basis, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(lib.basis_jacobian(x), jacobian, rtol=1e-8, atol=1e-11)


def test_compiled_kernel_matches_the_numpy_engine(lib):
    for x in ([0.3, -0.2, 0.1], [-2.0, 3.0, -1.5], [4.0, -3.0, 2.5]):
        _matches_the_numpy_engine(lib, np.array(x))


@pytest.mark.slow
def test_compiled_kernel_matches_the_numpy_engine_with_two_species():
    motif = LatticeMotif(species=["A", "B"], processes={
        "swap": ["A B -> B A"], "turn": ["A _ -> B _"], "hop": ["B _ -> _ B", "_ B -> B _"]})
    two = compile_motif(motif, closure="chain2")
    rng = np.random.default_rng(7)
    for _ in range(3):
        _matches_the_numpy_engine(two, rng.normal(0.0, 1.0, two.n_params))
