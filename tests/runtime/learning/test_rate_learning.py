"""Learning rates (Algorithm 2): gradient, optimisers, recovery, checkpoints.

Independent routes: central finite differences of the action for eq. 53;
the numpy trapezoid contraction on `integrate`'s output for the compiled
default path; forward sensitivities for the adjoint; the exact transfer-matrix moments
(with standard errors from repeated independent Gibbs streams) for the
Gibbs asleep phase; rates drawn at random to simulate creation + death from a
product measure (where the Boltzmann family is exact), learned with the defaults and
compared with the computed standard errors, which are themselves checked against the
scatter of the learned rates over independent datasets; a stand-in objective with a
region that cannot be evaluated for the line search's back-off; an uninterrupted run
for checkpoint/resume.
"""
import json
import re
from types import SimpleNamespace

import numpy as np
import pytest

import interruptible_runs

from dynboltz.codegen import compile_motif
from dynboltz.generated import library
from dynboltz.runtime.learning import rate_learning as learning_module
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.learning import integrate, learn_rates, moment_error
from dynboltz.runtime.common.results import INFO_KEYS, LearningResult
from dynboltz.errors import ConvergenceError
from dynboltz.runtime.learning import (CheckpointSettings, IntegrationSettings,
                                       OptimizerSettings)
from dynboltz.errors import IdentifiabilityWarning, IntegrationError
from dynboltz.runtime.learning import settings as settings_module
from dynboltz.runtime.learning.optimizers import (DEFAULT_LEARNING_RATES, GRADIENT_STEPS,
                                                  make_optimizer)
from dynboltz.runtime.learning.quasi_newton import minimize_objective
from dynboltz.runtime.learning.action import GradientProblem, rate_gradient, trapezoid_weights
from dynboltz.symbolic.lattice.motif import LatticeMotif

TIMES = np.linspace(0.0, 1.0, 21)


@pytest.fixture(scope="module")
def two_species():
    return compile_motif(LatticeMotif(["A", "B"], {
        "creation": ["_ -> A"], "conversion": ["A -> B"], "decay": ["B -> _"],
        "hop": ["B _ -> _ B", "_ B -> B _"]}))


@pytest.fixture(scope="module")
def birth_death():
    return compile_motif(LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]}))


def _problem(name, two_species):
    if name == "barw":
        lib, theta, x0 = library.barw, np.array([4.0, 6.0, 3.0]), np.array([1.0, 0.0])
        true = np.array([3.0, 8.0, 5.0])
    else:
        lib, theta = two_species, np.array([1.0, 0.8, 0.5, 2.0])
        x0, true = np.array([0.5, -0.5, 0.2, -0.1, 0.3]), np.array([1.5, 0.5, 1.0, 1.0])
    data = lib.moments(integrate(lib, true, x0, TIMES, substeps=4).x)
    noise = np.random.default_rng(0).normal(scale=0.01, size=data.shape)
    return lib, theta, x0, data + noise


@pytest.mark.parametrize("name", ["barw", "two_species"])
def test_gradient_is_the_derivative_of_the_action(name, two_species):
    lib, theta0, x0, data = _problem(name, two_species)
    for scale in (0.7, 1.0, 1.3):
        theta = theta0 * scale
        _, grad, _ = rate_gradient(lib, theta, x0, TIMES, data)
        eps = 1e-5
        fd = []
        for s in range(lib.n_processes):
            step = np.zeros_like(theta)
            step[s] = eps
            fd.append((rate_gradient(lib, theta + step, x0, TIMES, data)[0]
                       - rate_gradient(lib, theta - step, x0, TIMES, data)[0]) / (2 * eps))
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
@pytest.mark.parametrize("name", ["barw", "two_species"])
def test_compiled_gradient_equals_the_numpy_contraction(name, method, two_species):
    # The default path (moments kernel + contraction in one compiled pass)
    # against the module docstring's formulas on integrate's output.
    lib, theta, x0, data = _problem(name, two_species)
    action, grad, x = rate_gradient(lib, theta, x0, TIMES, data,
                                    integration={"integrator": method})
    trajectory = integrate(lib, theta, x0, TIMES, integrator=method)
    weights = trapezoid_weights(TIMES)
    expected_action = weights @ (lib.log_eigenvalue(trajectory.x)
                                 - np.sum(trajectory.x * data, axis=1))
    expected_grad = np.einsum("kl,ksl->s", weights[:, None] * (lib.moments(trajectory.x)
                                                                - data),
                              trajectory.sensitivities)
    np.testing.assert_array_equal(x, trajectory.x)
    assert action == pytest.approx(expected_action, rel=1e-13, abs=1e-15)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-16)


