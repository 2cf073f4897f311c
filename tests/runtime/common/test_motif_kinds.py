"""The extension-point protocols describe what the registries really hold."""
import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.common.motif_kinds import Closure, ClosureLibrary, Geometry, MotifModel
from dynboltz.runtime.lattice import CLOSURES, GEOMETRIES, fit_parameters, sample
from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters as chain_fit
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.lattice.chain.sampling import sample as chain_sample
from dynboltz.runtime.lattice.chain.statistics import lattice_moments
from dynboltz.symbolic import LatticeMotif


def test_compiled_libraries_and_the_reference_are_motif_models():
    motif = LatticeMotif.builtin("barw")
    for model in (library.barw, library.sep, LatticeReference.from_motif(motif)):
        assert isinstance(model, MotifModel)
    assert isinstance(motif, MotifModel)


def test_compiled_libraries_are_closure_libraries():
    assert isinstance(library.sep, ClosureLibrary)
    assert not isinstance(LatticeMotif.builtin("barw"), ClosureLibrary)


def test_every_registered_geometry_and_closure_follows_its_protocol():
    assert all(isinstance(GEOMETRIES[name], Geometry) for name in GEOMETRIES)
    assert all(isinstance(CLOSURES[name], Closure) for name in CLOSURES)


def test_the_public_functions_are_the_ring_geometry_and_closure():
    ring, lib, x = GEOMETRIES["chain"], library.barw, np.array([0.3, -0.2])
    lattices = sample(lib, x, N=200, n=3, seed=4)
    np.testing.assert_array_equal(lattices, chain_sample(lib, x, N=200, n=3, seed=4))
    np.testing.assert_array_equal(ring.statistics(lattices, 1), lattice_moments(lattices, 1))
    np.testing.assert_allclose(fit_parameters(lib, lib.moments(x)),
                               chain_fit(lib, lib.moments(x)))
