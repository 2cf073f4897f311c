"""One simulator surface, one result family, one learning-result family.

The three simulators (well-mixed SSA and ``simulate_kinetics``, lattice, particles)
return `EnsembleResult`s with the same API; every learner returns a `LearningResult`
with the normalised ``info``.  Each check computes what it compares against in the test
(numpy on the raw replicate data, the compiled SSA called directly, a saved file read
back), never a hard-coded number.
"""
import csv
import inspect
import json

import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.common.ensemble import EnsembleResult, load_ensemble
from dynboltz.runtime.common.results import INFO_KEYS, LearningResult, Trajectory
from dynboltz.runtime.continuous import (Domain, SpatialLearningSettings, estimate_density,
                                         integrate_pde, learn_spatial_basis,
                                         simulate_particles)
from dynboltz.runtime.continuous.heat_kernel import point_source_nu
from dynboltz.runtime.lattice import simulate as simulate_lattice
from dynboltz.runtime.wellmixed import BasisLearningSettings, learn_basis
from dynboltz.runtime.wellmixed import simulate as simulate_ssa
from dynboltz.runtime.wellmixed import _gillespie
from dynboltz.runtime.wellmixed.kinetic_ssa import simulate_kinetics
from dynboltz.runtime.wellmixed.ssa import _network_arrays, _stoichiometry
from dynboltz.symbolic import WellMixed

BIRTH_DEATH = {"birth": "A -> A + A", "death": "A -> 0"}
RATES = {"birth": 1.0, "death": 1.5}
TIMES = np.array([0.0, 0.25, 0.5, 1.0])
SHARED = ("model", "rates", "initial", "times", "replicates", "seed")


def _wellmixed():
    return simulate_ssa(WellMixed(BIRTH_DEATH), RATES, [20], TIMES, replicates=6, seed=3)


def _lattice():
    return simulate_lattice(library.barw, {"branching": 1.0, "annihilation": 1.0,
                                           "diffusion": 1.0}, np.array([0.0, 0.0]), TIMES,
                            replicates=3, seed=2, workers=1, N=40)


def _particles():
    return simulate_particles({"diffusion": 1.0, "branching": 0.5, "death": 0.5},
                              np.full(30, 0.5), TIMES + 0.1, replicates=4, seed=5,
                              workers=1, nodes=11)


SIMULATIONS = {"wellmixed": _wellmixed, "lattice": _lattice, "particles": _particles}


def test_the_simulators_share_argument_names_and_order():
    signatures = {name: inspect.signature(f) for name, f in
                  [("ssa", simulate_ssa), ("kinetics", simulate_kinetics),
                   ("lattice", simulate_lattice), ("particles", simulate_particles)]}
    for name, signature in signatures.items():
        positional = [p.name for p in signature.parameters.values()
                      if p.kind is p.POSITIONAL_OR_KEYWORD]
        # the particle simulator has one model, so no `model` argument
        expected = SHARED[1:] if name == "particles" else SHARED
        assert tuple(positional) == expected, name
        keywords = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
        shared_keywords = [k for k in ("workers", "client", "save", "overwrite")
                           if k in keywords]
        assert keywords[:len(shared_keywords)] == shared_keywords, name
        assert {"save", "overwrite"} <= set(keywords) and "n" not in signature.parameters


