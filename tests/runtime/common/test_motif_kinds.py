"""The extension-point protocols describe what the 1D ring really provides."""
import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.common.motif_kinds import ClosureLibrary, Geometry, MotifModel
from dynboltz.runtime.lattice import fit_parameters, sample
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.runtime.lattice.chain.geometry import RING
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


def test_the_ring_is_a_geometry_whose_parts_are_the_runtime_functions():
    assert isinstance(RING, Geometry)
    lib, x = library.barw, np.array([0.3, -0.2])
    lattices = RING.sample(lib, x, N=200, n=3, seed=4)
    np.testing.assert_array_equal(lattices, sample(lib, x, N=200, n=3, seed=4))
    np.testing.assert_array_equal(RING.statistics(lattices, 1), lattice_moments(lattices, 1))
    np.testing.assert_allclose(RING.inverse_map(lib, lib.moments(x)),
                               fit_parameters(lib, lib.moments(x)))
