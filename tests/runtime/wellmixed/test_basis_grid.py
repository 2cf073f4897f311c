"""The default grid of `learn_basis` follows the data; an explicit grid that misses them warns.

Independent route: for immigration–death (∅ → A at c, A → ∅ at d) the mean from a
geometric start of mean m0 = 1/(e^η − 1) is m(t) = c/d + (m0 − c/d) e^{−dt} exactly, so
ν*(t) = ln(1 + 1/m(t)) (the geometric member of eq. 19 with that mean) is known in
closed form.
"""
import warnings

import numpy as np
import pytest

from dynboltz.runtime.wellmixed.basis_grid import (grid_coverage, grid_from_moments,
                                                   moment_matched_nu)
from dynboltz.errors import GridCoverageWarning
from dynboltz.runtime.wellmixed.basis_learning import learn_basis
from dynboltz.symbolic import WellMixed

IMMIGRATION = WellMixed({"immigration": "0 -> A", "death": "A -> 0"})
RATES = {"immigration": 50.0, "death": 1.0}
README_GRID = np.arange(1, 31) / 10


def _closed_form_nu(eta, times):
    m0 = 1.0 / np.expm1(eta)
    stationary = RATES["immigration"] / RATES["death"]
    mean = stationary + (m0[:, None] - stationary) * np.exp(-RATES["death"] * times)
    return np.log1p(1.0 / mean)


def test_moment_matched_nu_inverts_the_maxent_moments():
    nu = np.array([0.05, 0.7, 3.0])
    mean = 1.0 / np.expm1(nu)  # geometric mean of p̃ ∝ exp(−ν n)
    np.testing.assert_allclose(moment_matched_nu(mean[:, None], 1)[:, 0], nu, rtol=1e-12)
    # K = 2 Gaussian reading: mean µ, variance σ² -> ν2 = 1/σ², ν1 = (1/2 − µ) ν2
    mu, var = 40.0, 9.0
    m2 = (var + mu ** 2 - mu) / 2  # ⟨C(n,2)⟩ = (⟨n²⟩ − ⟨n⟩)/2
    np.testing.assert_allclose(moment_matched_nu(np.array([[mu, m2]]), 2)[0],
                               [(0.5 - mu) / var, 1 / var], rtol=1e-12)


def test_default_grid_covers_the_immigration_death_data():
    T, eta_range = 4.0, (0.5, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridCoverageWarning)
        result = learn_basis(IMMIGRATION, RATES, 1, T=T, iterations=2, seed=1,
                             eta_range=eta_range)
    axis = result.axes[0]
    eta = np.linspace(*eta_range, 41)
    nu = _closed_form_nu(eta, np.linspace(0.0, T, 201))
    assert axis.size == 30 and np.all(np.diff(axis) > 0)
    assert axis[0] >= nu.min() * (1 - 1e-9) and axis[-1] <= nu.max() * (1 + 1e-9)
    share = np.mean((nu >= axis[0]) & (nu <= axis[-1]))
    assert 0.9 <= share < 1.0
    # the README grid (0.1, 3] misses where this population lives (ν ≈ ln(1 + 1/50))
    assert axis[0] < 0.03 < README_GRID[0]


def test_an_explicit_grid_the_data_miss_warns():
    with pytest.warns(GridCoverageWarning, match=r"the grid misses the data"):
        learn_basis(IMMIGRATION, RATES, 1, README_GRID, 4.0, 1, seed=1,
                    eta_range=(0.5, 2.0))


def test_schloegl_default_grid_from_ssa_and_the_readme_grid_warns():
    net = WellMixed({"b": "A + A -> A + A + A", "c": "A + A + A -> A + A",
                     "i": "0 -> A", "d": "A -> 0"})
    rates = {"b": 0.03, "c": 1e-4, "i": 20.0, "d": 1.0}
    common = dict(K=1, T=1.0, iterations=1, seed=2, truth="ssa", n_trajectories=20,
                  eta_range=(0.05, 0.2), n_initial=4)
    with pytest.warns(GridCoverageWarning):
        learn_basis(net, rates, grid=README_GRID, **common)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GridCoverageWarning)
        result = learn_basis(net, rates, **common)
    # populations of tens: ν* = ln(1 + 1/m) well below the README grid's 0.1 at the end
    assert result.axes[0][0] < 0.1 and result.axes[0][-1] <= 0.2 * 1.05


def test_grid_none_needs_eta_range_and_T():
    with pytest.raises(ValueError, match=r"`eta_range` of `learn_basis` must be `given"):
        learn_basis(IMMIGRATION, RATES, 1, T=1.0)
    with pytest.raises(ValueError, match=r"`T` of `learn_basis`"):
        learn_basis(IMMIGRATION, RATES, 1, eta_range=(0.5, 2.0))


def test_coverage_of_a_grid_on_the_data_is_full():
    moments = (1.0 / np.expm1(np.linspace(0.2, 2.0, 50)))[None, :, None]
    axes = grid_from_moments(moments, 1)
    inside, nodes = grid_coverage(axes, moments, 1)
    assert inside >= 0.95 and nodes == 1.0  # the 1 % tails at either end lie outside
