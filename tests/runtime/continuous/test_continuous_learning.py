"""Algorithm 1 with spatial axes: eq. 44 gradient, recovery of F1 = -D, F2 = D from particles."""
import numpy as np
import pytest

from dynboltz.runtime.continuous import (Domain, estimate_density, learn_spatial_basis,
                                         simulate_particles)
from dynboltz.runtime.continuous import spatial_learning
from dynboltz.runtime.continuous.heat_kernel import point_source_nu, sample_point_source


def _data(P=4000, R=4, M=61, t0=0.1, seed=0):
    domain = Domain(-3.0, 3.0, "reflecting", M)
    rng = np.random.default_rng(seed)
    initial = np.stack([sample_point_source(0.0, t0, 1.0, P, domain, rng) for _ in range(R)])
    ens = simulate_particles({"diffusion": 1.0}, initial, np.linspace(t0, 1.0, 10), R, seed,
                             workers=1, domain=(-3.0, 3.0), nodes=M, t0=t0)
    return estimate_density(ens), point_source_nu(domain.nodes, t0, 0.0, 1.0, P, domain)


def test_gradient_is_the_derivative_of_the_action():
    data, eta = _data()
    grid = np.arange(-0.5, 4.01, 0.5)
    problem = spatial_learning._problem(data, eta, grid, 2e-3, "test", smoothness=1e-3)
    F = np.array([-0.5 + 0 * grid, 0.7 + 0.1 * grid])
    evaluation = spatial_learning._evaluate(problem, F)
    h = 1e-5
    for f in (2, 4, grid.size + 2, grid.size + 5):
        up, down = F.ravel().copy(), F.ravel().copy()
        up[f] += h
        down[f] -= h
        a = spatial_learning._evaluate(problem, up.reshape(2, -1), False).action
        b = spatial_learning._evaluate(problem, down.reshape(2, -1), False).action
        assert (a - b) / (2 * h) == pytest.approx(evaluation.gradient[f], rel=1e-5, abs=1e-6)


def test_learns_pure_diffusion_within_ten_percent():
    data, eta = _data()
    grid = np.arange(-0.5, 4.01, 0.5)
    result = learn_spatial_basis(data, eta, grid, iterations=15, initial_F1=0.0,
                                 initial_F2=0.5)
    visited = result.visits >= 0.01 * result.visits.max()
    assert visited.sum() >= 6
    assert np.abs(result.F1[visited] + 1.0).max() < 0.1
    assert np.abs(result.F2[visited] - 1.0).max() < 0.1
    assert result.action_history[-1] < 1e-2 * result.action_history[0]


def test_bad_input():
    data, eta = _data(P=200, R=2, M=21)
    with pytest.raises(ValueError, match="eta"):
        learn_spatial_basis(data, eta[:-1], np.linspace(0, 1, 3))
    with pytest.raises(ValueError, match="initial_F2"):
        learn_spatial_basis(data, eta, np.linspace(0, 1, 3), initial_F2=-1.0)
    with pytest.raises(ValueError, match="optimizer"):
        learn_spatial_basis(data, eta, np.linspace(0, 1, 3), optimizer="adam")


@pytest.mark.slow
def test_fig6_paper_size(tmp_path):
    import json

    from dynboltz.runtime.paper.continuous import fig6

    path = fig6(tmp_path, seed=0)
    assert path.exists()
    summary = json.loads((tmp_path / "continuous.json").read_text())
    assert summary["D"] == 1.0
    assert summary["diffusion_experiment"]["max_relative_error"]["F1"] < 0.1
    assert summary["diffusion_experiment"]["max_relative_error"]["F2"] < 0.1
    assert summary["number_parameters"]["max_abs_z"] < 4
    assert len(summary["learned_F1"]["grid"]) == len(summary["learned_F1"]["values"])


def test_spatial_action_is_the_action_the_learning_reports():
    data, eta = _data()
    grid = np.arange(-0.5, 4.01, 0.5)
    result = learn_spatial_basis(data, eta, grid, iterations=2, initial_F1=0.0,
                                 initial_F2=0.5)
    for k in (0, -1):
        F1, F2 = result.F_history[k]
        assert spatial_learning.spatial_action(data, eta, grid, F1, F2, smoothness=1e-3) == \
            pytest.approx(result.action_history[k], rel=1e-12)