@pytest.mark.parametrize("method", ["rk4", "adaptive"])
@pytest.mark.parametrize("name", ["barw", "two_species"])
def test_adjoint_gradient_equals_forward(name, method, two_species):
    lib, theta, x0, data = _problem(name, two_species)
    forward = rate_gradient(lib, theta, x0, TIMES, data,
                            integration={"integrator": method, "substeps": 2})
    adjoint = rate_gradient(lib, theta, x0, TIMES, data, gradient="adjoint",
                            integration={"integrator": method, "substeps": 2})
    tolerance = 1e-10 if method == "rk4" else 1e-6   # adaptive: steps differ
    assert adjoint[0] == pytest.approx(forward[0], rel=tolerance)
    np.testing.assert_allclose(adjoint[1], forward[1], rtol=tolerance)


def test_gibbs_asleep_is_seeded_and_unbiased():
    lib, theta, x0 = library.barw, np.array([4.0, 6.0, 3.0]), np.array([1.0, 0.0])
    times = np.linspace(0.0, 0.5, 6)
    data = np.full((times.size, 2), [0.3, 0.1])
    seeds = np.random.SeedSequence(7)
    options = {"N": 100, "samples": 20, "sweeps": 50}

    def gibbs(iteration):
        return rate_gradient(lib, theta, x0, times, data, asleep="gibbs",
                             asleep_settings=options, integration={"substeps": 10},
                             seed_sequence=seeds, iteration=iteration)[1]

    np.testing.assert_array_equal(gibbs(3), gibbs(3))
    draws = np.array([gibbs(i) for i in range(12)])
    assert not np.array_equal(draws[0], draws[1])
    exact = rate_gradient(lib, theta, x0, times, data, integration={"substeps": 10})[1]
    standard_error = draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - exact) < 4 * standard_error)


def test_l2_and_projection():
    lib, theta0, x0 = library.barw, np.array([4.0, 6.0, 3.0]), np.array([1.0, 0.0])
    data = (TIMES, lib.moments(integrate(lib, [3.0, 8.0, 0.0], x0, TIMES).x))
    free = learn_rates(lib, data, x0, theta0, iterations=30, optimizer="adam",
                       learning_rate=0.5, l2=0.0, progress=False)
    assert np.all(free.theta_history >= 0) and free.theta_history[:, 2].min() == 0.0
    held = learn_rates(lib, data, x0, theta0, iterations=30, optimizer="adam",
                       learning_rate=0.5, l2=1e3, tolerance=1e-12, progress=False)
    assert np.abs(held.theta - theta0).max() < np.abs(free.theta - theta0).max() / 5
    # the default reaches the bound θ = 0 of diffusion and holds it there
    default = learn_rates(lib, data, x0, theta0, progress=False)
    assert default.info["converged"] and default.rates["diffusion"] == 0.0
    np.testing.assert_allclose(default.theta[:2], [3.0, 8.0], rtol=1e-4)
    # The objective includes (l2/2)|θ − θ₀|² at the θ each gradient was taken at.
    action = rate_gradient(lib, held.theta_history[5], x0, TIMES, data[1])[0]
    offset = held.theta_history[5] - theta0
    assert held.action_history[5] == pytest.approx(action + 500.0 * offset @ offset)


def test_optimizer_steps():
    grad, theta = np.array([2.0, -0.5]), np.array([1.0, 1.0])
    paper = make_optimizer("paper", 2, 0.1, {"decay": 10.0}, "test")
    np.testing.assert_allclose(paper.step(theta, grad, 10), theta - 0.05 * grad)
    adam = make_optimizer("adam", 2, 0.1, None, "test")
    np.testing.assert_allclose(adam.step(theta, grad, 0), theta - 0.1 * np.sign(grad),
                               rtol=1e-6)
    nesterov = make_optimizer("nesterov", 2, 0.1, {"momentum": 0.5}, "test")
    first = nesterov.step(theta, grad, 0)
    np.testing.assert_allclose(first, theta - 0.1 * 1.5 * grad)
    np.testing.assert_allclose(nesterov.step(first, grad, 1), first - 0.1 * (grad + 0.5 * 1.5 * grad))
    with pytest.raises(ValueError, match=r"`optimizer` of `test` must be `one of \['adam', "):
        make_optimizer("sgd", 2, 0.1, None, "test")
    with pytest.raises(ValueError, match=r"`optimizer_options\['momentum'\]` of `test`"):
        make_optimizer("nesterov", 2, 0.1, {"momentum": 1.0}, "test")


