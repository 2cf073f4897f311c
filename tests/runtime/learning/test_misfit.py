"""The misfit ratio says when learned rates are effective rates."""
import warnings

import numpy as np
import pytest

from dynboltz.errors import EffectiveRatesWarning
from dynboltz.generated import library
from dynboltz.runtime.learning import learn_rates
from dynboltz.runtime.learning.misfit import misfit_ratio
from dynboltz.runtime.lattice import simulate


def test_ratio_is_one_for_a_model_inside_the_noise_and_grows_as_the_square_of_a_shift():
    rng = np.random.default_rng(0)
    truth = np.linspace(0.1, 0.5, 40).reshape(20, 2)
    replicates = truth + 0.01 * rng.standard_normal((400, 20, 2))
    # the exact mean: E[χ²/point] = 1 (the sample mean's own noise)
    assert misfit_ratio(truth, replicates) == pytest.approx(1.0, abs=0.35)
    se = 0.01 / np.sqrt(400)
    assert misfit_ratio(truth + 5 * se, replicates) == pytest.approx(26.0, rel=0.2)
    assert misfit_ratio(truth, None) is None and misfit_ratio(truth, replicates[:1]) is None


def _barw_data():
    rates = {"branching": 3.0, "annihilation": 1.0, "diffusion": 1.0}
    ensemble = simulate(library.barw, rates, N=400, times=np.linspace(0.0, 1.0, 11),
                        initial=np.array([0.0, 0.0]), replicates=200, seed=1, workers=1)
    return rates, ensemble


def test_a_closure_that_follows_the_data_has_a_ratio_near_one_and_no_warning():
    rates, ensemble = _barw_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error", EffectiveRatesWarning)
        result = learn_rates(library.barw, ensemble, [0.0, 0.0], rates, progress=False)
    assert 0.3 < result.info["misfit_ratio"] < 3 and not result.info["effective_rates"]
    assert result.info["misfit_ratio"] == pytest.approx(
        misfit_ratio(result.predicted_moments, ensemble.moments))


def test_a_model_that_cannot_follow_the_data_warns_that_its_rates_are_effective():
    # the reduced model starts from another Boltzmann point than the data: no rates
    # can make it pass through the data's first moments, many noise units away
    rates, ensemble = _barw_data()
    with pytest.warns(EffectiveRatesWarning, match=r"effective rates: the closure misses "
                                                   r"the data by [0-9.]+× its noise"):
        result = learn_rates(library.barw, ensemble, [0.4, 0.0], rates, progress=False)
    assert result.info["effective_rates"] and result.info["misfit_ratio"] > 10
