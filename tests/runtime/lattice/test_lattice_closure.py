"""Lattice closure (eq. 47–49, B2) against independent routes.

Routes: brute-force CME on small periodic rings (every state, exact generator
from the rules, Boltzmann weights, covariance of the sufficient statistics),
whose difference from the thermodynamic limit must shrink geometrically as the
ring grows; mpmath at 50–120 digits far from the origin (moments from the
Perron vector, Hessian by finite differences of the moments, ṁ by evaluating
the symbolic moment equations, F̃ by solving H F̃ = ṁ); finite differences of
ln λ₊; the analytic examples (death, creation, diffusion).
"""
import itertools
import warnings

import mpmath as mp
import numpy as np
import pytest

from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.lattice_layout import bond_pairs
from lattice_truth import (CUSTOM_MOTIFS, as_float, cluster_terms, far_points, motif_by_name,
                           mp_basis, mp_hessian, mp_jacobian, mp_moments, mp_rates, relative)

SINGLE = ["creation", "death", "diffusion", "branching", "annihilation", "coagulation"]


# ---------------------------------------------------------------- brute force ring

def _ring_states(n_species, n_sites):
    return np.array(list(itertools.product(range(n_species + 1), repeat=n_sites)))


def _ring_statistics(states, n_species):
    """Sufficient statistics per ring state: species counts, then bond counts."""
    counts = [(states == a).sum(axis=1) for a in range(1, n_species + 1)]
    left, right = states, np.roll(states, -1, axis=1)
    for a, b in bond_pairs(n_species):
        hit = ((left == a) & (right == b)) | ((left == b) & (right == a))
        counts.append(hit.sum(axis=1))
    return np.stack(counts, axis=1).astype(float)


def _ring_rates(states, motif):
    """Exact generator applied to the statistics: (P, states, L) expected change rates."""
    n_sites = states.shape[1]
    base = _ring_statistics(states, motif.n_species)
    out = np.zeros((len(motif.processes),) + base.shape)
    for r, process in enumerate(motif.processes):
        for rule in process.rules:
            for start in range(n_sites):
                sites = (start + np.arange(rule.width)) % n_sites
                match = np.all(states[:, sites] == rule.lhs, axis=1)
                after = states[match].copy()
                after[:, sites] = rule.rhs
                change = _ring_statistics(after, motif.n_species) - base[match]
                out[r, match] += float(rule.weight) * change
    return out


def _ring_closure(motif, x, n_sites):
    """Per-site moments, Hessian, ṁ and F̃ of the Boltzmann distribution on a ring."""
    states = _ring_states(motif.n_species, n_sites)
    stats = _ring_statistics(states, motif.n_species)
    log_w = stats @ x
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    mean = p @ stats
    centred = stats - mean
    hessian = (centred * p[:, None]).T @ centred / n_sites
    rates = np.einsum("s,rsl->rl", p, _ring_rates(states, motif)) / n_sites
    basis = np.linalg.solve(hessian, rates.T).T
    return {"moments": mean / n_sites, "hessian": hessian, "rates": rates, "basis": basis}


def _reference_closure(reference, x):
    return {"moments": reference.moments(x), "hessian": reference.hessian(x),
            "rates": reference.moment_derivatives(x), "basis": reference.basis(x)}


