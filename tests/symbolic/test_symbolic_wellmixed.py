"""Moment equations, moment systems, MaxEnt closure and basis functions.

Independent routes: an exact (rational-arithmetic) chemical master equation acting on
a random finitely supported distribution; numerical summation/quadrature of the MaxEnt
distributions; the paper's closed forms eq. 26, 28, 29, 30 typed in by hand; finite
differences of the inverse MaxEnt map.
"""
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
import sympy
from scipy import integrate

from dynboltz.symbolic import WellMixed
from dynboltz.symbolic.maxent import (closure_factorial_moment, gaussian_basis_functions_eq30,
                                      gaussian_nu_rates, maxent_moments, nu_symbols)

KB, KD = sympy.Symbol("k_birth", positive=True), sympy.Symbol("k_death", positive=True)
GALTON_WATSON = {"birth": "A -> A + A", "death": "A -> 0"}


def _random_distribution(n_species, support, seed):
    """Random exact probabilities on {0..support-1}^n_species (dict state -> Fraction)."""
    rng = np.random.default_rng(seed)
    states = list(np.ndindex(*(support,) * n_species))
    weights = rng.integers(1, 1000, size=len(states))
    total = int(weights.sum())
    return {tuple(map(int, s)): Fraction(int(w), total) for s, w in zip(states, weights)}


def _cme_rate_of_change(p, channels, rates):
    """(Q p)(n) of the CME, exactly, for channels [(reactants, products)] at ``rates``."""
    change = {}
    for state, probability in p.items():
        for (reactants, products), rate in zip(channels, rates):
            propensity = rate * math.prod(math.perm(n, r) for n, r in zip(state, reactants))
            if propensity == 0:
                continue
            target = tuple(n - r + q for n, r, q in zip(state, reactants, products))
            change[target] = change.get(target, 0) + propensity * probability
            change[state] = change.get(state, 0) - propensity * probability
    return change


def _factorial_moment(weights, m):
    """Σ_n w(n) Π_s (n_s)_{m_s} of a dict of weights."""
    return sum(w * math.prod(math.perm(n, k) for n, k in zip(state, m))
               for state, w in weights.items())


def _check_against_cme(net, channels, order, seed):
    rates = [Fraction(3 + i, 7) for i in range(len(channels))]
    p = _random_distribution(len(net.species), support=4, seed=seed)
    qp = _cme_rate_of_change(p, channels, rates)
    substitution = {symbol: sympy.Rational(rate.numerator, rate.denominator)
                    for symbol, rate in zip(net.rate_symbols, rates)}
    for eq in net.moment_equations(order):
        rhs = eq.rhs.xreplace(substitution)
        for moment in rhs.atoms(sympy.core.function.AppliedUndef):
            value = _factorial_moment(p, moment.func.orders)
            rhs = rhs.xreplace({moment: sympy.Rational(value.numerator, value.denominator)})
        expected = _factorial_moment(qp, eq.lhs.expr.func.orders)
        assert rhs == sympy.Rational(expected.numerator, expected.denominator), eq


@pytest.mark.parametrize("processes, channels", [
    ({"annihilation": "2 A -> 0"}, [((2,), (0,))]),
    (GALTON_WATSON, [((1,), (2,)), ((1,), (0,))]),
    ({"creation": "0 -> A", "coagulation": "3 A -> A", "birth": "2 A -> 3 A"},
     [((0,), (1,)), ((3,), (1,)), ((2,), (3,))]),
])
def test_one_species_moment_equations_match_exact_cme(processes, channels):
    _check_against_cme(WellMixed(processes), channels, order=4, seed=1)


