"""Kikuchi's cluster variation method as a lattice runtime closure: ``"plaquette"`` (square).

The closure's moments, Hessian and basis functions live in its library
(``compile_motif(motif, closure="plaquette")``, `dynboltz.cluster_closures.plaquette`);
this module adds the inverse map m → x and the realisability test it and learning's data
check share (both `dynboltz.runtime.lattice.bonds.dual_inverse_map`), for any lattice
coordination z (`CvmClosure`; the cube approximation of the simple-cubic lattice uses it
too, ``cube_closure``).  The inverse map is damped Newton on the dual ln Z(x)/N − xᵀm
(eq. 47 inverted) with the library's exact Hessian, steps capped at `_MAX_STEP` per
parameter (the ordered phase's Hessian is small, and a first-order line makes the dual
kinked), started from the closed-form inverse of the Bethe pair approximation, which is
exact at J = 0 and close to the CVM's answer elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.bethe_inverse_map import bethe_parameters
from dynboltz.lattices import lattice_kind
from dynboltz.runtime.lattice.bonds.dual_inverse_map import check_realisable, dual_newton
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "CvmClosure", "fit_parameters"]

_MAX_STEP = 1.0  # largest change of any parameter in one Newton step


def fit_parameters(model, moments: ArrayLike, x0: ArrayLike | None = None,
                   tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Parameters x whose CVM-closure moments equal ``moments`` (eq. 47 inverted).

    Parameters
    ----------
    model : MotifLibrary
        A ``"plaquette"`` or ``"cube"`` library (``n_species``, ``log_eigenvalue``,
        ``moments``, ``hessian``; ``geometry`` gives z, default square).
    moments : array_like, shape (L,)
        Target per-site moments (`dual_inverse_map.check_realisable`).
    x0 : array_like, shape (L,), optional
        Start; default the closed-form Bethe parameters of the moments
        (`dynboltz.bethe_inverse_map.bethe_parameters`).
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
    closure = getattr(model, "closure", "plaquette")
    coordination = lattice_kind(getattr(model, "geometry", "square"), "fit_parameters",
                                "model.geometry").coordination
    target = check_realisable(moments, n_species, coordination, "fit_parameters", closure)
    start = bethe_parameters(target, n_species, coordination) if x0 is None else x0
    return dual_newton(model, target, start, closure, tol, max_iter, max_step=_MAX_STEP)


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
        """Raise `InvalidArgumentError` unless the moments' site and pair laws are positive."""
        check_realisable(moments, n_species, self.coordination, function, self.name)


CLOSURE = CvmClosure()
"""Kikuchi's square (plaquette) approximation."""
