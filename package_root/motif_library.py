"""`MotifLibrary`: the object a compiled lattice-motif module hands out.

The contract between generated code and the runtime, so it sits at the package root
that every layer shares: plain Python (no sympy, no codegen import).  A generated
module's ``library()`` wraps its compiled functions and C kernels in one; codegen
only calls that function (`dynboltz.codegen.compile_motif`), the committed built-in
modules are wrapped the same way by `dynboltz.generated.library`, and the runtime
reads its attributes.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from dynboltz.messages import invalid


class MotifLibrary:
    """Compiled closure of one lattice motif (eq. 47–49, 54, B2).

    Built by a generated module's ``library()``; not constructed by users.

    Attributes
    ----------
    name : str
        Module name the library was generated under.
    species, param_names, moment_names, process_names : tuple of str
        As in ``LatticeMotif``; parameters in parameter order.
    n_species, n_params, n_processes : int
        S, L and P; L = S + S(S+1)/2 for the chain's layout, S + S(S+1) for ``chain2``
        (next-nearest couplings appended, docs/closures.md).
    motif_hash : str
        sha256 of the canonical motif text (species, rules, weights).
    geometry, closure : str
        The lattice the motif lives on and the closure the module was generated with
        (names in `dynboltz.lattices.LATTICES` and the runtime's geometry and closure
        registries, which the runtime looks them up in); ``"chain"`` for the ring.
    log_eigenvalue, moments, hessian, basis, basis_jacobian : callable
        The compiled functions: x of shape (L,) or (n, L) -> a float or arrays
        of shape (L,), (L, L), (P, L), (P, L, L), with a leading n axis for
        2-D x.
    point_kernel : PyCapsule or None
        Named ``"dynboltz.motif.basis_and_jacobian"``; holds the C function
        ``void kernel(const double* x, double* basis, double* jacobian)
        noexcept nogil`` writing basis (P, L) and, unless ``jacobian`` is
        NULL, basis_jacobian (P, L, L) at one finite x, for compiled
        integrators of eq. 52 and 54 (``dynboltz.runtime.learning``).  None for a
        closure evaluated numerically, without C code: the learning routines then run
        step-for-step identical Python integrators on ``basis`` and
        ``basis_jacobian`` (``dynboltz.runtime.learning.backends``), at the cost of
        one Python call per stage.
    moments_kernel : PyCapsule or None
        Named ``"dynboltz.motif.moments_and_log_eigenvalue"``; holds
        ``void kernel(const double* x, double* moments, double* log_eigenvalue)
        noexcept nogil`` writing the moments (L,) and ln λ₊ (1,) at one finite
        x, for the compiled gradient of eq. 53.  None together with
        ``point_kernel``: ``moments`` and ``log_eigenvalue`` are called instead.
    """

    def __init__(self, *, name: str, species: Sequence[str], param_names: Sequence[str],
                 moment_names: Sequence[str], process_names: Sequence[str],
                 rules: Sequence[Sequence[tuple[Sequence[int], Sequence[int], float]]],
                 motif_hash: str, log_eigenvalue: Callable[..., Any],
                 moments: Callable[..., np.ndarray], hessian: Callable[..., np.ndarray],
                 basis: Callable[..., np.ndarray], basis_jacobian: Callable[..., np.ndarray],
                 point_kernel: object | None = None,
                 moments_kernel: object | None = None, geometry: str = "chain",
                 closure: str = "chain") -> None:
        self.name = name
        self.species = tuple(species)
        self.param_names = tuple(param_names)
        self.moment_names = tuple(moment_names)
        self.process_names = tuple(process_names)
        self.n_species = len(self.species)
        self.n_params = len(self.param_names)
        self.n_processes = len(self.process_names)
        self.motif_hash = motif_hash
        self.geometry = geometry
        self.closure = closure
        self._rules = rules
        # The compiled functions themselves, so calls cost no Python frame.
        self.log_eigenvalue = log_eigenvalue
        self.moments = moments
        self.hessian = hessian
        self.basis = basis
        self.basis_jacobian = basis_jacobian
        if (point_kernel is None) != (moments_kernel is None):
            raise invalid("moments_kernel", "MotifLibrary", "None exactly when "
                          "`point_kernel` is None (both C kernels, or neither)",
                          moments_kernel)
        self.point_kernel = point_kernel
        self.moments_kernel = moments_kernel

    def rule_table(self) -> tuple[tuple[tuple[np.ndarray, np.ndarray, float], ...], ...]:
        """The rules as plain data, as ``LatticeMotif.rule_table()`` gives them.

        Returns
        -------
        tuple
            One entry per process: a tuple of ``(lhs, rhs, weight)`` with ``lhs``
            and ``rhs`` int64 arrays of site codes (0 = empty, k = k-th
            species) and ``weight`` a float.
        """
        return tuple(tuple((np.array(lhs, dtype=np.int64), np.array(rhs, dtype=np.int64),
                            float(weight)) for lhs, rhs, weight in rules)
                     for rules in self._rules)

    def __repr__(self):
        return (f"MotifLibrary(name={self.name!r}, species={self.species!r}, "
                f"process_names={self.process_names!r}, geometry={self.geometry!r}, "
                f"closure={self.closure!r})")
