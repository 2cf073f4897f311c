"""One naming rule for species and processes in lattice motifs, WellMixed networks and
reactions; the 31-species limit of lattice motifs; motif files named in their errors."""
import pytest

from dynboltz.errors import InvalidArgumentError
from dynboltz.lattice_layout import MAX_SPECIES
from dynboltz.species_names import NAME_RULE, is_name
from dynboltz.symbolic import LatticeMotif, WellMixed


@pytest.mark.parametrize("name, valid", [("A", True), ("k_2", True), ("Enzyme1", True),
                                         ("α", False), ("_A", False), ("2A", False),
                                         ("A-B", False), ("", False), (3, False)])
def test_the_rule(name, valid):
    assert is_name(name) is valid


@pytest.mark.parametrize("build", [
    lambda name: LatticeMotif([name], {"decay": [f"{name} -> _"]}),
    lambda name: LatticeMotif(["A"], {name: ["A -> _"]}),
    lambda name: WellMixed({"decay": f"{name} -> 0"}),
    lambda name: WellMixed({name: "A -> 0"}),
    lambda name: WellMixed({"decay": "A -> 0"}, species=["A", name]),
])
@pytest.mark.parametrize("name", ["α", "_A"])
def test_lattice_motifs_and_wellmixed_refuse_the_same_names_in_the_same_words(build, name):
    with pytest.raises(InvalidArgumentError, match=NAME_RULE):
        build(name)


def test_both_accept_the_same_names():
    LatticeMotif(["Enzyme_1"], {"decay_1": ["Enzyme_1 -> _"]})
    WellMixed({"decay_1": "Enzyme_1 -> 0"})


def test_more_than_31_species_are_refused_before_any_symbolic_work():
    names = [f"S{i}" for i in range(MAX_SPECIES + 1)]
    with pytest.raises(InvalidArgumentError, match=r"^`species` of `LatticeMotif` must be "
                                                   r"`at most 31 names"):
        LatticeMotif(names, {"decay": ["S0 -> _"]})
    assert LatticeMotif(names[:MAX_SPECIES], {"decay": ["S0 -> _"]}).n_species == 31


def test_motif_files_that_are_binary_or_bad_toml_are_named(tmp_path):
    path = tmp_path / "motif.toml"
    path.write_bytes(b"\x00\xff\xfe binary")
    with pytest.raises(InvalidArgumentError, match=r"`path` of `LatticeMotif.from_toml` "
                                                   r"must be `a UTF-8 text file"):
        LatticeMotif.from_toml(path)
    path.write_text("species = [")
    with pytest.raises(InvalidArgumentError, match="valid TOML") as raised:
        LatticeMotif.from_toml(path)
    assert str(path) in str(raised.value)
