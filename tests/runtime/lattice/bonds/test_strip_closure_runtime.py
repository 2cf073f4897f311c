"""The runtime "strip" closure: inverse map and realisability through the registries."""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.errors import ConvergenceError, InvalidArgumentError
from dynboltz.runtime.lattice import fit_parameters
from dynboltz.runtime.lattice.closures import CLOSURES
from dynboltz.symbolic import LatticeMotif


@pytest.fixture(scope="module")
def one_species():
    return compile_motif(LatticeMotif.builtin("barw", lattice="square"), closure="strip")


@pytest.mark.parametrize("x", [[-2.4, 1.2], [-1.0, 0.3], [1.0, -1.5], [-4.0, 1.9]])
def test_fit_parameters_inverts_the_strip_moments(one_species, x):
    x = np.array(x)
    fitted = fit_parameters(one_species, one_species.moments(x))
    np.testing.assert_allclose(fitted, x, rtol=1e-7, atol=1e-8)


def test_fit_parameters_inverts_two_species_moments():
    lib = compile_motif(LatticeMotif(["A", "B"], {"hop": ["A _ -> _ A"], "make": ["_ -> B"]},
                                     lattice="square"), closure="strip")
    x = np.array([-1.0, 0.5, 0.3, -0.4, 0.8])
    np.testing.assert_allclose(fit_parameters(lib, lib.moments(x)), x, rtol=1e-7, atol=1e-8)


def test_unrealisable_and_coexistence_moments_are_refused(one_species):
    closure = CLOSURES.lookup("strip", "closure", "test")
    assert closure.geometries == ("square",)
    with pytest.raises(InvalidArgumentError, match="realisable"):
        fit_parameters(one_species, [0.3, 0.7])  # ∆ > 2µ: P(A, _) < 0
    with pytest.raises(InvalidArgumentError, match="realisable"):
        closure.check_realisable(np.array([0.5, 0.0]), 1, "check")
    with pytest.raises(InvalidArgumentError, match="`tol` of `fit_parameters`"):
        fit_parameters(one_species, [0.3, 0.2], tol=0.0)
    # Below T_c, µ = 1/2 with the ordered phase's bond density: inside the coexistence gap.
    with pytest.raises(ConvergenceError, match="strip"):
        fit_parameters(one_species, one_species.moments(np.array([-3.6, 1.8])))
