"""Boltzmann-machine learning of effective rates (Algorithm 2; eq. 52–54).

The reduced model dx/dt = Σ_r θ_r F̃⁽ʳ⁾(x), x(t_0) = x0 (eq. 52) gives at
every data time t_k a Boltzmann chain p̃_x(t_k); the data ("awake" moments
µ(t_k), per site, in moment order) come from simulations.  The action is

    A(θ) = Σ_k w_k [ ln λ₊(x(t_k)) − x(t_k) · µ(t_k) ]

with w_k the trapezoid weights of the time grid: per site and up to a
θ-independent term (the data's own entropy), the time-integrated
Kullback–Leibler divergence ∫ dt KL(p(t) ‖ p̃_x(t)), since
ln p̃_x(s) = x · stat(s) − N ln λ₊.  Because ∂ ln λ₊/∂x = µ̃ (the "asleep"
moments of p̃_x, eq. 47), its gradient is exactly eq. 53 on the grid,

    g_s = ∂A/∂θ_s = Σ_k w_k (µ̃(t_k) − µ(t_k)) · ∂x(t_k)/∂θ_s,

with ∂x/∂θ from eq. 54 (forward sensitivities) or an adjoint sweep.  With
an L2 term the objective is A(θ) + (l2/2) |θ − θ₀|², minimised over θ ≥ 0
(bounds of the quasi-Newton default, projection after every gradient step).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.errors import InvalidArgumentError
from dynboltz.messages import public
from dynboltz.runtime.learning import _reduced_ode
from dynboltz.runtime.learning.backends import backend_of
from dynboltz.runtime.lattice.closures import closure_of
from dynboltz.runtime.lattice.geometries import geometry_of
from dynboltz.runtime.learning.reduced_ode import (PreparedIntegration, check_library, check_times,
                                          check_vector, integration_options)
from dynboltz.runtime.common.validation import check_choice, check_integer, invalid

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary
    from dynboltz.runtime.common.ensemble import Ensemble

__all__ = ["trapezoid_weights", "moment_error", "awake_moments", "rate_gradient",
           "GradientProblem", "check_learning_inputs", "ASLEEP", "GRADIENTS"]

GRADIENTS = ("forward", "adjoint")
"""``forward``: eq. 54 sensitivities; ``adjoint``: one backward sweep."""


def trapezoid_weights(times: ArrayLike) -> np.ndarray:
    """w_k with Σ_k w_k f(t_k) the trapezoid rule for ∫ f dt on ``times`` (T,)."""
    times = np.asarray(times, dtype=np.float64)
    weights = np.zeros(times.size)
    steps = np.diff(times)
    weights[:-1] += 0.5 * steps
    weights[1:] += 0.5 * steps
    return weights


@public
def moment_error(predicted: ArrayLike, data: ArrayLike, times: ArrayLike) -> float:
    """Time-integrated squared moment error ∫ |µ̃(t) − µ(t)|² dt (trapezoid).

    Parameters
    ----------
    predicted, data : array_like, shape (T, L)
    times : array_like, shape (T,)

    Returns
    -------
    float
        Summed over the L moments.
    """
    times = check_times(times, "moment_error")
    predicted, data = np.asarray(predicted, dtype=float), np.asarray(data, dtype=float)
    if predicted.ndim != 2 or predicted.shape != data.shape or \
            predicted.shape[0] != times.size:
        raise invalid("predicted", "moment_error", f"an array of the shape of `data` "
                      f"({data.shape}) with {times.size} rows", predicted.shape)
    return float(trapezoid_weights(times) @ np.sum((predicted - data) ** 2, axis=1))


def awake_moments(data: Ensemble | tuple[ArrayLike, ArrayLike], n_params: int, function: str
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(times (T,), moments (T, L), replicates (R, T, L) or None) of the data.

    ``data`` is an object with ``.times`` (T,) and ``.moments`` (R, T, L)
    (an `Ensemble`), or a pair ``(times, moments)`` with moments (T, L) or
    (R, T, L); replicates are averaged, and kept (for standard errors) when R >= 2.
    """
    if hasattr(data, "times") and hasattr(data, "moments"):
        times, moments, name = data.times, data.moments, "data.moments"
    elif isinstance(data, (tuple, list)) and len(data) == 2:
        (times, moments), name = data, "data[1]"
    else:
        raise invalid("data", function, "an Ensemble or a pair (times, moments)", data,
                      TypeError)
    times = check_times(times, function)
    moments = np.asarray(moments, dtype=np.float64)
    shape = (times.size, n_params)
    if not (moments.shape == shape or (moments.ndim == 3 and moments.shape[1:] == shape
                                       and moments.shape[0] >= 1)):
        raise invalid("data", function, f"moments of shape {shape} or (R, {shape[0]}, "
                      f"{shape[1]}) with R >= 1", moments.shape)
    _check_finite(moments, name, function)
    # The compiled action takes C-contiguous (T, L); Fortran-order or strided input is copied.
    mean = np.ascontiguousarray(moments.mean(axis=0) if moments.ndim == 3 else moments)
    return times, mean, moments if moments.ndim == 3 and moments.shape[0] >= 2 else None