def test_moment_error_is_the_trapezoid_integral():
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0, 3, 9))
    a, b = rng.normal(size=(9, 2)), rng.normal(size=(9, 2))
    assert moment_error(a, b, times) == pytest.approx(
        np.trapezoid(((a - b) ** 2).sum(axis=1), times))
    assert trapezoid_weights(times).sum() == pytest.approx(times[-1] - times[0])


def _gibbs_run(path, iterations, resume=False, **extra):
    return interruptible_runs.learn(path, iterations, resume, every=5, **extra)


def _assert_same(a, b):
    for name in ("theta", "theta_history", "action_history", "gradient_history",
                 "predicted_moments"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_resume_equals_uninterrupted_run(tmp_path):
    straight = _gibbs_run(tmp_path / "straight.npz", 10)
    _gibbs_run(tmp_path / "split.npz", 5)
    resumed = _gibbs_run(tmp_path / "split.npz", 10, resume=True)
    assert resumed.info["resumed_from"] == 5
    assert resumed.info["evaluations"] == straight.info["evaluations"]
    _assert_same(straight, resumed)


def test_ctrl_c_leaves_last_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    straight = _gibbs_run(tmp_path / "straight.npz", 10)

    def interrupt(iteration, theta, objective):
        if iteration == 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _gibbs_run(path, 10, callback=interrupt)
    _assert_same(straight, _gibbs_run(path, 10, resume=True))

    # An interrupt in the middle of writing keeps the previous file whole.
    _gibbs_run(path, 5)
    before = path.read_bytes()

    def broken_savez(stream, **arrays):
        stream.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(KeyboardInterrupt):
        _gibbs_run(path, 10, resume=True)
    monkeypatch.undo()
    assert path.read_bytes() == before
    _assert_same(straight, _gibbs_run(path, 10, resume=True))


def test_resume_refuses_other_arguments(tmp_path):
    path = tmp_path / "run.npz"
    _gibbs_run(path, 5)
    with pytest.raises(ValueError, match="`checkpoint` of `learn_rates` must be `a checkpoint "
                                         "of a run with the same arguments"):
        _gibbs_run(path, 10, resume=True, l2=0.5)
    with pytest.raises(ValueError, match="`iterations` of `learn_rates` must be `at least"):
        _gibbs_run(path, 3, resume=True)


def test_progress_bar_shows_the_action(capsys):
    lib, x0 = library.barw, np.array([1.0, 0.0])
    data = (TIMES, lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, TIMES).x))
    result = learn_rates(lib, data, x0, [4.0, 6.0, 3.0], iterations=3, progress=True)
    shown = re.findall(r"action=([-+.\de]+)", capsys.readouterr().err)
    # enough digits to see the action move: the last value shown is the last action
    assert shown and float(shown[-1]) == pytest.approx(result.action_history[-1], rel=1e-9)


def test_fortran_order_and_strided_data_learn_as_c_order_data():
    lib, x0 = library.barw, np.array([1.0, 0.0])
    moments = lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, TIMES).x)
    run = dict(lib=lib, x0=x0, theta0=[4.0, 6.0, 3.0], iterations=2, progress=False)
    expected = learn_rates(data=(TIMES, np.ascontiguousarray(moments)), **run)
    for layout in (np.asfortranarray(moments), np.repeat(moments, 2, axis=1)[:, ::2],
                   np.asfortranarray(np.stack([moments, moments]))):
        assert not layout.flags.c_contiguous
        _assert_same(expected, learn_rates(data=(TIMES, layout), **run))


