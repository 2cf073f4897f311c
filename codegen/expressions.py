"""Compile sympy expressions into a fast numpy-callable function.

The pipeline is ``emit_expressions`` (sympy -> Cython text) then
``build.load_module`` (text -> cached, imported extension module).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from dynboltz.messages import public
import numpy as np
import sympy

from .build import load_module
from .emit import (ExpressionsLike, emit_expressions, symbolic_sha256,
                   validate_expressions)
from .names import check_module_name

_COMPILED: dict[tuple[str, str], Callable[..., np.ndarray]] = {}


@public
def compile_expressions(exprs: ExpressionsLike, inputs: Sequence[sympy.Symbol],
                        params: Sequence[sympy.Symbol], name: str | None = None
                        ) -> Callable[..., np.ndarray]:
    """Compile expressions in ``inputs`` and ``params`` to a callable ``f(x, p)``.

    Typical use: the basis functions F(nu) (paper eq. 26, 29, 30) and their
    Jacobian dF/dnu, with inputs nu and the rate constants as parameters.
    Rates are runtime arguments, so changing them never recompiles.

    Parameters
    ----------
    exprs : sequence of sympy.Expr, or sympy Matrix/Array, or one sympy.Expr
        Expressions (a Matrix/Array is flattened in row-major order).
    inputs : sequence of sympy.Symbol
        Symbols read from the last axis of ``x``.
    params : sequence of sympy.Symbol
        Symbols read from ``p``.
    name : str, optional
        Readable module name prefix (default ``"expressions"``).

    Returns
    -------
    callable
        ``f(x, p, out=None)``: ``x`` of shape ``(..., n_inputs)`` (1-D = one
        point), ``p`` of shape ``(n_params,)``, returns float64
        ``(..., n_exprs)``.  Attributes ``n_inputs``, ``n_params``,
        ``n_exprs``, ``input_names``, ``param_names``, ``symbolic_sha256`` and
        ``rows_kernel`` (PyCapsule of the C row loop
        ``void (const double* x, const double* p, double* out, Py_ssize_t n_rows)``).

    Raises
    ------
    TypeError
        If an argument is not made of sympy objects.
    ValueError
        If an expression has a free symbol outside ``inputs`` and ``params``
        (named in the message), symbols repeat or overlap, or an expression
        uses a function that cannot be compiled (named in the message).
    dynboltz.codegen.CompileError
        If Cython or the C compiler fails (with the command and its output).
    """
    exprs, inputs, params = validate_expressions(
        exprs, inputs, params, "compile_expressions")
    name = "expressions" if name is None else name
    check_module_name(name, "name", "compile_expressions")
    memo_key = (symbolic_sha256(exprs, inputs, params), name)
    if memo_key not in _COMPILED:
        sources = emit_expressions(exprs, inputs, params, name=name)
        _COMPILED[memo_key] = load_module(sources, name).evaluate
    return _COMPILED[memo_key]
