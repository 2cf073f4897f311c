"""Known dynamics on the square lattice: the contact process and pair annihilation.

Contact process (death ``A -> _`` at 1, infection ``A _ -> A A`` at θ onto each empty
neighbour, λ = 4θ): dies out below λ_c ≈ 1.6488 and survives above. Pair annihilation
with diffusion: the density decays like ln t / t in two dimensions.
"""
import numpy as np
import pytest

from dynboltz.runtime.lattice.bonds.figures import plot_moment_bands, plot_snapshots
from dynboltz.runtime.lattice.bonds.geometry import SQUARE


def _rules(*processes):
    return tuple(tuple((np.array(lhs), np.array(rhs), w) for lhs, rhs, w in p)
                 for p in processes)


CONTACT = _rules([((1,), (0,), 1.0)], [((1, 0), (1, 1), 1.0)])
ANNIHILATION = _rules([((1, 1), (0, 0), 0.5)], [((1, 0), (0, 1), 1.0)])


def _density(rules, rates, shape, times, replicates, snapshots=False):
    task = SQUARE.replicate_task("exact", {}, 1, shape, rules, np.array(rates),
                                 ("a", "b"), np.array(times), 12, None,
                                 np.ones(shape, np.int8), snapshots)
    return [task(r) for r in range(replicates)]


@pytest.mark.parametrize("lam, size, t_end, survives", [
    (1.2, 48, 120.0, False), (2.2, 48, 120.0, True),
    pytest.param(1.55, 128, 600.0, False, marks=pytest.mark.slow),
    pytest.param(1.75, 128, 600.0, True, marks=pytest.mark.slow)])
def test_contact_process_threshold(lam, size, t_end, survives):
    times = np.linspace(0.0, t_end, 7)
    runs = _density(CONTACT, [1.0, lam / 4], (size, size), times, 2)
    density = np.array([run["moments"][:, 0] for run in runs])
    if survives:
        assert np.all(density[:, -1] > 0.05)
        # stationary: the last two records agree within the fluctuations
        assert np.all(np.abs(density[:, -1] - density[:, -2]) < 0.1)
    else:
        assert np.all(density[:, -1] < 0.005)  # extinct, or nearly


@pytest.mark.slow
def test_pair_annihilation_decays_like_log_t_over_t():
    times = np.array([0.0, 30.0, 100.0, 300.0, 1000.0])
    runs = _density(ANNIHILATION, [10.0, 1.0], (512, 512), times, 4)
    density = np.mean([run["moments"][:, 0] for run in runs], axis=0)[1:]
    t = times[1:]
    # ρ t / ln t tends to a constant (1/(8π D) asymptotically); a pure power law
    # ρ ~ t^−1 would make ρ t constant instead, and decrease ρ t / ln t
    ratio = density * t / np.log(t)
    assert np.ptp(ratio) / ratio.mean() < 0.25
    assert np.all(np.diff(density * t) > 0)
    slope = np.polyfit(np.log(t), np.log(density), 1)[0]
    assert -1.0 < slope < -0.8
    # the asymptotic amplitude: ρ ≈ ln t / (8π D t) with D = 1 (hops at rate 1 each way)
    assert abs(ratio[-1] * 8 * np.pi - 1) < 0.1


def test_figures_draw(tmp_path):
    times = [0.0, 1.0, 2.0]
    runs = _density(CONTACT, [1.0, 0.6], (16, 16), times, 3, snapshots=True)
    figure = plot_snapshots(runs[0]["snapshots"], times, ["A"], path=tmp_path / "s.png")
    assert len(figure.axes) >= 3 and (tmp_path / "s.png").stat().st_size > 0
    moments = np.array([run["moments"] for run in runs])
    figure = plot_moment_bands(times, moments, ["mu_A", "Delta_AA"],
                               path=tmp_path / "m.png")
    assert len(figure.axes) == 2 and (tmp_path / "m.png").stat().st_size > 0
    with pytest.raises(ValueError, match="plot_snapshots"):
        plot_snapshots(runs[0]["snapshots"], [0.0], ["A"])