def test_non_finite_data_are_reported_by_the_index_of_the_first_nan_or_inf():
    lib, x0 = library.barw, np.array([1.0, 0.0])
    replicates = np.zeros((3, TIMES.size, 2))
    replicates[1, 4, 1] = np.nan
    replicates[2, 0, 0] = -np.inf
    good = dict(lib=lib, x0=x0, theta0=[1.0, 1.0, 1.0], iterations=1, progress=False)
    with pytest.raises(ValueError, match=r"^`data\[1\]\[1, 4, 1\]` of `learn_rates` must be "
                       r"`finite \(the first of 2 NaN or inf values\)`; got `nan`$"):
        learn_rates(data=(TIMES, replicates), **good)
    ensemble = SimpleNamespace(times=TIMES, moments=replicates[2])
    with pytest.raises(ValueError, match=r"^`data.moments\[0, 0\]` of `learn_rates` must be "
                       r"`finite \(the first of 1 NaN or inf values\)`; got `-inf`$"):
        learn_rates(data=ensemble, **good)
    with pytest.raises(ValueError, match=r"^`data_moments\[4, 1\]` of `rate_gradient`"):
        rate_gradient(lib, [1.0, 1.0, 1.0], x0, TIMES, replicates[1])


def test_validation_messages(tmp_path):
    lib, x0 = library.barw, np.array([1.0, 0.0])
    data = (TIMES, lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, TIMES).x))
    good = dict(lib=lib, data=data, x0=x0, theta0=[1.0, 1.0, 1.0], iterations=1,
                progress=False)
    bad = [({"theta0": [1.0, -1.0, 1.0]}, "`theta0` of `learn_rates` must be `finite and >= 0"),
           ({"theta0": {"branching": 1.0}}, r"`theta0` of `learn_rates` must be `keyed by "
            r"exactly the process names \['branching', 'annihilation', 'diffusion'\] "
            r"\(missing \['annihilation', 'diffusion'\], unknown \[\]\)"),
           ({"data": (TIMES, np.zeros((3, 2)))}, r"`data` of `learn_rates` must be `moments "
            r"of shape \(21, 2\) or \(R, 21, 2\) with R >= 1`; got `\(3, 2\)`"),
           ({"data": (TIMES, np.zeros((0, TIMES.size, 2)))}, r"got `\(0, 21, 2\)`"),
           ({"data": (TIMES[:1], data[1][:1])}, r"`data` of `learn_rates` must be `moments at "
            r"two or more times"),
           ({"data": (TIMES, np.where(TIMES[:, None] > 0.5, [0.6, 0.7], data[1]))},
            r"`moments` of `learn_rates` must be `realisable by finite parameters: bonds of "
            r"each species to empty sites.*\(data moments at times\[11\] = 0\.55\)$"),
           ({"optimizer": "sgd"}, "`optimizer` of `learn_rates` must be `one of"),
           ({"optimizer": "adam", "learning_rate": 0.0},
            "`learning_rate` of `learn_rates` must be `a finite"),
           ({"learning_rate": 0.1}, "`learning_rate` of `learn_rates` must be `None for "
            "optimizer 'lbfgs'"),
           ({"tolerance": 0.0}, "`tolerance` of `learn_rates` must be `a finite real number > 0"),
           ({"asleep": "mcmc"}, "`asleep` of `learn_rates` must be `one of"),
           ({"asleep_options": {"n": 3}}, "`asleep_options` of `learn_rates` must be `a dict"),
           ({"gradient": "reverse"}, "`gradient` of `learn_rates` must be `one of"),
           ({"l2": -1.0}, "`l2` of `learn_rates` must be `a finite real number >= 0"),
           ({"resume": True}, "`checkpoint` of `learn_rates` must be `a path"),
           ({"iterations": -1}, "`iterations` of `learn_rates` must be `an integer >= 0")]
    for change, message in bad:
        with pytest.raises(ValueError, match=message):
            learn_rates(**{**good, **change})
    with pytest.raises(TypeError, match="`data` of `learn_rates` must be `an Ensemble"):
        learn_rates(**{**good, "data": np.zeros((3, 2))})
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['iteration'\]"):
        learn_rates(**good, iteration=3)
    with pytest.raises(ValueError, match=r"`data_moments` of `rate_gradient` must be `moments "
                       r"of shape \(21, 2\)`; got `\(3, 2\)`"):
        rate_gradient(lib, [1.0, 1.0, 1.0], x0, TIMES, np.zeros((3, 2)))
    assert DEFAULT_LEARNING_RATES.keys() == GRADIENT_STEPS.keys()