@pytest.mark.parametrize("processes, channels", [
    ({"bind": "A + B -> C"}, [((1, 1, 0), (0, 0, 1))]),
    ({"bind": "A + B -> C", "unbind": "C -> A + B", "feed": "0 -> 2 B"},
     [((1, 1, 0), (0, 0, 1)), ((0, 0, 1), (1, 1, 0)), ((0, 0, 0), (0, 2, 0))]),
])
def test_multi_species_mixed_moment_equations_match_exact_cme(processes, channels):
    net = WellMixed(processes)
    assert net.species == ("A", "B", "C")
    _check_against_cme(net, channels, order=2, seed=2)
    assert len(net.moment_equations(2)) == 9  # 3 first-order + 6 second-order moments


def test_moment_names_and_latex():
    net = WellMixed({"bind": "A + B -> C"})
    equations = net.moment_equations(2)
    assert [str(eq.lhs.expr.func) for eq in equations[:4]] == \
        ["phi_A_1", "phi_B_1", "phi_C_1", "phi_A_2"]
    assert net.factorial_moment((1, 1, 0)) in equations[0].rhs.atoms(
        sympy.core.function.AppliedUndef)
    latex = net.moment_equations_latex(1)
    assert latex.count("&=") == 3
    assert r"\frac{d}{dt} \langle (n_{A})_{1} \rangle &= - k_{bind} " \
           r"\langle (n_{A})_{1} (n_{B})_{1} \rangle" in latex


@pytest.mark.parametrize("processes, channels, order", [
    (GALTON_WATSON, [((1,), (2,)), ((1,), (0,))], 3),
    ({"creation": "0 -> A", "death": "A -> 0", "burst": "0 -> 3 A"},
     [((0,), (1,)), ((1,), (0,)), ((0,), (3,))], 2),
])
def test_moment_system_matches_exact_cme(processes, channels, order):
    net = WellMixed(processes)
    A, b = net.moment_system(order)
    assert A.shape == (order, order) and b.shape == (order, 1)
    rates = [Fraction(2 + i, 5) for i in range(len(channels))]
    substitution = {s: sympy.Rational(r.numerator, r.denominator)
                    for s, r in zip(net.rate_symbols, rates)}
    p = _random_distribution(1, support=5, seed=3)
    qp = _cme_rate_of_change(p, channels, rates)
    phi = sympy.Matrix([_factorial_moment(p, (m,)) for m in range(1, order + 1)])
    expected = sympy.Matrix([_factorial_moment(qp, (m,)) for m in range(1, order + 1)])
    assert (A.xreplace(substitution) * phi + b.xreplace(substitution)) == expected


def test_moment_system_refuses_an_open_hierarchy():
    with pytest.raises(ValueError, match="phi_A_3"):
        WellMixed({"annihilation": "2 A -> 0"}).moment_system(2)


@pytest.mark.parametrize("nu_value", [0.3, 1.0, 2.5])
def test_geometric_maxent_moments_match_summation(nu_value):
    (nu,) = nu_symbols(1)
    n = np.arange(4000, dtype=float)
    p = np.exp(-nu_value * n)
    p /= p.sum()
    assert float(maxent_moments(1)[0].subs(nu, nu_value)) == pytest.approx(n @ p, rel=1e-12)
    for m in range(5):
        falling = np.prod([n - j for j in range(m)], axis=0) if m else np.ones_like(n)
        assert float(closure_factorial_moment(m, (nu,)).subs(nu, nu_value)) == \
            pytest.approx(falling @ p, rel=1e-11)


