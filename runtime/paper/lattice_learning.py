"""Algorithm 2 on square and cubic lattices against mean field and the pair approximation.

Each experiment simulates a motif by exact kinetic Monte Carlo, learns its rates with
`learn_rates` (the same call as on the ring) from the moments of one initial condition
over a training window, and compares on the training window, on later (held-out) times
and from a held-out initial condition, the per-site moments of

* the learned reduced model (eq. 52 at the learned θ, the motif's default closure),
* every closure available for the lattice, at the true rates (eq. 52 at the simulated θ),
* the classical pair approximation and mean field at the true rates
  (`dynboltz.runtime.lattice.bonds.pair_approximation`, ``mean_field``).

Every ``<name>(out_dir, seed, quick)`` writes ``<name>.png`` and ``<name>.json`` (the
error table, the rates, the run times) and returns the PNG path; ``quick`` runs a small
version (smaller lattice, fewer replicates and iterations).  The experiments:
``contact2d`` (contact process, square), ``barw2d`` (branching–annihilating random walk,
square), ``lotka_volterra2d`` (the on-lattice Lotka–Volterra system of Ernst et al.'s
ReducedLotkaVolterra code, 40×40) and ``contact3d`` (contact process, 16³ cubic).
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dynboltz.errors import IntegrationError, OutOfDomain
from dynboltz.runtime.lattice import fit_parameters, simulate
from dynboltz.runtime.lattice.bonds.pair_dynamics import CLASSICAL_CLOSURES
from dynboltz.runtime.learning import IntegrationSettings, integrate, learn_rates
from dynboltz.runtime.learning.action import rate_gradient
from dynboltz.runtime.paper.barw import write_summary
from dynboltz.runtime.paper.figure_files import new_figure, save_png

__all__ = ["Experiment", "EXPERIMENTS", "run_experiment", "contact2d", "barw2d", "lotka_volterra2d", "contact3d"]


@dataclass(frozen=True)
class Experiment:
    """One learning experiment on a square or cubic lattice.

    Attributes
    ----------
    name : str
    motif : callable
        ``() -> LatticeMotif`` (built lazily: the symbolic layer loads only when run).
    rates : dict of str -> float
        Simulated θ per process.
    theta0 : dict of str -> float
        Start of the learning.
    shape, quick_shape : tuple of int
        Lattice size (paper-size run, ``quick`` run).
    train_initial, held_initial : callable
        ``(motif, shape, replicates, rng) -> initial`` for `simulate` (x0 (L,) or lattices).
    t_train, t_end : float
        End of the training window and of the held-out later times.
    n_times : int
        Output times over [0, t_end].
    replicates, quick_replicates, iterations, quick_iterations : int
    integration : dict
        `IntegrationSettings` of learning and prediction.
    """

    name: str
    motif: Callable[[], object]
    rates: Mapping[str, float]
    theta0: Mapping[str, float]
    shape: tuple[int, ...]
    quick_shape: tuple[int, ...]
    train_initial: Callable[..., object]
    held_initial: Callable[..., object]
    t_train: float
    t_end: float
    n_times: int = 41
    replicates: int = 16
    quick_replicates: int = 4
    iterations: int = 200
    quick_iterations: int = 20
    integration: Mapping[str, object] = field(default_factory=lambda: {"integrator": "adaptive"})


def _independent(mu):
    """x0 of independent sites with fractions ``mu`` (one per species), J = 0."""
    mu = np.asarray(mu, dtype=float)
    h = np.log(mu / (1.0 - mu.sum()))
    n_bonds = mu.size * (mu.size + 1) // 2
    return lambda motif, shape, replicates, rng: np.concatenate([h, np.zeros(n_bonds)])


def _exact_counts(counts):
    """Lattices with exactly ``counts[k]`` sites of species k + 1 at random places."""
    def initial(motif, shape, replicates, rng):
        size = int(np.prod(shape))
        codes = np.zeros(size, dtype=np.int8)
        codes[:sum(counts)] = np.repeat(np.arange(1, len(counts) + 1), counts)
        return np.stack([rng.permutation(codes).reshape(shape) for _ in range(replicates)])
    return initial


def _contact(lattice):
    def build():
        from dynboltz.symbolic import LatticeMotif
        return LatticeMotif(["A"], {"death": ["A -> _"], "infection": ["A _ -> A A"]},
                            lattice=lattice)
    return build


def _barw():
    from dynboltz.symbolic import LatticeMotif
    return LatticeMotif.builtin("barw", lattice="square")


def _lotka_volterra():
    # ReducedLotkaVolterra (stoch_sims/src/main.cpp): prey X born at kr1 = 0.025 onto a
    # free neighbour, predator Y dies at kr2 = 0.06, a hop of X onto Y or Y onto X turns
    # the X into Y with probability 0.4; every molecule hops once per dt = 1.  In
    # continuous time on the square lattice (z = 4): birth kr1/z per empty neighbour,
    # hop 1/z per empty neighbour, predation 2 × 0.4/z per X–Y bond.
    from dynboltz.symbolic import LatticeMotif
    return LatticeMotif(["X", "Y"], {
        "birth": ["X _ -> X X"], "death": ["Y -> _"], "predation": ["X Y -> Y Y"],
        "hop": ["X _ -> _ X", "Y _ -> _ Y"]}, lattice="square")


EXPERIMENTS = {
    "contact2d": Experiment(
        "contact2d", _contact("square"), {"death": 1.0, "infection": 0.5},
        {"death": 0.5, "infection": 1.0}, (64, 64), (24, 24), _independent([0.5]),
        _independent([0.1]), t_train=4.0, t_end=8.0),
    "barw2d": Experiment(
        "barw2d", _barw, {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0},
        {"branching": 0.5, "annihilation": 0.5, "diffusion": 0.5}, (64, 64), (24, 24),
        _independent([0.05]), _independent([0.6]), t_train=2.0, t_end=4.0),
    "lotka_volterra2d": Experiment(
        "lotka_volterra2d", _lotka_volterra,
        {"birth": 0.025 / 4, "death": 0.06, "predation": 0.2, "hop": 0.25},
        # the action of an oscillating fit has several minima: from (0.01, 0.1, 0.1,
        # 0.25) L-BFGS-B stops at a worse one (docs/learning_2d.md), so start at the
        # simulated rates and let learning find the effective ones
        {"birth": 0.025 / 4, "death": 0.06, "predation": 0.2, "hop": 0.25}, (40, 40),
        (40, 40),
        _exact_counts([100, 100]), _exact_counts([200, 50]), t_train=200.0, t_end=400.0,
        n_times=41, replicates=32, quick_replicates=8, iterations=200, quick_iterations=15,
        # fixed steps of 1 (rates <= 1 per site): the adaptive pair's tolerances on the
        # sensitivities over a long window cost 10-100× more per evaluation
        integration={"integrator": "rk4", "substeps": 10}),
    "contact3d": Experiment(
        "contact3d", _contact("cubic"), {"death": 1.0, "infection": 2.0 / 6},
        {"death": 0.5, "infection": 0.5}, (16, 16, 16), (8, 8, 8), _independent([0.5]),
        _independent([0.1]), t_train=4.0, t_end=8.0),
}
"""The experiments by name."""


def _closures(motif):
    """{closure name: compiled library} of every deterministic closure of the motif's
    lattice (the Monte Carlo ``gibbs`` closure is measured on its own, in its benchmark)."""
    from dynboltz.codegen import compile_motif
    from dynboltz.codegen.closures import closures_of

    return {name: compile_motif(motif, closure=name)
            for name in closures_of(motif.geometry, deterministic=True)}


def _simulate(motif, experiment, initial, shape, replicates, times, seed):
    start = time.perf_counter()
    ensemble = simulate(motif, dict(experiment.rates), N=shape, times=times, initial=initial,
                        replicates=replicates, seed=seed, workers=1)
    return ensemble, time.perf_counter() - start


def _x0(lib, initial, ensemble):
    if np.ndim(initial) == 1:
        return np.asarray(initial, dtype=float)
    # explicit lattices: the closure's parameters of their mean initial moments
    return fit_parameters(lib, ensemble.moments[:, 0].mean(axis=0))


def _moments(lib, theta, x0, times, settings):
    """Moments (T, L) of eq. 52 at ``theta``, or None where it cannot be integrated
    with the given settings nor adaptively, or whose state leaves the closure's domain."""
    for options in (settings, {"integrator": "adaptive"}):
        try:
            return lib.moments(integrate(lib, theta, x0, times, sensitivities=False,
                                         **options).x)
        except OutOfDomain:
            # the trajectory itself leaves the closure's domain (an extinction): smaller
            # steps reach the same boundary, only more slowly
            return None
        except IntegrationError:
            continue
    return None


