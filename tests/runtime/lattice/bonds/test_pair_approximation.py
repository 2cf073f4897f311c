"""Classical comparators: the pair approximation and mean field on square/cubic lattices.

Independent routes: the exact solution of site-only motifs (where both are exact at
J = 0); the exact cluster equations of ``bond_moments`` with the tree closure
Pline = Pcorner = P(a, b) P(b, c) / P(b) substituted (a separate derivation of the same
pair approximation); the contact process's stationary density and threshold,
λ_c = z/(z − 1) in the pair approximation and 1 in mean field, derived by hand; the
Bethe closure's reduced model at the true rates, which in moment space is the same
pair approximation.
"""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.runtime.lattice.bonds.mean_field import mean_field
from dynboltz.runtime.lattice.bonds.pair_approximation import pair_approximation, pair_rhs
from dynboltz.runtime.lattice.bonds.pair_dynamics import (CLASSICAL_CLOSURES, pair_matrix,
                                                          pair_moments)
from dynboltz.runtime.learning import integrate
from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.bond_moments import bond_process_terms

Z = {"square": 4, "cubic": 6}


def _contact(lattice="square"):
    return LatticeMotif(["A"], {"death": ["A -> _"], "infection": ["A _ -> A A"]},
                        lattice=lattice)


def _two_species(lattice):
    return LatticeMotif(["A", "B"], {
        "prey": ["A _ -> A A"], "predation": ["B A -> B B", "A B -> B B"],
        "death": ["B -> _"], "hop": ["A _ -> _ A", "B _ -> _ B"]}, lattice=lattice)


@pytest.mark.parametrize("lattice", ["square", "cubic"])
def test_site_rules_are_exact_at_j_zero(lattice):
    motif = LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]},
                         lattice=lattice)
    z, times, mu0 = Z[lattice], np.linspace(0, 3, 7), 0.1
    mu = 0.25 + (mu0 - 0.25) * np.exp(-4.0 * times)  # creation 1, death 3
    exact = np.stack([mu, z / 2 * mu ** 2], axis=1)
    for comparator in CLASSICAL_CLOSURES.values():
        run = comparator(motif, {"creation": 1.0, "death": 3.0}, [mu0, z / 2 * mu0 ** 2],
                         times)
        np.testing.assert_allclose(run.moments, exact, rtol=1e-8)


def _tree_closed_mdot(motif, theta, q, z):
    """d(µ, ∆)/dt from the exact cluster equations with P(c,a,b) = Q(c,a)Q(a,b)/µ_a."""
    mu = q.sum(axis=1)
    prob = {"site": lambda a: mu[a], "bond": lambda a, b: q[a, b]}
    prob["line"] = prob["corner"] = lambda c, a, b: q[c, a] * q[a, b] / mu[a]
    out = np.zeros(len(motif.param_names))
    for rate, process in zip(theta, motif.processes):
        for (moment, kind, cluster), value in bond_process_terms(
                process, motif.n_species, z).items():
            out[moment] += rate * float(value) * prob[kind](*cluster)
    return out


@pytest.mark.parametrize("lattice", ["square", "cubic"])
@pytest.mark.parametrize("make", [_contact, _two_species])
def test_pair_equations_are_the_tree_closed_cluster_equations(lattice, make):
    motif, z = make(lattice), Z[lattice]
    rng = np.random.default_rng(4)
    theta = rng.uniform(0.5, 2.0, len(motif.process_names))
    k = motif.n_species + 1
    q = rng.uniform(0.1, 1.0, (k, k))
    q = (q + q.T) / (q + q.T).sum()
    mdot = pair_moments(pair_rhs(q, motif.rule_table(), theta, z), z)
    np.testing.assert_allclose(mdot, _tree_closed_mdot(motif, theta, q, z), atol=1e-13)
    np.testing.assert_allclose(pair_matrix(pair_moments(q, z), motif.n_species, z), q,
                               atol=1e-15)


@pytest.mark.parametrize("lattice", ["square", "cubic"])
def test_contact_process_stationary_density_and_threshold(lattice):
    z = Z[lattice]
    critical = z / (z - 1)
    times = np.array([0.0, 600.0])

    def final_density(comparator, lam):
        run = comparator(_contact(lattice), {"death": 1.0, "infection": lam / z},
                         [0.05, z / 2 * 0.05 ** 2], times)
        return run.moments[-1, 0]

    for lam in (1.8, 2.5):
        excess = lam - critical
        assert final_density(CLASSICAL_CLOSURES["pair_approximation"], lam) == \
            pytest.approx(excess / (1 + excess), rel=1e-6)
        assert final_density(CLASSICAL_CLOSURES["mean_field"], lam) == \
            pytest.approx(1 - 1 / lam, rel=1e-6)
    below = 0.5 * (1.0 + critical)  # between the mean-field and pair thresholds
    assert final_density(CLASSICAL_CLOSURES["pair_approximation"], below) < 1e-6
    assert final_density(CLASSICAL_CLOSURES["mean_field"], below) == \
        pytest.approx(1 - 1 / below, rel=1e-6)


@pytest.mark.parametrize("lattice, x0, theta", [
    ("square", [-1.0, 0.3], [1.0, 0.6]),
    # contact3d's held-out start (µ0 = 0.1, λ = 2): x(t) runs through the region where
    # the cubic Bethe closure has three fixed points and the dense one has the larger
    # ln Z (t ≈ 0.6 to 1.5); eq. 52 must stay on the branch of the moments it carries
    ("cubic", [np.log(0.1 / 0.9), 0.0], [1.0, 1.0 / 3.0])])
def test_bethe_reduced_model_at_true_rates_is_the_pair_approximation(lattice, x0, theta):
    motif = _contact(lattice)
    lib = compile_motif(motif)
    x0, times, theta = np.array(x0), np.linspace(0, 4, 9), np.array(theta)
    learned = lib.moments(integrate(lib, theta, x0, times, integrator="adaptive").x)
    classical = pair_approximation(motif, theta, lib.moments(x0), times).moments
    np.testing.assert_allclose(learned, classical, rtol=1e-6, atol=1e-9)


def test_comparators_refuse_bad_input():
    motif = _contact()
    with pytest.raises(ValueError, match="`rates` of `pair_approximation`"):
        pair_approximation(motif, {"death": 1.0}, [0.1, 0.02], [0.0, 1.0])
    with pytest.raises(ValueError, match="`moments0` of `mean_field`"):
        mean_field(motif, [1.0, 1.0], [0.1, 0.5], [0.0, 1.0])