def _check_finite(array, name, function):
    # Point at the first NaN/inf by its index in the caller's own array.
    bad = np.argwhere(~np.isfinite(array))
    if bad.size:
        first = tuple(int(i) for i in bad[0])
        raise invalid(f"{name}[{', '.join(map(str, first))}]", function,
                      f"finite (the first of {len(bad)} NaN or inf values)",
                      float(array[first]))


def _exact_asleep(lib, x, seed_sequence, iteration, options):
    return lib.moments(x)


def _gibbs_asleep(lib, x, seed_sequence, iteration, options):
    # The paper's asleep phase: Gibbs samples of the library's geometry at each x(t_k).
    geometry = geometry_of(lib, "learn_rates", "lib")
    shape = geometry.shape(options["N"], "learn_rates")
    seeds = _time_seeds(seed_sequence, iteration, len(x))
    gibbs = {"sweeps": options["sweeps"], "threads": 1}
    return np.stack([geometry.statistics(geometry.sample(lib, point, shape, options["samples"],
                                                         seed, "gibbs", gibbs),
                                         lib.n_species).mean(axis=0)
                     for point, seed in zip(x, seeds)])


ASLEEP = {"exact": (_exact_asleep, {}),
          "gibbs": (_gibbs_asleep, {"N": 100, "samples": 10, "sweeps": 100})}
"""Asleep-phase moment estimators and their options with defaults:
``exact`` from the library's closure; ``gibbs`` means of ``samples`` lattices of size
``N`` (sites of the ring; a tuple on 2D/3D lattices) of the library's geometry after
``sweeps`` heat-bath sweeps."""


