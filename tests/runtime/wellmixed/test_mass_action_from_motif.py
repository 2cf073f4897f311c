"""Mass-action reactions read off a lattice motif's rule table.

Independent route: the stoichiometry written out by hand from the rule strings of the
built-in motifs (eq. 55 for the SEP; BARW's A -> 2A and 2A -> 0).
"""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.wellmixed.mass_action import SEP_REACTIONS, MassAction
from dynboltz.symbolic.lattice.motif import LatticeMotif


def test_sep_reactions_are_eq_55_read_off_the_compiled_sep_motif():
    assert SEP_REACTIONS.species == ("S", "E", "C", "P")
    np.testing.assert_array_equal(SEP_REACTIONS.reactants, [[1, 1, 0, 0], [0, 0, 1, 0],
                                                            [0, 0, 1, 0]])
    np.testing.assert_array_equal(SEP_REACTIONS.products, [[0, 0, 1, 0], [1, 1, 0, 0],
                                                           [0, 1, 0, 1]])
    assert SEP_REACTIONS.rate_names == ("k1", "k_minus1", "k2")


@pytest.mark.parametrize("model", [library.barw, LatticeMotif.builtin("barw")])
def test_barw_reactions_from_compiled_library_and_symbolic_motif(model):
    network = MassAction.from_lattice_model(model, {"branching": "kb", "annihilation": "ka"})
    np.testing.assert_array_equal(network.reactants, [[1], [2]])
    np.testing.assert_array_equal(network.products, [[2], [0]])
    assert network.rate_names == ("kb", "ka")


@pytest.mark.parametrize("rate_names, match", [
    ({"branching": "kb"}, "exactly the processes that change species counts"),
    ({"branching": "kb", "annihilation": "ka", "diffusion": "d"},
     "exactly the processes that change species counts"),
    ({"growth": "k"}, "keys among the process names"),
])
def test_bad_rate_names_are_refused(rate_names, match):
    with pytest.raises(ValueError, match=match):
        MassAction.from_lattice_model(library.barw, rate_names)


def test_rules_of_one_process_must_share_their_stoichiometry():
    motif = LatticeMotif(["A"], {"mixed": ["A _ -> A A", "A A -> _ _"]})
    with pytest.raises(ValueError, match="share one left and one right species count"):
        MassAction.from_lattice_model(motif, {"mixed": "k"})
