"""The paper's BARW experiment (runtime/paper/barw.py) and Fig. 9-10 writers.

Reduced-size runs (N = 100, T = 1, a few hundred replicates, tens of iterations) in the
default suite; the paper-size runs asserting the issue's "error falls at least 5x" are
marked slow.
"""
import json

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.paper.barw import (ADAM_LEARNING, EXACT_RATES, PAPER_DIRECTION,
                                              PAPER_RATES, barw_data, barw_settings,
                                              run_barw, write_summary)
from dynboltz.runtime.paper.barw_figures import plot_coefficients, plot_moments

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAMES = ("branching", "annihilation", "diffusion")


@pytest.fixture(scope="module")
def paper_run():
    return run_barw(barw_settings("paper", iterations=60, replicates=300, seed=3), workers=2)


@pytest.fixture(scope="module")
def exact_run():
    return run_barw(barw_settings("exact", iterations=60, replicates=300, seed=4), workers=2)


def _trapezoid_error(predicted, data, times):
    squared = ((np.asarray(predicted) - data) ** 2).sum(axis=1)
    return float(np.sum(0.5 * (squared[1:] + squared[:-1]) * np.diff(times)))


def test_paper_settings_are_the_papers():
    settings = barw_settings("paper")
    kb, pa, dt = 10.0, 0.1, 0.01   # Sec. III C
    assert settings.theta0 == pytest.approx((kb, pa / dt, 10.0))
    assert (settings.N, settings.T, settings.dt, settings.iterations) == (100, 1.0, dt, 400)
    assert settings.rates == {"branching": kb, "annihilation": pa, "diffusion": 1.0}
    assert settings.times.shape == (101,) and settings.times[-1] == pytest.approx(1.0)
    exact = barw_settings("exact")
    assert exact.theta0 == pytest.approx(tuple(0.5 * EXACT_RATES[n] for n in NAMES))
    # the CTMC counterpart of the paper scheme: pa / dt per pair, 1 / (2 dt) per direction
    assert EXACT_RATES == {"branching": kb, "annihilation": pa / dt, "diffusion": 0.5 / dt}


@pytest.mark.parametrize("kwargs, param", [
    ({"scheme": "gillespie"}, "scheme"), ({"T": 1.005}, "T"), ({"replicates": 1}, "replicates"),
    ({"iterations": 0}, "iterations"), ({"learning": [1]}, "learning")])
def test_settings_are_validated(kwargs, param):
    with pytest.raises((ValueError, TypeError), match=f"`{param}` of `barw_settings` must be"):
        barw_settings(**kwargs)


def test_run_rejects_other_settings():
    with pytest.raises(TypeError, match="`settings` of `run_barw` must be"):
        run_barw({"scheme": "paper"})


def test_initial_lattices_have_the_boltzmann_occupancy():
    ensemble = barw_data(barw_settings("paper", replicates=400, seed=1, T=0.05), workers=2)
    mu0 = ensemble.moments[:, 0, 0]
    expected = np.e / (1 + np.e)   # h0 = 1, J0 = 0: independent sites
    assert abs(mu0.mean() - expected) < 4 * mu0.std(ddof=1) / np.sqrt(mu0.size)
    assert ensemble.metadata["scheme"] == "paper"
    assert ensemble.metadata["rates"] == PAPER_RATES


def test_summary_numbers_follow_from_the_run(paper_run):
    summary, result, times = paper_run.summary, paper_run.result, paper_run.times
    # θ is labelled by the library's process order, the order learn_rates uses
    assert summary["process_names"] == list(library.barw.process_names) == list(NAMES)
    assert summary["theta0"] == dict(zip(NAMES, (10.0, 10.0, 10.0)))
    assert summary["theta"] == pytest.approx(dict(zip(NAMES, np.asarray(result.theta))))
    assert summary["theta"] == result.rates
    # the default optimiser stops on its tolerance, well inside the 60-iteration limit
    assert summary["convergence"]["converged"] and summary["convergence"]["iterations"] < 60
    assert summary["standard_errors"] == result.standard_errors
    assert all(0 < summary["standard_errors"][n] < 0.1 * summary["theta"][n] for n in NAMES)
    initial = _trapezoid_error(result.initial_moments, paper_run.data_moments, times)
    learned = _trapezoid_error(result.predicted_moments, paper_run.data_moments, times)
    assert summary["moment_error_initial"] == pytest.approx(initial, rel=1e-9)
    assert summary["moment_error_learned"] == pytest.approx(learned, rel=1e-9)
    assert summary["error_ratio"] == pytest.approx(initial / learned, rel=1e-9)
    floor = _trapezoid_error(paper_run.data_standard_error, 0.0, times)
    assert summary["noise_floor"] == pytest.approx(floor, rel=1e-9)
    for name in NAMES:
        up = summary["theta"][name] > summary["theta0"][name]
        assert summary["direction"][name] == ("up" if up else "down")
    assert summary["paper_direction"] == PAPER_DIRECTION
    assert summary["agrees_with_paper"] == (summary["direction"] == PAPER_DIRECTION)