def _predictions(libs, default, motif, experiment, theta, x0, times):
    """{model: moments (T, L) or None} of the learned model, each closure, the classicals."""
    settings = dict(experiment.integration)
    m0 = libs[default].moments(x0)
    out = {"learned": _moments(libs[default], theta, x0, times, settings)}
    true = np.array([experiment.rates[n] for n in libs[default].process_names])
    for name, lib in libs.items():
        start = fit_parameters(lib, m0) if name != default else x0
        out[f"{name} (true rates)"] = _moments(lib, true, start, times, settings)
    for name in CLASSICAL_CLOSURES:
        out[name] = CLASSICAL_CLOSURES[name](motif, dict(experiment.rates), m0, times).moments
    return out


def _action(lib, theta, x0, times, data, experiment):
    """The action (eq. 53's objective) at θ on the training data, or None if eq. 52
    cannot be integrated there."""
    try:
        return float(rate_gradient(lib, theta, x0, times, data,
                                   integration=dict(experiment.integration))[0])
    except IntegrationError:
        return None


def _rms(predicted, data, mask):
    if predicted is None:
        return None  # the model could not be integrated: no error to report
    return float(np.sqrt(np.mean((predicted[mask] - data[mask]) ** 2)))


def _error_table(train_pred, train_data, held_pred, held_data, times, t_train):
    """{model: {window: RMS moment error}} on the three windows."""
    fit, later = times <= t_train + 1e-12, times > t_train + 1e-12
    every = np.ones(times.size, dtype=bool)
    return {model: {"training": _rms(train_pred[model], train_data, fit),
                    "later times": _rms(train_pred[model], train_data, later),
                    "held-out initial condition": _rms(held_pred[model], held_data, every)}
            for model in train_pred}


