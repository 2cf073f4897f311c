"""Cython printer: sympy expressions to ``nogil`` Cython ``double`` arithmetic.

The printer only prints.  It turns one expression into one line of Cython text
and records what that text needs: the ``libc.math`` names to cimport
(``libm``) and the inline helpers of the module template (``helpers``).  It
never writes files, compiles or imports anything; see ``emit.py`` for the
module around the printed lines.
"""
from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from dynboltz.errors import UnsupportedExpressionError
from sympy import Basic, Integer, Rational, S, Symbol
from sympy.core.mul import _keep_coeff
from sympy.printing.c import C99CodePrinter
from sympy.printing.precedence import PRECEDENCE

# sympy function class name -> libc.math function that computes it in double.
LIBM_FUNCTIONS = {
    "Abs": "fabs",
    "Cbrt": "cbrt",
    "Sqrt": "sqrt",
    "acos": "acos",
    "acosh": "acosh",
    "asin": "asin",
    "asinh": "asinh",
    "atan": "atan",
    "atan2": "atan2",
    "atanh": "atanh",
    "ceiling": "ceil",
    "cos": "cos",
    "cosh": "cosh",
    "erf": "erf",
    "erfc": "erfc",
    "exp": "exp",
    "exp2": "exp2",
    "expm1": "expm1",
    "floor": "floor",
    "fma": "fma",
    "gamma": "tgamma",
    "hypot": "hypot",
    "log": "log",
    "log10": "log10",
    "log1p": "log1p",
    "log2": "log2",
    "loggamma": "lgamma",
    "sin": "sin",
    "sinh": "sinh",
    "tan": "tan",
    "tanh": "tanh",
}

# Integer powers up to this size of an atomic base are written out as a
# product (x*x*x); larger ones or compound bases go through the ``_ipow``
# helper (repeated squaring, unrolled by the C compiler for a constant n).
_MAX_UNROLLED_POWER = 4


