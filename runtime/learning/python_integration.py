"""Eq. 52–54 for libraries without C kernels, step for step as the compiled integrator.

A closure evaluated numerically (a transfer matrix over strips, a cluster variational
solve) has no C point kernel: its `MotifLibrary` carries ``point_kernel = None`` and
``moments_kernel = None`` and offers only the Python callables ``basis``,
``basis_jacobian``, ``moments`` and ``log_eigenvalue``.  This module runs the learning
integrators on those callables.  `Integration`, `adjoint_gradient` and
`exact_action_gradient` take the same arguments as their compiled counterparts in
``_reduced_ode`` (a `PointFunction` / `MomentsFunction` in place of the capsule) and take
exactly the same Runge–Kutta steps, step-size decisions and output interpolation, so both
give the same numbers up to rounding (tested on the chain).  The cost per step is the
closure's own: a few array operations on top of P basis and P·L² Jacobian entries.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.learning import _reduced_ode

__all__ = ["PointFunction", "MomentsFunction", "Integration", "adjoint_gradient",
           "exact_action_gradient"]

_OK, _NOT_FINITE, _TOO_MANY_STEPS, _STEP_UNDERFLOW = 0, _reduced_ode.NOT_FINITE, 2, 3


@dataclass(frozen=True)
class PointFunction:
    """The Python counterpart of a point kernel: basis (P, L) and its Jacobian at one x.

    Attributes
    ----------
    basis : callable
        x (L,) -> F̃ (P, L) per unit rate (eq. 49).
    basis_jacobian : callable
        x (L,) -> ∂F̃/∂x (P, L, L).
    """

    basis: Callable[[np.ndarray], np.ndarray]
    basis_jacobian: Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class MomentsFunction:
    """The Python counterpart of a moments kernel.

    Attributes
    ----------
    moments : callable
        x (T, L) -> µ̃ (T, L).
    log_eigenvalue : callable
        x (T, L) -> ln Z / N (T,).
    """

    moments: Callable[[np.ndarray], np.ndarray]
    log_eigenvalue: Callable[[np.ndarray], np.ndarray]


class _System:
    """Right-hand side of eq. 52 (and 54) on y = (x, S.ravel())."""

    def __init__(self, point: PointFunction, n_processes: int, size: int,
                 theta: np.ndarray, sensitivities: bool, jacobian: bool) -> None:
        self.point, self.P, self.L, self.theta = point, n_processes, size, theta
        self.sensitivities = sensitivities
        self.jacobian = jacobian or sensitivities
        self.n = size + (n_processes * size if sensitivities else 0)
        self.F = np.zeros((n_processes, size))
        self.A = np.zeros((size, size))

    def __call__(self, y: np.ndarray) -> np.ndarray | None:
        """dy/dt, or None when x is not finite; keeps F and A = Σ θ_r ∂F̃_r/∂x."""
        x = y[:self.L]
        if not np.all(np.isfinite(x)):
            return None
        self.F = np.asarray(self.point.basis(x), dtype=np.float64).reshape(self.P, self.L)
        dy = np.empty(self.n)
        dy[:self.L] = self.theta @ self.F
        if not self.jacobian:
            return dy
        jac = np.asarray(self.point.basis_jacobian(x), dtype=np.float64)
        self.A = np.tensordot(self.theta, jac.reshape(self.P, self.L, self.L), axes=1)
        if self.sensitivities:
            s = y[self.L:].reshape(self.P, self.L)
            dy[self.L:] = (self.F + s @ self.A.T).ravel()
        return dy


def _stages(system, y, h, a, n_stages, first, k):
    """Stage slopes k[i] = f(y + h Σ_j a_ij k_j) for i >= first; False if not finite."""
    for i in range(first, n_stages):
        z = y + h * (a[i, :i] @ k[:i]) if i else y.copy()
        slope = system(z)
        if slope is None or not np.all(np.isfinite(slope)):
            return False
        k[i] = slope
    return True


def _dense_weights(dense, sigma):
    """b_i(σ) = Σ_j dense[i, j] σ^(j+1): the continuous extension."""
    return dense @ sigma ** np.arange(1, dense.shape[1] + 1)


class Integration:
    """The compiled ``_reduced_ode.Integration`` on Python callables (same arguments).

    ``kernel`` is a `PointFunction`; every array belongs to the caller and is
    overwritten by `run` as the compiled class does.
    """

    def __init__(self, kernel: PointFunction, P: int, L: int, theta: np.ndarray,
                 x0: np.ndarray, times: np.ndarray, a: np.ndarray, b: np.ndarray,
                 e: np.ndarray, dense: np.ndarray, order: int, fsal: bool, adaptive: bool,
                 substeps: int, rtol: float, atol: float, first_step: float,
                 max_steps: int, sensitivities: bool, x_out: np.ndarray, s_out: np.ndarray,
                 step_x: np.ndarray, step_h: np.ndarray, out_step: np.ndarray,
                 out_sigma: np.ndarray) -> None:
        self.system = _System(kernel, P, L, theta, sensitivities, False)
        n_stages = b.shape[0]
        self.a, self.b, self.e = a.reshape(n_stages, n_stages), b, e
        self.x0, self.times, self.dense, self.order, self.fsal = x0, times, dense, order, fsal
        self.adaptive, self.substeps, self.rtol, self.atol = adaptive, substeps, rtol, atol
        self.first_step, self.max_steps = first_step, max_steps
        self.x_out, self.s_out, self.step_x, self.step_h = x_out, s_out, step_x, step_h
        self.out_step, self.out_sigma = out_step, out_sigma
        self.k = np.zeros((n_stages, self.system.n))
        self.accepted = self.rejected = 0

    def _record(self, y, index):
        L, P = self.system.L, self.system.P
        self.x_out[index] = y[:L]
        if self.system.sensitivities:
            self.s_out[index] = y[L:].reshape(P, L)

    def _save_step(self, step, y, h):
        if step < self.step_h.shape[0]:
            self.step_x[step] = y[:self.system.L]
            self.step_h[step] = h

    def run(self) -> int:
        """Integrate at the current ``theta``; returns a key of ``_reduced_ode.STATUS``."""
        y = np.zeros(self.system.n)
        y[:self.system.L] = self.x0
        self._record(y, 0)
        self.out_step[0], self.out_sigma[0] = -1, 0.0
        status = self._run_adaptive(y) if self.adaptive else self._run_fixed(y)
        if status == _OK and not np.all(np.isfinite(self.x_out)):
            status = _NOT_FINITE
        return status

    def _run_fixed(self, y):
        step, status = 0, _OK
        for interval in range(self.times.size - 1):
            h = (self.times[interval + 1] - self.times[interval]) / self.substeps
            for _ in range(self.substeps):
                self._save_step(step, y, h)
                step += 1
                if not _stages(self.system, y, h, self.a, self.b.size, 0, self.k):
                    status = _NOT_FINITE
                    break
                y = y + h * (self.b @ self.k)
            if status != _OK:
                break
            self._record(y, interval + 1)
            self.out_step[interval + 1], self.out_sigma[interval + 1] = step - 1, 1.0
        self.accepted, self.rejected = step, 0
        return status

    def _first_guess(self, y, span):
        # Hairer–Nørsett–Wanner's first guess, h = 0.01 |y| / |f| (scaled norms).
        slope = self.system(y)
        if slope is None:
            return span
        scale = self.atol + self.rtol * np.abs(y)
        d0 = np.sqrt(np.mean((y / scale) ** 2))
        d1 = np.sqrt(np.mean((slope / scale) ** 2))
        if d0 < 1e-5 or d1 < 1e-5:
            return min(1e-6, span)
        return min(0.01 * d0 / d1, span)

    def _dense_outputs(self, y, k_out, t, h, last, step):
        T = self.times.size
        while k_out < T and (last or self.times[k_out] <= t + h):
            sigma = 1.0 if last and k_out == T - 1 else (self.times[k_out] - t) / h
            self._record(y + h * (_dense_weights(self.dense, sigma) @ self.k), k_out)
            self.out_step[k_out], self.out_sigma[k_out] = step, sigma
            k_out += 1
        return k_out

    def _run_adaptive(self, y):
        n_stages, T = self.b.size, self.times.size
        status, accepted, rejected, first, k_out = _OK, 0, 0, 0, 1
        t, t_end = self.times[0], self.times[-1]
        h = self.first_step if self.first_step > 0.0 else self._first_guess(y, t_end - t)
        while k_out < T:
            if accepted + rejected >= self.max_steps:
                status = _TOO_MANY_STEPS
                break
            last = t + h >= t_end
            h_used = t_end - t if last else h
            if h_used <= 1e-14 * max(abs(t), t_end - self.times[0]):
                status = _STEP_UNDERFLOW
                break
            good = _stages(self.system, y, h_used, self.a, n_stages, first, self.k)
            if good:
                y_new = y + h_used * (self.b @ self.k)
                scale = self.atol + self.rtol * np.maximum(np.abs(y), np.abs(y_new))
                norm = float(np.sqrt(np.mean((h_used * (self.e @ self.k) / scale) ** 2)))
                good = np.isfinite(norm)
            if not good:
                rejected, first, h = rejected + 1, 0, 0.2 * h_used
                continue
            factor = 5.0 if norm == 0.0 else min(5.0, max(0.2, 0.9 * norm ** (-1.0 / self.order)))
            if norm > 1.0:
                rejected, first, h = rejected + 1, 1, h_used * min(1.0, factor)
                continue
            self._save_step(accepted, y, h_used)
            k_out = self._dense_outputs(y, k_out, t, h_used, last, accepted)
            accepted += 1
            t = t_end if last else t + h_used
            y, first = y_new, 0
            if self.fsal:
                self.k[0] = self.k[n_stages - 1]
                first = 1
            h = h_used * factor
        self.accepted, self.rejected = accepted, rejected
        return status


def adjoint_gradient(kernel: PointFunction, P: int, L: int, theta: np.ndarray,
                     a: np.ndarray, b: np.ndarray, dense: np.ndarray, step_x: np.ndarray,
                     step_h: np.ndarray, out_step: np.ndarray, out_sigma: np.ndarray,
                     forcing: np.ndarray, grad: np.ndarray) -> int:
    """The compiled ``_reduced_ode.adjoint_gradient`` on Python callables.

    Backward sweep from λ = 0 over the recorded steps, each reversed exactly with its
    stages recomputed from the recorded start; writes ``grad`` (P,), returns a status.
    """
    n_stages = b.shape[0]
    a = a.reshape(n_stages, n_stages)
    system = _System(kernel, P, L, theta, False, True)
    lam, k = np.zeros(L), len(out_step) - 1
    grad[:] = 0.0
    stage_slopes = np.zeros((n_stages, L))
    for step in range(step_h.shape[0] - 1, -1, -1):
        h = step_h[step]
        F, A = np.empty((n_stages, P, L)), np.empty((n_stages, L, L))
        for i in range(n_stages):
            slope = system(step_x[step] + h * (a[i, :i] @ stage_slopes[:i]))
            if slope is None:
                return _NOT_FINITE
            stage_slopes[i], F[i], A[i] = slope, system.F, system.A
        extra, jump = np.zeros((n_stages, L)), np.zeros(L)
        while k >= 1 and out_step[k] == step:
            extra += np.outer(_dense_weights(dense, out_sigma[k]), forcing[k])
            jump += forcing[k]
            k -= 1
        mu = np.zeros((n_stages, L))
        for i in range(n_stages - 1, -1, -1):
            lk = h * (b[i] * lam + extra[i] + a[i + 1:, i] @ mu[i + 1:])
            mu[i] = A[i].T @ lk
            grad += F[i] @ lk
        lam = lam + jump + mu.sum(axis=0)
    return _OK


def exact_action_gradient(kernel: MomentsFunction, weights: np.ndarray, data: np.ndarray,
                          x: np.ndarray, s: np.ndarray, asleep: np.ndarray,
                          log_eigenvalue: np.ndarray, grad: np.ndarray) -> float:
    """The compiled ``_reduced_ode.exact_action_gradient`` on Python callables.

    Asleep moments and ln Z / N from ``kernel`` at every x (T, L), written into
    ``asleep`` and ``log_eigenvalue``; returns the action and writes eq. 53 into ``grad``.
    """
    asleep[:] = np.asarray(kernel.moments(x), dtype=np.float64).reshape(asleep.shape)
    log_eigenvalue[:] = np.asarray(kernel.log_eigenvalue(x), dtype=np.float64).ravel()
    _reduced_ode.trapezoid_gradient(weights, data, asleep, s, grad)
    return _reduced_ode.trapezoid_action(weights, data, x, log_eigenvalue)
