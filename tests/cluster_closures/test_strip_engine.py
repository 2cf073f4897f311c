"""StripEngine against independent routes: dense transfer-matrix traces on a long
periodic cylinder, Hellmann–Feynman (m = ∇ ln Z per site), independent sites at J = 0 and
Onsager's exact nearest-neighbour correlation of the square-lattice Ising model."""
import itertools

import numpy as np
import pytest
from scipy.special import ellipk

from dynboltz.cluster_closures.strip import StripEngine, default_width
from dynboltz.errors import InvalidArgumentError
from dynboltz.lattice_layout import bond_pairs


def _dense_cylinder(x, n_species, width, rows=400):
    """Clusters of a W × rows torus (rows → ∞ limit) from the non-symmetric dense
    transfer matrix T(σ, σ') = exp(row weight of σ + vertical bonds σ–σ'), by traces."""
    n = n_species + 1
    h = np.concatenate([[0.0], x[:n_species]])
    J = np.zeros((n, n))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        J[a, b] = J[b, a] = x[n_species + k]
    states = np.array(list(itertools.product(range(n), repeat=width)))
    row = np.array([h[s].sum() + sum(J[s[i], s[(i + 1) % width]] for i in range(width))
                    for s in states])
    vertical = np.array([[sum(J[s[i], t[i]] for i in range(width)) for t in states]
                         for s in states])
    T = np.exp(row[:, None] + vertical - (row.max() + vertical.max()))
    power = np.linalg.matrix_power(T / np.abs(np.linalg.eigvals(T)).max(), rows - 2)
    T2 = T / np.abs(np.linalg.eigvals(T)).max()

    def project(col, code):
        return np.diag((states[:, col] == code).astype(float))

    def trace(*middle):
        product = np.eye(len(states))
        for m in middle:
            product = product @ m
        return np.trace(product @ power) / np.trace(T2 @ T2 @ power)

    I = np.eye(len(states))
    site = np.array([trace(project(0, a), T2, T2) for a in range(n)])
    h_pair = np.array([[trace(project(0, a) @ project(1, b), T2, T2) for b in range(n)]
                       for a in range(n)])
    v_pair = np.array([[trace(project(0, a) @ T2 @ project(0, b), T2) for b in range(n)]
                       for a in range(n)])
    h_line = np.array([[[trace(project(0, a) @ project(1, b) @ project(2, c), T2, T2)
                         for c in range(n)] for b in range(n)] for a in range(n)])
    v_line = np.array([[[trace(project(0, a) @ T2 @ project(0, b) @ T2 @ project(0, c), I)
                         for c in range(n)] for b in range(n)] for a in range(n)])
    corner = np.array([[[trace(project(0, b) @ project(1, c) @ T2 @ project(0, a), T2)
                         for c in range(n)] for b in range(n)] for a in range(n)])
    return (site, 0.25 * (h_pair + h_pair.T + v_pair + v_pair.T),
            0.25 * (h_line + h_line.transpose(2, 1, 0) + v_line + v_line.transpose(2, 1, 0)),
            0.5 * (corner + corner.transpose(2, 1, 0)))


@pytest.mark.parametrize("n_species, width, x", [
    (1, 4, [-1.3, 0.8]),
    (1, 3, [0.4, -0.9]),
    (2, 3, [-0.5, 0.2, 0.6, -0.4, 0.3]),
])
def test_clusters_match_dense_traces_of_a_long_cylinder(n_species, width, x):
    x = np.array(x)
    got = StripEngine(n_species, width).clusters(x)
    site, bond, line, corner = _dense_cylinder(x, n_species, width)
    np.testing.assert_allclose(got.site, site, atol=1e-10)
    np.testing.assert_allclose(got.bond, bond, atol=1e-10)
    np.testing.assert_allclose(got.line, line, atol=1e-10)
    np.testing.assert_allclose(got.corner, corner, atol=1e-10)


