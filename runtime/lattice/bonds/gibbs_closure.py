"""Monte Carlo moments as the lattice runtime's ``"gibbs"`` closure: the inverse map.

The closure's moments, Hessian (N Cov(m̂, m̂)), basis functions and their standard errors
live in its library (``compile_motif(motif, closure="gibbs")``,
`dynboltz.cluster_closures.gibbs`); this module adds the inverse map m → x and the
realisability test (Bethe's: every site and ordered-pair probability positive).

The inverse map starts from the Bethe closed form (`dynboltz.bethe_inverse_map`), exact
at J = 0 and close elsewhere, and polishes it by damped Newton with the Monte Carlo
Hessian, x ← x − α H⁻¹(m(x) − m*), steps capped at `_MAX_STEP` per parameter and α
halved while the residual in units of the standard errors does not fall.  The library
is a deterministic function of x (common random numbers), so Newton converges, but only
to the noise level: it stops once the RMS residual is below ``tol`` standard errors of
the moments (default 1), not at rounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.bethe_inverse_map import bethe_parameters
from dynboltz.errors import ConvergenceError
from dynboltz.lattices import lattice_kind
from dynboltz.messages import invalid
from dynboltz.runtime.common.validation import check_integer, check_real
from dynboltz.runtime.lattice.bonds.bethe_closure import CLOSURE as BETHE
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "GibbsClosure", "fit_parameters"]

_MAX_STEP = 1.0  # largest change of any parameter in one Newton step


def _scaled_residual(model, x, target):
    """RMS of (m(x) − m*) / SE(m(x)) and the residual itself."""
    residual = np.asarray(model.moments(x)) - target
    errors = np.maximum(model.standard_errors(x)["moments"], 1e-12)
    return float(np.sqrt(np.mean((residual / errors) ** 2))), residual


def fit_parameters(model, moments: ArrayLike, x0: ArrayLike | None = None,
                   tol: float = 1.0, max_iter: int = 30) -> np.ndarray:
    """Parameters x whose Monte Carlo moments equal ``moments`` within the noise.

    Parameters
    ----------
    model : MotifLibrary
        A ``"gibbs"`` library (``moments``, ``hessian``, ``standard_errors``).
    moments : array_like, shape (L,)
        Target per-site moments, realisable in Bethe's sense.
    x0 : array_like, shape (L,), optional
        Start; default the Bethe closed-form inverse map.
    tol : float
        > 0, RMS moment residual accepted, in standard errors of the moments.
    max_iter : int
        >= 1 Newton steps.

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError, InvalidTypeError
        Bad arguments (before any work).
    ConvergenceError
        The residual stays above ``tol`` standard errors after ``max_iter`` steps or no
        damped step lowers it (moments of a coexistence gap, or a noise level too low
        for the sample count).
    """
    n_species = check_lattice_model(model, "fit_parameters", "model",
                                    needs=("moments", "hessian", "standard_errors"))
    z = lattice_kind(model.geometry, "fit_parameters", "model.geometry").coordination
    BETHE.check_realisable(moments, n_species, "fit_parameters", z)
    target = np.asarray(moments, dtype=float)
    tol = check_real(tol, "tol", "fit_parameters", low=0.0, low_open=True)
    max_iter = check_integer(max_iter, "max_iter", "fit_parameters", 1)
    x = bethe_parameters(target, n_species, z) if x0 is None else np.array(x0, dtype=float)
    if x.shape != target.shape or not np.all(np.isfinite(x)):
        raise invalid("x0", "fit_parameters", f"a finite array of shape {target.shape}", x0)
    score, residual = _scaled_residual(model, x, target)
    for _ in range(max_iter):
        if score <= tol:
            return x
        step = -np.linalg.solve(np.asarray(model.hessian(x)), residual)
        step *= min(1.0, _MAX_STEP / np.abs(step).max())
        length = 1.0
        while length > 1e-3:
            trial = x + length * step
            trial_score, trial_residual = _scaled_residual(model, trial, target)
            if trial_score < score:
                break
            length *= 0.5
        else:
            break  # no damped step lowers the residual: the noise floor or a gap
        x, score, residual = trial, trial_score, trial_residual
    if score <= tol:
        return x
    raise ConvergenceError(f"`fit_parameters` (gibbs closure) did not converge (at most "
                           f"{max_iter} Newton steps): RMS moment residual {score:.3g} "
                           f"standard errors > tol {tol:.3g}")


@dataclass(frozen=True)
class GibbsClosure:
    """Monte Carlo moments of square and cubic lattices (the general fallback closure)."""

    name: str = "gibbs"
    geometries: tuple[str, ...] = ("square", "cubic")

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x with Monte Carlo moments equal to ``moments`` (`fit_parameters`)."""
        return fit_parameters(model, moments, **options)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str,
                         coordination: int | None = None) -> None:
        """Raise `InvalidArgumentError` unless the moments pass Bethe's test."""
        BETHE.check_realisable(moments, n_species, function, coordination)


CLOSURE = GibbsClosure()
