"""Boltzmann-parameter trajectories from moment time series (paper Sec. III D).

Simulation data are per-site moments m(t) (µ_α, ∆_αβ) on a time grid. The dynamic
Boltzmann model describes them by parameters x(t) with ∂ ln λ₊/∂x (x(t)) = m(t)
(eq. 47); inverting that per time point gives a noisy trajectory x(t), which a
zero-phase low-pass filter smooths before its time derivative dx/dt is taken (and
filtered again). These are the inputs and training targets of the ANN of Sec. III D.

The filter is a Butterworth low-pass run forwards and backwards (``sosfiltfilt``): no
phase lag, so a smooth signal is not delayed, and a magnitude response |H(f)|² with
the cutoff at −6 dB. Its edges use odd extension (scipy's default padding), which
keeps a linear trend at either end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike
from scipy import signal
from tqdm.auto import tqdm

from dynboltz.runtime.lattice.chain.inverse_ising import fit_parameters
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.common.results import ConvergenceError, ShortRepr

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary

__all__ = ["parameter_trajectory", "lowpass", "filter_padding", "filtered_derivative", "noise_gain",
           "smooth_trajectory", "SmoothTrajectory", "INVERSION_METHODS",
           "DEFAULT_CUTOFF", "DEFAULT_ORDER"]

INVERSION_METHODS = ("newton", "boltzmann")
"""``fit_parameters`` methods: exact 1D map polished by Newton, or the paper's
Boltzmann-machine ascent."""
DEFAULT_CUTOFF = 3.0
"""Low-pass cutoff (per unit time). The SEP moments change on time scales ≳ 0.3."""
DEFAULT_ORDER = 4
"""Butterworth order of each pass (the zero-phase filter has twice this roll-off)."""
BOLTZMANN_STEP = 1.5
"""Learning rate of the Boltzmann-machine ascent in units of 1/λ_max(H) at the warm
start: the ascent x ← x + η(m − m̃(x)) contracts the error along an eigenvector of the
Hessian H (eq. 48) by |1 − η λ| per step, stable for η λ_max < 2, and its slowest
direction by 1 − η λ_min. The SEP's H has condition numbers 240–860, so a fixed
η = 1 (η λ_max ≈ 0.5) needs ~4 × 10⁴ steps per time point; η = 1.5/λ_max needs a
third of that."""
BOLTZMANN_MAX_ITER = 20_000
"""Ascent steps allowed per time point."""


def _times(times, function):
    times = np.asarray(times, dtype=float)
    if times.ndim != 1 or times.size < 2 or not np.all(np.isfinite(times)):
        raise invalid("times", function, "a finite 1-D array of at least 2 times", times)
    steps = np.diff(times)
    if np.any(steps <= 0) or np.ptp(steps) > 1e-9 * steps.mean():
        raise invalid("times", function, "ascending and evenly spaced", times)
    return times, float(steps.mean())


def _series(values, n_times, function, name="values"):
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2) or values.shape[0] != n_times \
            or not np.all(np.isfinite(values)):
        raise invalid(name, function, f"a finite array of shape ({n_times},) or "
                      f"({n_times}, K)", f"shape {values.shape}")
    return values


def parameter_trajectory(lib: MotifLibrary, moments: ArrayLike, method: str = "newton",
                         progress: bool = False) -> np.ndarray:
    """Inverse Ising (eq. 47) at every time point of a moment series.

    Parameters
    ----------
    lib : compiled motif library
        ``moments``, ``hessian``, ``log_eigenvalue`` and ``n_species``.
    moments : array_like, shape (T, L)
        Per-site moments in moment order.
    method : {"newton", "boltzmann"}
        ``fit_parameters`` method. ``"boltzmann"`` starts each time point from the
        previous solution (the first from the exact map), as a warm-started learner
        would, with learning rate ``BOLTZMANN_STEP`` / λ_max(H) at that start and at
        most ``BOLTZMANN_MAX_ITER`` steps to a relative moment residual of 1e-10.
    progress : bool
        Show a tqdm bar over the time points.

    Returns
    -------
    ndarray, shape (T, L)
        x(t) in parameter order.

    Raises
    ------
    ValueError
        Bad arguments, a moment that is zero at some time (too few replicates to see
        that site or pair type), or moments not realisable (the message of
        ``fit_parameters``).
    ConvergenceError
        ``"boltzmann"`` did not reach the tolerance at some time point; the message
        names it and the condition number of H that sets the number of steps needed.
    """
    check_choice(method, "method", INVERSION_METHODS, "parameter_trajectory")
    moments = np.asarray(moments, dtype=float)
    if moments.ndim != 2 or moments.shape[1] != lib.n_params:
        raise invalid("moments", "parameter_trajectory",
                      f"an array of shape (T, {lib.n_params})", f"shape {moments.shape}")
    unseen = moments <= 0
    if np.any(unseen):
        k = int(np.argwhere(unseen)[0, 0])
        names = [lib.moment_names[c] for c in np.flatnonzero(unseen[k])]
        raise invalid("moments", "parameter_trajectory",
                      "positive at every time (each µ and ∆ is a log-probability's "
                      "argument); a zero average means no replicate ever showed that "
                      "site or pair type, so average more replicates or sites",
                      f"{names} = 0 at time index {k}")
    x = np.empty_like(moments)
    previous = None
    for k in tqdm(range(moments.shape[0]), desc="inverse Ising", disable=not progress):
        if method == "newton" or previous is None:
            x[k] = fit_parameters(lib, moments[k])
        else:
            x[k] = _boltzmann_step(lib, moments[k], previous, k)
        previous = x[k]
    return x


def _boltzmann_step(lib, moments, previous, k):
    """The Boltzmann-machine ascent at one time point, warm-started at ``previous``."""
    eigenvalues = np.linalg.eigvalsh(np.asarray(lib.hessian(previous)))
    try:
        return fit_parameters(lib, moments, method="boltzmann", x0=previous, tol=1e-10,
                              learning_rate=BOLTZMANN_STEP / eigenvalues[-1],
                              max_iter=BOLTZMANN_MAX_ITER)
    except ConvergenceError as error:
        raise ConvergenceError(
            f"parameter_trajectory (method='boltzmann') at time index {k}: {error}; the "
            f"Hessian there has condition number {eigenvalues[-1] / eigenvalues[0]:.3g}, "
            f"and the ascent shrinks the error along its flattest direction by only "
            f"1 − {BOLTZMANN_STEP:g}/condition per step: use method='newton' (the same "
            f"solution, exact 1D map plus Newton)") from error


def _sos(dt, cutoff, order, function):
    cutoff = check_real(cutoff, "cutoff", function, 0.0, low_open=True)
    order = check_integer(order, "order", function, 1)
    nyquist = 0.5 / dt
    if cutoff >= nyquist:
        raise invalid("cutoff", function, f"below the Nyquist frequency 1/(2 dt) = "
                      f"{nyquist:g}", cutoff)
    return signal.butter(order, cutoff, btype="low", output="sos", fs=1.0 / dt)


def filter_padding(order: int) -> int:
    """The shortest series (exclusive) that `lowpass` filters with a Butterworth filter
    of ``order``: 3 (2 n + 1) for its n = ⌈order/2⌉ second-order sections, the edge
    padding of ``scipy.signal.sosfiltfilt`` (which pads 3 points less when ``order`` is
    odd, the last section being of first order)."""
    return 3 * (2 * ((order + 1) // 2) + 1)


def lowpass(times: ArrayLike, values: ArrayLike, cutoff: float = DEFAULT_CUTOFF,
            order: int = DEFAULT_ORDER) -> np.ndarray:
    """Zero-phase Butterworth low-pass of a time series (``scipy.signal.sosfiltfilt``).

    Parameters
    ----------
    times : array_like, shape (T,)
        Evenly spaced, ascending.
    values : array_like, shape (T,) or (T, K)
        Filtered along the time axis. T must exceed the filter's padding,
        3 × (2 × number of second-order sections + 1).
    cutoff : float
        −6 dB frequency of the zero-phase filter, per unit time; below 1/(2 Δt).
    order : int
        Butterworth order of one pass.

    Returns
    -------
    ndarray, same shape as ``values``
    """
    times, dt = _times(times, "lowpass")
    values = _series(values, times.size, "lowpass")
    sos = _sos(dt, cutoff, order, "lowpass")
    padding = filter_padding(order)
    if times.size <= padding:
        raise invalid("times", "lowpass", f"longer than the filter's padding, {padding} "
                      f"points", times.size)
    return signal.sosfiltfilt(sos, values, axis=0)


def filtered_derivative(times: ArrayLike, values: ArrayLike, cutoff: float = DEFAULT_CUTOFF,
                        order: int = DEFAULT_ORDER) -> np.ndarray:
    """d/dt of a (smooth) series by second-order differences, then `lowpass`.

    Parameters
    ----------
    times, values, cutoff, order
        As in `lowpass`.

    Returns
    -------
    ndarray, same shape as ``values``
        Units of ``values`` per unit time.
    """
    times, _ = _times(times, "filtered_derivative")
    values = _series(values, times.size, "filtered_derivative")
    return lowpass(times, np.gradient(values, times, axis=0, edge_order=2), cutoff, order)


def noise_gain(dt: float, cutoff: float = DEFAULT_CUTOFF, order: int = DEFAULT_ORDER,
               n_frequencies: int = 1 << 16) -> float:
    """Variance ratio out/in of `lowpass` on white noise, away from the edges.

    The forward-backward filter has power response |H(f)|⁴ (|H|² per pass), so a
    white input of variance σ² leaves σ² · 2Δt ∫₀^{1/(2Δt)} |H(f)|⁴ df.

    Parameters
    ----------
    dt : float
        Sampling step.
    cutoff, order
        As in `lowpass`.
    n_frequencies : int
        Points of the numerical integral over [0, Nyquist].

    Returns
    -------
    float
        In (0, 1); about 2 Δt × cutoff for a sharp filter.
    """
    dt = check_real(dt, "dt", "noise_gain", 0.0, low_open=True)
    sos = _sos(dt, cutoff, order, "noise_gain")
    _, response = signal.sosfreqz(sos, worN=n_frequencies)
    return float(np.mean(np.abs(response) ** 4))


@dataclass(frozen=True, repr=False)
class SmoothTrajectory(ShortRepr):
    """A parameter trajectory, raw and smoothed, with its smoothed derivative.

    Attributes
    ----------
    times : ndarray, shape (T,)
    raw : ndarray, shape (T, L)
        Inverse Ising of the moments at each time.
    x : ndarray, shape (T, L)
        ``lowpass(raw)``.
    dxdt : ndarray, shape (T, L)
        ``filtered_derivative(x)``, per unit time.
    cutoff : float
    order : int
    """

    times: np.ndarray
    raw: np.ndarray
    x: np.ndarray
    dxdt: np.ndarray
    cutoff: float
    order: int


def smooth_trajectory(lib: MotifLibrary, times: ArrayLike, moments: ArrayLike,
                      cutoff: float = DEFAULT_CUTOFF, order: int = DEFAULT_ORDER,
                      method: str = "newton", progress: bool = False) -> SmoothTrajectory:
    """Moments → x(t) by inverse Ising → low-pass x → filtered dx/dt (Sec. III D).

    Parameters
    ----------
    lib : compiled motif library
    times : array_like, shape (T,)
        Evenly spaced.
    moments : array_like, shape (T, L)
    cutoff, order
        As in `lowpass` (used for x and for dx/dt).
    method : {"newton", "boltzmann"}
        As in `parameter_trajectory`.
    progress : bool

    Returns
    -------
    SmoothTrajectory
    """
    times, _ = _times(times, "smooth_trajectory")
    moments = _series(moments, times.size, "smooth_trajectory", "moments")
    _sos(float(np.diff(times).mean()), cutoff, order, "smooth_trajectory")
    raw = parameter_trajectory(lib, moments, method=method, progress=progress)
    x = lowpass(times, raw, cutoff, order)
    return SmoothTrajectory(times, raw, x, filtered_derivative(times, x, cutoff, order),
                            float(cutoff), int(order))
