"""One memory check (`check_result_fits`, one factor) for the library and the CLI.

Memory is set to 1.5 × the result's size: every entry point refuses, because gathering
a result holds it twice (`RESULT_FACTOR`), and nothing is simulated first.
"""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.cli import options
from dynboltz.runtime.common import memory
from dynboltz.runtime.continuous.particles import simulate_particles
from dynboltz.runtime.lattice import sample, simulate
from dynboltz.runtime.wellmixed.ssa import simulate as simulate_ssa
from dynboltz.symbolic import WellMixed

_REFUSAL = r"small enough for the result \(about {}, 2× that while it is gathered\)"


@pytest.fixture
def memory_of(monkeypatch):
    def set_memory(n_bytes):
        monkeypatch.setattr(memory, "available_memory", lambda: int(n_bytes))
    return set_memory


def _nothing_runs(monkeypatch, module, name):
    def refuse(*args, **kwargs):
        raise AssertionError("work started before the memory check")
    monkeypatch.setattr(module, name, refuse)


def test_the_factor_is_documented_and_shared():
    assert memory.RESULT_FACTOR == 2
    assert "RESULT_FACTOR" in memory.check_result_fits.__doc__


def test_cli_refuses_at_the_library_factor(memory_of):
    result = 1000 * 101 * 2 * 8    # replicates × times × moments × 8 bytes
    memory_of(1.5 * result)
    with pytest.raises(SystemExit, match="`--replicates` of `dynboltz simulate` must be `"
                       + _REFUSAL.format("1.62 MB")):
        options.check_ensemble_memory(1000, 101, 2, 100, False, "simulate")
    memory_of(2 * result)
    assert options.check_ensemble_memory(1000, 101, 2, 100, False, "simulate") == result


def test_lattice_simulate_refuses_at_the_same_factor(memory_of, monkeypatch):
    from dynboltz.runtime.lattice import simulation
    _nothing_runs(monkeypatch, simulation, "run_ensemble")
    result = 1000 * 2 * 2 * 8      # replicates × times × (µ, ∆) × 8 bytes = 32 kB
    memory_of(1.5 * result)
    with pytest.raises(ValueError, match="`replicates` of `simulate` must be `"
                       + _REFUSAL.format("32 kB")):
        simulate(library.barw, {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
                 N=100, times=[0.0, 1.0], initial=[0.0, 0.0], replicates=1000, seed=0)


def test_particles_refuse_at_the_same_factor(memory_of, monkeypatch):
    from dynboltz.runtime.continuous import particles
    _nothing_runs(monkeypatch, particles, "run_ensemble")
    result = 1000 * 2 * (11 + 1) * 8   # replicates × times × (nodes + total) × 8 bytes
    memory_of(1.5 * result)
    with pytest.raises(ValueError, match="`replicates` of `simulate_particles` must be `"
                       + _REFUSAL.format("192 kB")):
        simulate_particles({"diffusion": 1.0}, np.zeros(3), [0.0, 1.0], replicates=1000,
                           seed=0, nodes=11)


def test_ssa_refuses_at_the_same_factor(memory_of):
    result = 1000 * 1 * (2 + 1) * 8    # n × species × (times + initial) × 8 bytes
    memory_of(1.5 * result)
    with pytest.raises(ValueError, match="`replicates` of `simulate` must be `"
                       + _REFUSAL.format("24 kB")):
        simulate_ssa(WellMixed({"death": "A -> 0"}), {"death": 1.0}, [1], [0.0, 1.0], 1000,
                     seed=0)


def test_sample_refuses_configurations_that_cannot_fit_before_work(memory_of, monkeypatch):
    from dynboltz.runtime.lattice import geometries
    ring = geometries.GEOMETRIES["chain"]
    _nothing_runs(monkeypatch, type(ring), "sample")
    memory_of(15_000)              # 10 configurations × 1000 int8 sites = 10 kB
    with pytest.raises(ValueError, match="`n` of `sample` must be `" + _REFUSAL.format("10 kB")
                       + " to fit in the 15 kB of memory available: draw fewer "
                       "configurations or a smaller lattice per call`; got `10`"):
        sample(library.barw, [0.0, 0.0], N=1000, n=10, seed=0)