class CythonCodePrinter(C99CodePrinter):
    """Print sympy expressions as Cython ``double`` expressions.

    Parameters
    ----------
    symbol_names : dict
        Maps every sympy Symbol that may appear to the Cython local variable
        name that holds its value.  A symbol outside this map is an error.
    settings : dict, optional
        sympy printer settings.

    Attributes
    ----------
    libm : set of str
        ``libc.math`` names used by the text printed so far.
    helpers : set of str
        Names of template helpers (``_ipow``) used by the text printed so far.

    Notes
    -----
    Numbers print as the double nearest to their exact value, with Python
    ``repr`` precision (shortest string that round-trips).  Integer powers
    become products; ``x**(1/2)``, ``x**(-1/2)`` and ``x**(1/3)`` become
    ``sqrt``/``cbrt``; other powers call ``pow``.  ``Piecewise`` becomes a
    conditional expression, ``Min``/``Max`` become ``fmin``/``fmax``.
    """

    printmethod = "_cython"
    language = "Cython"
    _kf = LIBM_FUNCTIONS
    _operators = {"and": "and", "or": "or", "not": "not "}

    def __init__(self, symbol_names: Mapping[Symbol, str],
                 settings: Mapping[str, object] | None = None) -> None:
        super().__init__(dict(settings or {}, strict=True))
        self.symbol_names = dict(symbol_names)
        self.libm: set[str] = set()
        self.helpers: set[str] = set()

    def print_expression(self, expr: Basic) -> str:
        """Return the Cython text of one scalar expression.

        Parameters
        ----------
        expr : sympy.Expr or sympy Boolean
            Expression in the symbols of ``symbol_names``.

        Returns
        -------
        str
            One Cython expression (also valid Python for the same names).

        Raises
        ------
        UnsupportedExpressionError
            Naming the function or object that has no double-precision form.
        """
        return self._print(S(expr))

    # -- atoms ---------------------------------------------------------------
    def _print_Symbol(self, expr):
        try:
            return self.symbol_names[expr]
        except KeyError:
            raise UnsupportedExpressionError(
                f"symbol `{expr}` has no Cython name (not an input, parameter "
                "or common subexpression)") from None

    _print_Dummy = _print_Symbol

    def _print_double(self, value):
        if value != value:
            self.libm.add("NAN")
            return "NAN"
        if value in (float("inf"), float("-inf")):
            self.libm.add("INFINITY")
            return "INFINITY" if value > 0 else "-INFINITY"
        return repr(value)

    def _print_Rational(self, expr):
        try:
            value = float(Fraction(int(expr.p), int(expr.q)))
        except OverflowError:
            raise UnsupportedExpressionError(
                f"number `{expr}` does not fit in a double") from None
        return self._print_double(value)

    _print_Integer = _print_Zero = _print_Rational

    def _print_Float(self, expr):
        return self._print_double(float(expr))

    def _print_NumberSymbol(self, expr):
        return self._print_double(float(expr.evalf(30)))

    _print_Pi = _print_Exp1 = _print_EulerGamma = _print_NumberSymbol
    _print_GoldenRatio = _print_Catalan = _print_TribonacciConstant = _print_NumberSymbol

    def _print_Infinity(self, expr):
        return self._print_double(float("inf"))

    def _print_NegativeInfinity(self, expr):
        return self._print_double(float("-inf"))

    def _print_NaN(self, expr):
        return self._print_double(float("nan"))

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"

    def _print_Mul(self, expr):
        # x/3 prints as a division by 3.0 (one rounding), not x*0.333.. (two).
        coeff, rest = expr.as_coeff_Mul()
        if coeff.is_Rational and coeff.q != 1 and rest is not S.One:
            sign = "-" if coeff.p < 0 else ""
            numerator = _keep_coeff(Integer(abs(coeff.p)), rest)
            return (f"{sign}{self.parenthesize(numerator, PRECEDENCE['Mul'])}"
                    f"/{self._print_Rational(Integer(coeff.q))}")
        return super()._print_Mul(expr)

    # -- powers --------------------------------------------------------------
    def _print_Pow(self, expr):
        base, exponent = expr.base, expr.exp
        if exponent.is_Integer:
            return self._print_integer_power(base, int(exponent))
        if exponent == S.Half:
            return self._libm_call("sqrt", base)
        if exponent == -S.Half:
            return f"(1.0/{self._libm_call('sqrt', base)})"
        if exponent == Rational(1, 3):
            return self._libm_call("cbrt", base)
        return self._libm_call("pow", base, exponent)

    def _print_integer_power(self, base, n):
        if base.is_Atom and abs(n) <= _MAX_UNROLLED_POWER:
            product = "*".join([self._print(base)] * abs(n))
            product = f"({product})" if abs(n) > 1 else product
        else:
            self.helpers.add("_ipow")
            product = f"_ipow({self._print(base)}, {abs(n)})"
        return product if n > 0 else f"(1.0/{product})"

    # -- functions -----------------------------------------------------------
    def _libm_call(self, name, *args):
        self.libm.add(name)
        return f"{name}({', '.join(self._print(arg) for arg in args)})"

    def _print_libm_function(self, expr):
        return self._libm_call(LIBM_FUNCTIONS[type(expr).__name__], *expr.args)

    def _print_Min(self, expr):
        return self._print_nested("fmin", expr.args)

    def _print_Max(self, expr):
        return self._print_nested("fmax", expr.args)

    def _print_nested(self, name, args):
        if len(args) == 1:
            return self._print(args[0])
        self.libm.add(name)
        return f"{name}({self._print(args[0])}, {self._print_nested(name, args[1:])})"

    def _print_Piecewise(self, expr):
        # Without an unconditional last branch the value is undefined: NaN.
        value, condition = expr.args[-1]
        if condition == S.true:
            text = self._print(value)
        else:
            text = self._conditional(value, condition, self._print_double(float("nan")))
        for value, condition in reversed(expr.args[:-1]):
            text = self._conditional(value, condition, text)
        return text

    def _conditional(self, value, condition, otherwise_text):
        return f"({self._print(value)} if {self._print(condition)} else {otherwise_text})"

    def _print_ITE(self, expr):
        condition, if_true, if_false = expr.args
        return self._conditional(if_true, condition, self._print(if_false))

    def _print_Relational(self, expr):
        lhs = self.parenthesize(expr.lhs, PRECEDENCE["Relational"])
        rhs = self.parenthesize(expr.rhs, PRECEDENCE["Relational"])
        return f"({lhs} {expr.rel_op} {rhs})"

    def _print_not_supported(self, expr):
        name = type(expr).__name__
        raise UnsupportedExpressionError(
            f"cannot print `{name}` (in `{expr}`) as Cython double code; "
            f"supported functions: {', '.join(sorted(LIBM_FUNCTIONS))}, "
            "Min, Max, Piecewise and powers")

    _print_sign = _print_Mod = _print_not_supported
    _print_ImaginaryUnit = _print_ComplexInfinity = _print_not_supported
    _print_Derivative = _print_Integral = _print_not_supported


for _name in LIBM_FUNCTIONS:
    setattr(CythonCodePrinter, f"_print_{_name}",
            CythonCodePrinter._print_libm_function)