def test_ensemble_of_another_motif_is_refused(birth_death):
    times, x0 = np.linspace(0.0, 0.5, 6), np.array([0.0, 0.0])
    ensemble = simulate(library.barw, {"branching": 1.0, "annihilation": 1.0,
                                       "diffusion": 1.0}, N=50, times=times, initial=x0,
                        replicates=2, seed=0, workers=1)
    with pytest.raises(ValueError, match=r"`data` of `learn_rates` must be `an ensemble of "
                       r"the motif of `lib` .*simulated from another motif \(processes "
                       r"\['branching', 'annihilation', 'diffusion'\]\)"):
        learn_rates(birth_death, ensemble, x0, [1.0, 1.0], progress=False)


def test_unwritable_checkpoint_fails_before_any_work(tmp_path, monkeypatch):
    lib, x0 = library.barw, np.array([1.0, 0.0])
    data = (TIMES, lib.moments(integrate(lib, [3.0, 8.0, 5.0], x0, TIMES).x))
    (tmp_path / "file").write_text("")
    calls = []
    monkeypatch.setattr(learning_module, "GradientProblem",
                        lambda *args, **kwargs: calls.append(args))
    for path, message in [(tmp_path, "a file path, not a directory"),
                          (tmp_path / "file" / "run.npz", "a writable directory")]:
        with pytest.raises(ValueError, match=f"`checkpoint` of `learn_rates` must be "
                           f"`{message}"):
            learn_rates(lib, data, x0, [4.0, 6.0, 3.0], checkpoint=path, progress=False)
    assert calls == []


def _creation_death_data(lib, rates, seed, N, replicates, times=np.linspace(0.0, 2.0, 21)):
    x0 = np.array([0.0, 0.0])   # empty sites, no correlation: the Boltzmann family is exact
    ensemble = simulate(lib, dict(zip(lib.process_names, rates)), N=N, times=times,
                        initial=x0, replicates=replicates, seed=seed, workers=1)
    return ensemble, x0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_defaults_recover_drawn_creation_death_rates(birth_death, seed):
    rng = np.random.default_rng(seed)
    true, theta0 = rng.uniform(0.3, 3.0, 2), rng.uniform(0.3, 3.0, 2)
    ensemble, x0 = _creation_death_data(birth_death, true, seed, N=10_000, replicates=100)
    res = learn_rates(birth_death, ensemble, x0, theta0, progress=False)
    assert res.info["converged"] and res.info["step_size"] <= 1e-5
    errors = np.array([res.standard_errors[name] for name in birth_death.process_names])
    assert np.all(np.abs(res.theta - true) < 0.05 * true)
    assert np.all(np.abs(res.theta - true) < 4 * errors)
    assert res.rates == dict(zip(birth_death.process_names, res.theta))
    before, after = res.moment_errors()
    assert after < before


def test_standard_errors_match_the_scatter_over_datasets(birth_death):
    # Independent datasets: the spread of the learned θ against the reported errors.
    true = np.array([0.8, 1.6])
    fits = [learn_rates(birth_death, *_creation_death_data(birth_death, true, seed, N=2000,
                                                           replicates=10),
                        {"creation": 1.0, "death": 1.0}, progress=False)
            for seed in range(24)]
    theta = np.array([fit.theta for fit in fits])
    reported = np.array([[fit.standard_errors[n] for n in birth_death.process_names]
                         for fit in fits]).mean(axis=0)
    ratio = theta.std(axis=0, ddof=1) / reported
    # 24 draws: the sample standard deviation is within ±15 % (1σ) of the truth
    assert np.all((ratio > 0.6) & (ratio < 1.5)), ratio
    assert np.all(np.abs(theta.mean(axis=0) - true) < 4 * reported / np.sqrt(len(fits)))


