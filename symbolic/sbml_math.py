"""SBML MathML (a libsbml ``ASTNode``) -> sympy, node by node.

Read from the tree rather than from a formula string, so that SBML's ``&&``, ``||``,
``piecewise`` and the ``time`` csymbol (whatever name the file gives it) keep their
meaning.  ``TIME`` is the symbol that stands for the simulation time.  What has no
place in a stochastic simulation here (``delay``, ``rateOf``, distributions, user
functions left after expansion) raises ``ValueError`` naming the MathML element.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping

import sympy

from dynboltz.messages import invalid

__all__ = ["TIME", "to_sympy"]

TIME = sympy.Symbol("_sbml_time")
"""The symbol the ``time`` csymbol becomes."""


def _fold(operation: Callable, empty: sympy.Expr) -> Callable:
    return lambda args: operation(*args) if args else empty


def _minus(args):
    return -args[0] if len(args) == 1 else args[0] - args[1]


def _root(args):
    return args[1] ** (1 / args[0]) if len(args) == 2 else sympy.sqrt(args[0])


def _log(args):
    return sympy.log(args[1], args[0]) if len(args) == 2 else sympy.log(args[0], 10)


def _piecewise(args):
    pieces = [(args[i], args[i + 1]) for i in range(0, len(args) - 1, 2)]
    otherwise = args[-1] if len(args) % 2 else sympy.nan
    return sympy.Piecewise(*pieces, (otherwise, True))


def _operators(libsbml):
    """``{AST type: function of the translated children}`` for every supported node."""
    return {
        libsbml.AST_PLUS: _fold(sympy.Add, sympy.Integer(0)),
        libsbml.AST_TIMES: _fold(sympy.Mul, sympy.Integer(1)),
        libsbml.AST_MINUS: _minus,
        libsbml.AST_DIVIDE: lambda a: a[0] / a[1],
        libsbml.AST_POWER: lambda a: a[0] ** a[1],
        libsbml.AST_FUNCTION_POWER: lambda a: a[0] ** a[1],
        libsbml.AST_FUNCTION_ROOT: _root,
        libsbml.AST_FUNCTION_EXP: lambda a: sympy.exp(a[0]),
        libsbml.AST_FUNCTION_LN: lambda a: sympy.log(a[0]),
        libsbml.AST_FUNCTION_LOG: _log,
        libsbml.AST_FUNCTION_ABS: lambda a: sympy.Abs(a[0]),
        libsbml.AST_FUNCTION_FLOOR: lambda a: sympy.floor(a[0]),
        libsbml.AST_FUNCTION_CEILING: lambda a: sympy.ceiling(a[0]),
        libsbml.AST_FUNCTION_MIN: lambda a: sympy.Min(*a),
        libsbml.AST_FUNCTION_MAX: lambda a: sympy.Max(*a),
        libsbml.AST_FUNCTION_SIN: lambda a: sympy.sin(a[0]),
        libsbml.AST_FUNCTION_COS: lambda a: sympy.cos(a[0]),
        libsbml.AST_FUNCTION_TAN: lambda a: sympy.tan(a[0]),
        libsbml.AST_FUNCTION_SINH: lambda a: sympy.sinh(a[0]),
        libsbml.AST_FUNCTION_COSH: lambda a: sympy.cosh(a[0]),
        libsbml.AST_FUNCTION_TANH: lambda a: sympy.tanh(a[0]),
        libsbml.AST_FUNCTION_PIECEWISE: _piecewise,
        libsbml.AST_RELATIONAL_EQ: lambda a: sympy.Eq(a[0], a[1]),
        libsbml.AST_RELATIONAL_NEQ: lambda a: sympy.Ne(a[0], a[1]),
        libsbml.AST_RELATIONAL_GEQ: lambda a: sympy.Ge(a[0], a[1]),
        libsbml.AST_RELATIONAL_GT: lambda a: sympy.Gt(a[0], a[1]),
        libsbml.AST_RELATIONAL_LEQ: lambda a: sympy.Le(a[0], a[1]),
        libsbml.AST_RELATIONAL_LT: lambda a: sympy.Lt(a[0], a[1]),
        libsbml.AST_LOGICAL_AND: _fold(sympy.And, sympy.true),
        libsbml.AST_LOGICAL_OR: _fold(sympy.Or, sympy.false),
        libsbml.AST_LOGICAL_NOT: lambda a: sympy.Not(a[0]),
        libsbml.AST_LOGICAL_XOR: _fold(sympy.Xor, sympy.false),
    }


def to_sympy(node, symbols: Mapping[str, sympy.Symbol], where: str, function: str
             ) -> sympy.Basic:
    """Translate one libsbml ``ASTNode`` tree into a sympy expression.

    Parameters
    ----------
    node : libsbml.ASTNode
        The math of a kinetic law, rule, trigger or event assignment.
    symbols : mapping of str to sympy.Symbol
        The symbol of every identifier the math may name (species, parameters,
        compartments, local parameters).
    where : str
        What the math belongs to, for error messages (e.g. ``"kinetic law of
        reaction 'R1'"``).
    function : str
        Public function name for error messages.

    Returns
    -------
    sympy.Expr or sympy Boolean
        Whole numbers become sympy Integers, other doubles sympy Floats.

    Raises
    ------
    ValueError
        An unknown identifier or a MathML element outside the supported set (named).
    """
    import libsbml

    return _translate(node, symbols, where, function, libsbml, _operators(libsbml))


def _translate(node, symbols, where, function, libsbml, operators):
    kind = node.getType()
    if kind == libsbml.AST_INTEGER:
        return sympy.Integer(node.getInteger())
    if kind in (libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL):
        if kind == libsbml.AST_RATIONAL:
            return sympy.Rational(node.getNumerator(), node.getDenominator())
        value = node.getReal()
        return sympy.Integer(int(value)) if float(value).is_integer() else sympy.Float(value)
    if kind == libsbml.AST_NAME_TIME:
        return TIME
    if kind == libsbml.AST_NAME:
        if node.getName() not in symbols:
            raise invalid(where, function, "math naming only species, parameters and "
                          "compartments of the model", node.getName())
        return symbols[node.getName()]
    constants = {libsbml.AST_CONSTANT_E: sympy.E, libsbml.AST_CONSTANT_PI: sympy.pi,
                 libsbml.AST_CONSTANT_TRUE: sympy.true,
                 libsbml.AST_CONSTANT_FALSE: sympy.false}
    if kind in constants:
        return constants[kind]
    if kind not in operators:
        name = node.getName() or libsbml.formulaToL3String(node)
        raise invalid(where, function, "math without delay, rateOf, random "
                      "distributions or other elements a stochastic simulation cannot "
                      "evaluate", name)
    children = [_translate(node.getChild(i), symbols, where, function, libsbml, operators)
                for i in range(node.getNumChildren())]
    return operators[kind](children)
