"""compile_motif dispatches through the closure registry."""
import pytest

from dynboltz.codegen import EMITTERS, compile_motif
from dynboltz.errors import InvalidArgumentError, InvalidTypeError
from dynboltz.symbolic import LatticeMotif


def test_the_ring_default_closure_is_the_chain():
    lib = compile_motif(LatticeMotif.builtin("creation"))
    assert (lib.geometry, lib.closure) == ("chain", "chain")
    assert compile_motif(LatticeMotif.builtin("creation"), closure="chain").closure == "chain"


def test_an_unknown_closure_lists_the_registered_ones_before_any_build():
    with pytest.raises(InvalidArgumentError, match=r"`closure` of `compile_motif`.*\[.*'chain'"):
        compile_motif(LatticeMotif.builtin("barw"), closure="plaquette")
    with pytest.raises(InvalidTypeError, match="`motif` of `compile_motif`"):
        compile_motif("barw")
    assert "chain" in EMITTERS


def test_deterministic_closures_leave_out_the_monte_carlo_ones():
    from dynboltz.codegen.closures import closures_of

    for geometry in ("square", "cubic"):
        every, deterministic = closures_of(geometry), closures_of(geometry, deterministic=True)
        assert "gibbs" in every and "gibbs" not in deterministic and "bethe" in deterministic
        assert deterministic == [n for n in every if not EMITTERS[n].monte_carlo]
