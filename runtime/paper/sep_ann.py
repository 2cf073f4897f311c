"""The paper's SEP experiment with an ANN reduced model (Sec. III D, Fig. 11).

S + E ⇌ C → P + E (eq. 55) on a ring of N = 100 sites, recorded every Δt = 0.01 up to
T = 2, every replicate started from its own exact sample of the Boltzmann ring at
h = (0.5, 1, −1, −1) for (S, E, C, P) and all J = 0. Pipeline:

1. data: mean moments of an ensemble (``scheme="paper"``: the paper's discrete-time
   scheme at p1 = 0.1, k−1 = 0.1, k2 = 0.5, every particle attempting a hop each step;
   ``"exact"``: the continuous-time counterpart, ``EXACT_RATES``);
2. the first third of the series → x(t) by inverse Ising, zero-phase low-pass, filtered
   dx/dt (``dynboltz.runtime.paper.parameter_trajectories``);
3. an MLP 35 → 40 → 40 → 14 (tanh) from the basis functions B(x) (`sep_features`) to
   dx/dt, integrated forward with RK4 over the remaining two thirds; moments from x by
   the transfer matrix;
4. the well-mixed comparator: mass-action ODE of eq. 55 for the four means, rates fitted
   to the training third (``dynboltz.runtime.wellmixed.mass_action``);
5. the spatial reduced models of ``dynboltz.runtime.paper.sep_models``
   (Algorithm 2's learned rates, the hybrid of those rates and a residual network, the
   constant-drift baseline), learned on the same third and integrated from the same
   point;
6. the symmetric relative error eq. 56 of all of them against the data.

>>> from dynboltz.runtime.paper.sep_ann import run_sep_ann, sep_settings
>>> run = run_sep_ann(sep_settings("paper"), progress=True)
>>> run.summary["wellmixed_rates"], run.summary["ann_below_wellmixed"]
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.paper.barw import write_summary
from dynboltz.runtime.paper.figure_files import new_figure, save_png
from dynboltz.runtime.paper.sep_models import (HYBRID_DEFAULTS, SEP_MODELS, ModelInputs,
                                               build_model, extrapolate_model)
from dynboltz.runtime.paper.ann import (ANN_DEFAULTS, BasisFeatures, VectorFieldNet,
                                           integrate_rk4, sep_features, train_vector_field)
from dynboltz.runtime.paper.parameter_trajectories import (DEFAULT_CUTOFF, DEFAULT_ORDER,
                                                              INVERSION_METHODS,
                                                              filter_padding,
                                                              SmoothTrajectory,
                                                              parameter_trajectory,
                                                              smooth_trajectory)
from dynboltz.runtime.wellmixed.mass_action import (SEP_REACTIONS, MassActionFit, fit_rates,
                                                    integrate_mass_action)
from dynboltz.runtime.common.results import ShortRepr

__all__ = ["SepSettings", "SepRun", "sep_settings", "sep_data", "run_sep_ann",
           "symmetric_relative_error", "seed_study", "plot_fig11", "fig11",
           "PAPER_RATES", "EXACT_RATES", "X0", "PAPER_WELLMIXED_RATES", "SCHEMES",
           "RECOMMENDED"]

SCHEMES = ("paper", "exact")
_DIFFUSION = ("diffusion_S", "diffusion_E", "diffusion_C", "diffusion_P")
PAPER_RATES = {"bind": 0.1, "unbind": 0.1, "catalysis": 0.5, **dict.fromkeys(_DIFFUSION, 1.0)}
"""Paper scheme inputs: p1 (probability per collision), k−1, k2 (rates), hop probability."""
EXACT_RATES = {"bind": 10.0, "unbind": 0.1, "catalysis": 0.5,
               **dict.fromkeys(_DIFFUSION, 50.0)}
"""Exact-scheme rates: the CTMC counterpart of ``PAPER_RATES`` at Δt = 0.01. An adjacent
S–E pair collides with probability 2 × ½ per step and reacts with p1, a rate
p1/Δt = 10 per pair; a particle hops every step, to each side with probability ½, a rate
1/(2Δt) = 50 per direction; unimolecular rates are the same in both schemes."""
X0 = (0.5, 1.0, -1.0, -1.0) + (0.0,) * 10
"""h_S, h_E, h_C, h_P, then all ten J = 0 (densities 0.27, 0.45, 0.06, 0.06)."""
PAPER_WELLMIXED_RATES = {"k1": 0.09, "k_minus1": 1.34, "k2": 0.66}
"""The paper's fitted mass-action rates (Sec. III D)."""
_WELLMIXED_START = (0.1, 0.1, 0.5)
RECOMMENDED = "constant_drift"
"""The spatial model the project recommends for extrapolating the SEP means (the one
with the largest share of extrapolated times below the well-mixed model over seeds
0–4; see ``docs/sep_ann.md`` for the table and why none reaches 90 % on every seed)."""


