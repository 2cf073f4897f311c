"""Fig. 2's panels: every line named in a legend, nothing non-positive on the log axis."""
import numpy as np
import pytest

from dynboltz.runtime.paper.galton_watson import K1_GRID, galton_watson, plot_convergence
from dynboltz.runtime.wellmixed.basis_learning import learn_basis


@pytest.mark.filterwarnings("ignore::dynboltz.errors.GridCoverageWarning")
def test_fig2_lines_are_labelled_and_the_log_panel_gets_no_zero():
    net, rates = galton_watson()
    # a wide grid: nodes beyond ν = 3 are never reached, so their gradient is exactly 0
    grid = np.concatenate([K1_GRID, 3.0 + np.arange(1, 31) * 0.1])
    result = learn_basis(net, rates, 1, grid, 1.0, 3, seed=0, n_initial=4,
                         resample_initial=False, eta_range=(0.5, 2.0))
    assert np.any(result.gradient[..., 0] == 0)  # the case the log panel must skip
    fig = plot_convergence(result)
    left, right = fig.axes
    for ax in (left, right):
        labels = {t.get_text() for t in ax.get_legend().get_texts()}
        assert len(labels) == 2 and all(labels) and ax.get_ylabel() and ax.get_xlabel()
    assert right.get_yscale() == "log"
    for line in right.get_lines():
        y = np.asarray(line.get_ydata(), dtype=float)
        assert np.all(np.isnan(y) | (y > 0)) and np.all(np.isfinite(y[~np.isnan(y)]))


def test_fig4_fig5_colour_bars_name_the_quantity_not_the_title():
    from matplotlib.figure import Figure

    from dynboltz.runtime.paper.galton_watson import K2_AXES, _map
    ax = Figure().subplots()
    values = np.ones((K2_AXES[0].size, K2_AXES[1].size))
    _map(ax, K2_AXES, values, r"$F_1$ learned, 30 iterations (visited: 1.0%)", r"$F_1$",
         visited=values > 0)
    bar = next(a for a in ax.figure.axes if a.get_label() == "<colorbar>")
    assert bar.get_ylabel() == r"$F_1$" and ax.get_title() != bar.get_ylabel()


def test_fig6_panels_are_lettered_each_with_one_experiment_and_every_curve_on_scale(tmp_path,
                                                                                   monkeypatch):
    import matplotlib.image

    from dynboltz.runtime.paper import continuous

    captured = {}
    original = continuous.save_png

    def keep(fig, path):
        captured["fig"] = fig
        return original(fig, path)

    sensitivities = continuous.branching_sensitivities()
    t = np.linspace(0.0, 2.0, 11)
    numbers = {"times": t, "eq29": np.c_[20 * np.exp(-t), np.ones(11)],
               "simulated": np.c_[20 * np.exp(-t), np.ones(11)],
               "standard_error": 0.1 * np.ones((11, 2))}
    learned = {"grid": np.arange(5.0), "visited": np.array([0, 1, 1, 1, 0], bool),
               "F1": -np.ones(5), "F2": np.ones(5)}
    monkeypatch.setattr(continuous, "save_png", keep)
    saved = continuous._plot(sensitivities, numbers, learned, tmp_path / "fig6.png")
    axes = captured["fig"].axes
    titles = [ax.get_title() for ax in axes]
    assert [title[:3] for title in titles] == ["(a)", "(b)", "(c)", "(d)"]
    assert len(set(titles)) == 4 and "learned" not in titles[3]
    for line in axes[2].get_lines():
        low, high = axes[2].get_ylim()
        assert low <= line.get_ydata().min() and line.get_ydata().max() <= high
    # the top panels resolve the early wiggle: output step well below its duration (~0.05)
    assert np.diff(sensitivities["times"]).max() < 0.005
    assert matplotlib.image.imread(saved).shape[0] > 0
