"""Spatial reduced models of the SEP that extrapolate the Boltzmann parameters (Fig. 11).

Each model is a vector field dx/dt = f(x) on the 14 Boltzmann parameters of
S + E ⇌ C → P + E, built from the training third of a `SepRun`'s data only and
integrated (RK4, `integrate_rk4`) from the filtered x at the end of training over the
other two thirds; the moments follow from x by the transfer matrix. The registry
`SEP_MODELS` maps a name to its builder:

``"algorithm2"``
    The reduced model of eq. 52 with learned rates, dx/dt = Σ_r θ_r F̃⁽ʳ⁾(x)
    (F̃⁽ʳ⁾ = H⁻¹ṁ⁽ʳ⁾, eq. 49, ``library.sep.basis``): the 7 rates (bind, unbind,
    catalysis, four diffusions) learned by Algorithm 2 (`learn_rates`, eq. 52–54) on
    the training third, from the initial state ``X0``.
``"hybrid"``
    The same linear combination plus a small network for its residual:
    dx/dt = Σ_r θ_r F̃⁽ʳ⁾(x) + mean_k ANN_k(B(x)), where the ANN_k are trained on the
    filtered dx/dt minus the learned linear combination along the training trajectory,
    with the 35 `sep_features` inputs under the global RMS scale (not the training
    window's per-column spread), an L2 penalty (``HYBRID_DEFAULTS``) and one
    initialisation seed per member of the ensemble.
``"constant_drift"``
    The baseline of no dynamics: dx/dt fixed at the filtered dx/dt at the end of
    training (a straight line in parameter space).

The paper's ANN itself stays in `sep_ann` (the faithful reproduction); this module
adds the models with structure.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.common.validation import check_choice, check_integer, invalid
from dynboltz.runtime.paper.ann import BasisFeatures, integrate_rk4, train_vector_field
from dynboltz.runtime.paper.parameter_trajectories import SmoothTrajectory

__all__ = ["ModelInputs", "ReducedModel", "SEP_MODELS", "HYBRID_DEFAULTS",
           "build_model", "extrapolate_model", "learned_rates_field"]

HYBRID_DEFAULTS = {"hidden": (16, 16), "alpha": 1.0, "members": 5, "max_iter": 2000}
"""Residual network of ``"hybrid"``: two tanh layers of 16 (1 126 weights, a third of
the paper's ANN), L2 penalty α = 1 (in scaled units), an ensemble of 5 initialisation
seeds, ≤ 2000 L-BFGS iterations each."""


@dataclass(frozen=True)
class ModelInputs:
    """What a model may learn from: the training third only.

    Attributes
    ----------
    library : compiled motif library
        ``library.sep``.
    times : ndarray, shape (n,)
        Training times, from 0.
    moments : ndarray, shape (n, 14)
        Mean simulated moments on them.
    training : SmoothTrajectory
        Filtered x and dx/dt on the training window.
    features : BasisFeatures
        The 35 inputs of the paper's ANN.
    x0 : ndarray, shape (14,)
        Boltzmann parameters of the initial state.
    rates0 : dict of str -> float
        Start of Algorithm 2 (the CTMC rates of the simulation, or their counterpart).
    seed : int
        Root of the networks' initialisation seeds.
    """

    library: object
    times: np.ndarray
    moments: np.ndarray
    training: SmoothTrajectory
    features: BasisFeatures
    x0: np.ndarray
    rates0: Mapping[str, float]
    seed: int


@dataclass(frozen=True)
class ReducedModel:
    """A learned vector field on the Boltzmann parameters.

    Attributes
    ----------
    name : str
        Its `SEP_MODELS` key.
    field : callable
        x (14,) -> dx/dt (14,), per unit time.
    info : dict
        JSON-ready description (learned rates, training statistics, seconds).
    """

    name: str
    field: Callable[[np.ndarray], np.ndarray]
    info: dict


def learned_rates_field(library: object, theta: np.ndarray
                        ) -> Callable[[np.ndarray], np.ndarray]:
    """Eq. 52's right-hand side at fixed rates: x ↦ Σ_r θ_r F̃⁽ʳ⁾(x).

    Parameters
    ----------
    library : compiled motif library
        ``basis(x)`` of shape (P, L) for x of shape (L,), (n, P, L) for (n, L).
    theta : ndarray, shape (P,)
        Rates in ``library.process_names`` order.

    Returns
    -------
    callable
        x of shape (L,) or (n, L) -> dx/dt of the same shape.
    """
    theta = np.asarray(theta, dtype=float)

    def field(x):
        return np.einsum("p,...pl->...l", theta, np.asarray(library.basis(x)))
    return field


def _algorithm2_rates(inputs):
    from dynboltz.runtime.learning import learn_rates

    start = time.perf_counter()
    with warnings.catch_warnings():
        # Rates the training third does not determine are reported in info, not warned.
        warnings.simplefilter("ignore")
        result = learn_rates(inputs.library, (inputs.times, inputs.moments), inputs.x0,
                             dict(inputs.rates0), progress=False)
    info = {"rates": {k: float(v) for k, v in result.rates.items()},
            "converged": bool(result.info["converged"]),
            "iterations": int(result.info["iterations"]),
            "undetermined": list(result.info.get("undetermined") or []),
            "seconds": time.perf_counter() - start}
    return result.theta, info


def _algorithm2(inputs, options):
    theta, info = _algorithm2_rates(inputs)
    return ReducedModel("algorithm2", learned_rates_field(inputs.library, theta), info)


def _hybrid(inputs, options):
    settings = {**HYBRID_DEFAULTS, **options}
    members = check_integer(settings.pop("members"), "members", "build_model", 1)
    theta, info = _algorithm2_rates(inputs)
    base = learned_rates_field(inputs.library, theta)
    x, features = inputs.training.x, inputs.features
    residual = inputs.training.dxdt - base(x)
    inputs_b = features(x)
    start = time.perf_counter()
    nets = [train_vector_field(inputs_b, residual, seed=inputs.seed * 1000 + k,
                               input_scaling="global", **settings)
            for k in range(members)]

    def field(point):
        b = features(point)
        return base(point) + np.mean([net(b) for net in nets], axis=0)
    info = {**info, "members": members, "residual_rms": float(np.sqrt(np.mean(
        residual ** 2))), "network": {k: list(v) if isinstance(v, tuple) else v
                                      for k, v in settings.items()},
        "train_seconds": time.perf_counter() - start,
        "train_rmse_max": float(max(np.max(n.info["train_rmse"]) for n in nets))}
    return ReducedModel("hybrid", field, info)


def _constant_drift(inputs, options):
    drift = inputs.training.dxdt[-1].copy()
    return ReducedModel("constant_drift", lambda x: np.broadcast_to(drift, np.shape(x)),
                        {"drift": drift.tolist()})


SEP_MODELS = {"algorithm2": _algorithm2, "hybrid": _hybrid,
              "constant_drift": _constant_drift}
"""Model name -> builder ``(ModelInputs, options) -> ReducedModel`` (module docstring)."""


def build_model(name: str, inputs: ModelInputs,
                options: Mapping[str, object] | None = None) -> ReducedModel:
    """Learn one `SEP_MODELS` model from the training third.

    Parameters
    ----------
    name : str
        A `SEP_MODELS` key.
    inputs : ModelInputs
    options : dict, optional
        ``"hybrid"``: ``HYBRID_DEFAULTS`` keys (``hidden``, ``alpha``, ``members``,
        ``max_iter``); the others take none.

    Returns
    -------
    ReducedModel

    Raises
    ------
    ValueError
        Unknown name, or options the model does not take.
    """
    check_choice(name, "name", SEP_MODELS, "build_model")
    if not isinstance(inputs, ModelInputs):
        raise invalid("inputs", "build_model", "a ModelInputs", inputs, TypeError)
    options = dict(options or {})
    allowed = set(HYBRID_DEFAULTS) if name == "hybrid" else set()
    if set(options) - allowed:
        raise invalid("options", "build_model", f"keys among {sorted(allowed)} for "
                      f"{name!r}", sorted(options))
    return SEP_MODELS[name](inputs, options)


def extrapolate_model(model: ReducedModel, library: object, start: np.ndarray,
                      times: np.ndarray, substeps: int = 1
                      ) -> tuple[np.ndarray, np.ndarray, dict]:
    """Integrate a model from ``start`` and map x to moments (transfer matrix).

    Parameters
    ----------
    model : ReducedModel
    library : compiled motif library
        ``moments(x)``.
    start : ndarray, shape (14,)
        x at ``times[0]``.
    times : ndarray, shape (E,)
    substeps : int
        RK4 steps per interval.

    Returns
    -------
    x, moments : ndarray, shape (E, 14)
        NaN from the time the integration diverged on.
    info : dict
        ``integrate_rk4`` statistics.
    """
    trajectory = integrate_rk4(model.field, start, times, substeps=substeps)
    x = trajectory.x
    moments = np.full_like(x, np.nan)
    finite = np.all(np.isfinite(x), axis=1)
    with np.errstate(all="ignore"):
        moments[finite] = library.moments(x[finite])
    return x, moments, trajectory.info