@pytest.mark.parametrize("nu_values", [(-2.5, 2.0), (0.4, 0.7), (-10.0, 0.5)])
def test_gaussian_reading_matches_quadrature_of_eq19_density(nu_values):
    nu1, nu2 = nu_values
    symbols = nu_symbols(2)

    def density(x):  # eq. 19 with n continuous on the real line
        return math.exp(-nu1 * x - nu2 * x * (x - 1) / 2)

    def average(f):
        return (integrate.quad(lambda x: f(x) * density(x), -np.inf, np.inf, epsabs=0,
                               epsrel=1e-12)[0]
                / integrate.quad(density, -np.inf, np.inf, epsabs=0, epsrel=1e-12)[0])

    at = dict(zip(symbols, nu_values))
    moments = maxent_moments(2)
    assert float(moments[0].subs(at)) == pytest.approx(average(lambda x: x), rel=1e-9)
    assert float(moments[1].subs(at)) == pytest.approx(average(lambda x: x * (x - 1) / 2),
                                                       rel=1e-9)
    for m in range(5):
        exact = average(lambda x: math.prod(x - j for j in range(m)))
        assert float(closure_factorial_moment(m, symbols).subs(at)) == \
            pytest.approx(exact, rel=1e-8, abs=1e-10)


def test_galton_watson_k1_is_eq26():
    (nu,) = nu_symbols(1)
    (F,) = WellMixed(GALTON_WATSON).basis_functions(1)
    assert sympy.simplify(F - (KB - KD) * (sympy.exp(-nu) - 1)) == 0


def test_galton_watson_k2_is_eq29():
    nu1, nu2 = nu_symbols(2)
    F1, F2 = WellMixed(GALTON_WATSON).basis_functions(2)
    eq29_F1 = nu1 * (KD - KB + (KB + KD) * nu1) - nu2 / 2 * (KB - KD + (KB + KD) * nu1)
    eq29_F2 = -nu2 / 2 * (KD * (-4 - 2 * nu1 + nu2) + KB * (4 - 2 * nu1 + nu2))
    assert sympy.simplify(F1 - eq29_F1) == 0
    assert sympy.simplify(F2 - eq29_F2) == 0


def test_eq30_follows_from_the_inverse_map():
    nu1, nu2 = nu_symbols(2)
    mu_dot, sigma2_dot = sympy.symbols("mu_dot sigma2_dot")
    derived = gaussian_nu_rates(mu_dot, sigma2_dot, nu1, nu2)
    paper = (-nu2 * mu_dot - nu1 * nu2 * sigma2_dot, -nu2 ** 2 * sigma2_dot)  # eq. 30
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(derived, paper))
    assert all(sympy.simplify(a - b) == 0 for a, b in
               zip(gaussian_basis_functions_eq30(mu_dot, sigma2_dot, nu1, nu2), paper))


def test_galton_watson_k2_is_eq30_with_eq28():
    nu1, nu2 = nu_symbols(2)
    mu, sigma2 = sympy.Rational(1, 2) - nu1 / nu2, 1 / nu2
    mu_dot = (KB - KD) * mu  # eq. 28
    sigma2_dot = 2 * (KB - KD) * sigma2 + (KB + KD) * mu
    expected = gaussian_basis_functions_eq30(mu_dot, sigma2_dot, nu1, nu2)
    got = WellMixed(GALTON_WATSON).basis_functions(2)
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(got, expected))


@pytest.mark.parametrize("processes", [
    {"annihilation": "2 A -> 0"},
    {"creation": "0 -> A", "coagulation": "2 A -> A", "triple": "3 A -> 0"},
])
def test_nonlinear_k2_basis_functions_agree_with_eq30(processes):
    # eq. 30 needs dmu/dt and dsigma2/dt with the Gaussian closure; build them from the
    # factorial-moment equations by the chain rule sigma2 = phi2 + phi1 - phi1^2
    net = WellMixed(processes)
    nu = net.nu(2)
    phi1_dot, phi2_dot = net.closed_moment_rates(2)
    phi1 = closure_factorial_moment(1, nu)
    sigma2_dot = phi2_dot + phi1_dot - 2 * phi1 * phi1_dot
    expected = gaussian_basis_functions_eq30(phi1_dot, sigma2_dot, *nu)
    got = net.basis_functions(2)
    assert all(sympy.simplify(a - b) == 0 for a, b in zip(got, expected))


def _geometric_mean(nu_value):
    n = np.arange(6000, dtype=float)
    p = np.exp(-nu_value * n)
    return n @ p / p.sum(), p / p.sum()


