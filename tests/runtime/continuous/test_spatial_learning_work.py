"""`learn_spatial_basis` builds the Fisher matrix and the visits only where they are used,
and a plain step that cannot change stops the run instead of repeating."""
import numpy as np
import pytest

from dynboltz.errors import ConvergenceError
from dynboltz.runtime.continuous import Domain, estimate_density
from dynboltz.runtime.continuous.heat_kernel import point_source_nu
from dynboltz.runtime.continuous import spatial_learning
from dynboltz.runtime.continuous.particles import simulate_particles

_GRID = np.arange(-0.5, 4.01, 0.5)


def _data():
    domain = Domain(-3.0, 3.0, "reflecting", 31)
    t0, P = 0.05, 400
    initial = np.random.default_rng(0).normal(0.0, np.sqrt(2 * t0), P)
    ens = simulate_particles({"diffusion": 1.0}, initial, np.linspace(t0, 0.5, 6),
                             replicates=4, seed=0, workers=1, domain=(-3.0, 3.0), nodes=31,
                             t0=t0)
    return estimate_density(ens), point_source_nu(domain.nodes, t0, 0.0, 1.0, P, domain)


def _counting(monkeypatch, name):
    calls = []
    original = getattr(spatial_learning, name)

    def counted(*args):
        calls.append(1)
        return original(*args)
    monkeypatch.setattr(spatial_learning, name, counted)
    return calls


def test_fisher_and_visits_are_built_only_where_used(monkeypatch):
    data, eta = _data()
    evaluations = _counting(monkeypatch, "_evaluate")
    fishers = _counting(monkeypatch, "_fisher")
    hats = _counting(monkeypatch, "hat_weights")
    result = spatial_learning.learn_spatial_basis(data, eta, _GRID, iterations=6,
                                                  initial_F1=0.0, initial_F2=0.5)
    stepped_from = result.F_history[:-1]
    distinct = 1 + sum(not np.array_equal(a, b)
                       for a, b in zip(stepped_from[1:], stepped_from[:-1]))
    assert len(evaluations) == 7 and distinct >= 3
    # the Fisher matrix once at each F stepped from, never at a trial; visits once
    assert len(fishers) == distinct and len(hats) == 1
    fishers.clear()
    spatial_learning.learn_spatial_basis(data, eta, _GRID, iterations=3, optimizer="gradient",
                                         learning_rate=1e-3, initial_F1=0.0,
                                         initial_F2=0.5)
    assert fishers == []


def test_plain_steps_with_decay_one_stop_at_a_rejected_step(monkeypatch):
    data, eta = _data()
    evaluations = _counting(monkeypatch, "_evaluate")
    with pytest.raises(ConvergenceError, match=r"gradient step of iteration 0 was rejected .* "
                       r"decay=1 every later iteration would propose the same F; lower "
                       r"learning_rate or lower decay=0.9"):
        spatial_learning.learn_spatial_basis(data, eta, _GRID, iterations=10_000,
                                             optimizer="gradient", learning_rate=1e6,
                                             max_step=10.0, initial_F1=0.0, initial_F2=0.5)
    assert len(evaluations) == 2   # the start and the one rejected trial
