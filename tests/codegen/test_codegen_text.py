"""Tier 1: text-level tests of the Cython printer and the emitter (no compiler).

The printer's output for the subset it emits (float literals, + - * /,
conditional expressions, and/or/not, calls) is also valid Python, so its
meaning is checked independently by evaluating the text with Python's math
library and comparing with sympy's own high-precision evaluation.
"""
import hashlib
import importlib.metadata
import math
import os
import re
import subprocess
import sys
import textwrap

import pytest
import symengine
import sympy
from sympy.codegen.cfunctions import expm1, log1p

from dynboltz.codegen import CythonCodePrinter, emit_expressions
from dynboltz.errors import UnsupportedExpressionError
from dynboltz.codegen.emit import local_names

x, y, z = sympy.symbols("x y z", real=True)
k = sympy.Symbol("k", positive=True)
POINT = {x: 0.7, y: 1.3, z: -0.4, k: 2.5}

# Python stand-ins for the libm names, to evaluate printed text as Python.
PY_LIBM = {
    "sqrt": math.sqrt, "cbrt": lambda v: math.copysign(abs(v) ** (1 / 3), v),
    "exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p,
    "pow": math.pow, "fabs": math.fabs, "fmin": min, "fmax": max,
    "sin": math.sin, "cos": math.cos, "tanh": math.tanh, "atan2": math.atan2,
    "tgamma": math.gamma, "erf": math.erf, "_ipow": lambda b, n: b**n,
    "NAN": math.nan, "INFINITY": math.inf,
}


def printed(expr):
    printer = CythonCodePrinter({s: s.name for s in POINT})
    return printer.print_expression(expr), printer


def python_value(text):
    return eval(text, dict(PY_LIBM), {s.name: v for s, v in POINT.items()})


@pytest.mark.parametrize("expr", [
    x / 3, -x * y / 2, (x + y) / 2, x - y / 3, x / (3 * y**2), 1 - x / 7,
    x**2 * y, y / x**2, 1 / x, (x + y)**3, 1 / (x + y)**2, x**7, x**-5,
    sympy.sqrt(x), 1 / sympy.sqrt(x + y), x**sympy.Rational(1, 3), x**sympy.Rational(3, 2),
    x**y, x**2.5, sympy.exp(-x / 2), expm1(x), log1p(y), sympy.log(x * y),
    sympy.Abs(z - x), sympy.pi * x, sympy.E + x, sympy.Float("0.1") * x,
    sympy.Rational(2, 3) * x * y, -sympy.Rational(1, 2) * (x + y) * z,
    sympy.Piecewise((x, z > 0), (y, True)), sympy.Piecewise((x, (x > 0) & (z < 1)), (0, True)),
    sympy.Min(x, y, z), sympy.Max(x, 2), sympy.Heaviside(z), sympy.atan2(y, z),
    sympy.gamma(x) + sympy.erf(y) + sympy.tanh(z), 10**20 * x + k,
])
def test_printed_text_means_the_expression(expr):
    text, _ = printed(expr)
    expected = float(expr.evalf(30, subs=POINT))
    assert python_value(text) == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_integer_powers_are_products_and_rational_powers_use_libm():
    assert printed(x**3)[0] == "(x*x*x)"
    assert printed(x**-2)[0] == "(1.0/(x*x))"
    assert not re.search(r"\bpow\(", printed((x + y)**3 * x**4)[0])
    assert printed(sympy.sqrt(x))[0] == "sqrt(x)"
    assert printed(x**sympy.Rational(3, 2))[0] == "pow(x, 1.5)"


def test_numbers_print_as_round_tripping_doubles():
    for value in (sympy.Rational(1, 3), sympy.pi, sympy.Rational(-7, 9), sympy.Float("1e-300")):
        text, _ = printed(value)
        assert float(text) == float(value)
    assert printed(sympy.Integer(2) * x)[0] == "2.0*x"


def test_numbers_beyond_double_range_are_rejected():
    with pytest.raises(UnsupportedExpressionError, match="does not fit in a double"):
        printed(sympy.Integer(10)**400 * x)


def test_shared_conditions_become_boolean_temporaries():
    condition = (x > k) & (x < 2 * k)
    exprs = [sympy.Piecewise((x, condition), (k, True)),
             sympy.Piecewise((x**2, condition), (k * x, True))]
    source = emit_expressions(exprs, [x], [k], name="conditions")["conditions.pyx"]
    assert "cdef bint _t0 = " in source
    assert "_out[0] = (x if _t0 else k)" in source


def test_printer_records_libm_names_and_helpers():
    _, printer = printed(sympy.exp(x) + sympy.sqrt(y) + sympy.Max(x, y) + (x + y)**9)
    assert printer.libm == {"exp", "sqrt", "fmax"}
    assert printer.helpers == {"_ipow"}


@pytest.mark.parametrize("expr, culprit", [
    (sympy.besselj(0, x), "besselj"), (sympy.sign(x), "sign"),
    (sympy.I * x, "ImaginaryUnit"), (sympy.Function("g")(x), "g"),
])
def test_unsupported_functions_are_named(expr, culprit):
    with pytest.raises(UnsupportedExpressionError, match=culprit):
        printed(expr)