def _plot(path, experiment, times, runs, moment_names):
    fig = new_figure(figsize=(11, 4.2 * len(runs)))
    styles = {"learned": dict(color="C3", lw=2), "pair_approximation": dict(color="C0", ls="--"),
              "mean_field": dict(color="C2", ls=":")}
    for row, (label, data, error, predictions) in enumerate(runs):
        for col, k in enumerate((0, len(moment_names) - 1)):
            ax = fig.add_subplot(len(runs), 2, 2 * row + col + 1)
            ax.errorbar(times, data[:, k], yerr=error[:, k], fmt="k.", ms=3, label="simulation")
            for model, moments in predictions.items():
                if moments is None:
                    continue
                ax.plot(times, moments[:, k], label=model,
                        **styles.get(model, dict(color="C1", ls="-.")))
            ax.axvline(experiment.t_train, color="0.6", lw=0.8)
            ax.set_xlabel("t")
            ax.set_ylabel(moment_names[k])
            ax.set_title(f"{experiment.name}: {label}")
            if row == 0 and col == 0:
                ax.legend(fontsize=7)
    return save_png(fig, path)


def run_experiment(experiment: Experiment, out_dir: os.PathLike | str, seed: int = 0,
                   quick: bool = False) -> Path:
    """Simulate, learn and compare one experiment; writes PNG and JSON, returns the PNG.

    Parameters
    ----------
    experiment : Experiment
    out_dir : path
    seed : int
        Seeds the simulations (training: ``seed``, held-out: ``seed + 1``).
    quick : bool
        The small version (``quick_shape``, ``quick_replicates``, ``quick_iterations``).
    """
    out_dir = Path(out_dir)
    motif = experiment.motif()
    shape = experiment.quick_shape if quick else experiment.shape
    replicates = experiment.quick_replicates if quick else experiment.replicates
    iterations = experiment.quick_iterations if quick else experiment.iterations
    times = np.linspace(0.0, experiment.t_end, experiment.n_times)
    start = time.perf_counter()
    libs = _closures(motif)
    compile_seconds = time.perf_counter() - start
    default = _default_closure(motif)
    lib = libs[default]
    rng = np.random.default_rng(seed)
    runs, timings = [], {"compile_s": compile_seconds}
    for label, make, run_seed in (("training initial condition", experiment.train_initial,
                                   seed), ("held-out initial condition",
                                           experiment.held_initial, seed + 1)):
        initial = make(motif, shape, replicates, rng)
        ensemble, seconds = _simulate(motif, experiment, initial, shape, replicates, times,
                                      run_seed)
        timings[f"simulation_s ({label})"] = seconds
        runs.append((label, initial, ensemble))
    (_, initial, train), (_, held_initial, held) = runs
    fit = times <= experiment.t_train + 1e-12
    x0 = _x0(lib, initial, train)
    start = time.perf_counter()
    result = learn_rates(lib, (times[fit], train.moments[:, fit]), x0, dict(experiment.theta0),
                         iterations=iterations, progress=False,
                         integration=IntegrationSettings(**experiment.integration))
    learn_seconds = time.perf_counter() - start
    n_iter = max(int(result.info["iterations"]), 1)
    timings.update({"learning_s": learn_seconds, "iterations": int(result.info["iterations"]),
                    "evaluations": int(result.info["evaluations"]),
                    "seconds_per_iteration": learn_seconds / n_iter})
    true = np.array([experiment.rates[n] for n in lib.process_names])
    actions = {label: _action(lib, theta, x0, times[fit], result.data_moments, experiment)
               for label, theta in (("theta0", np.array([experiment.theta0[n] for n in
                                                         lib.process_names])),
                                    ("true rates", true), ("learned", result.theta))}
    predictions = [_predictions(libs, default, motif, experiment, result.theta, x, times)
                   for x in (x0, _x0(lib, held_initial, held))]
    means = [run.moments.mean(axis=0) for run in (train, held)]
    errors = [run.moments.std(axis=0, ddof=1) / np.sqrt(replicates) for run in (train, held)]
    table = _error_table(predictions[0], means[0], predictions[1], means[1], times,
                         experiment.t_train)
    noise = {"training": float(np.sqrt(np.mean(errors[0][fit] ** 2))),
             "held-out initial condition": float(np.sqrt(np.mean(errors[1] ** 2)))}
    summary = {
        "experiment": experiment.name, "lattice": motif.geometry, "shape": list(shape),
        "replicates": replicates, "quick": quick, "seed": seed,
        "default_closure": default, "closures": sorted(libs),
        "times": times.tolist(), "t_train": experiment.t_train,
        "moment_names": list(lib.moment_names),
        "true_rates": dict(experiment.rates), "theta0": dict(experiment.theta0),
        "learned_rates": dict(result.rates), "converged": bool(result.info["converged"]),
        "action": actions,
        "rms_moment_error": table, "data_standard_error_rms": noise, "timings": timings,
    }
    write_summary(summary, out_dir / f"{experiment.name}.json")
    labels = [label for label, _, _ in runs]
    return _plot(out_dir / f"{experiment.name}.png", experiment, times,
                 list(zip(labels, means, errors, predictions)), lib.moment_names)


def _default_closure(motif):
    from dynboltz.lattices import LATTICES

    return LATTICES[motif.geometry].default_closure


def _figure(name):
    def figure(out_dir: os.PathLike | str, seed: int = 0, quick: bool = False) -> Path:
        return run_experiment(EXPERIMENTS[name], out_dir, seed, quick)
    figure.__name__ = name
    figure.__doc__ = f"``{name}``: see the module docstring; writes PNG and JSON."
    return figure


# the ``dynboltz reproduce`` targets of this module (``dynboltz.runtime.paper.targets``)
contact2d = _figure("contact2d")
barw2d = _figure("barw2d")
lotka_volterra2d = _figure("lotka_volterra2d")
contact3d = _figure("contact3d")
