"""ANN vector field, its RK4 integration, the SEP input layer, the mass-action fit."""
import numpy as np
import pytest
from scipy.linalg import expm

from dynboltz.generated import library
from dynboltz.runtime.paper.ann import (FeatureBlock, BasisFeatures, integrate_rk4,
                                           sep_features, train_vector_field)
from dynboltz.runtime.wellmixed.mass_action import (SEP_REACTIONS, fit_rates,
                                                    integrate_mass_action)

A = np.array([[-0.5, 1.0, 0.0], [-1.0, -0.5, 0.2], [0.0, -0.2, -0.3]])


def test_rk4_matches_the_matrix_exponential():
    times = np.linspace(0, 2, 41)
    x0 = np.array([1.0, 0.0, -0.5])
    trajectory = integrate_rk4(lambda x: A @ x, x0, times, substeps=2)
    exact = np.array([expm(A * t) @ x0 for t in times])
    # Fourth order: global error ~ (h = 0.025)^4 × |A|^5 t.
    assert np.abs(trajectory.x - exact).max() < 1e-7
    assert trajectory.info["steps"] == 80 and trajectory.info["diverged_at"] is None


def test_rk4_stops_at_divergence():
    trajectory = integrate_rk4(lambda x: x ** 2, np.array([1.0]), np.linspace(0, 2, 21))
    assert trajectory.info["diverged_at"] is not None
    assert np.isnan(trajectory.x[-1]).all() and np.isfinite(trajectory.x[:5]).all()


def _learn_linear_field(hidden, n_samples, max_iter):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n_samples, 3))
    net = train_vector_field(x, x @ A.T, seed=0, hidden=hidden, alpha=1e-6,
                             max_iter=max_iter)
    test = rng.uniform(-0.8, 0.8, (200, 3))
    scale = np.abs(test @ A.T).max()
    # Measured: 0.7 % (8, 8), 0.34 % (40, 40) of the largest |A x| on held-out points.
    assert np.abs(net(test) - test @ A.T).max() < 0.02 * scale
    times = np.linspace(0, 2, 41)
    x0 = np.array([0.6, 0.0, -0.4])
    learned = integrate_rk4(net, x0, times).x
    exact = np.array([expm(A * t) @ x0 for t in times])
    assert np.abs(learned - exact).max() < 0.01


def test_ann_learns_a_known_linear_vector_field():
    _learn_linear_field((8, 8), 120, 400)


