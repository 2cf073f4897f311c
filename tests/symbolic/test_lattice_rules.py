"""Rule language, motif construction, TOML loading and symbolic moment equations."""
from fractions import Fraction

import numpy as np
import pytest
import sympy

from dynboltz.symbolic.lattice.moments import ClusterProbability as P
from dynboltz.symbolic.lattice.motif import LatticeMotif, process_rules
from dynboltz.symbolic.lattice.rules import parse_rule


def test_parse_rule_codes_and_weights():
    rule = parse_rule("0.5: A B -> C _", ["A", "B", "C"])
    assert (rule.lhs, rule.rhs, rule.weight, rule.width) == ((1, 2), (3, 0), Fraction(1, 2), 2)
    rule = parse_rule("A _ A -> A A A", ["A"])
    assert (rule.lhs, rule.rhs, rule.weight) == ((1, 0, 1), (1, 1, 1), 1)
    assert parse_rule("1/3 :  _->A", ["A"]).weight == Fraction(1, 3)


@pytest.mark.parametrize("text, message", [
    ("A X -> _ A", "unknown species 'X'"),
    ("A B -> C", "sides of equal length`; got `'2 and 1 sites'`"),
    (" -> A", "non-empty window on the left side"),
    ("A _ ->", "non-empty window on the right side"),
    ("A _ -> A _", "a rule that changes some site"),
    ("A _ _ A", "one '->'"),
    ("-1: A -> _", "positive finite number"),
    ("fast: A -> _", "positive finite number"),
])
def test_bad_rules_name_the_rule(text, message):
    with pytest.raises(ValueError) as err:
        LatticeMotif(["A", "B", "C"], {"proc": ["A -> _", text]})
    assert f"rule {text!r} of process 'proc'" in str(err.value)
    assert message in str(err.value)


def test_bad_motifs():
    with pytest.raises(ValueError, match="duplicate process 'hop'"):
        LatticeMotif(["A"], [("hop", ["A _ -> _ A"]), ("hop", ["_ A -> A _"])])
    with pytest.raises(ValueError, match="'A' repeated"):
        LatticeMotif(["A", "A"], {"d": ["A -> _"]})
    with pytest.raises(ValueError, match="at least one process"):
        LatticeMotif(["A"], {})
    with pytest.raises(ValueError, match="non-empty list of rules"):
        LatticeMotif(["A"], {"d": []})
    with pytest.raises(ValueError, match="`species` of `LatticeMotif`"):
        LatticeMotif(["_"], {"d": ["_ -> _"]})
    with pytest.raises(TypeError, match="`species` of `LatticeMotif` must be `a list"):
        LatticeMotif("A", {"d": ["A -> _"]})
    with pytest.raises(ValueError, match="one of"):
        LatticeMotif.builtin("nope")


def test_toml_round_trip(tmp_path):
    path = tmp_path / "motif.toml"
    path.write_text('species = ["A"]\n\n[processes]\nfill = ["A _ A -> A A A"]\n'
                    'hop = ["A _ -> _ A", "_ A -> A _"]\n', encoding="utf-8")
    loaded = LatticeMotif.from_toml(path)
    direct = LatticeMotif(["A"], {"fill": ["A _ A -> A A A"],
                                  "hop": ["A _ -> _ A", "_ A -> A _"]})
    assert loaded.process_names == ("fill", "hop")
    assert loaded.param_names == ("h_A", "J_AA")
    assert loaded.moment_equations() == direct.moment_equations()


