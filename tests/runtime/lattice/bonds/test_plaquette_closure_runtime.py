"""The runtime "plaquette" closure: inverse map, realisability, statics vs Gibbs runs.

Independent routes: the forward map of the compiled library (round trips), the Bethe
closed form at J = 0 (exact there), and long Gibbs runs of the lattice itself, which the
closure's moments must match within its static error (docs/closures.md, ``## plaquette``).
"""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.errors import ConvergenceError, InvalidArgumentError
from dynboltz.runtime.lattice import fit_parameters, sample
from dynboltz.bethe_inverse_map import bethe_parameters
from dynboltz.runtime.lattice.bonds.statistics import torus_moments
from dynboltz.runtime.lattice.closures import CLOSURES
from dynboltz.symbolic import LatticeMotif


def _flip_motif(species):
    return LatticeMotif(list(species), {"make": [f"_ -> {s}" for s in species],
                                        "lose": [f"{s} -> _" for s in species]},
                        lattice="square")


@pytest.fixture(scope="module")
def one_species():
    return compile_motif(_flip_motif(("A",)), closure="plaquette")


@pytest.fixture(scope="module")
def two_species():
    return compile_motif(_flip_motif(("A", "B")), closure="plaquette")


@pytest.mark.parametrize("x", [[-2.4, 1.2], [-1.0, 0.3], [1.0, -1.5], [-4.0, 1.9]])
def test_fit_parameters_inverts_the_plaquette_moments(one_species, x):
    x = np.array(x)
    fitted = fit_parameters(one_species, one_species.moments(x))
    np.testing.assert_allclose(fitted, x, rtol=1e-8, atol=1e-9)


def test_fit_parameters_inverts_two_species_moments(two_species):
    x = np.array([-1.0, 0.5, 0.3, -0.4, 0.8])
    np.testing.assert_allclose(fit_parameters(two_species, two_species.moments(x)), x,
                               rtol=1e-8, atol=1e-9)


def test_bethe_start_is_exact_for_independent_sites(two_species):
    x = np.array([-0.3, 0.7, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(bethe_parameters(two_species.moments(x), 2, 4), x, atol=1e-12)


def test_unrealisable_and_coexistence_moments_are_refused(one_species):
    closure = CLOSURES.lookup("plaquette", "closure", "test")
    assert (closure.name, closure.geometries) == ("plaquette", ("square",))
    with pytest.raises(InvalidArgumentError, match="realisable"):
        fit_parameters(one_species, [0.3, 0.7])  # ∆ > 2µ: P(A, _) < 0
    with pytest.raises(InvalidArgumentError, match="realisable"):
        closure.check_realisable(np.array([0.5, 0.0]), 1, "check")
    with pytest.raises(InvalidArgumentError, match="`tol` of `fit_parameters`"):
        fit_parameters(one_species, [0.3, 0.2], tol=0.0)
    # Below the closure's T_c, µ = 1/2 with the ordered phase's bond density lies inside
    # its coexistence gap: no uniform phase of finite x has these moments.
    ordered = one_species.moments(np.array([-4.0, 2.0]))
    with pytest.raises(ConvergenceError, match="plaquette"):
        fit_parameters(one_species, [0.5, ordered[1]])


# (species, x, bound on |plaquette − Gibbs| per moment): docs/closures.md, `## plaquette`
STATIC_POINTS = [
    (("A",), [-2.0, 1.0], 0.003),
    (("A", "B"), [-1.0, -0.5, 0.4, -0.3, 0.2], 0.002),
    (("A", "B"), [-1.5, -1.5, 0.8, 0.4, 0.8], 0.002),
    (("A", "B"), [-0.5, -1.0, -0.5, 0.6, 0.3], 0.002),
]


@pytest.mark.parametrize("species, x, bound", STATIC_POINTS)
def test_moments_agree_with_gibbs_within_the_static_error(species, x, bound):
    lib = compile_motif(_flip_motif(species), closure="plaquette")
    configurations = sample(lib, np.array(x), N=(64, 64), n=400, seed=7)
    moments = torus_moments(configurations, len(species), 2)
    mean = moments.mean(axis=0)
    error = moments.std(axis=0, ddof=1) / np.sqrt(len(moments))
    assert np.all(np.abs(lib.moments(np.array(x)) - mean) <= bound + 4 * error)


@pytest.fixture(scope="module")
def cube():
    motif = LatticeMotif(["A"], {"make": ["_ -> A"], "lose": ["A -> _"]}, lattice="cubic")
    return compile_motif(motif, closure="cube")


@pytest.mark.parametrize("x", [[-1.0, 0.3], [0.5, -0.4], [-3.2, 1.0]])
def test_fit_parameters_inverts_the_cube_moments(cube, x):
    x = np.array(x)
    np.testing.assert_allclose(fit_parameters(cube, cube.moments(x)), x, rtol=1e-8,
                               atol=1e-9)


def test_cube_realisability_uses_six_neighbours(cube):
    closure = CLOSURES.lookup("cube", "closure", "test")
    assert (closure.name, closure.geometries, closure.coordination) == ("cube", ("cubic",), 6)
    closure.check_realisable(np.array([0.5, 1.2]), 1, "check")  # P(A, A) = 0.4 < µ
    with pytest.raises(InvalidArgumentError, match="realisable"):
        closure.check_realisable(np.array([0.5, 1.6]), 1, "check")  # P(A, A) > µ


@pytest.mark.parametrize("x, bound", [([-2.0, 0.4], 0.002), ([-1.0, 0.5], 0.002)])
def test_cube_moments_agree_with_gibbs_within_the_static_error(cube, x, bound):
    configurations = sample(cube, np.array(x), N=(16, 16, 16), n=300, seed=5)
    moments = torus_moments(configurations, 1, 3)
    mean = moments.mean(axis=0)
    error = moments.std(axis=0, ddof=1) / np.sqrt(len(moments))
    assert np.all(np.abs(cube.moments(np.array(x)) - mean) <= bound + 4 * error)
