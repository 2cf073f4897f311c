"""Eq. 42, ∂ν/∂t = F⁽¹⁾(ν)(∂_y ν)² + F⁽²⁾(ν) ∂²_y ν, with the sensitivities of eq. A15.

Method of lines (``_pde_stencil.pyx``): second-order central differences on the
domain's nodes, classical RK4 in time. F⁽¹⁾, F⁽²⁾ are piecewise linear on an evenly
spaced ν grid (hat functions, constant beyond the ends), so the sensitivities
s[γ, g](y, t) = ∂ν(y, t)/∂F⁽ᵞ⁾_g solve eq. A15 with the hat φ_g in place of
δ(ν − ω): the exact derivative of the discretised model. δν/δF⁽ᵞ⁾(ω) at a grid node
ω = ν_g is s[γ, g]/Δν (φ_g integrates to Δν).

Time step. The linearisation of eq. 42 about ν is F⁽²⁾ ∂²_y + 2F⁽¹⁾ν_y ∂_y + a with
a = F⁽¹⁾'ν_y² + F⁽²⁾'ν_yy. Its central-difference eigenvalues lie within
4 max F⁽²⁾/Δy² of the negative real axis, max |2F⁽¹⁾ν_y|/Δy of the imaginary axis and
max |a| of 0; RK4 is stable out to 2.785 on the negative real axis and 2.828 on the
imaginary one. The default step is

    Δt = 0.8 / (4 max F⁽²⁾/(2.785 Δy²) + max |2F⁽¹⁾ν_y|/(2.828 Δy) + max |a|/2.785),

evaluated on the initial profile η (for diffusion-like F, |ν_y| and ν_yy shrink in
time). The discretisation error is O(Δy²) from space plus O(Δt⁴) from RK4; with
Δt ∝ Δy² the total falls as Δy². A step that stops being finite raises
``IntegrationError`` (a ``FloatingPointError``) naming it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.messages import public
from dynboltz.errors import IntegrationError
from dynboltz.runtime.common.validation import check_real, invalid
from dynboltz.runtime.continuous import _pde_stencil
from dynboltz.runtime.continuous.domain import Domain
from dynboltz.runtime.common.results import Trajectory

__all__ = ["integrate_pde", "stable_time_step", "PDETrajectory", "hat_interpolate",
           "hat_weights", "check_nu_grid", "check_recording_times"]

_SAFETY = 0.8
_RK4_REAL, _RK4_IMAGINARY = 2.785, 2.828


@dataclass(repr=False)
class PDETrajectory(Trajectory):
    """Solution of eq. 42 with its sensitivities (eq. A15), in the `Trajectory` family.

    Attributes
    ----------
    times : ndarray, shape (T,)
    x : ndarray, shape (T, M)
        ν(y_i, t_k) on the nodes (also as ``nu``).
    sensitivities : ndarray, shape (T, 2G, M), or None
        sensitivities[k, γG + g, i] = ∂ν(y_i, t_k)/∂F⁽ᵞ⁺¹⁾(ν_g): the learned quantities
        are the 2G grid values of F⁽¹⁾ then F⁽²⁾ (also as ``sensitivity``, (T, 2, G, M)).
    method : str
        ``"rk4"``.
    info : dict
        ``dt`` (longest RK4 step used) and ``steps`` (RK4 steps taken).
    nodes : ndarray, shape (M,)
        The domain's nodes y_i (keyword).
    """

    nodes: np.ndarray = field(kw_only=True)

    @property
    def nu(self) -> np.ndarray:
        """ν(y, t), shape (T, M): ``x``."""
        return self.x

    @property
    def sensitivity(self) -> np.ndarray | None:
        """``sensitivities`` as (T, 2, G, M): [k, γ, g, i] = ∂ν(y_i, t_k)/∂F⁽ᵞ⁺¹⁾(ν_g)."""
        if self.sensitivities is None:
            return None
        T, P, M = self.sensitivities.shape
        return self.sensitivities.reshape(T, 2, P // 2, M)

    @property
    def dt(self) -> float:
        """Longest RK4 step used."""
        return self.info["dt"]

    @property
    def steps(self) -> int:
        """RK4 steps taken."""
        return self.info["steps"]


def check_nu_grid(grid: ArrayLike, function: str) -> np.ndarray:
    """An evenly spaced increasing finite ν grid (>= 2 nodes) as float64."""
    axis = np.asarray(grid, dtype=np.float64) if np.ndim(grid) == 1 else None
    step = np.diff(axis) if axis is not None else None
    if axis is None or axis.size < 2 or not np.all(np.isfinite(axis)) or \
            np.any(step <= 0) or not np.allclose(step, step[0], rtol=1e-9, atol=0):
        raise invalid("grid", function, "an evenly spaced increasing finite 1-D array "
                      "of >= 2 values of nu", grid)
    return axis


def hat_interpolate(values: np.ndarray, grid: np.ndarray, nu: ArrayLike
                    ) -> tuple[np.ndarray, np.ndarray]:
    """F(ν) and F'(ν) of grid values under the hat-function rule (constant outside).

    Parameters
    ----------
    values : ndarray, shape (G,)
    grid : ndarray, shape (G,)
    nu : array_like

    Returns
    -------
    (F, dF/dν), each of the shape of ``nu``
    """
    nu = np.asarray(nu, dtype=np.float64)
    dnu = grid[1] - grid[0]
    x = _grid_position(nu, grid)
    cell = np.minimum(np.floor(x).astype(np.intp), grid.size - 2)
    slope = (values[cell + 1] - values[cell]) / dnu
    inside = (nu > grid[0]) & (nu < grid[-1])
    return values[cell] + (x - cell) * slope * dnu, np.where(inside, slope, 0.0)


def _grid_position(nu, grid):
    """ν in grid steps from ``grid[0]``, clamped to the grid (the rule's constant ends)."""
    return np.clip((nu - grid[0]) / (grid[1] - grid[0]), 0.0, grid.size - 1)


def hat_weights(nu: ArrayLike, grid: np.ndarray) -> np.ndarray:
    """φ_g(ν) of the hat-function rule for every entry of ``nu`` (clamped at the ends).

    ``hat_weights(nu, grid) @ values`` is the F(ν) of `hat_interpolate`.

    Returns
    -------
    ndarray, shape ``nu.shape + (G,)``
    """
    x = _grid_position(np.asarray(nu, dtype=np.float64), grid)
    return np.maximum(0.0, 1.0 - np.abs(x[..., None] - np.arange(grid.size)))


def check_recording_times(times: ArrayLike, t0: float, function: str) -> np.ndarray:
    """``times`` as a C-contiguous float64 vector: non-empty, finite, ascending, >= t0.

    Raises
    ------
    ValueError
        "`times` of `<function>` must be `a non-empty ascending 1-D array of finite
        times >= t0 = <t0>`; got ..."
    """
    array = np.asarray(times, dtype=np.float64) if np.ndim(times) == 1 else None
    if array is None or array.size == 0 or not np.all(np.isfinite(array)) or \
            np.any(np.diff(array) < 0) or array[0] < t0:
        raise invalid("times", function, f"a non-empty ascending 1-D array of finite "
                      f"times >= t0 = {t0}", times)
    return np.ascontiguousarray(array)


def _derivatives(nu, domain):
    """Central-difference ν_y and ν_yy with the domain's ghost nodes, shape (..., M)."""
    if domain.periodic:
        left, right = np.roll(nu, 1, axis=-1), np.roll(nu, -1, axis=-1)
    else:
        padded = np.concatenate([nu[..., 1:2], nu, nu[..., -2:-1]], axis=-1)
        left, right = padded[..., :-2], padded[..., 2:]
    dy = domain.spacing
    return (right - left) / (2.0 * dy), (right - 2.0 * nu + left) / dy ** 2


def stable_time_step(F1: ArrayLike, F2: ArrayLike, grid: ArrayLike, eta: ArrayLike,
                     domain: Domain) -> float:
    """The default RK4 step of `integrate_pde` (module docstring), from the profile η.

    Parameters
    ----------
    F1, F2 : array_like, shape (G,)
    grid : array_like, shape (G,)
    eta : array_like, shape (M,)
    domain : Domain

    Returns
    -------
    float
    """
    grid = np.asarray(grid, dtype=np.float64)
    F1, F2 = np.asarray(F1, dtype=np.float64), np.asarray(F2, dtype=np.float64)
    eta = np.asarray(eta, dtype=np.float64)
    nu_y, nu_yy = _derivatives(eta, domain)
    f1, d1 = hat_interpolate(F1, grid, eta)
    _, d2 = hat_interpolate(F2, grid, eta)
    dy = domain.spacing
    rate = 4.0 * max(F2.max(), 0.0) / (_RK4_REAL * dy ** 2) \
        + np.abs(2.0 * f1 * nu_y).max() / (_RK4_IMAGINARY * dy) \
        + np.abs(d1 * nu_y ** 2 + d2 * nu_yy).max() / _RK4_REAL
    return _SAFETY / rate if rate > 0 else np.inf


def _check_inputs(F1, F2, grid, eta, domain, t0, times, function):
    if not isinstance(domain, Domain):
        raise invalid("domain", function, "a Domain", domain, TypeError)
    grid = check_nu_grid(grid, function)
    checked = []
    for name, values in (("F1", F1), ("F2", F2)):
        values = np.ascontiguousarray(values, dtype=np.float64)
        if values.shape != grid.shape or not np.all(np.isfinite(values)):
            raise invalid(name, function, f"finite values on the grid, shape {grid.shape}",
                          values)
        checked.append(values)
    if np.any(checked[1] <= 0):
        raise invalid("F2", function, "> 0 at every grid node (eq. 42 is well posed "
                      "forward in time only with positive diffusion)", checked[1])
    eta = np.ascontiguousarray(eta, dtype=np.float64)
    if eta.shape != (domain.n_nodes,) or not np.all(np.isfinite(eta)):
        raise invalid("eta", function, f"finite nu on the {domain.n_nodes} nodes", eta)
    t0 = check_real(t0, "t0", function)
    times = check_recording_times(times, t0, function)
    return checked[0], checked[1], grid, eta, t0, times


@public
def integrate_pde(F1: ArrayLike, F2: ArrayLike, grid: ArrayLike, eta: ArrayLike,
                  domain: Domain, t0: float, times: ArrayLike, dt: float | None = None,
                  sensitivities: bool = True) -> PDETrajectory:
    """Solve eq. 42 from ν(y, t0) = η(y), with the sensitivities of eq. A15.

    Parameters
    ----------
    F1, F2 : array_like, shape (G,)
        F⁽¹⁾ and F⁽²⁾ at the ν grid nodes (F⁽²⁾ > 0).
    grid : array_like, shape (G,)
        Evenly spaced ν values.
    eta : array_like, shape (M,)
        Initial profile on ``domain.nodes``.
    domain : Domain
        Nodes and boundary (reflecting: zero flux, ∂_y ν = 0; periodic).
    t0 : float
        Initial time.
    times : array_like, shape (T,)
        Ascending output times >= t0 (t0 itself returns η).
    dt : float, optional
        Longest RK4 step; default `stable_time_step`.
    sensitivities : bool
        Also integrate eq. A15 for every F⁽ᵞ⁾_g (2G extra fields).

    Returns
    -------
    PDETrajectory

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, before any work.
    IntegrationError
        If ν stops being finite (step too long or F unstable); names the step.
    """
    function = "integrate_pde"
    F1, F2, grid, eta, t0, times = _check_inputs(F1, F2, grid, eta, domain, t0, times,
                                                 function)
    step = stable_time_step(F1, F2, grid, eta, domain) if dt is None else \
        check_real(dt, "dt", function, 0.0, low_open=True)
    nu = np.empty((times.size, domain.n_nodes))
    shape = (times.size, 2, grid.size, domain.n_nodes) if sensitivities else (1, 1, 1, 1)
    sensitivity = np.zeros(shape)
    steps, failed = _pde_stencil.integrate_eq42(
        F1, F2, grid[0], grid[1] - grid[0], eta, domain.spacing, domain.periodic, t0,
        times, step, sensitivities, nu, sensitivity)
    if failed >= 0:
        raise IntegrationError(f"integrate_pde: nu stopped being finite at RK4 step "
                                 f"{failed} (dt = {step:.3g}); pass a smaller dt")
    flat = sensitivity.reshape(times.size, 2 * grid.size, domain.n_nodes) \
        if sensitivities else None
    return PDETrajectory(times, nu, flat, "rk4", {"dt": step, "steps": int(steps)},
                         nodes=domain.nodes)