@pytest.mark.parametrize("text, message", [
    ('species = ["A"]\n[processes]\nd = ["A -> _"]\nd = ["_ -> A"]\n', "duplicate process 'd'"),
    ('species = ["A"]\n', "missing 'processes'"),
    ('species = ["A"]\n[processes]\nd = ["A -> B"]\n', "unknown species 'B'"),
    ('species = ["A"\n', "valid TOML"),
])
def test_bad_toml(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        LatticeMotif.from_toml(path)


def test_parameter_order_of_spec():
    assert LatticeMotif.builtin("trivalent").param_names == tuple(
        "h_A h_B h_C J_AA J_AB J_AC J_BB J_BC J_CC".split())
    sep = LatticeMotif.builtin("sep")
    assert sep.n_params == 14 and sep.param_names[:5] == ("h_S", "h_E", "h_C", "h_P", "J_SS")
    assert sep.moment_names[-1] == "Delta_PP"


def test_builtin_processes_follow_spec_table():
    # Transcribed from the built-in table (θ = 1), as (weight, lhs, rhs) sets.
    def rules(kind, *species):
        motif = LatticeMotif(sorted(set(species)), {kind: process_rules(kind, *species)})
        names = ("_",) + motif.species
        return {(r.weight, " ".join(names[c] for c in r.lhs), " ".join(names[c] for c in r.rhs))
                for r in motif.processes[0].rules}
    one, half = Fraction(1), Fraction(1, 2)
    assert rules("creation", "A") == {(one, "_", "A")}
    assert rules("death", "A") == {(one, "A", "_")}
    assert rules("diffusion", "A") == {(one, "A _", "_ A"), (one, "_ A", "A _")}
    assert rules("branching", "A") == {(one, "A _", "A A"), (one, "_ A", "A A")}
    assert rules("annihilation", "A") == {(one, "A A", "_ _")}
    assert rules("coagulation", "A") == {(one, "A A", "A _"), (one, "A A", "_ A")}
    assert rules("bind", "A", "B", "C") == {(half, "A B", "C _"), (half, "A B", "_ C"),
                                            (half, "B A", "C _"), (half, "B A", "_ C")}
    assert rules("unbind", "C", "A", "B") == {(half, "C _", "A B"), (half, "C _", "B A"),
                                              (half, "_ C", "A B"), (half, "_ C", "B A")}


def test_builtin_motifs():
    assert LatticeMotif.builtin("barw").process_names == ("branching", "annihilation",
                                                          "diffusion")
    sep = LatticeMotif.builtin("sep")
    assert sep.process_names == ("bind", "unbind", "catalysis", "diffusion_S",
                                 "diffusion_E", "diffusion_C", "diffusion_P")
    catalysis = {(r.lhs, r.rhs) for r in sep.processes[2].rules}
    assert ((3, 0), (4, 2)) in catalysis  # C _ -> P E


def test_analytic_moment_equations():
    # The analytic examples: death (−µ, −2∆) and creation (1−µ, 2(µ−∆)) in cluster probabilities.
    assert LatticeMotif.builtin("death").moment_equations()["death"] == sympy.Matrix(
        [-P(1), -2 * P(1, 1)])
    assert LatticeMotif.builtin("creation").moment_equations()["creation"] == sympy.Matrix(
        [P(0), P(0, 1) + P(1, 0)])
    # Diffusion: 2 P(101) − P(110) − P(011) = 2(⟨s_0 s_2⟩ − ∆) by translation invariance.
    assert LatticeMotif.builtin("diffusion").moment_equations()["diffusion"] == sympy.Matrix(
        [0, 2 * P(1, 0, 1) - P(1, 1, 0) - P(0, 1, 1)])


def test_three_site_rule_terms_by_hand():
    # "A _ A -> A A A": one particle more, two bonds more inside the window; the
    # outer bonds keep their A ends, so no boundary cluster appears.
    motif = LatticeMotif(["A"], {"fill": ["A _ A -> A A A"]})
    assert motif.moment_equations()["fill"] == sympy.Matrix([P(1, 0, 1), 2 * P(1, 0, 1)])
    ((index0, c0, cl0), (index1, c1, cl1)) = motif.moment_table()[0]
    assert (index0, c0, cl0, index1, c1, cl1) == (0, 1.0, (1, 0, 1), 1, 2.0, (1, 0, 1))


def test_rule_table_is_plain_data():
    table = LatticeMotif.builtin("bind").rule_table()
    lhs, rhs, weight = table[0][0]
    assert lhs.dtype == np.int64 and isinstance(weight, float) and weight == 0.5
    assert lhs.tolist() == [1, 2] and rhs.tolist() == [3, 0]


@pytest.mark.parametrize("weight", ["1e-400", "1e400", "1" + "0" * 400, "1/1" + "0" * 400])
def test_weights_that_float64_cannot_hold_are_refused(weight):
    # 1e-400 used to become a rate of 0, 1e400 a bare OverflowError
    with pytest.raises(ValueError, match=r"must be `a positive finite number before ':', "
                       r"representable in float64"):
        parse_rule(f"{weight}: A _ -> _ A", ["A"])


def test_the_smallest_and_largest_float64_weights_are_kept():
    for weight in ("5e-324", "1.7e308"):
        rule = parse_rule(f"{weight}: A _ -> _ A", ["A"])
        assert float(rule.weight) == float(weight) > 0


@pytest.mark.parametrize("species, clash", [
    (["A", "AA", "AAA"], "'A' with 'AAA' and 'AA' with 'AA' both give J_AAAA"),
    (["A", "B", "AB", "BAB"], "'A' with 'BAB' and 'AB' with 'AB' both give J_ABAB"),
    (["AB", "C", "A", "BC"], "'AB' with 'C' and 'A' with 'BC' both give J_ABC"),
])
def test_species_whose_coupling_names_collide_are_refused(species, clash):
    # A, AA, AAA used to give the parameter name J_AAAA twice
    with pytest.raises(ValueError, match=r"^`species` of `LatticeMotif` must be `names "
                       r"whose pairs concatenate to distinct names") as raised:
        LatticeMotif(species, {"hop": [f"{species[0]} _ -> _ {species[0]}"]})
    assert clash in str(raised.value)


def test_species_of_several_letters_keep_the_concatenated_names():
    motif = LatticeMotif(["Ab", "Cd"], {"hop": ["Ab _ -> _ Ab"]})
    assert motif.param_names == ("h_Ab", "h_Cd", "J_AbAb", "J_AbCd", "J_CdCd")
