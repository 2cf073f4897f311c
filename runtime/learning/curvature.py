"""Curvature of the action (Algorithm 2): stopping rule, standard errors, identifiability.

With S_k = ∂x(t_k)/∂θ (P, L) from eq. 54 and C_k = ∂² ln λ₊(x(t_k)) (L, L; eq. B2, the
covariance of the per-site statistics), the Gauss–Newton Hessian of the action
A(θ) = Σ_k w_k [ln λ₊(x_k) − x_k · µ_k] is

    H = Σ_k w_k S_k C_k S_kᵀ  (+ l2 · I with the L2 term),

exact up to the term Σ_k w_k (µ̃_k − µ_k) · ∂²x_k/∂θ², which vanishes where the model
reproduces the data.  It gives

* the stopping rule of `learn_rates`: the Gauss–Newton step H⁻¹ g on the rates not held
  at the bound θ = 0, in units of each rate's scale, is below ``tolerance``;
* standard errors: the learned θ solves g(θ; µ) = 0 with ∂g/∂µ_k = −w_k S_k, so a change
  δµ of the data moves it by H⁻¹ Σ_k w_k S_k δµ_k.  With R replicate trajectories
  µ_r(t) (the data are their mean) the covariance of θ is the sandwich
  H⁻¹ Cov_r(z_r) H⁻¹ / R, z_r = Σ_k w_k S_k (µ_{r,k} − µ̄_k), which keeps the time
  correlations of each replicate;
* identifiability: eigen-decomposition of H in relative units (D H D, D = diag θ): its
  condition number, and the rates that dominate its flattest directions.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dynboltz.errors import IdentifiabilityWarning

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary

__all__ = ["gauss_newton_hessian", "newton_step_size", "identifiability", "IdentifiabilityWarning",
           "CONDITION_LIMIT", "RELATIVE_ERROR_LIMIT"]

CONDITION_LIMIT = 1e6
"""Relative curvatures differing by more than this: the flattest direction is reported
as not determined by the data (its rates move ~1000× more per unit of action)."""
_FLAT = 1e-12
"""Relative curvature below which a direction is taken as flat (no information)."""
RELATIVE_ERROR_LIMIT = 0.5
"""A rate whose standard error exceeds this fraction of its value is reported."""


def gauss_newton_hessian(lib: MotifLibrary, x: np.ndarray, sensitivities: np.ndarray,
                         weights: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """H = Σ_k w_k S_k C_k S_kᵀ + l2·I (module docstring).

    Parameters
    ----------
    lib : MotifLibrary
    x : ndarray, shape (T, L)
    sensitivities : ndarray, shape (T, P, L)
    weights : ndarray, shape (T,)
        Trapezoid weights of the data times.
    l2 : float

    Returns
    -------
    ndarray, shape (P, P)
    """
    weighted = np.matmul(sensitivities, lib.hessian(x)) * weights[:, None, None]
    hessian = np.tensordot(weighted, sensitivities, axes=([0, 2], [0, 2]))
    return 0.5 * (hessian + hessian.T) + l2 * np.eye(hessian.shape[0])


def newton_step_size(hessian: np.ndarray, grad: np.ndarray, theta: np.ndarray,
                     scale: np.ndarray) -> float:
    """Largest |(H⁻¹ g)_i| / scale_i over the rates not held at θ_i = 0 by the bound.

    A rate at 0 whose gradient pushes it below 0 is held and left out; directions of
    H below 1e-12 of its largest curvature are left out too (reported by
    `identifiability` instead).  Zero when nothing is free.
    """
    free = (theta > 0) | (grad < 0)
    if not np.any(free):
        return 0.0
    relative = hessian[np.ix_(free, free)] * np.outer(scale[free], scale[free])
    step = np.linalg.lstsq(relative, grad[free] * scale[free], rcond=1e-12)[0]
    return float(np.max(np.abs(step)))


def _replicate_covariance(weights, sensitivities, replicates):
    deviations = replicates - replicates.mean(axis=0)
    scores = np.einsum("k,kpl,rkl->rp", weights, sensitivities, deviations)
    return np.atleast_2d(np.cov(scores, rowvar=False)) / replicates.shape[0]


def identifiability(hessian: np.ndarray, theta: np.ndarray, names: tuple[str, ...],
                    weights: np.ndarray, sensitivities: np.ndarray,
                    replicates: np.ndarray | None) -> dict[str, object]:
    """Standard errors, condition number and undetermined rates at the optimum.

    Parameters
    ----------
    hessian : ndarray, shape (P, P)
        `gauss_newton_hessian` at θ.
    theta : ndarray, shape (P,)
    names : tuple of str
        Process names.
    weights : ndarray, shape (T,)
    sensitivities : ndarray, shape (T, P, L)
    replicates : ndarray, shape (R, T, L), or None
        The replicate trajectories whose mean is the data (R >= 2), or None when only
        the mean was given (no standard errors then).

    Returns
    -------
    dict
        ``covariance`` (P, P) or None, ``standard_errors`` {name: float} or None,
        ``condition_number`` of D H D (D = diag θ, or 1 where θ = 0),
        ``undetermined`` (names), ``warning`` (str or None).
    """
    scale = np.where(theta > 0, theta, 1.0)
    relative = hessian * np.outer(scale, scale)
    eigenvalues, eigenvectors = np.linalg.eigh(relative)
    top = eigenvalues[-1]
    condition = float(top / eigenvalues[0]) if eigenvalues[0] > 0 else float("inf")
    undetermined = set()
    for value, vector in zip(eigenvalues, eigenvectors.T):
        if value * CONDITION_LIMIT < top:
            weight = np.abs(vector)
            undetermined.update(np.flatnonzero(weight >= 0.5 * weight.max()).tolist())
    covariance = errors = None
    if replicates is not None and replicates.shape[0] >= 2:
        # H⁻¹ on the directions the data curve; along flat ones the error is unbounded.
        kept = eigenvalues > _FLAT * top
        basis = eigenvectors[:, kept] * scale[:, None]
        inverse = (basis / eigenvalues[kept]) @ basis.T
        covariance = inverse @ _replicate_covariance(weights, sensitivities, replicates) \
            @ inverse
        standard = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
        flat = np.abs(eigenvectors[:, ~kept]).max(axis=1, initial=0.0) > 1e-6
        standard[flat] = np.inf
        errors = dict(zip(names, standard.tolist()))
        undetermined.update(np.flatnonzero(standard > RELATIVE_ERROR_LIMIT * scale).tolist())
    named = [names[i] for i in sorted(undetermined)]
    warning = None
    if named:
        warning = (f"the data do not determine the rates {named}: the curvature of the "
                   f"action is {condition:.3g} times smaller along their direction than "
                   f"along the best-determined one" + (
                       "" if errors is None else
                       f", standard errors {[f'{errors[n]:.3g}' for n in named]}"))
    return {"covariance": covariance, "standard_errors": errors,
            "condition_number": condition, "undetermined": named, "warning": warning}