def check_asleep_options(asleep: str, options: Mapping[str, int] | None, function: str
                   ) -> dict[str, int]:
    """Options of an `ASLEEP` estimator, merged with its defaults and checked."""
    check_choice(asleep, "asleep", ASLEEP, function)
    defaults = ASLEEP[asleep][1]
    given = dict(options or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise invalid("asleep_options", function,
                      f"a dict with keys among {sorted(defaults)} for {asleep!r}", given)
    merged = {**defaults, **given}
    low = {"N": 2, "samples": 1, "sweeps": 0}
    checked = {}
    for key, value in merged.items():
        # N is the lattice size: sites of the ring, or a tuple on 2D/3D lattices
        sizes = value if key == "N" and isinstance(value, tuple) else (value,)
        sizes = tuple(check_integer(size, f"asleep_options[{key!r}]", function, low[key])
                      for size in sizes)
        checked[key] = sizes if isinstance(value, tuple) else sizes[0]
    return checked


def _time_seeds(seed_sequence, iteration, n_times):
    """Independent streams per (iteration, time): resuming reproduces them."""
    if seed_sequence is None:
        return [None] * n_times
    return [np.random.SeedSequence(seed_sequence.entropy,
                                   spawn_key=seed_sequence.spawn_key + (iteration, k))
            for k in range(n_times)]


class GradientProblem:
    """A(θ) and eq. 53 of one validated learning problem, evaluated at any θ.

    Built once per learning run: the integration buffers, trapezoid weights
    and gradient routine are set up here, so that `evaluate` does only the
    integration, the asleep moments and the contraction.  Arguments are
    trusted (validate them as `learn_rates` does).

    Parameters
    ----------
    lib : MotifLibrary
    x0 : ndarray, shape (L,)
    times : ndarray, shape (T,)
    data_moments : ndarray, shape (T, L)
        Awake moments µ(t_k), C-contiguous float64.
    asleep : {"exact", "gibbs"}
    asleep_settings : dict
        Checked options of the asleep estimator (`asleep_options`).
    gradient : {"forward", "adjoint"}
    method : {"rk4", "adaptive"}
    options : dict
        Checked integration options (``integration_options``).
    seed_sequence : numpy.random.SeedSequence, optional
        Root of the Gibbs streams.
    """

    def __init__(self, lib: MotifLibrary, x0: np.ndarray, times: np.ndarray,
                 data_moments: np.ndarray,
                 asleep: str, asleep_settings: Mapping[str, int], gradient: str,
                 method: str, options: Mapping[str, Any],
                 seed_sequence: np.random.SeedSequence | None = None) -> None:
        self.lib, self.data = lib, data_moments
        self.forward = gradient == "forward"
        self.integration = PreparedIntegration(lib, x0, times, method, options,
                                               sensitivities=self.forward,
                                               record_steps=not self.forward)
        self.weights = trapezoid_weights(times)
        self.estimator = ASLEEP[asleep][0]
        self.asleep_settings = asleep_settings
        self.seed_sequence = seed_sequence
        self._asleep_moments = np.empty((times.size, lib.n_params))
        self._log_eigenvalue = np.empty(times.size)

    def evaluate(self, theta: ArrayLike, iteration: int = 0
                 ) -> tuple[float, np.ndarray, np.ndarray]:
        """(A(θ), ∂A/∂θ (P,), x (T, L)) at ``theta`` (P,); see `rate_gradient`.

        ``x`` is the integration's buffer, overwritten by the next call.
        ``iteration`` selects the Gibbs streams.
        """
        run, lib = self.integration, self.lib
        run.run(theta)
        grad = np.empty(lib.n_processes)
        if self.forward and self.estimator is _exact_asleep:
            # The default, in one pass: moments kernel and contraction.
            backend = backend_of(lib)
            action = backend.exact_action_gradient(
                backend.moments_kernel(lib), self.weights, self.data, run.x, run.s,
                self._asleep_moments, self._log_eigenvalue, grad)
            return action, grad, run.x
        asleep_moments = self.estimator(lib, run.x, self.seed_sequence, iteration,
                                        self.asleep_settings)
        action = _reduced_ode.trapezoid_action(self.weights, self.data, run.x,
                                               lib.log_eigenvalue(run.x))
        if self.forward:
            _reduced_ode.trapezoid_gradient(self.weights, self.data, asleep_moments, run.s,
                                            grad)
        else:
            forcing = self.weights[:, None] * (asleep_moments - self.data)
            grad = run.adjoint_gradient(lib, forcing)
        return action, grad, run.x


def rate_gradient(lib: MotifLibrary, theta: ArrayLike, x0: ArrayLike, times: ArrayLike,
                  data_moments: ArrayLike, asleep: str = "exact", gradient: str = "forward",
                  asleep_settings: Mapping[str, int] | None = None,
                  integration: Mapping[str, Any] | None = None,
                  seed_sequence: np.random.SeedSequence | None = None, iteration: int = 0
                  ) -> tuple[float, np.ndarray, np.ndarray]:
    """Action A(θ) and its gradient eq. 53 at θ (module docstring).

    Parameters
    ----------
    lib : MotifLibrary
    theta : array_like, shape (P,)
    x0 : array_like, shape (L,)
    times : array_like, shape (T,)
    data_moments : array_like, shape (T, L)
        Awake moments µ(t_k).
    asleep : {"exact", "gibbs"}
    gradient : {"forward", "adjoint"}
    asleep_settings : dict, optional
        Options of the asleep estimator (`asleep_options`).
    integration : dict, optional
        Keyword arguments of `integrate` (integrator, substeps, rtol, ...).
    seed_sequence : numpy.random.SeedSequence, optional
        Root of the Gibbs streams.
    iteration : int
        Selects the Gibbs streams of this iteration.

    Returns
    -------
    action : float
    grad : ndarray, shape (P,)
    x : ndarray, shape (T, L)
        Trajectory of eq. 52.
    """
    function = "rate_gradient"
    check_library(lib, function)
    times = check_times(times, function)
    data_moments = np.ascontiguousarray(data_moments, dtype=np.float64)
    if data_moments.shape != (times.size, lib.n_params):
        raise invalid("data_moments", function,
                      f"moments of shape ({times.size}, {lib.n_params})",
                      data_moments.shape)
    _check_finite(data_moments, "data_moments", function)
    theta = check_vector(theta, lib.n_processes, "theta", function)
    x0 = check_vector(x0, lib.n_params, "x0", function)
    check_choice(gradient, "gradient", GRADIENTS, function)
    method, options = integration_options(function, **(integration or {}))
    problem = GradientProblem(lib, x0, times, data_moments, asleep,
                              check_asleep_options(asleep, asleep_settings, function), gradient,
                              method, options, seed_sequence)
    return problem.evaluate(theta, check_integer(iteration, "iteration", function, 0))


def _check_motif(lib, data, function):
    """An ensemble simulated from another motif is refused (its ``motif_hash``)."""
    metadata = getattr(data, "metadata", None)
    motif_hash = metadata.get("motif_hash") if isinstance(metadata, Mapping) else None
    if motif_hash is not None and motif_hash != lib.motif_hash:
        raise invalid("data", function, f"an ensemble of the motif of `lib` "
                      f"(motif_hash {lib.motif_hash[:12]}…, processes "
                      f"{list(lib.process_names)}); this one was simulated from another "
                      f"motif (processes {metadata.get('process_names')})",
                      f"motif_hash {str(motif_hash)[:12]}…")


def _check_realisable_data(lib, times, moments, function):
    # The closure's inverse map's own test, so both refuse the same moments.
    closure = closure_of(lib, function)
    for k, point in enumerate(moments):
        try:
            closure.check_realisable(point, lib.n_species, function)
        except InvalidArgumentError as error:
            raise InvalidArgumentError(
                f"{error} (data moments at times[{k}] = {times[k]:g})") from None


def rate_array(theta: ArrayLike | Mapping[str, float], lib: MotifLibrary, param: str,
               function: str) -> np.ndarray:
    """Rates given as an array in ``lib.process_names`` order or a dict keyed by name.

    Returns
    -------
    ndarray, shape (P,)
        Finite and >= 0.
    """
    if isinstance(theta, Mapping):
        names = list(lib.process_names)
        missing = [name for name in names if name not in theta]
        unknown = [name for name in theta if name not in names]
        if missing or unknown:
            raise invalid(param, function, f"keyed by exactly the process names {names} "
                          f"(missing {missing}, unknown {unknown})", dict(theta))
        theta = [theta[name] for name in names]
    return check_vector(theta, lib.n_processes, param, function, low=0.0)


def check_learning_inputs(lib: MotifLibrary, data: Ensemble | tuple[ArrayLike, ArrayLike],
                          x0: ArrayLike, theta0: ArrayLike | Mapping[str, float],
                          function: str
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray,
                                     np.ndarray]:
    """Validated (times, mean moments, replicates or None, x0, θ₀) of a learning run.

    The data must come from the motif of ``lib`` (an ensemble's ``motif_hash``), have at
    least two times, and moments realisable by finite Boltzmann parameters at every time
    (the test of ``fit_parameters``); θ₀ may be a dict keyed by process name.
    """
    _check_motif(lib, data, function)
    times, moments, replicates = awake_moments(data, lib.n_params, function)
    if times.size < 2:
        raise invalid("data", function, "moments at two or more times (the action is an "
                      "integral over time)", f"{times.size} time")
    _check_realisable_data(lib, times, moments, function)
    x0 = check_vector(x0, lib.n_params, "x0", function)
    theta0 = rate_array(theta0, lib, "theta0", function)
    return times, moments, replicates, x0, theta0
