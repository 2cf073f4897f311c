"""The reduced model of a lattice motif and its sensitivities (eq. 52, 54).

``integrate(lib, theta, x0, times)`` solves dx/dt = Σ_r θ_r F̃⁽ʳ⁾(x) for the
Boltzmann parameters x(t) together with S_s(t) = ∂x(t)/∂θ_s,
dS_s/dt = F̃⁽ˢ⁾ + (Σ_r θ_r ∂F̃⁽ʳ⁾/∂x) S_s, S(0) = 0, in compiled code
(``dynboltz.runtime.learning._reduced_ode``) that calls the motif's C point kernel, or,
for a library without C kernels, step for step the same in Python on its callables
(`dynboltz.runtime.learning.backends` chooses).
``adjoint_gradient`` gives Σ_k c_k · S(t_k) for given c_k by one backward
sweep over the same discrete steps (reverse mode), without forming S.
``PreparedIntegration`` is the same integration set up once and rerun in
place at every θ (what `integrate` does once, a learning loop many times).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.runtime.learning import _reduced_ode
from dynboltz.runtime.learning.backends import backend_of
from dynboltz.runtime.common.results import Trajectory
from dynboltz.advice import Advice
from dynboltz.errors import ConvergenceError, IntegrationError
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.lattice.geometries import check_lattice_model

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary

__all__ = ["integrate", "adjoint_gradient", "RateTrajectory", "IntegrationError", "METHODS"]


@dataclass(frozen=True)
class _Tableau:
    """Explicit Runge–Kutta tableau.

    ``error`` = b − b̂ of an embedded pair; ``dense[i, j]``: coefficient of
    σ^(j+1) in the output weight b_i(σ) at t + σh (continuous extension).
    """

    a: np.ndarray
    b: np.ndarray
    dense: np.ndarray
    error: np.ndarray = None
    order: int = 4
    fsal: bool = False


def _rk4():
    a = np.zeros((4, 4))
    a[1, 0] = a[2, 1] = 0.5
    a[3, 2] = 1.0
    b = np.array([1, 2, 2, 1]) / 6.0
    return _Tableau(a, b, b[:, None].copy())


def _dormand_prince():
    a = np.zeros((7, 7))
    a[1, :1] = [1 / 5]
    a[2, :2] = [3 / 40, 9 / 40]
    a[3, :3] = [44 / 45, -56 / 15, 32 / 9]
    a[4, :4] = [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729]
    a[5, :5] = [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656]
    b = np.array([35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0])
    a[6] = b
    b_hat = np.array([5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200,
                      187 / 2100, 1 / 40])
    # Dormand & Prince's 4th-order continuous extension (Hairer, Nørsett &
    # Wanner, Solving ODEs I, II.6), in powers of σ as in scipy's RK45.
    dense = np.array([
        [1, -8048581381 / 2820520608, 8663915743 / 2820520608,
         -12715105075 / 11282082432],
        [0, 0, 0, 0],
        [0, 131558114200 / 32700410799, -68118460800 / 10900136933,
         87487479700 / 32700410799],
        [0, -1754552775 / 470086768, 14199869525 / 1410260304,
         -10690763975 / 1880347072],
        [0, 127303824393 / 49829197408, -318862633887 / 49829197408,
         701980252875 / 199316789632],
        [0, -282668133 / 205662961, 2019193451 / 616988883, -1453857185 / 822651844],
        [0, 40617522 / 29380423, -110615467 / 29380423, 69997945 / 29380423]])
    return _Tableau(a, b, dense, b - b_hat, order=5, fsal=True)


METHODS = {"rk4": _rk4(), "adaptive": _dormand_prince()}
"""Integration schemes: classical RK4 at fixed steps (``substeps`` per output
interval), and Dormand–Prince 5(4) with error control on (x, S) and its
4th-order continuous extension at the output times."""


_RATES_TOO_LARGE = 1e3
"""h·max θ beyond which a non-finite state is blamed on the rates, not the step: RK4
is stable to h·rate ≈ 2.8, so finer steps would need > 300 substeps per interval."""


@dataclass(repr=False)
class RateTrajectory(Trajectory):
    """Solution of eq. 52 (and eq. 54) on the requested times: the common `Trajectory`
    (``times``, ``x`` (T, L) in parameter order, ``sensitivities`` (T, P, L) with row s
    = process ``lib.process_names[s]``, or None; ``method``; ``info`` with ``steps``
    (accepted) and ``rejected``) plus the rates it was integrated at.

    Attributes
    ----------
    theta : ndarray, shape (P,)
    """

    theta: np.ndarray = None
    _steps: tuple = field(default=None, repr=False)


def check_library(lib: MotifLibrary, function: str) -> tuple[int, int]:
    """(P, L) of a MotifLibrary (C kernels or None); `InvalidTypeError` for anything else."""
    check_lattice_model(lib, function, "lib", needs=("basis", "basis_jacobian", "n_params",
                                                     "n_processes"))
    return lib.n_processes, lib.n_params


def check_vector(value: ArrayLike, size: int, param: str, function: str,
                 low: float = -np.inf) -> np.ndarray:
    """``value`` as a float64 array of shape (size,), finite and ``>= low``."""
    array = np.asarray(value)
    if array.shape != (size,) or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise invalid(param, function, f"a real array of shape ({size},)", value)
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(array < low):
        bound = f" and >= {low}" if low > -np.inf else ""
        raise invalid(param, function, f"finite{bound}", value)
    return array


def check_times(times: ArrayLike, function: str) -> np.ndarray:
    """``times`` as a float64 array: 1-D, finite, strictly increasing."""
    array = np.asarray(times)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.number) \
            or np.iscomplexobj(array):
        raise invalid("times", function, "a non-empty 1-D array of real numbers", times)
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)) or np.any(np.diff(array) <= 0):
        raise invalid("times", function, "finite and strictly increasing", times)
    return array


def integration_options(function: str, integrator: str = "rk4", substeps: int = 1,
                        rtol: float = 1e-8, atol: float = 1e-10,
                        first_step: float | None = None,
                        max_steps: int = 100_000) -> tuple[str, dict[str, Any]]:
    """Checked ``integrator`` and options of `integrate` (``first_step`` 0: estimated).

    Returns
    -------
    integrator : str
    options : dict
        ``substeps``, ``rtol``, ``atol``, ``first_step``, ``max_steps``.
    """
    check_choice(integrator, "integrator", METHODS, function)
    return integrator, {
        "substeps": check_integer(substeps, "substeps", function, 1),
        "rtol": check_real(rtol, "rtol", function, 0.0, low_open=True),
        "atol": check_real(atol, "atol", function, 0.0, low_open=True),
        "first_step": 0.0 if first_step is None else
        check_real(first_step, "first_step", function, 0.0, low_open=True),
        "max_steps": check_integer(max_steps, "max_steps", function, 1),
    }


def _step_buffers(record, method, times, options, size):
    """(step starts, step sizes): room for every step if recording, else none."""
    if not record:
        return np.empty((0, size)), np.empty(0)
    n = (times.size - 1) * options["substeps"] if method == "rk4" else options["max_steps"]
    return np.empty((n, size)), np.empty(n)


class PreparedIntegration:
    """Integration of eq. 52 (and 54) for one validated problem, rerun per θ.

    Every array (θ, x, S, the recorded steps) is allocated once and
    overwritten in place by `run`, so that a learning loop pays no set-up
    per iteration.  Arguments are trusted: validate them as `integrate` does.

    Parameters
    ----------
    lib : MotifLibrary
    x0 : ndarray, shape (L,)
    times : ndarray, shape (T,)
    method : {"rk4", "adaptive"}
    options : dict
        ``substeps``, ``rtol``, ``atol``, ``first_step`` (0: estimated), ``max_steps``.
    sensitivities, record_steps : bool
        As in `integrate`.

    Attributes
    ----------
    x : ndarray, shape (T, L)
    s : ndarray, shape (T, P, L), or shape (0, 0, 0) without sensitivities
    """

    def __init__(self, lib: MotifLibrary, x0: np.ndarray, times: np.ndarray, method: str,
                 options: Mapping[str, Any], sensitivities: bool, record_steps: bool
                 ) -> None:
        n_processes, size = lib.n_processes, lib.n_params
        tableau = METHODS[method]
        self.method, self.times, self.x0 = method, times, x0
        self.substeps = options["substeps"]
        self.theta = np.empty(n_processes)
        self.x = np.empty((times.size, size))
        self.s = np.empty((times.size, n_processes, size) if sensitivities else (0, 0, 0))
        self._steps = _step_buffers(record_steps, method, times, options, size)
        self._outputs = np.empty(times.size, dtype=np.intc), np.empty(times.size)
        error = tableau.b if tableau.error is None else tableau.error
        backend = backend_of(lib)
        self._compiled = backend.integration(
            backend.point_kernel(lib), n_processes, size, self.theta, x0, times,
            tableau.a.ravel(),
            tableau.b, error, tableau.dense, tableau.order, tableau.fsal,
            method == "adaptive", options["substeps"], options["rtol"], options["atol"],
            options["first_step"], options["max_steps"], bool(sensitivities), self.x,
            self.s, *self._steps, *self._outputs)

    def run(self, theta: ArrayLike) -> None:
        """Integrate at ``theta`` (P,) into ``x`` and ``s``.

        Raises
        ------
        IntegrationError
            The state became non-finite (with fixed RK4 steps, the message
            suggests finer steps) or the adaptive step limits were hit.
        """
        self.theta[:] = theta
        status = self._compiled.run()
        if status:
            hint, advice = self._hint(status)
            raise IntegrationError(
                f"integrating eq. 52 at theta={self.theta.tolist()} from "
                f"x0={self.x0.tolist()} failed: {_reduced_ode.STATUS[status]}{hint}",
                advice)

    def _hint(self, status):
        """(what the failure says about its cause, Advice by argument)."""
        if status != _reduced_ode.NOT_FINITE:
            return "", []
        largest = float(np.max(np.abs(self.theta)))
        step = float(np.max(np.diff(self.times))) / self.substeps
        if step * largest > _RATES_TOO_LARGE:
            return (f"; the rates (up to {largest:.3g} per unit time) are too large for "
                    f"any practical step of the integrator: they came from a diverging "
                    f"optimiser step or a wrong theta"), []
        if self.method != "rk4":
            return "", []
        # Fixed RK4 steps blow up when h·rate passes the stability limit.
        return "; the step is too coarse for these rates", [
            Advice("pass", "substeps", str(4 * self.substeps)),
            Advice("pass", "integrator", "'adaptive'")]

    @property
    def info(self) -> dict[str, int]:
        """``steps`` (accepted) and ``rejected`` of the last `run`."""
        return {"steps": self._compiled.accepted, "rejected": self._compiled.rejected}

    def recorded_steps(self) -> tuple[np.ndarray, ...]:
        """(step starts, step sizes, output steps, output fractions) of the last `run`."""
        accepted = self._compiled.accepted
        return (*(array[:accepted] for array in self._steps), *self._outputs)

    @public
    def adjoint_gradient(self, lib: MotifLibrary, forcing: np.ndarray) -> np.ndarray:
        """`adjoint_gradient` of the last `run` (``record_steps``), ``forcing`` (T, L).

        ``forcing`` must be a finite C-contiguous float64 array (not checked).
        """
        return _adjoint_sweep(lib, self.theta, self.method, self.recorded_steps(), forcing)


@public
def integrate(lib: MotifLibrary, theta: ArrayLike, x0: ArrayLike, times: ArrayLike,
              integrator: str = "rk4", sensitivities: bool = True, substeps: int = 1,
              rtol: float = 1e-8, atol: float = 1e-10, first_step: float | None = None,
              max_steps: int = 100_000, record_steps: bool = False) -> RateTrajectory:
    """Integrate the reduced model (eq. 52) and its sensitivities (eq. 54).

    Parameters
    ----------
    lib : MotifLibrary
        Compiled motif (``compile_motif`` or ``dynboltz.generated.library``).
    theta : array_like, shape (P,)
        Coefficient θ_r of each process's basis function F̃⁽ʳ⁾ (its rate), in
        ``lib.process_names`` order; per unit time.
    x0 : array_like, shape (L,)
        x at ``times[0]`` (order); S(times[0]) = 0.
    times : array_like, shape (T,)
        Strictly increasing output times.
    integrator : {"rk4", "adaptive"}
        See `METHODS`.
    sensitivities : bool
        Also integrate S = ∂x/∂θ (eq. 54).
    substeps : int
        RK4 steps per output interval.
    rtol, atol : float
        ``"adaptive"``: tolerances on every component of (x, S).
    first_step : float, optional
        ``"adaptive"``: first trial step (default: estimated).
    max_steps : int
        ``"adaptive"``: limit on accepted + rejected steps.
    record_steps : bool
        Keep every step's start and size for `adjoint_gradient`.

    Returns
    -------
    RateTrajectory

    Raises
    ------
    ValueError, TypeError
        Invalid arguments.
    IntegrationError
        The state became non-finite (with ``"rk4"``, the message suggests a
        larger ``substeps`` or ``"adaptive"``) or the adaptive step limits were hit.
    """
    n_processes, size = check_library(lib, "integrate")
    theta = check_vector(theta, n_processes, "theta", "integrate")
    x0 = check_vector(x0, size, "x0", "integrate")
    times = check_times(times, "integrate")
    method, options = integration_options("integrate", integrator, substeps, rtol, atol,
                                          first_step, max_steps)
    run = PreparedIntegration(lib, x0, times, method, options, sensitivities, record_steps)
    run.run(theta)
    return RateTrajectory(times, run.x, run.s if sensitivities else None, method, run.info,
                          theta=theta,
                          _steps=run.recorded_steps() if record_steps else None)


@public
def adjoint_gradient(lib: MotifLibrary, trajectory: RateTrajectory, forcing: ArrayLike) -> np.ndarray:
    """Σ_k forcing[k] · ∂x(t_k)/∂θ_s by the adjoint (reverse-mode) sweep.

    The adjoint λ of x is integrated backward from λ(t_T) = 0, jumping by
    ``forcing[k]`` at every output time t_k; each step reverses the
    trajectory's own Runge–Kutta step and output interpolation exactly (the
    discrete adjoint of eq. 54: dλ/dt = −(Σ_r θ_r ∂F̃⁽ʳ⁾/∂x)ᵀ λ backward,
    g_s = ∫ λ · F̃⁽ˢ⁾ dt), so on the same steps the result equals the
    forward-sensitivity value up to rounding, at the cost of one backward
    sweep instead of P·L extra equations.

    Parameters
    ----------
    lib : MotifLibrary
    trajectory : RateTrajectory
        From ``integrate(..., record_steps=True)`` with the same ``lib``.
    forcing : array_like, shape (T, L)
        c_k; row 0 has no effect (S(t_0) = 0).

    Returns
    -------
    ndarray, shape (P,)

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, or a trajectory of a library of other sizes.
    IntegrationError
        The adjoint became non-finite.
    """
    n_processes, size = check_library(lib, "adjoint_gradient")
    if not isinstance(trajectory, RateTrajectory) or trajectory._steps is None:
        raise invalid("trajectory", "adjoint_gradient",
                      "a RateTrajectory from integrate(..., record_steps=True)", trajectory,
                      TypeError)
    # The compiled sweep trusts these sizes: another library's trajectory reads past them.
    if trajectory.theta.shape != (n_processes,) or trajectory.x.shape[1:] != (size,):
        raise invalid("trajectory", "adjoint_gradient",
                      f"a trajectory of lib ({n_processes} rates, {size} parameters)",
                      f"{trajectory.theta.size} rates, {trajectory.x.shape[-1]} parameters")
    forcing = np.asarray(forcing, dtype=np.float64)
    if forcing.shape != trajectory.x.shape or not np.all(np.isfinite(forcing)):
        raise invalid("forcing", "adjoint_gradient",
                      f"a finite array of shape {trajectory.x.shape}", forcing)
    return _adjoint_sweep(lib, trajectory.theta, trajectory.method, trajectory._steps,
                          np.ascontiguousarray(forcing))


def _adjoint_sweep(lib, theta, method, recorded_steps, forcing):
    tableau = METHODS[method]
    grad = np.empty(lib.n_processes)
    backend = backend_of(lib)
    status = backend.adjoint_gradient(
        backend.point_kernel(lib), lib.n_processes, lib.n_params, theta, tableau.a.ravel(),
        tableau.b, tableau.dense, *recorded_steps, forcing, grad)
    if status:
        raise IntegrationError(f"adjoint sweep failed: {_reduced_ode.STATUS[status]}")
    return grad