def test_two_species_four_process_motif_learns_and_names_the_undetermined_rate(two_species):
    true = {"creation": 1.5, "conversion": 0.5, "decay": 1.0, "hop": 1.0}
    times = np.linspace(0.0, 2.0, 21)
    # From a product measure no process here correlates neighbours, so the hop changes
    # nothing the data see.
    ensemble = simulate(two_species, true, N=1000, times=times, initial=np.zeros(5),
                        replicates=20, seed=2, workers=1)
    with pytest.warns(IdentifiabilityWarning, match=r"do not determine the rates \['hop'\]"):
        res = learn_rates(two_species, ensemble, np.zeros(5), np.ones(4), progress=False)
    assert res.info["converged"] and res.info["undetermined"] == ["hop"]
    assert res.standard_errors["hop"] == np.inf
    for name in ("creation", "conversion", "decay"):
        assert abs(res.rates[name] - true[name]) < 4 * res.standard_errors[name]
    # with correlated initial lattices every rate matters, and it still learns
    x0 = np.array([0.5, -0.5, 0.2, -0.1, 0.3])
    data = (TIMES, two_species.moments(integrate(two_species, list(true.values()), x0,
                                                 TIMES, substeps=4).x))
    res = learn_rates(two_species, data, x0, np.ones(4), progress=False, substeps=4)
    assert res.info["converged"] and res.standard_errors is None
    np.testing.assert_allclose(res.theta, list(true.values()), rtol=1e-4)


def test_gradient_steps_that_diverge_name_the_step(birth_death):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 5, N=2000, replicates=4)
    with pytest.raises(IntegrationError, match=r"optimizer 'paper' at learning_rate 100 "
                       r"stepped theta from .* lower learning_rate or use optimizer='lbfgs'"):
        learn_rates(birth_death, ensemble, x0, np.ones(2), optimizer="paper", progress=False)
    res = learn_rates(birth_death, ensemble, x0, np.ones(2), progress=False)
    assert res.info["converged"]


def test_failed_trial_points_are_backed_off_from():
    # A stand-in objective that cannot be evaluated beyond θ_0 = 1, minimum at (0.9, 1).
    # Its Hessian is a quarter of the true curvature, so that trust-constr's model steps
    # too far too (with the exact one it lands on the minimum and never fails).
    class Objective:
        failures = 0

        def evaluate(self, theta, iteration):
            if theta[0] > 1.0:
                self.failures += 1
                return None
            offset = theta - [0.9, 1.0]
            weights = np.array([100.0, 1.0])
            return SimpleNamespace(theta=theta.copy(), objective=float(weights @ offset ** 2),
                                   gradient=2 * weights * offset, hessian=0.5 * np.diag(weights))

    objective, seen = Objective(), []
    first = objective.evaluate(np.array([0.1, 0.5]), 0)

    def on_iteration(point):
        seen.append(point.theta)
        return np.abs(point.theta - [0.9, 1.0]).max() < 1e-9

    for name in ("lbfgs", "trust-constr"):
        seen.clear()
        objective.failures = 0
        converged, message = minimize_objective(objective, first, np.ones(2),
                                                OptimizerSettings(name), on_iteration, 2000)
        assert converged, message
        np.testing.assert_allclose(seen[-1], [0.9, 1.0], atol=1e-9)
        # the path did meet points that could not be evaluated
        assert objective.failures > 0, name


def test_require_convergence_and_settings_objects(birth_death):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 6, N=2000, replicates=4)
    with pytest.raises(ConvergenceError, match="learn_rates did not converge: scipy L-BFGS-B stopped"):
        learn_rates(birth_death, ensemble, x0, np.ones(2), iterations=2,
                    require_convergence=True, progress=False)
    flat = learn_rates(birth_death, ensemble, x0, {"death": 1.0, "creation": 1.0},
                       tolerance=1e-8, substeps=2, progress=False)
    grouped = learn_rates(birth_death, ensemble, x0, np.ones(2),
                          OptimizerSettings("lbfgs", tolerance=1e-8),
                          IntegrationSettings(substeps=2), progress=False)
    np.testing.assert_array_equal(flat.theta, grouped.theta)
    assert flat.info["settings"] == grouped.info["settings"]
    assert set(INFO_KEYS) <= set(flat.info) and isinstance(flat, LearningResult)
    assert "array(shape=(2,)" in repr(flat) and len(repr(flat)) < 3000


# From θ₀ = (40, 0.05) L-BFGS-B's line search crosses points where eq. 52 cannot be
# integrated; trust-constr (no line search) is run from (1, 1), where it converges.
@pytest.mark.parametrize("optimizer, theta0", [("lbfgs", (1.0, 1.0)), ("lbfgs", (40.0, 0.05)),
                                               ("trust-constr", (1.0, 1.0))])