@dataclass(frozen=True)
class SepSettings:
    """Everything that defines one SEP/ANN experiment (JSON-serialisable via ``as_dict``).

    Attributes
    ----------
    scheme : {"paper", "exact"}
    rates : dict of str -> float
        Simulation inputs, keyed by ``library.sep.process_names``.
    N, T, dt : int, float, float
        Sites, final time, recording step (and the paper scheme's step).
    replicates : int
        Simulations averaged into the data.
    seed : int
        Seed of the ensemble and of the network initialisation.
    train_fraction : float
        Leading fraction of the time series used for training (the paper: 1/3).
    cutoff, order : float, int
        Low-pass filter (per unit time, Butterworth order per pass).
    inversion : {"newton", "boltzmann"}
        ``fit_parameters`` method per time point.
    ann : dict
        ``train_vector_field`` keywords (``hidden``, ``alpha``, ``max_iter``, ``tol``).
    substeps : int
        RK4 steps per Δt in the extrapolation.
    models : tuple of str
        `SEP_MODELS` run besides the ANN and the well-mixed model.
    hybrid : dict
        ``HYBRID_DEFAULTS`` of the hybrid's residual network.
    """

    scheme: str
    rates: Mapping[str, float]
    N: int = 100
    T: float = 2.0
    dt: float = 0.01
    replicates: int = 1000
    seed: int = 0
    train_fraction: float = 1.0 / 3.0
    cutoff: float = DEFAULT_CUTOFF
    order: int = DEFAULT_ORDER
    inversion: str = "newton"
    ann: Mapping[str, object] = field(default_factory=lambda: dict(ANN_DEFAULTS))
    substeps: int = 1
    models: tuple[str, ...] = tuple(SEP_MODELS)
    hybrid: Mapping[str, object] = field(default_factory=lambda: dict(HYBRID_DEFAULTS))

    @property
    def times(self) -> np.ndarray:
        """Recording times 0, Δt, .., T, shape (T/Δt + 1,)."""
        return np.arange(int(round(self.T / self.dt)) + 1) * self.dt

    @property
    def n_train(self) -> int:
        """Points of the training window, t ≤ train_fraction × T."""
        return int(np.floor(self.train_fraction * self.T / self.dt + 1e-9)) + 1

    def as_dict(self) -> dict[str, object]:
        """Plain-JSON dict of the settings."""
        data = asdict(self)
        data["rates"] = dict(self.rates)
        data["ann"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.ann.items()}
        data["hybrid"] = {k: list(v) if isinstance(v, tuple) else v
                          for k, v in self.hybrid.items()}
        data["models"] = list(self.models)
        data["x0"] = list(X0)
        return data


def sep_settings(scheme: str = "paper", replicates: int = 1000, seed: int = 0,
                 **overrides: object) -> SepSettings:
    """Paper settings of the SEP/ANN experiment, validated.

    Parameters
    ----------
    scheme : {"paper", "exact"}
        Data source; sets ``rates`` to ``PAPER_RATES`` or ``EXACT_RATES``.
    replicates : int
        >= 2.
    seed : int
        >= 0.
    **overrides
        Other `SepSettings` fields (``N``, ``T``, ``dt``, ``train_fraction``, ``cutoff``,
        ``order``, ``inversion``, ``ann`` (merged into ``ANN_DEFAULTS``), ``substeps``,
        ``models``, ``hybrid`` (merged into ``HYBRID_DEFAULTS``)).

    Returns
    -------
    SepSettings
    """
    check_choice(scheme, "scheme", SCHEMES, "sep_settings")
    unknown = sorted(set(overrides) - {f for f in SepSettings.__dataclass_fields__}
                     | ({"scheme", "rates"} & set(overrides)))
    if unknown:
        raise invalid("overrides", "sep_settings", "SepSettings fields other than scheme "
                      "and rates", unknown)
    ann = {**ANN_DEFAULTS, **dict(overrides.pop("ann", None) or {})}
    hybrid = {**HYBRID_DEFAULTS, **dict(overrides.pop("hybrid", None) or {})}
    models = tuple(check_choice(m, "models", SEP_MODELS, "sep_settings")
                   for m in overrides.pop("models", tuple(SEP_MODELS)))
    settings = SepSettings(scheme, dict(PAPER_RATES if scheme == "paper" else EXACT_RATES),
                           replicates=check_integer(replicates, "replicates", "sep_settings",
                                                    2),
                           seed=check_integer(seed, "seed", "sep_settings", 0), ann=ann,
                           models=models, hybrid=hybrid, **overrides)
    _check_settings(settings)
    return settings


