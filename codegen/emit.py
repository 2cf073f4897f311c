"""Emit Cython source for a list of sympy expressions (text only, no files).

``emit_expressions`` validates its arguments, eliminates common
subexpressions (``sympy.cse`` with deterministic names ``_t0, _t1, ...``),
prints every line with :class:`~dynboltz.codegen.printer.CythonCodePrinter`
and fills the template ``codegen/kernels/expressions.pyx.in``.  The output
is a pure function of the symbolic input and the dynboltz version: no
timestamps, no paths, no dependence on hash seeds.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import keyword
import re
from collections.abc import Sequence
from typing import TypeAlias

import sympy
from sympy.utilities.iterables import numbered_symbols

from dynboltz.messages import invalid, public

from .names import check_module_name
from .printer import LIBM_FUNCTIONS, CythonCodePrinter
from .kernels import snippet, template

ExpressionsLike: TypeAlias = sympy.Expr | sympy.MatrixBase | sympy.NDimArray | Sequence[sympy.Expr]
"""What the emitters accept as expressions: one, a Matrix/Array, or a sequence."""

# Names a user symbol may not keep as its Cython local: Cython keywords and
# C types, libm names the kernel may cimport, and everything starting with "_"
# (reserved for the kernel's own names: _x, _p, _out, _t<i>, _ipow).
_CYTHON_RESERVED = frozenset(
    list(keyword.kwlist)
    + "cdef cpdef ctypedef cimport nogil gil include extern struct union enum "
      "inline const double float int long char short unsigned signed void "
      "object bint readonly public api new sizeof NULL NAN INFINITY pow fmin "
      "fmax sqrt cbrt print exec".split()
    + list(LIBM_FUNCTIONS.values()))
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def dynboltz_version() -> str:
    """Installed dynboltz version, written into every generated header.

    Returns
    -------
    str
    """
    return importlib.metadata.version("dynboltz")


@public
def emit_expressions(exprs: ExpressionsLike, inputs: Sequence[sympy.Symbol],
                     params: Sequence[sympy.Symbol], name: str = "expressions",
                     regenerate: str | None = None) -> dict[str, str]:
    """Emit a Cython module that evaluates ``exprs`` at points ``x`` for parameters ``p``.

    Used for the basis functions F(nu) of the paper (eq. 26, 29, 30) and their
    Jacobians: inputs are the natural parameters nu, parameters the rates.

    Parameters
    ----------
    exprs : sequence of sympy.Expr, or sympy Matrix/Array, or one sympy.Expr
        Expressions to evaluate; a Matrix/Array is flattened in row-major order.
    inputs : sequence of sympy.Symbol
        Symbols read from a point ``x`` (``x[..., i]`` is ``inputs[i]``).
    params : sequence of sympy.Symbol
        Symbols read from the parameter vector ``p`` (runtime arguments, so
        changing them never regenerates or recompiles anything).
    name : str
        Module stem: a letter followed by up to 63 letters, digits or ``_``.
    regenerate : str, optional
        Command written in the header as the way to regenerate the file.

    Returns
    -------
    dict of str to str
        ``{f"{name}.pyx": source}``.

    Raises
    ------
    TypeError
        If an argument is not made of sympy objects.
    ValueError
        If symbols repeat, inputs and params overlap, an expression has a free
        symbol outside ``inputs`` and ``params``, or contains a function the
        printer does not support.
    """
    exprs, inputs, params = validate_expressions(
        exprs, inputs, params, "emit_expressions")
    check_module_name(name, "name", "emit_expressions")
    if regenerate is not None and (not isinstance(regenerate, str) or "\n" in regenerate):
        raise invalid("regenerate", "emit_expressions", "a one-line string", regenerate)
    names = local_names(inputs, params)
    kernel_lines, printer = _kernel_lines(exprs, inputs, params, names)
    source = template("expressions.pyx.in").substitute(
        header=_header(exprs, inputs, params, names, name, regenerate),
        libm_cimport=_libm_cimport(printer.libm),
        n_inputs=len(inputs), n_params=len(params), n_exprs=len(exprs),
        input_names=_tuple_literal(str(s) for s in inputs),
        param_names=_tuple_literal(str(s) for s in params),
        symbolic_sha256=symbolic_sha256(exprs, inputs, params),
        helpers="".join(snippet(f"{helper}.pxi") for helper in sorted(printer.helpers)),
        kernel_body="\n".join("    " + line for line in kernel_lines),
    )
    return {f"{name}.pyx": source}


def validate_expressions(exprs: ExpressionsLike, inputs: Sequence[sympy.Symbol],
                         params: Sequence[sympy.Symbol], function: str
                         ) -> tuple[tuple[sympy.Expr, ...], tuple[sympy.Symbol, ...],
                                    tuple[sympy.Symbol, ...]]:
    """Check and normalise the symbolic arguments of ``function``.

    Parameters
    ----------
    exprs, inputs, params
        As for :func:`emit_expressions`.
    function : str
        Public function name used in error messages.

    Returns
    -------
    tuple of (tuple of sympy.Expr, tuple of sympy.Symbol, tuple of sympy.Symbol)

    Raises
    ------
    TypeError, ValueError
        As for :func:`emit_expressions`.
    """
    expr_tuple = _expression_tuple(exprs, function)
    input_tuple = _symbol_tuple(inputs, "inputs", function)
    param_tuple = _symbol_tuple(params, "params", function)
    shared = sorted(set(input_tuple) & set(param_tuple), key=str)
    if shared:
        raise invalid("params", function, "free of symbols that are also inputs", shared)
    unknown = (set().union(*(e.free_symbols for e in expr_tuple))
               - set(input_tuple) - set(param_tuple))
    if unknown:
        declared = {s.name for s in input_tuple + param_tuple}
        twins = sorted(s.name for s in unknown if s.name in declared)
        hint = (f" ({twins} share a name with declared symbols but differ in "
                "assumptions, e.g. real=True lost in a symengine round trip)"
                if twins else "")
        raise invalid("exprs", function, f"free of symbols other than inputs and "
                      f"params{hint}", sorted(map(str, unknown)))
    return expr_tuple, input_tuple, param_tuple


def _as_sympy(obj):
    # symengine objects convert losslessly through their _sympy_ hook.
    if not isinstance(obj, sympy.Basic) and hasattr(obj, "_sympy_"):
        return obj._sympy_()
    return obj


def _expression_tuple(exprs, function):
    exprs = _as_sympy(exprs)
    if isinstance(exprs, (sympy.MatrixBase, sympy.NDimArray)):
        exprs = tuple(sympy.flatten(exprs.tolist()))
    elif isinstance(exprs, sympy.Basic):
        exprs = (exprs,)
    elif isinstance(exprs, (list, tuple)):
        exprs = tuple(_as_sympy(e) for e in exprs)
    else:
        raise invalid("exprs", function, "a sympy expression, Matrix, Array or a list of "
                      "sympy expressions", type(exprs), TypeError)
    bad = [e for e in exprs if not isinstance(e, sympy.Expr)]
    if bad:
        raise invalid("exprs", function, "made of sympy expressions only", bad[0], TypeError)
    if not exprs:
        raise invalid("exprs", function, "non-empty", exprs)
    return exprs


def _symbol_tuple(symbols, argument, function):
    if not isinstance(symbols, (list, tuple)):
        raise invalid(argument, function, "a list or tuple of sympy Symbols", type(symbols),
                      TypeError)
    symbols = tuple(_as_sympy(s) for s in symbols)
    bad = [s for s in symbols if not isinstance(s, sympy.Symbol)]
    if bad:
        raise invalid(argument, function, "made of sympy Symbols only", bad[0], TypeError)
    if len(set(symbols)) != len(symbols):
        raise invalid(argument, function, "free of repeated symbols", list(symbols))
    return symbols


def local_names(inputs: Sequence[sympy.Symbol], params: Sequence[sympy.Symbol]
                ) -> dict[sympy.Symbol, str]:
    """Cython local variable names of the input and parameter symbols.

    A symbol keeps its own name when that is a plain identifier, not reserved
    and not taken by an earlier symbol; otherwise it becomes ``_x<i>`` or
    ``_p<i>`` (its index in ``x`` or ``p``).

    Parameters
    ----------
    inputs, params : tuple of sympy.Symbol

    Returns
    -------
    dict of sympy.Symbol to str
    """
    names, taken = {}, set()
    for prefix, symbols in (("_x", inputs), ("_p", params)):
        for index, symbol in enumerate(symbols):
            name = symbol.name
            if (not _IDENTIFIER.match(name) or name in _CYTHON_RESERVED
                    or name in taken):
                name = f"{prefix}{index}"
            names[symbol] = name
            taken.add(name)
    return names


def _kernel_lines(exprs, inputs, params, names):
    free = set().union(*(e.free_symbols for e in exprs))
    temporaries = numbered_symbols("_t", exclude=free)
    replacements, reduced = sympy.cse(list(exprs), symbols=temporaries, list=True)
    names = dict(names)
    names.update((symbol, f"_t{i}") for i, (symbol, _) in enumerate(replacements))
    printer = CythonCodePrinter(names)
    lines = [f"cdef double {names[s]} = {array}[{i}]"
             for array, symbols in (("_x", inputs), ("_p", params))
             for i, s in enumerate(symbols) if s in free]
    for symbol, value in replacements:
        kind = "bint" if isinstance(value, sympy.logic.boolalg.Boolean) else "double"
        lines.append(f"cdef {kind} {names[symbol]} = {printer.print_expression(value)}")
    lines += [f"_out[{i}] = {printer.print_expression(e)}" for i, e in enumerate(reduced)]
    return lines, printer


def symbolic_sha256(exprs: Sequence[sympy.Expr], inputs: Sequence[sympy.Symbol],
                    params: Sequence[sympy.Symbol]) -> str:
    """sha256 hex digest of ``srepr`` of the symbolic input (expressions and symbols)."""
    text = sympy.srepr((tuple(exprs), tuple(inputs), tuple(params)))
    return hashlib.sha256(text.encode()).hexdigest()


def _header(exprs, inputs, params, names, name, regenerate):
    regenerate = regenerate or (
        f"dynboltz.codegen.emit_expressions(exprs, inputs, params, name={name!r})")
    lines = [
        f"# Generated by dynboltz.codegen.emit_expressions (dynboltz {dynboltz_version()}); "
        "do not edit.",
        f"# Regenerate with: {regenerate}",
        f"# Symbolic input sha256(srepr): {symbolic_sha256(exprs, inputs, params)}",
        f"# x (..., {len(inputs)}): {_symbol_list(inputs, names)}",
        f"# p ({len(params)},): {_symbol_list(params, names)}",
        f"# out (..., {len(exprs)}): the {len(exprs)} expressions in the order given",
    ]
    return "\n".join(lines)


def _symbol_list(symbols, names):
    return ", ".join(s.name if names[s] == s.name else f"{s.name!r} as {names[s]}"
                     for s in symbols) or "(none)"


def _libm_cimport(libm_names):
    return f"from libc.math cimport {', '.join(sorted(libm_names))}" if libm_names else ""


def _tuple_literal(strings):
    items = [repr(s) for s in strings]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
