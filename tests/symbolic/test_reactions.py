"""Reaction parsing, network construction and the Doi–Peliti operators."""
import math

import numpy as np
import pytest
import sympy

from dynboltz.symbolic import DoiPelitiOperator, WellMixed, parse_reaction


@pytest.mark.parametrize("text, reactants, products", [
    ("A -> A + A", {"A": 1}, {"A": 2}),
    ("A + B -> C", {"A": 1, "B": 1}, {"C": 1}),
    ("2 A -> 0", {"A": 2}, {}),
    ("0 -> A", {}, {"A": 1}),
    ("∅ -> A", {}, {"A": 1}),
    ("A+A->B", {"A": 2}, {"B": 1}),
    ("3Enzyme_1 + S -> 2 P", {"Enzyme_1": 3, "S": 1}, {"P": 2}),
    ("  A  ->  ∅  ", {"A": 1}, {}),
])
def test_parse_reaction_reads_coefficients(text, reactants, products):
    reaction = parse_reaction(text)
    assert dict(reaction.reactants) == reactants
    assert dict(reaction.products) == products
    assert reaction.text == text


@pytest.mark.parametrize("text", [
    "A",                # missing arrow
    "A -> B -> C",      # repeated arrow
    "A -> ",            # empty side without 0
    " -> A",
    "0 A -> B",         # bad coefficient
    "1.5 A -> B",
    "-1 A -> B",
    "A B -> C",
    "2 -> A",           # coefficient without species
    "A -> B * C",       # unknown token
    "A -> ²A",
    "A + -> B",         # empty term
    "0 + A -> B",       # 0 inside a sum
    "A -> A",           # changes nothing
    "A + B -> B + A",
    "2 A -> A + A",
    "0 -> ∅",
])
def test_parse_reaction_rejects_with_the_text(text):
    with pytest.raises(ValueError) as info:
        parse_reaction(text)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", [f"A -> {10 ** 20} A", f"{2 ** 62} A + A -> 0"])
def test_coefficients_beyond_int64_stoichiometry_are_refused_by_name(text):
    # 10**20 used to escape as "OverflowError: Python int too large to convert to C long"
    # from WellMixed.stoichiometry, far from the reaction that caused it
    with pytest.raises(ValueError, match=r"at most 2\*\*62 per species and side.* A has"):
        WellMixed({"r": text})
    assert parse_reaction(f"A -> {2 ** 62} A").products == (("A", 2 ** 62),)


def test_parse_reaction_rejects_non_string():
    with pytest.raises(TypeError, match="parse_reaction"):
        parse_reaction(("A", "B"))


def test_network_orders_species_processes_and_rates():
    net = WellMixed({"bind": "A + B -> C", "unbind": "C -> A + B", "decay": "B -> 0"})
    assert net.species == ("A", "B", "C")
    assert net.process_names == ("bind", "unbind", "decay")
    assert net.rate_symbols == tuple(sympy.Symbol(f"k_{name}", positive=True)
                                     for name in ("bind", "unbind", "decay"))
    assert net.rates == dict(zip(net.process_names, net.rate_symbols))
    assert all(symbol.is_positive for symbol in net.rate_symbols)
    reactants, products = net.stoichiometry()
    assert reactants.dtype == np.int64 and products.dtype == np.int64
    np.testing.assert_array_equal(reactants, [[1, 1, 0], [0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(products, [[0, 0, 1], [1, 1, 0], [0, 0, 0]])


def test_network_accepts_name_reaction_pairs():
    net = WellMixed([("death", "A -> 0"), ("birth", "A -> 2 A")])
    assert net.process_names == ("death", "birth")
    np.testing.assert_array_equal(net.stoichiometry()[1], [[0], [2]])


@pytest.mark.parametrize("processes, error", [
    ({}, ValueError),
    ([], ValueError),
    ([("a", "A -> 0"), ("a", "0 -> A")], ValueError),
    ({"not an identifier": "A -> 0"}, ValueError),
    ({3: "A -> 0"}, ValueError),
    ({"a": "A -> A"}, ValueError),
    ({"a": 7}, TypeError),
    ("A -> 0", TypeError),
    ([("a", "A -> 0", "extra")], TypeError),
])
def test_network_rejects_bad_processes(processes, error):
    with pytest.raises(error):
        WellMixed(processes)


def _apply_ladder_monomial(monomial, n):
    """Act with a product of ladder Symbols on the number state |n> (one species).

    Returns (coefficient, n') with a|n> = n|n-1>, ahat|n> = |n+1>.
    """
    coefficient, factors = monomial.args_cnc()
    value = sympy.Mul(*coefficient)
    for factor in reversed(factors):
        base, exponent = factor.as_base_exp()
        for _ in range(int(exponent)):
            if base.name.startswith("ahat_"):
                n += 1
            else:
                value *= n
                n -= 1
    return value, n


@pytest.mark.parametrize("text", ["A -> A + A", "2 A -> 0", "3 A -> A", "0 -> A"])
def test_ladder_form_is_normal_ordered_with_falling_factorial_propensity(text):
    reaction = parse_reaction(text)
    k = sympy.Symbol("k", positive=True)
    operator = DoiPelitiOperator(k, *reaction.coefficients(("A",)), species=("A",))
    (r,), (q,) = reaction.coefficients(("A",))
    for n in range(6):
        # W|n> = k (n)_r (|n - r + q> - |n>): hand-written CME for one channel
        expected = {}
        if n >= r:
            rate = k * math.perm(n, r)
            expected[n - r + q] = expected.get(n - r + q, 0) + rate
            expected[n] = expected.get(n, 0) - rate
        got = {}
        for monomial in sympy.expand(operator.ladder_form()).as_ordered_terms():
            value, target = _apply_ladder_monomial(monomial, n)
            if value != 0:
                got[target] = got.get(target, 0) + value
        got = {state: value for state, value in got.items() if value != 0}
        expected = {state: value for state, value in expected.items() if value != 0}
        assert got == expected
        assert operator.propensity((n,)) == k * math.perm(n, r)


def test_generating_function_action_matches_cme_on_pure_states():
    net = WellMixed({"bind": "A + B -> C", "swap": "2 A + C -> B"})
    z = [sympy.Symbol(f"z_{name}") for name in net.species]
    for operator, (r, q) in zip(net.operators, zip(*net.stoichiometry())):
        for n in [(0, 0, 0), (1, 1, 0), (3, 2, 1), (2, 0, 4)]:
            state = sympy.Mul(*[zs ** ns for zs, ns in zip(z, n)])
            propensity = operator.rate * math.prod(math.perm(ns, rs) for ns, rs in zip(n, r))
            target = sympy.Mul(*[zs ** (ns - rs + qs) for zs, ns, rs, qs in zip(z, n, r, q)])
            expected = propensity * (target - state) if propensity != 0 else 0
            assert sympy.expand(operator.act(state) - expected) == 0