def test_quasi_newton_resume_equals_an_uninterrupted_run(tmp_path, birth_death, optimizer,
                                                         theta0):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 7, N=2000, replicates=4)
    theta0 = np.array(theta0)
    straight = learn_rates(birth_death, ensemble, x0, theta0, optimizer, progress=False)
    path = tmp_path / "run.npz"
    learn_rates(birth_death, ensemble, x0, theta0, optimizer, iterations=3,
                checkpoint=path, checkpoint_every=2, progress=False)
    resumed = learn_rates(birth_death, ensemble, x0, theta0, optimizer, checkpoint=path,
                          resume=True, progress=False)
    assert straight.info["converged"] and resumed.info["resumed_from"] == 3
    # the logged evaluations retrace scipy's path, curvature memory included
    for name in ("theta_history", "action_history", "gradient_history", "hessian"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))
    assert resumed.standard_errors == straight.standard_errors
    for key in ("iterations", "evaluations", "failed_evaluations", "message", "converged"):
        assert resumed.info[key] == straight.info[key], key
    if theta0[0] == 40.0:
        assert straight.info["failed_evaluations"] > 0


@pytest.mark.parametrize("optimizer", ["lbfgs", "trust-constr"])
def test_quasi_newton_resume_integrates_only_past_the_checkpoint(tmp_path, birth_death,
                                                                 monkeypatch, optimizer):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 7, N=2000, replicates=4)
    path = tmp_path / "run.npz"
    learn_rates(birth_death, ensemble, x0, np.ones(2), optimizer, iterations=6,
                checkpoint=path, checkpoint_every=1, progress=False)
    with np.load(path) as stored:
        logged = stored["optimizer_log_theta"]
    calls = []
    original = GradientProblem.evaluate
    monkeypatch.setattr(GradientProblem, "evaluate",
                        lambda self, theta, i: calls.append(theta.copy()) or
                        original(self, theta, i))
    seen = []
    learn_rates(birth_death, ensemble, x0, np.ones(2), optimizer, iterations=7,
                checkpoint=path, resume=True, progress=False,
                callback=lambda i, theta, objective: seen.append(i))
    # θ₀ is integrated to check the log; the retraced points are answered from it
    assert len(logged) >= 3 and seen == [7]
    np.testing.assert_array_equal(calls[0], np.ones(2))
    assert not any(np.array_equal(theta, row) for theta in calls[1:] for row in logged[1:])


def test_interrupting_a_replay_keeps_the_later_checkpoint(tmp_path, birth_death):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 7, N=2000, replicates=4)
    path = tmp_path / "run.npz"
    learn_rates(birth_death, ensemble, x0, np.ones(2), iterations=5, checkpoint=path,
                checkpoint_every=1, progress=False)

    def interrupt(iteration, theta, objective):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        learn_rates(birth_death, ensemble, x0, np.ones(2), checkpoint=path, resume=True,
                    checkpoint_every=1, progress=False, callback=interrupt)
    # the callback first runs at iteration 6, after its checkpoint; 1..5 rewrote nothing
    with np.load(path) as stored:
        assert json.loads(str(stored["header_json"]))["iteration"] == 6


def test_a_log_that_does_not_match_the_objective_is_dropped(tmp_path, birth_death):
    ensemble, x0 = _creation_death_data(birth_death, [0.7, 1.3], 7, N=2000, replicates=4)
    path = tmp_path / "run.npz"
    straight = learn_rates(birth_death, ensemble, x0, np.ones(2), progress=False)
    learn_rates(birth_death, ensemble, x0, np.ones(2), iterations=3, checkpoint=path,
                progress=False)
    with np.load(path) as stored:
        arrays = dict(stored)
    arrays["optimizer_log_action"] = arrays["optimizer_log_action"] * (1 + 1e-9)
    np.savez(path, **arrays)
    with pytest.warns(RuntimeWarning, match="evaluation log does not match"):
        resumed = learn_rates(birth_death, ensemble, x0, np.ones(2), checkpoint=path,
                              resume=True, progress=False)
    np.testing.assert_array_equal(resumed.theta_history, straight.theta_history)