def _check_settings(s):
    check_integer(s.N, "N", "sep_settings", 4)
    check_real(s.T, "T", "sep_settings", 0.0, low_open=True)
    check_real(s.dt, "dt", "sep_settings", 0.0, low_open=True)
    fraction = check_real(s.train_fraction, "train_fraction", "sep_settings", 0.0, True)
    if fraction >= 1.0:
        raise invalid("train_fraction", "sep_settings", "in (0, 1)", fraction)
    check_choice(s.inversion, "inversion", INVERSION_METHODS, "sep_settings")
    check_integer(s.substeps, "substeps", "sep_settings", 1)
    check_real(s.cutoff, "cutoff", "sep_settings", 0.0, low_open=True)
    check_integer(s.order, "order", "sep_settings", 1)
    if s.cutoff >= 0.5 / s.dt:
        raise invalid("cutoff", "sep_settings", f"below 1/(2 dt) = {0.5 / s.dt:g}", s.cutoff)
    padding = filter_padding(s.order)
    if s.n_train <= padding or s.n_train >= s.times.size:
        raise invalid("train_fraction", "sep_settings", f"a training window of more than "
                      f"{padding} points (the filter's padding) and short of T",
                      s.train_fraction)


def _library():
    from dynboltz.generated import library

    return library.sep


def sep_data(settings: SepSettings, workers: int | None = None) -> np.ndarray:
    """Mean per-site moments of the SEP ensemble, shape (T, 14).

    Parameters
    ----------
    settings : SepSettings
    workers : int, optional
        Local processes (default: all cores).

    Returns
    -------
    ndarray, shape (len(settings.times), 14)
        In ``library.sep.moment_names`` order.
    """
    from dynboltz.runtime.lattice import simulate

    options = {"dt": settings.dt} if settings.scheme == "paper" else None
    ensemble = simulate(_library(), dict(settings.rates), np.array(X0), settings.times,
                        settings.replicates, settings.seed, workers=workers, N=settings.N,
                        scheme=settings.scheme, scheme_options=options)
    return ensemble.moments.mean(axis=0)


