"""Which integrators run a library: compiled C kernels, or its Python callables.

A `MotifLibrary` with C kernels (``point_kernel``/``moments_kernel`` PyCapsules) runs the
compiled integrators of ``_reduced_ode`` without the GIL; one whose kernels are None (a
closure evaluated numerically) runs the step-for-step identical Python versions of
`python_integration` on ``basis``, ``basis_jacobian``, ``moments`` and
``log_eigenvalue``.  `backend_of` is the one place that chooses; `integrate`,
``adjoint_gradient`` and the action of `learn_rates` take every routine from it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dynboltz.registry import Registry
from dynboltz.runtime.learning import _reduced_ode, python_integration

if TYPE_CHECKING:  # annotations only
    from dynboltz.motif_library import MotifLibrary

__all__ = ["Backend", "BACKENDS", "backend_of"]


@dataclass(frozen=True)
class Backend:
    """The routines of eq. 52–54 for one kind of library.

    Attributes
    ----------
    name : str
    point_kernel, moments_kernel : callable
        ``lib ->`` the object the routines below take as their kernel argument.
    integration : type
        Arguments of ``_reduced_ode.Integration``.
    adjoint_gradient, exact_action_gradient : callable
        Arguments of ``_reduced_ode.adjoint_gradient`` / ``exact_action_gradient``.
    """

    name: str
    point_kernel: Callable[[MotifLibrary], object]
    moments_kernel: Callable[[MotifLibrary], object]
    integration: type
    adjoint_gradient: Callable[..., int]
    exact_action_gradient: Callable[..., float]


BACKENDS = Registry("backend", {
    "compiled": Backend("compiled", lambda lib: lib.point_kernel, lambda lib: lib.moments_kernel,
                        _reduced_ode.Integration, _reduced_ode.adjoint_gradient,
                        _reduced_ode.exact_action_gradient),
    "python": Backend(
        "python",
        lambda lib: python_integration.PointFunction(lib.basis, lib.basis_jacobian),
        lambda lib: python_integration.MomentsFunction(lib.moments, lib.log_eigenvalue),
        python_integration.Integration, python_integration.adjoint_gradient,
        python_integration.exact_action_gradient),
})
"""Integrator backends by name: ``compiled`` (C kernels, no GIL) and ``python``
(the library's Python callables, for closures without C kernels)."""


def backend_of(lib: MotifLibrary) -> Backend:
    """``python`` when ``lib.point_kernel`` is None, else ``compiled``."""
    return BACKENDS["python" if lib.point_kernel is None else "compiled"]
