"""Templates of the generated Cython modules, kept as real Cython files.

Dumb ``string.Template`` text with ``${name}`` slots that the emitters fill with
blocks they have already printed (sizes, C tables, Python literals); no logic lives
in them.  Files (read with :mod:`importlib.resources`, so they ship inside the
installed package):

* ``expressions.pyx.in`` — a module evaluating sympy expressions at many points
  (`dynboltz.codegen.emit`); ``_ipow.pxi`` is the integer-power helper the printer
  may ask for.
* ``motif_module.pyx.in`` and ``motif_kernel.pxi.in`` — a lattice motif's closure
  (`dynboltz.codegen.motif`).
* ``bethe_module.pyx.in`` and ``bethe_kernel.pxi.in`` — the Bethe pair closure of a
  square or cubic motif (`dynboltz.codegen.bethe_closure`): cavity fixed point, Bethe
  ln Z, moments, Hessian, basis and Jacobian, the same capsules as the chain's.

The expression module is read best from the bottom up: ``_eval`` (printed
kernel, one point), ``_eval_rows`` (loop over rows), ``evaluate`` (the Python
entry point).  ``evaluate`` has a fast path for the commonest call, one point
given as 1-D C-contiguous float64 numpy arrays: it reads the data pointer
straight from the array object instead of going through the buffer protocol,
because acquiring buffers or memoryviews costs more than evaluating a typical
basis function.  The project builds without numpy headers, so the leading
fields of numpy's array struct (``PyArrayObject_fields``, unchanged since numpy
1.7 and kept by numpy 2) are declared here, and the layout is verified against
``__array_interface__`` at import; if the check fails the fast path is simply
never taken.  For the same reason the result array of the fast path is made by
numpy's C-API function ``PyArray_New``, looked up in numpy's ``_ARRAY_API``
capsule exactly as ``import_array()`` does (slot 93, ABI-stable), only after
checking the ABI version; otherwise ``numpy.empty`` is used.

The motif module ``motif_module.pyx.in`` holds what differs between motifs (sizes
as a ``cdef enum``, the C tables, the names) and ends with a textual
``include`` of ``motif_kernel.pxi.in``, the one shared ``motif_kernel.pxi``
that reads them.  Read the kernel from the top: the chain (scaled transfer
matrix, cyclic Jacobi eigenpairs, Perron vector refined by positive power
steps), the centred bond statistics, then moments, the Hessian (eq. B2), the
basis (closed-form inverse Ising map: F̃ = M ρ with ρ_t = d ln p_t/dt,
eq. 49) and its Jacobian (eq. 54, forward mode through ln u, which solves the
chain's Poisson equation by subtraction-free GTH elimination), then the
C-level point kernels exported as PyCapsules for compiled integrators
(eq. 52, 54) and learning (eq. 53), and last the row loop and Python entry
points.
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from string import Template

__all__ = ["template", "snippet"]


@cache
def snippet(filename: str) -> str:
    """The text of the template file ``filename`` in this folder.

    Parameters
    ----------
    filename : str
        E.g. ``"ipow.pxi"``.

    Returns
    -------
    str
    """
    return resources.files(__name__).joinpath(filename).read_text(encoding="utf-8")


def template(filename: str) -> Template:
    """The template file ``filename`` in this folder as a ``string.Template``.

    Parameters
    ----------
    filename : str
        E.g. ``"motif_module.pyx.in"``.

    Returns
    -------
    string.Template
    """
    return Template(snippet(filename))