def symmetric_relative_error(a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Eq. 56: ε = (1/K) Σ_α 2|a_α − b_α| / (|a_α| + |b_α|), over the last axis.

    Parameters
    ----------
    a, b : array_like, shape (..., K)

    Returns
    -------
    ndarray, shape (...)
        In [0, 2]; a term with a_α = b_α = 0 counts 0.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or a.ndim == 0:
        raise invalid("a, b", "symmetric_relative_error", "arrays of one shape (..., K)",
                      f"shapes {a.shape}, {b.shape}")
    scale = np.abs(a) + np.abs(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(scale > 0, 2.0 * np.abs(a - b) / scale, 0.0)
    return terms.mean(axis=-1)


@dataclass(frozen=True, repr=False)
class SepRun(ShortRepr):
    """Arrays and summary of one SEP/ANN experiment.

    Attributes
    ----------
    settings : SepSettings
    times : ndarray, shape (T,)
    data_moments, data_parameters : ndarray, shape (T, 14)
        Mean simulated moments and their inverse Ising parameters (unfiltered).
    training : SmoothTrajectory
        Filtered x and dx/dt on the training window.
    features : BasisFeatures
    net : VectorFieldNet
    extrapolated_times : ndarray, shape (E,)
        From the last training time to T.
    ann_parameters, ann_moments : ndarray, shape (E, 14)
    wellmixed : MassActionFit
    wellmixed_means : ndarray, shape (E, 4)
    summary : dict
    models : dict of str -> dict
        Per `SEP_MODELS` name run: ``"x"``, ``"moments"`` (E, 14), ``"info"``.
    """

    settings: SepSettings
    times: np.ndarray
    data_moments: np.ndarray
    data_parameters: np.ndarray
    training: SmoothTrajectory
    features: BasisFeatures
    net: VectorFieldNet
    extrapolated_times: np.ndarray
    ann_parameters: np.ndarray
    ann_moments: np.ndarray
    wellmixed: MassActionFit
    wellmixed_means: np.ndarray
    summary: dict
    models: dict = field(default_factory=dict)


def _extrapolate(settings, net, features, start, times):
    lib = _library()
    trajectory = integrate_rk4(lambda x: net(features(x)), start, times,
                               substeps=settings.substeps)
    x = trajectory.x
    moments = np.full_like(x, np.nan)
    finite = np.all(np.isfinite(x), axis=1)
    moments[finite] = lib.moments(x[finite])
    return x, moments, trajectory.info


def _wellmixed(settings, times, moments, n_train, extrapolated):
    fit = fit_rates(SEP_REACTIONS, times[:n_train], moments[:n_train, :4], settings.N,
                    rates0=_WELLMIXED_START)
    start = time.perf_counter()
    means = integrate_mass_action(SEP_REACTIONS, fit.rates, moments[n_train - 1, :4],
                                  extrapolated, settings.N)
    return fit, means, time.perf_counter() - start


def run_sep_ann(settings: SepSettings, workers: int | None = None,
                progress: bool = False) -> SepRun:
    """Simulate, learn the ANN vector field, extrapolate, compare (Sec. III D).

    Parameters
    ----------
    settings : SepSettings
    workers : int, optional
        Processes for the simulation (default: all cores).
    progress : bool
        A tqdm bar over the stages (simulation, inverse Ising, training,
        extrapolation, well-mixed fit) and one over the inverse-Ising time points.

    Returns
    -------
    SepRun
    """
    if not isinstance(settings, SepSettings):
        raise invalid("settings", "run_sep_ann", "a SepSettings (see sep_settings)",
                      settings, TypeError)
    _check_settings(settings)
    lib, n_train, times = _library(), settings.n_train, settings.times
    stages = tqdm(total=5 + len(settings.models), desc="SEP/ANN", disable=not progress)
    stages.set_postfix_str("simulation")
    moments = sep_data(settings, workers=workers)
    stages.update()
    stages.set_postfix_str("inverse Ising")
    data_parameters = parameter_trajectory(lib, moments, method=settings.inversion,
                                           progress=progress)
    training = smooth_trajectory(lib, times[:n_train], moments[:n_train], settings.cutoff,
                                 settings.order, method=settings.inversion)
    stages.update()
    stages.set_postfix_str("ANN training")
    features = sep_features()
    net = train_vector_field(features(training.x), training.dxdt, seed=settings.seed,
                             **settings.ann)
    stages.update()
    stages.set_postfix_str("ANN extrapolation")
    extrapolated = times[n_train - 1:]
    ann_x, ann_moments, integration = _extrapolate(settings, net, features,
                                                   training.x[-1], extrapolated)
    stages.update()
    stages.set_postfix_str("well-mixed fit")
    fit, means, wellmixed_seconds = _wellmixed(settings, times, moments, n_train,
                                               extrapolated)
    stages.update()
    models = _spatial_models(settings, moments, training, features, extrapolated, stages)
    stages.close()
    summary = _summary(settings, extrapolated, moments[n_train - 1:],
                       data_parameters[n_train - 1:], ann_x, ann_moments, means, fit, net,
                       integration, wellmixed_seconds)
    summary.update(_model_errors(extrapolated, moments[n_train - 1:], ann_moments, means,
                                 models))
    return SepRun(settings, times, moments, data_parameters, training, features, net,
                  extrapolated, ann_x, ann_moments, fit, means, summary, models)


def _spatial_models(settings, moments, training, features, extrapolated, stages):
    """Learn each of ``settings.models`` on the training third and extrapolate it."""
    n_train, lib = settings.n_train, _library()
    rates0 = EXACT_RATES if settings.scheme == "paper" else settings.rates
    inputs = ModelInputs(lib, settings.times[:n_train], moments[:n_train], training,
                         features, np.array(X0), dict(rates0), settings.seed)
    runs = {}
    for name in settings.models:
        stages.set_postfix_str(name)
        model = build_model(name, inputs, settings.hybrid if name == "hybrid" else None)
        x, model_moments, integration = extrapolate_model(model, lib, training.x[-1],
                                                          extrapolated, settings.substeps)
        runs[name] = {"x": x, "moments": model_moments,
                      "info": {**model.info, "integration_seconds": integration["seconds"],
                               "diverged_at": integration["diverged_at"]}}
        stages.update()
    return runs


def _model_errors(times, data_moments, ann_moments, wellmixed_means, models):
    """Eq. 56 of every model after the start point: 4 means, and 14 moments if it has them.

    ``"errors"``: {model: ε(t) on the 4 means}, ``"wellmixed"`` included;
    ``"errors_moments"``: the same on all 14 moments (not for the well-mixed model);
    ``"fraction_means_below_wellmixed"``: the share of extrapolated times at which a
    model's ε on the means is below the well-mixed model's; ``"recommended"``.
    """
    after = slice(1, None)
    spatial = {"ann": ann_moments, **{name: run["moments"] for name, run in models.items()}}
    errors = {name: symmetric_relative_error(m[:, :4], data_moments[:, :4])[after]
              for name, m in spatial.items()}
    errors["wellmixed"] = symmetric_relative_error(wellmixed_means,
                                                   data_moments[:, :4])[after]
    moments = {name: symmetric_relative_error(m, data_moments)[after]
               for name, m in spatial.items()}
    # A diverged model (NaN) counts as not below.
    below = {name: float(np.mean(np.nan_to_num(errors[name], nan=np.inf)
                                 < errors["wellmixed"])) for name in spatial}
    return {"errors": {name: _listed(e) for name, e in errors.items()},
            "errors_moments": {name: _listed(e) for name, e in moments.items()},
            "fraction_means_below_wellmixed": below,
            "recommended": RECOMMENDED if RECOMMENDED in models else None,
            "models": {name: _jsonable(run["info"]) for name, run in models.items()}}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    return value


def _listed(values):
    return [None if not np.isfinite(v) else float(v) for v in values]


def _summary(settings, times, data_moments, data_parameters, ann_x, ann_moments, means,
             fit, net, integration, wellmixed_seconds):
    """JSON-ready summary; errors over the extrapolated times after the start point."""
    after = slice(1, None)
    error_parameters = symmetric_relative_error(ann_x, data_parameters)[after]
    error_moments = symmetric_relative_error(ann_moments, data_moments)[after]
    error_ann_means = symmetric_relative_error(ann_moments[:, :4], data_moments[:, :4])[after]
    error_wellmixed = symmetric_relative_error(means, data_moments[:, :4])[after]
    below = error_moments < error_wellmixed
    return {
        "experiment": "SEP with an ANN reduced model (paper Sec. III D, Fig. 11)",
        "settings": settings.as_dict(),
        "param_names": list(_library().param_names),
        "wellmixed_rates": fit.as_dict(),
        "wellmixed_rates_density_units": {"k1": float(fit.rates[0] * settings.N),
                                          "k_minus1": float(fit.rates[1]),
                                          "k2": float(fit.rates[2])},
        "paper_wellmixed_rates": dict(PAPER_WELLMIXED_RATES),
        "wellmixed_residual_rms": fit.residual_rms,
        "times": times[after].tolist(),
        "error_parameters": _listed(error_parameters),
        "error_moments": _listed(error_moments),
        "error_ann_means": _listed(error_ann_means),
        "error_wellmixed": _listed(error_wellmixed),
        "ann_below_wellmixed": bool(np.all(below)),
        "fraction_below_wellmixed": float(np.mean(below)),
        "ann_means_below_wellmixed": bool(np.all(error_ann_means < error_wellmixed)),
        "final_errors": {"parameters": _listed(error_parameters[-1:])[0],
                         "moments": _listed(error_moments[-1:])[0],
                         "ann_means": _listed(error_ann_means[-1:])[0],
                         "wellmixed": _listed(error_wellmixed[-1:])[0]},
        "ann": {"train_seconds": net.info["seconds"], "iterations": net.info["iterations"],
                "converged": net.info["converged"], "message": net.info["message"],
                "train_rmse_max": float(np.max(net.info["train_rmse"])),
                "integration_seconds": integration["seconds"],
                "integration_steps": integration["steps"],
                "diverged_at": integration["diverged_at"]},
        "wellmixed": {"fit_seconds": fit.info["seconds"],
                      "fit_evaluations": fit.info["evaluations"],
                      "integration_seconds": wellmixed_seconds},
    }


def seed_study(settings: SepSettings, seeds: Sequence[int], workers: int | None = None,
               progress: bool = False) -> list[dict]:
    """`run_sep_ann` at several seeds (ensemble and network), one summary each.

    Parameters
    ----------
    settings : SepSettings
        Everything but ``seed``.
    seeds : sequence of int
    workers : int, optional
    progress : bool
        A tqdm bar over the seeds.

    Returns
    -------
    list of dict
        The summaries, in ``seeds`` order.
    """
    seeds = [check_integer(s, "seeds", "seed_study", 0) for s in seeds]
    return [run_sep_ann(replace(settings, seed=s), workers=workers).summary
            for s in tqdm(seeds, desc="seeds", disable=not progress)]


def _slice_grid(run, n_points):
    """F_JSP of the ANN over (h_S, h_P) at the end of training, others held fixed."""
    names = list(_library().param_names)
    s, p, target = names.index("h_S"), names.index("h_P"), names.index("J_SP")
    path = np.concatenate([run.training.x, run.ann_parameters[np.all(
        np.isfinite(run.ann_parameters), axis=1)]])
    axes = []
    for index in (s, p):
        low, high = path[:, index].min(), path[:, index].max()
        pad = 0.25 * max(high - low, 0.5)
        axes.append(np.linspace(low - pad, high + pad, n_points))
    hs, hp = np.meshgrid(*axes)
    points = np.repeat(run.training.x[-1][None, :], hs.size, axis=0)
    points[:, s], points[:, p] = hs.ravel(), hp.ravel()
    values = run.net(run.features(points))[:, target].reshape(hs.shape)
    return hs, hp, values, (s, p)


def _trajectory_panel(ax, run, index, label, kind):
    t_train = run.times[run.settings.n_train - 1]
    if kind == "parameter":
        data, ann, wellmixed = run.data_parameters[:, index], run.ann_parameters[:, index], None
    else:
        data, ann = run.data_moments[:, index], run.ann_moments[:, index]
        wellmixed = run.wellmixed_means[:, index]
    ax.plot(run.times, data, color="0.35", lw=1.2, label="stochastic simulation")
    if kind == "parameter":
        ax.plot(run.training.times, run.training.x[:, index], color="tab:green", lw=1.0,
                label="filtered (training)")
    ax.plot(run.extrapolated_times, ann, color="tab:blue", lw=1.6, label="ANN")
    for name, model in run.models.items():
        values = model["x" if kind == "parameter" else "moments"][:, index]
        ax.plot(run.extrapolated_times, values, color=_MODEL_COLOURS.get(name, "k"), lw=1.2,
                label=name)
    if wellmixed is not None:
        ax.plot(run.extrapolated_times, wellmixed, "--", color="tab:red", lw=1.4,
                label="well-mixed")
    ax.axvline(t_train, color="0.6", lw=1.0)
    ax.set_title(label, fontsize=9)
    ax.set_xlabel("t", fontsize=8)
    symbol = label.split(" ", 1)[1]
    ax.set_ylabel(f"{symbol} (Boltzmann parameter)" if kind == "parameter" else
                  f"{symbol} (fraction of sites)", fontsize=8)


def plot_fig11(run: SepRun, path: os.PathLike | str) -> Path:
    """Fig. 11: (a) h_P, h_S, µ_P, µ_S; (b) ε(t) of eq. 56; (c) the learned F_JSP slice.

    Parameters
    ----------
    run : SepRun
    path : str or os.PathLike
        PNG file to write.

    Returns
    -------
    pathlib.Path
    """
    names = list(_library().param_names)
    s = run.settings
    fig = new_figure(figsize=(14, 7.5))
    grid = fig.add_gridspec(2, 4)
    panels = [("h_P", "parameter"), ("h_S", "parameter"), ("h_P", "moment"),
              ("h_S", "moment")]
    axes = []
    for k, (name, kind) in enumerate(panels):
        ax = fig.add_subplot(grid[k // 2, k % 2])
        label = f"(a) ${name[0]}_{name[2]}$" if kind == "parameter" else \
            rf"(a) $\mu_{name[2]}$"
        _trajectory_panel(ax, run, names.index(name), label, kind)
        axes.append(ax)
    # one legend for the four panels: every curve of any of them (the filtered
    # training curve is drawn on the parameter panels only)
    legend = {}
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(text, handle)
    axes[0].legend(legend.values(), legend.keys(), frameon=False, fontsize=7)
    _error_panel(fig.add_subplot(grid[0, 2:]), run)
    _slice_panel(fig, fig.add_subplot(grid[1, 2:]), run)
    rates = ", ".join(f"{k} = {v:g}" for k, v in s.rates.items() if not k.startswith("diff"))
    fitted = ", ".join(f"{k} = {v:.3g}" for k, v in run.summary["wellmixed_rates"].items())
    fig.suptitle(f"SEP ({s.scheme} scheme: {rates}, diffusion {s.rates['diffusion_S']:g}), "
                 f"N = {s.N}, T = {s.T:g}, dt = {s.dt:g}, {s.replicates} replicates, "
                 f"seed {s.seed}; well-mixed fit: {fitted}", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return save_png(fig, path)


_MODEL_COLOURS = {"ann": "tab:blue", "algorithm2": "tab:orange", "hybrid": "tab:green",
                  "constant_drift": "tab:brown", "wellmixed": "tab:red"}


def _error_panel(ax, run):
    summary = run.summary
    times = np.array(summary["times"])
    for name, values in summary["errors"].items():
        values = np.array([np.nan if v is None else v for v in values])
        label = f"{name}, 4 means ({100 * summary['fraction_means_below_wellmixed'][name]:.0f}"\
                "% of times below well-mixed)" if name != "wellmixed" else "well-mixed, 4 means"
        ax.plot(times, values, color=_MODEL_COLOURS.get(name, "k"),
                lw=2.0 if name in ("wellmixed", summary["recommended"]) else 1.2, label=label)
    for name, values in summary["errors_moments"].items():
        values = np.array([np.nan if v is None else v for v in values])
        ax.plot(times, values, ":", color=_MODEL_COLOURS.get(name, "k"), lw=1.0)
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel(r"symmetric relative error $\epsilon$ (eq. 56)")
    ax.set_title(f"(b) extrapolation error: solid the 4 means, dotted all 14 moments; "
                 f"recommended: {summary['recommended']}", fontsize=9)
    ax.legend(frameon=False, fontsize=7)


def _slice_panel(fig, ax, run):
    hs, hp, values, (s, p) = _slice_grid(run, 61)
    limit = np.abs(values).max()
    mesh = ax.pcolormesh(hs, hp, values, cmap="RdBu_r", vmin=-limit, vmax=limit,
                         shading="auto")
    fig.colorbar(mesh, ax=ax, label=r"$F_{J_{SP}} = dJ_{SP}/dt$ (ANN)")
    ax.plot(run.training.x[:, s], run.training.x[:, p], color="k", lw=1.5,
            label="training trajectory")
    ax.plot(*run.training.x[-1, [s, p]], "o", color="k", ms=6,
            label=f"slice point, t = {run.training.times[-1]:.2f}")
    ax.set_xlabel(r"$h_S$")
    ax.set_ylabel(r"$h_P$")
    ax.set_title("(c) learned $F_{J_{SP}}$ over ($h_S$, $h_P$), other parameters at the "
                 "slice point", fontsize=9)
    ax.legend(frameon=False, fontsize=8, loc="best")


def fig11(out_dir: os.PathLike | str, seed: int = 0, scheme: str = "paper",
          replicates: int = 1000, progress: bool = True) -> Path:
    """Run the paper-size SEP/ANN experiment; write ``fig11.png`` and ``sep_ann.json``.

    Parameters
    ----------
    out_dir : str or os.PathLike
    seed : int
    scheme : {"paper", "exact"}
        ``"exact"`` writes ``fig11_exact.png`` and ``sep_ann_exact.json``.
    replicates : int
    progress : bool

    Returns
    -------
    pathlib.Path
        The PNG file.
    """
    run = run_sep_ann(sep_settings(scheme, replicates=replicates, seed=seed),
                      progress=progress)
    out_dir = Path(out_dir)
    suffix = "" if scheme == "paper" else f"_{scheme}"
    write_summary(run.summary, out_dir / f"sep_ann{suffix}.json")
    return plot_fig11(run, out_dir / f"fig11{suffix}.png")