def _moderate_point(size, seed):
    """|x_i| in [0.3, 0.8] with random signs: J ≠ 0 keeps finite-size effects visible."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 0.8, size) * rng.choice([-1.0, 1.0], size)


RING_SIZES = {1: (6, 8, 10, 12), 2: (5, 6, 7, 8), 3: (5, 6, 7), 4: (5, 6)}


@pytest.mark.parametrize("name", SINGLE + ["bind", "unbind", "barw", "trivalent", "sep"]
                         + list(CUSTOM_MOTIFS))
def test_closure_converges_to_ring_enumeration(name):
    motif = motif_by_name(name)
    reference = LatticeReference.from_motif(motif)
    x = _moderate_point(motif.n_params, seed=len(name))
    limit = _reference_closure(reference, x)
    sizes = [n for n in RING_SIZES[motif.n_species] if n >= motif.max_window + 2]
    errors = []
    for n_sites in sizes:
        ring = _ring_closure(motif, x, n_sites)
        errors.append(max(relative(ring[key], limit[key]) for key in limit))
    # Finite-ring corrections decay like |λ_2/λ_1|^N: demand a geometric decrease.
    assert all(b < 0.7 * a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 0.05, errors


def test_moment_equations_exact_for_any_translation_invariant_state():
    # Exactness needs no closure: on a ring with a random rotation-invariant
    # distribution, the equations evaluated with the ring's own cluster
    # marginals equal the generator's expected rate per site.
    for name, n_sites in (("fill_hop", 7), ("two_species", 6), ("trivalent", 5)):
        motif = motif_by_name(name)
        states = _ring_states(motif.n_species, n_sites)
        rng = np.random.default_rng(n_sites)
        weights = rng.random(len(states))
        index = {tuple(s): k for k, s in enumerate(states)}
        p = sum(weights[[index[tuple(np.roll(s, k))] for s in states]]
                for k in range(n_sites))
        p /= p.sum()
        exact = np.einsum("s,rsl->rl", p, _ring_rates(states, motif)) / n_sites
        equations = motif.moment_equations()
        for r, process in enumerate(motif.process_names):
            for i, expression in enumerate(equations[process]):
                value = sum(float(c) * p[np.all(states[:, :len(t.args)] == [int(a) for a in
                                                t.args], axis=1)].sum()
                            for t, c in cluster_terms(expression))
                assert value == pytest.approx(exact[r, i], abs=1e-13)


# ---------------------------------------------------------------- analytic examples

@pytest.mark.parametrize("x", [(0.3, -0.7), (-2.0, 1.5), (4.0, -3.0)])
def test_analytic_single_species_rates(x):
    x = np.array(x)
    mu, delta = LatticeReference.from_motif(motif_by_name("death")).moments(x)
    # <s_0 s_2> from the transfer matrix, independently of the reference.
    t = np.array([[1.0, np.exp(x[0] / 2)], [np.exp(x[0] / 2), np.exp(x[0] + x[1])]])
    values, vectors = np.linalg.eigh(t)
    u, lam = np.abs(vectors[:, -1]), values[-1]
    s = np.diag([0.0, 1.0])
    s0s2 = u @ s @ t @ t @ s @ u / lam ** 2
    k = 1.7
    for name, expected in (("death", (-k * mu, -2 * k * delta)),
                           ("creation", (k * (1 - mu), 2 * k * (mu - delta))),
                           ("diffusion", (0.0, 2 * k * (s0s2 - delta)))):
        rates = k * LatticeReference.from_motif(motif_by_name(name)).moment_derivatives(x)[0]
        np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


def test_moments_and_hessian_are_derivatives_of_log_eigenvalue():
    for name in ("barw", "two_species", "trivalent", "sep"):
        reference = LatticeReference.from_motif(motif_by_name(name))
        x = np.random.default_rng(1).uniform(-2, 2, reference.n_params)
        eye = np.eye(reference.n_params)
        step = 1e-4
        grad = [(reference.log_eigenvalue(x + step * e) - reference.log_eigenvalue(x - step * e))
                / (2 * step) for e in eye]
        np.testing.assert_allclose(reference.moments(x), grad, rtol=1e-7, atol=1e-10)
        hess = np.array([(reference.moments(x + step * e) - reference.moments(x - step * e))
                         / (2 * step) for e in eye])
        np.testing.assert_allclose(reference.hessian(x), hess, rtol=1e-6, atol=1e-10)


def test_basis_solves_hessian_system():
    # The reference evaluates F̃ through the closed-form inverse Ising map;
    # at moderate x, H is well conditioned and the direct solve must agree.
    for name in ("barw", "two_species", "trivalent", "sep", "four_species"):
        reference = LatticeReference.from_motif(motif_by_name(name))
        x = np.random.default_rng(2).uniform(-1, 1, reference.n_params)
        solved = np.linalg.solve(reference.hessian(x), reference.moment_derivatives(x).T).T
        np.testing.assert_allclose(reference.basis(x), solved, rtol=1e-10,
                                   atol=1e-12 * np.abs(solved).max())


def test_batched_points_match_single_points():
    reference = LatticeReference.from_motif(motif_by_name("trivalent"))
    xs = np.random.default_rng(3).uniform(-1, 1, (3, reference.n_params))
    for method in ("moments", "hessian", "moment_derivatives", "basis"):
        batch = getattr(reference, method)(xs)
        assert batch.shape[0] == 3
        for k in range(3):
            np.testing.assert_array_equal(batch[k], getattr(reference, method)(xs[k]))


def test_reference_rejects_bad_points():
    reference = LatticeReference.from_motif(motif_by_name("barw"))
    with pytest.raises(ValueError, match=r"`x` of `LatticeReference.basis` must be `an array "
                                         r"of shape \(2,\) or \(n, 2\)"):
        reference.basis(np.zeros(3))
    with pytest.raises(ValueError, match="must be `finite"):
        reference.moments(np.array([np.nan, 0.0]))


# ---------------------------------------------------------------- mpmath, far from origin

@pytest.mark.parametrize("name", ["barw", "coagulation", "creation", "two_species",
                                  "trivalent", "sep"])
def test_reference_matches_mpmath_far_from_origin(name):
    motif = motif_by_name(name)
    reference = LatticeReference.from_motif(motif)
    equations = motif.moment_equations()
    with mp.workdps(60), warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in far_points(motif, 3, seed=motif.n_params):
            xm = [mp.mpf(float(v)) for v in x]
            moments = as_float([mp_moments(motif.n_species, xm)])[0]
            np.testing.assert_allclose(reference.moments(x), moments, rtol=1e-12)
            hessian = np.array(mp_hessian(motif.n_species, xm, mp.mpf(10) ** -20).tolist(),
                               dtype=float)
            assert relative(reference.hessian(x), hessian) < 1e-12
            rates = as_float(mp_rates(motif, xm, equations))
            assert relative(reference.moment_derivatives(x), rates) < 1e-9
            basis = as_float(mp_basis(motif, xm, equations))
            error = np.abs(reference.basis(x) - basis).max(axis=1)
            assert np.all(error <= 1e-10 * np.abs(basis).max(axis=1)), (x, error)


def _check_jacobian(name, points):
    motif = motif_by_name(name)
    reference = LatticeReference.from_motif(motif)
    equations = motif.moment_equations()
    with mp.workdps(120):
        for x in points:
            xm = [mp.mpf(float(v)) for v in x]
            jacobian = mp_jacobian(motif, xm, equations, mp.mpf(10) ** -20)
            basis = as_float(mp_basis(motif, xm, equations))
            flat = np.abs(jacobian).reshape(len(basis), -1)
            scale = np.maximum(flat.max(axis=1), np.abs(basis).max(axis=1))
            error = np.abs(reference.basis_jacobian(x) - jacobian).reshape(len(basis), -1)
            assert np.all(error.max(axis=1) <= 1e-6 * scale), (x, error.max(axis=1) / scale)


def test_basis_jacobian_matches_mpmath_single_species():
    motif = motif_by_name("barw")
    _check_jacobian("barw", far_points(motif, 2, seed=3))


def test_basis_jacobian_matches_mpmath_two_species():
    _check_jacobian("two_species", far_points(motif_by_name("two_species"), 1, seed=4))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["trivalent", "sep", "four_species"])
def test_basis_jacobian_matches_mpmath_several_species(name):
    _check_jacobian(name, far_points(motif_by_name(name), 2, seed=5))


def test_no_overflow_or_nan_for_large_parameters():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("barw", "sep"):
            reference = LatticeReference.from_motif(motif_by_name(name))
            rng = np.random.default_rng(6)
            xs = rng.uniform(-80, 80, (20, reference.n_params))
            for method in ("moments", "hessian", "moment_derivatives", "basis"):
                assert np.all(np.isfinite(getattr(reference, method)(xs)))


@pytest.mark.slow
def test_closure_converges_on_larger_rings():
    # One more ring size per species count than the default run.
    sizes = {1: (10, 12, 14), 2: (7, 8, 9), 3: (6, 7, 8)}
    for name in ("barw", "two_species", "trivalent"):
        motif = motif_by_name(name)
        reference = LatticeReference.from_motif(motif)
        x = _moderate_point(motif.n_params, seed=9)
        limit = _reference_closure(reference, x)
        errors = [max(relative(_ring_closure(motif, x, n)[k], limit[k]) for k in limit)
                  for n in sizes[motif.n_species]]
        assert all(b < 0.7 * a for a, b in zip(errors, errors[1:])), errors


def test_basis_jacobian_converges_to_ring_enumeration():
    motif = motif_by_name("barw")
    reference = LatticeReference.from_motif(motif)
    x = _moderate_point(motif.n_params, seed=12)
    limit = reference.basis_jacobian(x)
    step = 1e-4
    errors = []
    for n_sites in (6, 8, 10, 12):
        columns = [(_ring_closure(motif, x + step * e, n_sites)["basis"]
                    - _ring_closure(motif, x - step * e, n_sites)["basis"]) / (2 * step)
                   for e in np.eye(motif.n_params)]
        errors.append(relative(np.stack(columns, axis=-1), limit))
    assert all(b < 0.7 * a for a, b in zip(errors, errors[1:])), errors
    assert errors[-1] < 1e-6, errors
