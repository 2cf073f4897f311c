"""Kikuchi's cluster variation method as a lattice runtime closure: ``"plaquette"`` (square).

The closure's moments, Hessian and basis functions live in its library
(``compile_motif(motif, closure="plaquette")``, `dynboltz.cluster_closures.plaquette`);
this module adds the inverse map m → x and the realisability test it and learning's data
check share, for any lattice coordination z (`CvmClosure`; the cube approximation of the
simple-cubic lattice uses it too, ``cube_closure``).  The inverse map is damped Newton on the dual ln Z(x)/N − xᵀm (eq. 47
inverted) with the library's exact Hessian, steps capped at `_MAX_STEP` per parameter (the
ordered phase's Hessian is small, and a first-order line makes the dual kinked) and an
Armijo line search, started from the
closed-form inverse of the Bethe pair approximation, which is exact at J = 0 and close
to the CVM's answer elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.errors import ConvergenceError
from dynboltz.lattice_layout import bond_pairs
from dynboltz.lattices import lattice_kind
from dynboltz.messages import invalid
from dynboltz.runtime.common.validation import check_integer, check_real
from dynboltz.runtime.lattice.chain.boltzmann_chain import pair_probabilities
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "CvmClosure", "bethe_start", "check_realisable", "fit_parameters"]

_MAX_STEP = 1.0  # largest change of any parameter in one Newton step
_QUADRATIC_REGIME = 1e-10  # Newton decrement below which the dual is flat to rounding


def _pairs(moments, n_species, coordination):
    """Site and direction-averaged ordered-pair probabilities from per-site moments."""
    scaled = np.array(moments, dtype=float)
    scaled[n_species:] /= coordination / 2
    return pair_probabilities(scaled, n_species)


def check_realisable(moments: ArrayLike, n_species: int, function: str,
                     coordination: int = 4) -> np.ndarray:
    """The moments as an array, after checking their pair probabilities are positive.

    Parameters
    ----------
    moments : array_like, shape (L,)
        ``[µ_1..µ_S, ∆_11, .., ∆_SS]`` per site (∆ ≤ z/2).
    n_species : int
    function : str
        Name used in the message.
    coordination : int
        z (4 square, 6 cubic).

    Returns
    -------
    ndarray, shape (L,)

    Raises
    ------
    InvalidArgumentError
        Not finite, wrong shape, or some µ, ∆, empty-site or pair probability
        P(a, b) = ∆_ab / z (a ≠ b), 2∆_aa / z, P(a, _) = µ_a − Σ_b P(a, b), P(_, _)
        ≤ 0.  These are necessary; moments that pass but lie in a coexistence gap of
        the closure make `fit_parameters` raise `ConvergenceError`.
    """
    size = n_species + n_species * (n_species + 1) // 2
    values = np.asarray(moments, dtype=float)
    if values.shape != (size,) or not np.all(np.isfinite(values)):
        raise invalid("moments", function, f"a finite array of shape ({size},)", moments)
    site, pair = _pairs(values, n_species, coordination)
    if np.any(values <= 0) or site[0] <= 0 or np.any(pair <= 0):
        raise invalid("moments", function, "realisable by finite parameters: every µ and "
                      "∆ > 0, Σ µ < 1, and every pair probability with an empty site > 0 "
                      f"(here P(_, ·) = {pair[0]})", moments)
    return values


def bethe_start(moments: np.ndarray, n_species: int, coordination: int = 4) -> np.ndarray:
    """Parameters of the Bethe pair approximation with these moments, in closed form.

    With site law π and direction-averaged pair law p (p_ab = ∆_ab / z for a ≠ b,
    2∆_aa / z), the Bethe lattice of coordination z gives
    J_ab = ln(p_ab p_00 / (p_0a p_0b)) and h_a = ln(π_a/π_0) − z ln r_a with
    r_a = (π_a/π_0) / (p_a0/p_00) the ratio of cavity messages.

    Parameters
    ----------
    moments : ndarray, shape (L,)
        Realisable (`check_realisable`).
    n_species : int
    coordination : int
        z.

    Returns
    -------
    ndarray, shape (L,)
    """
    site, pair = _pairs(moments, n_species, coordination)
    ratio = (site[1:] / site[0]) / (pair[1:, 0] / pair[0, 0])
    field = np.log(site[1:] / site[0]) - coordination * np.log(ratio)
    coupling = [np.log(pair[a, b] * pair[0, 0] / (pair[0, a] * pair[0, b]))
                for a, b in bond_pairs(n_species)]
    return np.concatenate([field, coupling])


def _residual(model, x, moments):
    return float(np.abs(np.asarray(model.moments(x)) / moments - 1.0).max())


def _dual(model, x, moments):
    """ln Z/N − xᵀm; +inf where the closure has no fixed point (far outside the data)."""
    try:
        return float(model.log_eigenvalue(x)) - x @ moments
    except ConvergenceError:
        return np.inf


def _armijo_length(model, x, step, decrement, moments):
    value = _dual(model, x, moments)
    length = 1.0
    while length > 1e-12 and _dual(model, x + length * step, moments) \
            > value - 0.25 * length * decrement:
        length *= 0.5
    return length


def fit_parameters(model, moments: ArrayLike, x0: ArrayLike | None = None,
                   tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Parameters x whose CVM-closure moments equal ``moments`` (eq. 47 inverted).

    Parameters
    ----------
    model : MotifLibrary
        A ``"plaquette"`` or ``"cube"`` library (``n_species``, ``log_eigenvalue``,
        ``moments``, ``hessian``; ``geometry`` gives z, default square).
    moments : array_like, shape (L,)
        Target per-site moments; `check_realisable`.
    x0 : array_like, shape (L,), optional
        Start; default `bethe_start`.
    tol : float
        > 0, largest relative moment residual accepted.
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
        No convergence in ``max_iter`` steps, or a Newton step along which the dual does
        not fall: moments inside a coexistence gap of the closure (phase separation, which
        no uniform state of finite x reaches) or of sublattice order.
    """
    n_species = check_lattice_model(model, "fit_parameters", "model",
                                    needs=("log_eigenvalue", "moments", "hessian"))
    coordination = lattice_kind(getattr(model, "geometry", "square"), "fit_parameters",
                                "model.geometry").coordination
    target = check_realisable(moments, n_species, "fit_parameters", coordination)
    tol = check_real(tol, "tol", "fit_parameters", low=0.0, low_open=True)
    max_iter = check_integer(max_iter, "max_iter", "fit_parameters", 1)
    x = bethe_start(target, n_species, coordination) if x0 is None else np.array(x0, dtype=float)
    if x.shape != target.shape or not np.all(np.isfinite(x)):
        raise invalid("x0", "fit_parameters", f"a finite array of shape {target.shape}", x0)
    residual = _residual(model, x, target)
    for _ in range(max_iter):
        if residual <= tol:
            return x
        gradient = np.asarray(model.moments(x)) - target
        step = -np.linalg.solve(np.asarray(model.hessian(x)), gradient)
        step *= min(1.0, _MAX_STEP / np.abs(step).max())
        decrement = -gradient @ step
        if decrement <= 0:
            break  # the Hessian is not positive definite here: no descent direction
        if decrement < _QUADRATIC_REGIME:  # the dual is flat to rounding: full steps
            trial_residual = _residual(model, x + step, target)
            if trial_residual >= residual:
                break
            x, residual = x + step, trial_residual
            continue
        length = _armijo_length(model, x, step, decrement, target)
        if length <= 1e-12:
            break  # no descent along the Newton step
        x = x + length * step
        residual = _residual(model, x, target)
    if residual <= tol:
        return x
    raise ConvergenceError(f"`fit_parameters` ({getattr(model, 'closure', 'CVM')} closure) "
                           f"did not converge (at most "
                           f"{max_iter} Newton steps): largest relative moment residual "
                           f"{residual:.3g} > tol {tol:.3g}")


@dataclass(frozen=True)
class CvmClosure:
    """A cluster-variation closure at run time: inverse map and realisability on one lattice.

    Attributes
    ----------
    name : str
    geometries : tuple of str
    coordination : int
        z of the lattice.
    """

    name: str = "plaquette"
    geometries: tuple[str, ...] = ("square",)
    coordination: int = 4

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x with closure moments equal to ``moments`` (`fit_parameters`)."""
        return fit_parameters(model, moments, **options)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless the moments pass `check_realisable`."""
        check_realisable(moments, n_species, function, self.coordination)


CLOSURE = CvmClosure()
"""Kikuchi's square (plaquette) approximation."""