def gw_k2():
    nu1, nu2 = sympy.symbols("nu1 nu2", real=True)
    kb, kd = sympy.symbols("k_birth k_death", positive=True)
    f1 = nu1 * (kd - kb + (kb + kd) * nu1) - nu2 / 2 * (kb - kd + (kb + kd) * nu1)
    f2 = -nu2 / 2 * (kd * (-4 - 2 * nu1 + nu2) + kb * (4 - 2 * nu1 + nu2))
    return [f1, f2], [nu1, nu2], [kb, kd]


def test_emit_is_deterministic_within_and_across_processes():
    exprs, inputs, params = gw_k2()
    first = emit_expressions(exprs, inputs, params, name="gw")
    assert first == emit_expressions(exprs, inputs, params, name="gw")
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        from test_codegen_text import gw_k2
        from dynboltz.codegen import emit_expressions
        sys.stdout.write(emit_expressions(*gw_k2(), name="gw")["gw.pyx"])
    """)
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        other = subprocess.run([sys.executable, "-c", script, os.path.dirname(__file__)],
                               env=env, capture_output=True, text=True, check=True).stdout
        assert other == first["gw.pyx"]


def test_header_names_generator_version_and_symbolic_hash():
    exprs, inputs, params = gw_k2()
    source = emit_expressions(exprs, inputs, params, name="gw")["gw.pyx"]
    digest = hashlib.sha256(sympy.srepr((tuple(exprs), tuple(inputs), tuple(params)))
                            .encode()).hexdigest()
    header = source.split("# cython:")[0]
    assert f"dynboltz {importlib.metadata.version('dynboltz')}" in header
    assert digest in header and "Regenerate with:" in header
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", source)


def test_cse_temporaries_are_numbered_in_order_and_defined_before_use():
    exprs, inputs, params = gw_k2()
    source = emit_expressions(exprs, inputs, params, name="gw")["gw.pyx"]
    kernel = source.split("cdef inline void _eval(")[1].split("\n\n")[0]
    defined = re.findall(r"cdef double (_t\d+) =", kernel)
    assert defined == [f"_t{i}" for i in range(len(defined))] and defined
    for line in kernel.splitlines():
        used = set(re.findall(r"\b_t\d+\b", line.split("=", 1)[-1]))
        earlier = kernel[:kernel.index(line)]
        assert all(f"cdef double {t} =" in earlier for t in used)


def test_unsafe_symbol_names_get_positional_locals():
    weird = [sympy.Symbol("lambda"), sympy.Symbol("exp"), sympy.Symbol("a b"),
             sympy.Symbol("_t0"), sympy.Symbol("ok")]
    twin = sympy.Symbol("ok", positive=True)
    names = local_names(tuple(weird), (twin,))
    assert names == {weird[0]: "_x0", weird[1]: "_x1", weird[2]: "_x2",
                     weird[3]: "_x3", weird[4]: "ok", twin: "_p0"}


def test_symengine_input_emits_the_same_text_as_sympy():
    nu1, nu2, kb, kd = sympy.symbols("nu1 nu2 k_birth k_death")  # symengine keeps no assumptions
    exprs = [e.subs(dict(zip(sum(gw_k2()[1:], []), (nu1, nu2, kb, kd)))) for e in gw_k2()[0]]
    converted = [symengine.sympify(e) for e in exprs]
    assert (emit_expressions(converted, [nu1, nu2], [kb, kd], name="gw")
            == emit_expressions(exprs, [nu1, nu2], [kb, kd], name="gw"))


def test_assumption_mismatch_is_explained():
    plain = sympy.Symbol("x")
    with pytest.raises(ValueError, match="differ in assumptions"):
        emit_expressions([plain + 1], [x], [])


@pytest.mark.parametrize("args, error, fragment", [
    (([x + y], [x], []), ValueError, "`exprs` of `emit_expressions` must be `free of symbols "
                                     "other than inputs and params`; got `\\['y'\\]`"),
    ((["x + 1"], [x], []), TypeError, "`exprs` of `emit_expressions` must be `made of sympy "
                                      "expressions only`"),
    (("x", [x], []), TypeError, "`exprs` of `emit_expressions`"),
    (([x], ["x"], []), TypeError, "`inputs` of `emit_expressions` must be `made of sympy "
                                  "Symbols only`"),
    (([x], [x], [x]), ValueError, "`params` of `emit_expressions` must be `free of symbols "
                                  "that are also inputs`; got `\\[x\\]`"),
    (([x], [x, x], []), ValueError, "`inputs` of `emit_expressions` must be `free of repeated "
                                    "symbols`"),
    (([], [x], []), ValueError, "`exprs` of `emit_expressions` must be `non-empty`"),
    (([sympy.Eq(x, 1)], [x], []), TypeError, "`exprs` of `emit_expressions` must be `made of "
                                             "sympy expressions only`; got `Eq\\(x, 1\\)`"),
])
def test_emit_validates_its_arguments(args, error, fragment):
    with pytest.raises(error, match=fragment):
        emit_expressions(*args)


def test_emit_rejects_bad_names_and_unsupported_functions_before_compiling():
    with pytest.raises(ValueError, match="`name` of `emit_expressions`"):
        emit_expressions([x], [x], [], name="1bad")
    with pytest.raises(ValueError, match="besselj"):
        emit_expressions([sympy.besselj(1, x)], [x], [])
