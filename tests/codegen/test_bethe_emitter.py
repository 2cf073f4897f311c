"""The Bethe closure emitter: text, and the compiled library against independent routes.

Every derivative is checked against a central finite difference of the function it
differentiates (moments = ∂ ln Z/∂x, H = ∂m/∂x, basis_jacobian = ∂F̃/∂x), the basis
against a solve of H F̃ = ṁ with ṁ evaluated from the symbolic closed equations on
the library's own cluster probabilities (not through the inverse map of the kernel).
"""
import numpy as np
import pytest

from dynboltz.bethe_inverse_map import bethe_cluster_probabilities, bethe_parameters
from dynboltz.codegen import compile_motif
from dynboltz.codegen.bethe_closure import KERNEL_FILE, emit_bethe
from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.bethe import bethe_moment_equation_vector
from dynboltz.symbolic.lattice.moments import ClusterProbability as P

MOTIFS = {
    "barw_square": (lambda: LatticeMotif.builtin("barw", lattice="square"), [-0.3, 0.5]),
    "trivalent_cubic": (lambda: LatticeMotif.builtin("trivalent", lattice="cubic"),
                        [-1.0, -0.7, -1.2, 0.3, -0.2, 0.4, 0.1, 0.2, -0.3]),
    "two_species_square": (lambda: LatticeMotif(["A", "B"], {
        "swap": ["A B -> B A"], "grow": ["A _ -> A B"], "decay": ["B -> _"]},
        lattice="square"), [-0.5, 0.2, 0.6, -0.4, 0.3]),
}


def lib_z(lattice):
    return {"square": 4, "cubic": 6}[lattice]


def _central(f, x, step=1e-5):
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * step))
    return np.stack(columns, axis=-1)


def test_emitted_text_is_deterministic_and_names_its_tables():
    motif = LatticeMotif.builtin("barw", lattice="square")
    first, second = emit_bethe(motif), emit_bethe(motif)
    assert first == second and set(first) == {"motif.pyx", KERNEL_FILE}
    source = first["motif.pyx"]
    for table in ("_COUPLING", "_MAP", "_MOMENT_Q", "_STAT_Q", "_TERM_COEF", "_FACTOR_Q"):
        assert f"static const double {table}[" in source or f"static const int {table}[" in source
    assert "_Z = 4" in source and "GEOMETRY = 'square'" in source
    assert "_Z = 6" in emit_bethe(LatticeMotif.builtin("barw", lattice="cubic"))["motif.pyx"]


def test_emitter_refuses_the_ring_and_bad_names():
    with pytest.raises(ValueError, match="a motif on one of the lattices"):
        emit_bethe(LatticeMotif.builtin("barw"))
    with pytest.raises(ValueError, match="`name` of `emit_bethe`"):
        emit_bethe(LatticeMotif.builtin("barw", lattice="square"), name="9bad")
    with pytest.raises(TypeError, match="`motif` of `emit_bethe`"):
        emit_bethe("barw")


def flip_motif(lattice):
    """Creation and death of A (the same motif as the runtime tests', one cache entry)."""
    return LatticeMotif(["A"], {"creation_A": ["_ -> A"], "death_A": ["A -> _"]},
                        lattice=lattice)


def test_square_and_cubic_default_to_the_bethe_closure():
    lib = compile_motif(flip_motif("square"))
    assert (lib.geometry, lib.closure) == ("square", "bethe")
    assert lib.point_kernel is not None and lib.moments_kernel is not None
    cubic = compile_motif(flip_motif("cubic"), closure="bethe")
    assert (cubic.geometry, cubic.closure) == ("cubic", "bethe")


@pytest.mark.parametrize("name", sorted(MOTIFS))
def test_derivatives_are_finite_differences(name):
    build, x = MOTIFS[name]
    lib = compile_motif(build())
    x = np.array(x)
    moments, hessian = lib.moments(x), lib.hessian(x)
    assert np.allclose(_central(lib.log_eigenvalue, x), moments, rtol=0, atol=1e-8)
    assert np.allclose(_central(lib.moments, x), hessian, rtol=0, atol=1e-8)
    assert np.allclose(hessian, hessian.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(hessian) > 0)
    jacobian = lib.basis_jacobian(x)
    scale = np.abs(jacobian).max()
    assert np.allclose(_central(lib.basis, x), jacobian, rtol=0, atol=1e-6 * scale)
    # rows evaluate like single points
    rows = np.stack([x, 0.5 * x])
    assert np.allclose(lib.basis(rows)[1], lib.basis(0.5 * x), rtol=0, atol=1e-14)