def test_data_are_the_ensemble_mean(paper_run):
    settings = paper_run.settings
    again = barw_data(settings, workers=1).moments
    assert np.array_equal(paper_run.data_moments, again.mean(axis=0))
    se = again.std(axis=0, ddof=1) / np.sqrt(settings.replicates)
    assert np.allclose(paper_run.data_standard_error, se)


def test_learning_reduces_the_moment_error(paper_run, exact_run):
    # 60 iterations already remove most of the θ0 error (the full runs: >= 5x, slow)
    for run in (paper_run, exact_run):
        assert run.summary["error_ratio"] > 2.0
        assert run.summary["moment_error_learned"] > run.summary["noise_floor"]


def test_exact_summary_reports_the_closure_distance(exact_run):
    summary = exact_run.summary
    theta = np.array([summary["theta"][n] for n in NAMES])
    simulated = np.array([EXACT_RATES[n] for n in NAMES])
    assert summary["simulated_rates"] == EXACT_RATES
    assert summary["closure_distance"] == pytest.approx(
        np.sqrt(np.sum((theta - simulated) ** 2) / np.sum(simulated ** 2)))
    assert summary["initial_distance"] == pytest.approx(0.5)
    for name in NAMES:
        assert summary["relative_deviation"][name] == pytest.approx(
            summary["theta"][name] / EXACT_RATES[name] - 1)


def _rk4_moments(theta, x0, times, substeps=4):
    """Eq. 52 by plain RK4 on ``library.barw.basis`` (independent of the compiled ODE)."""
    from dynboltz.generated import library

    lib, x, out = library.barw, np.array(x0, dtype=float), []
    rhs = lambda y: np.asarray(theta) @ lib.basis(y)
    for k, t in enumerate(times):
        out.append(lib.moments(x))
        if k + 1 < len(times):
            h = (times[k + 1] - t) / substeps
            for _ in range(substeps):
                k1 = rhs(x); k2 = rhs(x + h / 2 * k1); k3 = rhs(x + h / 2 * k2)
                x = x + h / 6 * (k1 + 2 * k2 + 2 * k3 + rhs(x + h * k3))
    return np.array(out)


def test_error_at_the_simulated_rates_is_that_of_eq_52(exact_run):
    times = exact_run.times
    moments = _rk4_moments([EXACT_RATES[n] for n in NAMES], exact_run.settings.x0, times,
                           substeps=16)
    expected = _trapezoid_error(moments, exact_run.data_moments, times)
    # 4 RK4 substeps per Δt are within 1e-5 of a converged solution at these rates and
    # the residual moments are ~1e-2, so the squared error agrees to ~2 × 1e-5 / 1e-2
    assert exact_run.summary["moment_error_at_simulated_rates"] == pytest.approx(expected,
                                                                                 rel=2e-3)


def test_same_seed_same_summary(paper_run):
    again = run_barw(paper_run.settings, workers=1)
    assert again.summary == paper_run.summary


def test_summary_json_and_figures_are_written(paper_run, tmp_path):
    path = write_summary(paper_run.summary, tmp_path / "run" / "barw.json")
    assert json.loads(path.read_text()) == paper_run.summary
    assert plot_moments(paper_run, tmp_path / "fig9.png").read_bytes()[:8] == PNG_MAGIC
    assert plot_coefficients(paper_run, tmp_path / "fig10.png").read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig10.png", "fig9.png", "run"]


@pytest.mark.slow
def test_paper_scheme_full_size_error_falls_five_fold():
    summary = run_barw(barw_settings("paper")).summary
    assert summary["error_ratio"] >= 5.0
    assert summary["agrees_with_paper"], summary["direction"]


@pytest.mark.slow
def test_adam_setting_still_learns_and_the_default_reaches_a_lower_action():
    settings = barw_settings("paper", replicates=1000)
    default = run_barw(settings).result
    adam = run_barw(barw_settings("paper", replicates=1000, learning=ADAM_LEARNING)).result
    assert default.info["converged"]
    assert default.action_history[-1] < adam.action_history[-1]


@pytest.mark.slow
def test_exact_scheme_full_size_error_falls_five_fold():
    summary = run_barw(barw_settings("exact")).summary
    assert summary["error_ratio"] >= 5.0
    assert np.isfinite(summary["closure_distance"])