@pytest.mark.slow
def test_paper_size_ann_learns_a_known_linear_vector_field():
    _learn_linear_field((40, 40), 150, 1000)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_forward_pass_equals_scikit_learn_predict():
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(1)
    x, y = rng.normal(0, 1, (50, 4)), rng.normal(0, 1, (50, 2))
    net = train_vector_field(x, y, seed=3, hidden=(7, 5), max_iter=50,
                             input_scaling="standard")
    model = MLPRegressor(hidden_layer_sizes=(7, 5), activation="tanh", solver="lbfgs",
                         alpha=net_alpha(), max_iter=50, tol=1e-10, random_state=3)
    z = (x - x.mean(0)) / x.std(0)
    model.fit(z, (y - y.mean(0)) / y.std(0))
    expected = y.mean(0) + y.std(0) * model.predict(z)
    assert np.allclose(net(x), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_global_input_scaling_is_one_rms_without_centring():
    from sklearn.neural_network import MLPRegressor

    rng = np.random.default_rng(4)
    # Column 1 barely moves (std 1e-3 around 1): per-column standardisation would blow
    # its later drift up by 1000; the global scale keeps it at its own size.
    x = np.column_stack([rng.normal(0, 1, 40), 1 + 1e-3 * rng.normal(0, 1, 40)])
    y = rng.normal(0, 1, (40, 1))
    net = train_vector_field(x, y, seed=2, hidden=(5,), max_iter=30)
    rms = np.sqrt(np.mean(x ** 2))
    assert np.allclose(net.input_mean, 0.0) and np.allclose(net.input_scale, rms)
    model = MLPRegressor(hidden_layer_sizes=(5,), activation="tanh", solver="lbfgs",
                         alpha=net_alpha(), max_iter=30, tol=1e-10, random_state=2)
    model.fit(x / rms, (y - y.mean(0)) / y.std(0))
    later = x + np.array([0.0, 0.05])
    assert np.allclose(net(later), y.mean(0) + y.std(0) * model.predict(later / rms)[:, None],
                       rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="input_scaling"):
        train_vector_field(x, y, input_scaling="robust")


def net_alpha():
    from dynboltz.runtime.paper.ann import ANN_DEFAULTS

    return ANN_DEFAULTS["alpha"]


def test_sep_features_layout():
    features = sep_features()
    names = library.sep.param_names
    assert features.n_features == 35
    assert [names[i] for i in range(14) if i not in features.covered()] == ["J_SP"]
    x = np.random.default_rng(2).normal(0, 1, (5, 14))
    assert features(x).shape == (5, 35)
    assert np.array_equal(features(x[0]), features(x)[0])


def _absent(x, species):
    """x with the given species switched off (h = −40: density ~ e^-40)."""
    x = x.copy()
    for s in species:
        x[library.sep.param_names.index(f"h_{s}")] = -40.0
    return x


@pytest.mark.parametrize("seed", [0, 1])
def test_sep_features_equal_the_full_sep_basis_where_the_other_species_are_absent(seed):
    # Independent route: with P absent the SEP chain is the trivalent chain of (S, E, C),
    # with S absent that of (P, E, C); with only X present, the one-species chain.
    sep, features = library.sep, sep_features()
    names = list(sep.param_names)
    x = np.random.default_rng(seed).normal(0, 0.7, 14)
    blocks, offsets = features.blocks, np.cumsum([0] + [b.library.n_params
                                                       for b in features.blocks])
    cases = {0: ("bind", "P"), 1: ("unbind", "P"), 2: ("catalysis", "S")}
    for k, (process, absent) in cases.items():
        point = _absent(x, absent)
        full = sep.basis(point)[sep.process_names.index(process)]
        got = features(point)[offsets[k]:offsets[k + 1]]
        assert np.allclose(got, full[list(blocks[k].indices)], rtol=1e-7, atol=1e-9)
    for k, species in enumerate("SECP", start=3):
        point = _absent(x, [s for s in "SECP" if s != species])
        full = sep.basis(point)[sep.process_names.index(f"diffusion_{species}")]
        got = features(point)[offsets[k]:offsets[k + 1]]
        assert np.allclose(got, full[[names.index(f"h_{species}"),
                                      names.index(f"J_{species}{species}")]],
                           rtol=1e-7, atol=1e-9)


def test_feature_block_is_checked():
    with pytest.raises(ValueError, match="index"):
        BasisFeatures([FeatureBlock(library.diffusion_A, "diffusion", (0, 9), "x")], 3,
                      ["a", "b", "c"])


RATES = np.array([0.15, 0.8, 0.4])


def _mass_action_data():
    times = np.linspace(0, 2 / 3, 67)
    return times, integrate_mass_action(SEP_REACTIONS, RATES, [0.27, 0.45, 0.06, 0.06],
                                        times, 100)


def test_mass_action_right_hand_side_is_eq_55():
    c = np.array([0.3, 0.4, 0.1, 0.05])
    k1, km1, k2 = RATES
    bind, unbind, cat = k1 * 100 * c[0] * c[1], km1 * c[2], k2 * c[2]
    expected = [-bind + unbind, -bind + unbind + cat, bind - unbind - cat, cat]
    assert np.allclose(SEP_REACTIONS.rhs(c, RATES, 100), expected, rtol=1e-14)


def test_mass_action_fit_recovers_the_rates_of_its_own_data():
    times, densities = _mass_action_data()
    fit = fit_rates(SEP_REACTIONS, times, densities, 100, rates0=[0.05, 2.0, 1.0])
    assert np.allclose(fit.rates, RATES, rtol=1e-5)
    assert fit.residual_rms < 1e-8
    assert list(fit.as_dict()) == ["k1", "k_minus1", "k2"]


def test_mass_action_conserves_enzyme_and_substrate():
    times, densities = _mass_action_data()
    assert np.allclose(densities[:, 1] + densities[:, 2], 0.51, atol=1e-9)
    assert np.allclose(densities[:, 0] + densities[:, 2] + densities[:, 3], 0.39, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda: integrate_mass_action(SEP_REACTIONS, [1, -1, 1], [0.1] * 4, [0, 1], 100),
    lambda: fit_rates(SEP_REACTIONS, [0, 1], np.ones((2, 3)), 100),
    lambda: fit_rates(SEP_REACTIONS, [0, 1], np.ones((2, 4)), 100, rates0=[0, 1, 1]),
])
def test_mass_action_bad_input(call):
    with pytest.raises(ValueError, match="must be"):
        call()