@pytest.mark.parametrize("kind", sorted(SIMULATIONS))
def test_results_share_the_family_api(kind, tmp_path):
    result = SIMULATIONS[kind]()
    assert isinstance(result, EnsembleResult) and result.KIND == kind
    data = np.asarray(result.data, dtype=np.float64)
    R, T = data.shape[:2]
    assert T == result.times.size and R == result.replicates
    np.testing.assert_allclose(result.mean, data.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(result.stderr, data.std(axis=0, ddof=1) / np.sqrt(R),
                               rtol=1e-12)
    # .npz round trip: the same class, arrays and metadata
    back = load_ensemble(result.save(tmp_path / "run.npz"))
    assert type(back) is type(result) and back.metadata == result.metadata
    np.testing.assert_array_equal(back.times, result.times)
    np.testing.assert_array_equal(back.data, result.data)
    # CSV: one row per replicate, time and column, values as in data
    with open(result.save(tmp_path / "run.csv")) as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == data.size
    assert list(rows[0]) == ["replicate", "time", result.COLUMN, "value"]
    last = rows[-1]
    assert float(last["value"]) == data[-1, -1, -1]
    assert last[result.COLUMN] == result.column_names()[-1]
    # JSON: the per-replicate data under its own name, with the column names
    exported = json.loads(result.save(tmp_path / "run.json").read_text())
    np.testing.assert_array_equal(np.array(exported[result.DATA]), result.data)
    assert exported[f"{result.COLUMN}_names"] == result.column_names()
    assert exported["result_kind"] == kind


def test_particle_totals_survive_the_round_trip(tmp_path):
    result = _particles()
    back = load_ensemble(result.save(tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.totals, result.totals)
    assert back.domain == result.domain


def test_wellmixed_counts_are_the_compiled_ssa_output_bit_for_bit():
    net, initial = WellMixed(BIRTH_DEATH), np.full((6, 1), 20, dtype=np.int64)
    reactants, products = _stoichiometry(net)
    direct = _gillespie.direct_method(np.array([1.0, 1.5]),
                                      *_network_arrays(reactants, products), initial,
                                      TIMES, 3, tuple(net.species))
    result = _wellmixed()
    assert result.counts.dtype == np.int64
    np.testing.assert_array_equal(result.counts, direct)
    # replicate r is stream r: run alone (as the last of r + 1), it is the same
    for r in (0, 4):
        alone = simulate_ssa(net, RATES, [20], TIMES, replicates=r + 1, seed=3)
        np.testing.assert_array_equal(alone.counts[r], result.counts[r])


def test_wellmixed_save_reloads_instead_of_rerunning(tmp_path):
    path = tmp_path / "ssa.npz"
    first = simulate_ssa(WellMixed(BIRTH_DEATH), RATES, [20], TIMES, 6, 3, save=path)
    again = simulate_ssa(WellMixed(BIRTH_DEATH), RATES, [20], TIMES, 6, 3, save=path)
    np.testing.assert_array_equal(first.counts, again.counts)
    assert again.metadata["fingerprint"] == first.metadata["fingerprint"]
    with pytest.raises(ValueError, match="`save` of `simulate` must be `a new path"):
        simulate_ssa(WellMixed(BIRTH_DEATH), RATES, [20], TIMES, 6, 4, save=path)
    other = simulate_ssa(WellMixed(BIRTH_DEATH), RATES, [20], TIMES, 6, 4, save=path,
                         overwrite=True)
    np.testing.assert_array_equal(load_ensemble(path).counts, other.counts)


def _density():
    domain = Domain(-3.0, 3.0, "reflecting", 31)
    ensemble = simulate_particles({"diffusion": 1.0}, np.zeros(300),
                                  np.linspace(0.1, 0.6, 6), 2, 0, workers=1,
                                  domain=(-3.0, 3.0), nodes=31, t0=0.1)
    return estimate_density(ensemble), point_source_nu(domain.nodes, 0.1, 0.0, 1.0, 300,
                                                       domain)


def _learners():
    net = WellMixed(BIRTH_DEATH)
    data, eta = _density()
    grid = np.arange(-0.5, 4.01, 0.5)
    yield learn_basis(net, RATES, 1, np.arange(1, 31) / 10, 1.0, 2, seed=0,
                      settings=BasisLearningSettings(n_initial=4))
    yield learn_spatial_basis(data, eta, grid, iterations=2, initial_F2=0.5)
    from dynboltz.runtime.learning import learn_rates

    ensemble = _lattice()
    yield learn_rates(library.barw, ensemble, np.array([0.0, 0.0]), np.ones(3),
                      iterations=2, progress=False)


def test_every_learner_returns_a_learning_result_with_the_normalised_info():
    for result in _learners():
        assert isinstance(result, LearningResult), type(result)
        assert tuple(result.info)[:4] == INFO_KEYS, type(result)
        assert isinstance(result.info["converged"], bool)
        assert result.action_history.ndim == 1 and result.action_history.size >= 1


def test_settings_keywords_are_shorthand_for_the_settings_object():
    net = WellMixed(BIRTH_DEATH)
    grid = np.arange(1, 31) / 10
    by_object = learn_basis(net, RATES, 1, grid, 1.0, 2, seed=0, settings=
                            BasisLearningSettings(optimizer="gradient", n_initial=3))
    by_keyword = learn_basis(net, RATES, 1, grid, 1.0, 2, seed=0, optimizer="gradient",
                             n_initial=3)
    np.testing.assert_array_equal(by_object.F, by_keyword.F)
    assert by_keyword.info["optimizer"] == "gradient"
    data, eta = _density()
    nu_grid = np.arange(-0.5, 4.01, 0.5)
    spatial = [learn_spatial_basis(data, eta, nu_grid, 2, initial_F2=0.5, **options)
               for options in ({"optimizer": "gradient", "learning_rate": 0.001},
                               {"settings": SpatialLearningSettings(
                                   optimizer="gradient", learning_rate=0.001)})]
    np.testing.assert_array_equal(spatial[0].F_history, spatial[1].F_history)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['method'\]"):
        learn_basis(net, RATES, 1, grid, 1.0, 2, method="gradient")


def test_pde_solution_is_a_trajectory():
    domain = Domain(-3.0, 3.0, "reflecting", 31)
    grid = np.linspace(-0.5, 4.0, 10)
    eta = point_source_nu(domain.nodes, 0.1, 0.0, 1.0, 300, domain)
    solution = integrate_pde(-np.ones(10), np.ones(10), grid, eta, domain, 0.1, [0.1, 0.2])
    assert isinstance(solution, Trajectory) and solution.method == "rk4"
    assert solution.sensitivities.shape == (2, 20, 31)
    np.testing.assert_array_equal(solution.sensitivity[:, 1, 3],
                                  solution.sensitivities[:, 10 + 3])
    assert solution.nu is solution.x and solution.steps == solution.info["steps"] > 0
