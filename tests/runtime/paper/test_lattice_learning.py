"""The square/cubic learning experiments, end to end on a tiny lattice.

Independent routes: the pair approximation and the Bethe reduced model at the true
rates are the same equations in moment space, so their error rows must agree while
the trajectory stays off the Bethe coexistence line; the learned rates minimise the
action on the training window, so it is no larger there than at the true rates or at
θ₀; the JSON records what the report needs.
"""
import dataclasses
import json

import pytest

from dynboltz.runtime.paper.lattice_learning import (EXPERIMENTS,
                                                   run_experiment)


def test_tiny_contact_experiment(tmp_path):
    experiment = dataclasses.replace(EXPERIMENTS["contact2d"], quick_shape=(12, 12),
                                     quick_replicates=3, quick_iterations=30, n_times=11)
    png = run_experiment(experiment, tmp_path, seed=2, quick=True)
    assert png.is_file()
    summary = json.loads((tmp_path / "contact2d.json").read_text())
    table = summary["rms_moment_error"]
    assert set(table) >= {"learned", "bethe (true rates)", "pair_approximation",
                          "mean_field"}
    for window, value in table["pair_approximation"].items():
        assert table["bethe (true rates)"][window] == pytest.approx(value, rel=1e-5)
    # learning minimises the action (not the RMS moment error): at the learned rates it
    # is no larger than at the true rates or at θ₀
    action = summary["action"]
    assert action["learned"] <= min(action["true rates"], action["theta0"]) + 1e-9
    assert summary["default_closure"] == "bethe" and summary["shape"] == [12, 12]
    assert summary["timings"]["iterations"] >= 1


def test_every_experiment_is_a_reproduce_target():
    from dynboltz.runtime.cli.main import _figures

    assert set(EXPERIMENTS) <= set(_figures())
    assert all(callable(_figures()[name]) for name in _figures())
    assert EXPERIMENTS["lotka_volterra2d"].shape == (40, 40)
    assert EXPERIMENTS["contact3d"].shape == (16, 16, 16)