@pytest.mark.parametrize("name", sorted(MOTIFS))
def test_basis_solves_h_f_equals_the_closed_moment_equations(name):
    build, x = MOTIFS[name]
    motif = build()
    lib = compile_motif(motif)
    x = np.array(x)
    z = {"square": 4, "cubic": 6}[motif.geometry]
    site, pair = bethe_cluster_probabilities(lib.moments(x), motif.n_species, z)
    n = motif.n_species + 1
    values = {P(a): site[a] for a in range(n)}
    values.update({P(a, b): pair[a, b] for a in range(n) for b in range(n)})
    hessian, basis = lib.hessian(x), lib.basis(x)
    for r, process in enumerate(motif.processes):
        rate = np.array([float(v.subs(values))
                         for v in bethe_moment_equation_vector(process, motif.n_species, z)])
        assert np.allclose(np.linalg.solve(hessian, rate), basis[r], rtol=1e-9,
                           atol=1e-11 * np.abs(basis).max())
    # the closed-form inverse map undoes the forward map
    assert np.allclose(bethe_parameters(lib.moments(x), motif.n_species, z), x, atol=1e-11)


def test_independent_sites_give_the_exact_basis():
    # J = 0: a product state stays one under creation and death, F̃ is exact:
    # dh/dt = d logit µ/dt = (1 − µ)/(µ(1 − µ)) per unit creation, −1/(1 − µ) per death.
    for lattice in ("square", "cubic"):
        lib = compile_motif(flip_motif(lattice))
        for h in (-3.0, -0.4, 1.5):
            mu = 1.0 / (1.0 + np.exp(-h))
            x = np.array([h, 0.0])
            assert np.allclose(lib.moments(x), [mu, 0.5 * lib_z(lattice) * mu ** 2], atol=1e-14)
            assert np.allclose(lib.basis(x), [[1.0 / mu, 0.0], [-1.0 / (1.0 - mu), 0.0]],
                               rtol=1e-12, atol=1e-12)
            assert np.isclose(lib.log_eigenvalue(x), np.log1p(np.exp(h)), rtol=1e-14)
            # H F̃ is the exact ṁ: dµ/dt = 1 − µ, d∆/dt = z µ (1 − µ) under creation
            z = lib_z(lattice)
            assert np.allclose(lib.hessian(x) @ lib.basis(x)[0], [1 - mu, z * mu * (1 - mu)],
                               atol=1e-12)


def test_fixed_point_found_at_random_parameters():
    # the damped sweeps reach the fixed point where the plain iteration cycles (this
    # trivalent point does: a sublattice-like 2-cycle), and every output is finite
    lib = compile_motif(MOTIFS["trivalent_cubic"][0]())
    cycling = np.array([1.5941569, -1.09547204, 0.3625025, 0.4439914, -0.36044017,
                        0.58353413, -1.43852265, 2.11880303, -1.34204445])
    points = np.vstack([cycling, np.random.default_rng(0).normal(0.0, 1.0, (500, 9))])
    assert np.isfinite(lib.basis_jacobian(points)).all()
    assert np.isfinite(lib.hessian(points)).all()
    x = cycling
    assert np.allclose(_central(lib.log_eigenvalue, x), lib.moments(x), rtol=0, atol=1e-8)


@pytest.mark.parametrize("name", sorted(MOTIFS))
def test_log_z_is_the_bethe_variational_free_energy_and_h_inverse_the_inverse_map(name):
    # ln Z = x·m + (z/2) H(pair) − (z − 1) H(site), H the Shannon entropy, at the beliefs;
    # H⁻¹ = ∂x/∂m, a central difference of the closed-form inverse map
    build, x = MOTIFS[name]
    motif = build()
    lib = compile_motif(motif)
    x = np.array(x)
    z = lib_z(motif.geometry)
    moments = lib.moments(x)
    site, pair = bethe_cluster_probabilities(moments, motif.n_species, z)
    entropy = (-0.5 * z * np.sum(pair * np.log(pair))
               + (z - 1) * np.sum(site * np.log(site)))
    assert np.isclose(lib.log_eigenvalue(x), x @ moments + entropy, rtol=0, atol=1e-12)
    inverse = _central(lambda m: bethe_parameters(m, motif.n_species, z), moments, 1e-7)
    assert np.allclose(inverse @ lib.hessian(x), np.eye(x.size), atol=1e-6)