def test_moments_are_the_gradient_of_ln_z_and_hessian_its_second_derivative():
    engine = StripEngine(2, 4)
    x = np.array([-0.7, 0.1, 0.5, -0.3, 0.9])
    step = 1e-4
    gradient = [(engine.clusters(x + e).log_eigenvalue
                 - engine.clusters(x - e).log_eigenvalue) / (2 * step)
                for e in np.eye(5) * step]
    np.testing.assert_allclose(engine.clusters(x).moments, gradient, rtol=1e-7)
    step = 1e-3
    second = np.array([[(engine.clusters(x + a + b).log_eigenvalue
                         - engine.clusters(x + a - b).log_eigenvalue
                         - engine.clusters(x - a + b).log_eigenvalue
                         + engine.clusters(x - a - b).log_eigenvalue) / (4 * step ** 2)
                        for b in np.eye(5) * step] for a in np.eye(5) * step])
    np.testing.assert_allclose(engine.hessian(x), second, rtol=1e-5, atol=1e-7)


def test_independent_sites_at_zero_coupling():
    engine = StripEngine(2, 4)
    x = np.array([0.3, -0.8, 0.0, 0.0, 0.0])
    site = np.exp(np.concatenate([[0.0], x[:2]]))
    site /= site.sum()
    got = engine.clusters(x)
    np.testing.assert_allclose(got.site, site, rtol=1e-12)
    np.testing.assert_allclose(got.line, np.einsum("a,b,c->abc", site, site, site),
                               rtol=1e-11)
    np.testing.assert_allclose(got.corner, got.line, rtol=1e-11)
    np.testing.assert_allclose(got.log_eigenvalue, np.log(np.exp(x[:2]).sum() + 1), rtol=1e-12)


def _onsager_delta(K):
    k = 2 * np.sinh(2 * K) / np.cosh(2 * K) ** 2
    correlation = 0.5 / np.tanh(2 * K) * (1 + 2 / np.pi * (2 * np.tanh(2 * K) ** 2 - 1)
                                          * ellipk(k * k))
    return (1 + correlation) / 2


@pytest.mark.parametrize("K, tolerance", [(0.3, 1e-3), (0.4, 1e-2)])
def test_default_width_matches_onsager_on_the_zero_field_line(K, tolerance):
    # Ising: K = J/4, zero field at h = -2J (coordination 4).
    moments = StripEngine(1).clusters(np.array([-8 * K, 4 * K])).moments
    assert moments[0] == pytest.approx(0.5, abs=1e-12)
    assert moments[1] == pytest.approx(_onsager_delta(K), rel=tolerance)


def test_arguments_are_checked_before_any_work():
    with pytest.raises(InvalidArgumentError, match="`width` of `StripEngine`"):
        StripEngine(1, 2)
    with pytest.raises(InvalidArgumentError, match="`width` of `StripEngine`"):
        StripEngine(3, 12)
    with pytest.raises(InvalidArgumentError, match="`n_species` of `StripEngine`"):
        StripEngine(0)
    with pytest.raises(InvalidArgumentError, match="`x` of `StripEngine.clusters`"):
        StripEngine(1, 4).clusters(np.array([0.0, np.inf]))
    assert [default_width(s) for s in (1, 2, 3, 4, 5)] == [12, 7, 5, 4, 3]


def test_phenomenological_renormalisation_locates_the_critical_point():
    # ξ_W / W = ξ_W' / W' at the critical coupling; exact K_c = ln(1 + √2) / 2.
    from scipy.optimize import brentq

    narrow, wide = StripEngine(1, 8), StripEngine(1, 10)

    def scaled_difference(K):
        x = np.array([-8 * K, 4 * K])
        return narrow.correlation_length(x) / 8 - wide.correlation_length(x) / 10

    estimate = brentq(scaled_difference, 0.35, 0.5, xtol=1e-10)
    assert estimate == pytest.approx(np.log(1 + np.sqrt(2)) / 2, rel=2e-3)
    assert abs(estimate - np.log(1 + np.sqrt(2)) / 2) > 1e-5  # a finite-size estimate


def test_a_degenerate_transfer_matrix_is_out_of_domain(monkeypatch):
    # ARPACK refuses (error -9, "starting vector is zero") when the row weights collapse
    # onto one configuration, as a Lotka–Volterra run reaching extinction did; that is
    # the state leaving the closure's domain, said as such rather than as an ArpackError
    from scipy.sparse.linalg import ArpackError

    from dynboltz.cluster_closures import strip
    from dynboltz.errors import OutOfDomain

    def refuse(*args, **kwargs):
        raise ArpackError(-9)

    monkeypatch.setattr(strip, "eigsh", refuse)
    with pytest.raises(OutOfDomain, match=r"transfer matrix is degenerate at x = .*extinct"):
        strip.StripEngine(2, 4).clusters(np.zeros(5))