@pytest.mark.parametrize("nu_value", [0.4, 1.1, 2.0])
def test_nonlinear_k1_basis_function_matches_cme_and_finite_differences(nu_value):
    net = WellMixed({"annihilation": "2 A -> 0", "birth": "A -> A + A", "creation": "0 -> A"})
    rates = {"annihilation": 0.7, "birth": 1.3, "creation": 0.4}
    channels = [((2,), (0,)), ((1,), (2,)), ((0,), (1,))]
    # d<n>/dt by the CME acting on the geometric p of nu (float, truncated far out)
    _, p = _geometric_mean(nu_value)
    p = {(n,): value for n, value in enumerate(p)}
    qp = _cme_rate_of_change(p, channels, [rates[name] for name in net.process_names])
    mean_dot = sum(n * value for (n,), value in qp.items())
    h = 1e-5
    dmean_dnu = (_geometric_mean(nu_value + h)[0] - _geometric_mean(nu_value - h)[0]) / (2 * h)
    (F,) = net.basis_functions(1)
    values = {net.rates[name]: rate for name, rate in rates.items()}
    values[net.nu(1)[0]] = nu_value
    assert float(F.subs(values)) == pytest.approx(mean_dot / dmean_dnu, rel=1e-7)


def test_one_species_only_methods_refuse_multi_species_nets():
    net = WellMixed({"bind": "A + B -> C"})
    for method in (net.nu, net.maxent_moments, net.basis_functions, net.moment_system):
        with pytest.raises(ValueError, match="one-species"):
            method(1)


@pytest.mark.parametrize("K", [0, 3, 1.0, True])
def test_unsupported_k_is_refused(K):
    net = WellMixed(GALTON_WATSON)
    for method in (net.maxent_moments, net.basis_functions):
        with pytest.raises(ValueError, match="K"):
            method(K)


@pytest.mark.parametrize("order", [0, -1, 2.0, None])
def test_bad_order_is_refused(order):
    net = WellMixed(GALTON_WATSON)
    for method in (net.moment_equations, net.moment_system):
        with pytest.raises(ValueError, match="order"):
            method(order)


def test_symbolic_layer_never_imports_runtime_or_codegen():
    code = ("import sys, dynboltz.symbolic; "
            "bad = [m for m in sys.modules if m.startswith(('dynboltz.runtime', "
            "'dynboltz.codegen'))]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_declared_species_catch_typos_and_fix_the_order():
    with pytest.raises(ValueError, match=r"`processes` of `WellMixed` must be `written in the "
                                         r"declared species \['A'\] \(unknown species \['a'\]\)`; "
                                         r"got `'birth: A -> A \+ a'`"):
        WellMixed({"birth": "A -> A + a"}, species=["A"])
    with pytest.raises(ValueError, match=r"unknown species \['O'\]"):
        WellMixed({"death": "A -> O"}, species=["A"])
    net = WellMixed({"bind": "A + B -> C"}, species=["C", "B", "A"])
    assert net.species == ("C", "B", "A")
    reactants, products = net.stoichiometry()
    assert reactants.tolist() == [[0, 1, 1]] and products.tolist() == [[1, 0, 0]]


@pytest.mark.parametrize("species", [["A", "A"], ["A", "2x"]])
def test_declared_species_must_be_distinct_names(species):
    with pytest.raises(ValueError, match="`species` of `WellMixed`"):
        WellMixed({"death": "A -> 0"}, species=species)


@pytest.mark.parametrize("species", [3, "A", ("A" for _ in range(1)), {"A"}, ["A", 3]])
def test_declared_species_must_be_a_list_or_tuple_of_str(species):
    with pytest.raises(TypeError, match=r"^`species` of `WellMixed` must be `a list or tuple "
                                        r"of str`; got `"):
        WellMixed({"death": "A -> 0"}, species=species)
