"""Tier 2: compiled expressions against sympy's own high-precision evaluation.

Two modules are compiled once per test module into a temporary cache: the
K = 2 Galton-Watson basis functions of eq. 29 with their Jacobian, and a set
of expressions exercising every printed construct (exp, log, expm1, log1p,
roots, integer and rational powers, Abs, Piecewise with shared conditions,
Min/Max, constants) with
input symbols whose names are not valid Cython identifiers.  References are
``evalf`` at 30 digits; the Jacobian is also checked against central
differences of the compiled F.
"""
import ctypes

import numpy as np
import pytest
import sympy
from sympy.codegen.cfunctions import expm1, log1p

from dynboltz.codegen import build, compile_expressions
from dynboltz.codegen import expressions as compiled_expressions

NU1, NU2 = sympy.symbols("nu1 nu2", real=True)
KB, KD = sympy.symbols("k_birth k_death", positive=True)
F1 = NU1 * (KD - KB + (KB + KD) * NU1) - NU2 / 2 * (KB - KD + (KB + KD) * NU1)
F2 = -NU2 / 2 * (KD * (-4 - 2 * NU1 + NU2) + KB * (4 - 2 * NU1 + NU2))
GW_EXPRS = [F1, F2] + [sympy.diff(f, v) for f in (F1, F2) for v in (NU1, NU2)]

A = sympy.Symbol("lambda", positive=True)   # a Python keyword
B = sympy.Symbol("exp", positive=True)      # shadows a libm name
C = sympy.Symbol("c c", real=True)          # not an identifier
FUNCTION_EXPRS = [
    sympy.exp(-A) * sympy.log(B) + 1 / sympy.sqrt(A * B),
    expm1(A / 10**9),
    log1p(B / 10**12),
    (A + B)**5 + A**7 / B**3 + A**-2,
    sympy.sqrt(A) * B**sympy.Rational(3, 2) + A**sympy.Rational(1, 3) + A**B,
    sympy.Abs(C) + sympy.Piecewise((A, C > 0), (B, True)) + sympy.Max(A, B) - sympy.Min(A, B),
    sympy.pi * A / 3 + sympy.Rational(1, 3) + sympy.Float("0.1") * B,
    sympy.cos(C) + sympy.sinh(A) + sympy.exp(B)**2,
    # a condition shared by two Piecewise is hoisted into a `bint` temporary
    sympy.Piecewise((A, (C > 0) & (A < B)), (B, True)),
    sympy.Piecewise((A * B, (C > 0) & (A < B)), (1, True)) + A,
]


def reference(exprs, symbols, point):
    subs = dict(zip(symbols, point))
    return np.array([float(e.evalf(30, subs=subs)) for e in exprs])


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("codegen_cache")
        patch.setenv("DYNBOLTZ_CACHE", str(path))
        yield path


@pytest.fixture(scope="module")
def gw(cache):
    return compile_expressions(GW_EXPRS, [NU1, NU2], [KB, KD])


@pytest.fixture(scope="module")
def functions(cache):
    return compile_expressions(FUNCTION_EXPRS, [A, B, C], [])


def test_gw_basis_functions_match_sympy_to_1e12(gw):
    rng = np.random.default_rng(1)
    for _ in range(20):
        nu, rates = rng.uniform(0.1, 3.0, 2), rng.uniform(0.1, 2.0, 2)
        expected = reference(GW_EXPRS, [NU1, NU2, KB, KD], [*nu, *rates])
        np.testing.assert_allclose(gw(nu, rates), expected, rtol=1e-12, atol=1e-14)


def test_gw_jacobian_matches_central_differences_of_compiled_f(gw):
    rng = np.random.default_rng(2)
    nu, rates, h = rng.uniform(0.1, 3.0, (10, 2)), np.array([1.0, 1.5]), 1e-6
    jacobian = gw(nu, rates)[:, 2:].reshape(10, 2, 2)
    for j in range(2):
        step = np.zeros(2)
        step[j] = h
        difference = (gw(nu + step, rates)[:, :2] - gw(nu - step, rates)[:, :2]) / (2 * h)
        np.testing.assert_allclose(jacobian[:, :, j], difference, rtol=1e-7, atol=1e-7)


def test_every_printed_construct_matches_sympy_to_1e12(functions):
    rng = np.random.default_rng(3)
    for _ in range(20):
        point = [*rng.uniform(0.2, 2.0, 2), rng.uniform(-1.0, 1.0)]
        expected = reference(FUNCTION_EXPRS, [A, B, C], point)
        np.testing.assert_allclose(functions(np.array(point)), expected, rtol=1e-12, atol=0)


def test_shapes_of_points_and_outputs(gw):
    p = np.array([1.0, 1.5])
    grid = np.random.default_rng(4).uniform(0.1, 3.0, (3, 4, 2))
    one_by_one = np.array([[gw(point, p) for point in row] for row in grid])
    assert gw(grid[0, 0], p).shape == (6,)
    np.testing.assert_array_equal(gw(grid, p), one_by_one)
    np.testing.assert_array_equal(gw(np.asfortranarray(grid[:, 0]), p), one_by_one[:, 0])
    strided = np.zeros((3, 4, 4))
    strided[..., ::2] = grid
    np.testing.assert_array_equal(gw(strided[..., ::2], p), one_by_one)
    np.testing.assert_array_equal(gw(grid.tolist(), p.tolist()), one_by_one)
    assert gw(np.empty((0, 2)), p).shape == (0, 6)
    np.testing.assert_array_equal(gw([1, 2], [1, 1]), gw(np.array([1.0, 2.0]), np.ones(2)))
    assert (gw.n_inputs, gw.n_params, gw.n_exprs) == (2, 2, 6)
    assert gw.input_names == ("nu1", "nu2") and gw.param_names == ("k_birth", "k_death")


def test_out_argument_is_filled_and_returned(gw):
    p, x = np.array([1.0, 1.5]), np.array([0.3, 0.8])
    out = np.empty(6)
    assert gw(x, p, out) is out
    np.testing.assert_array_equal(out, gw(x, p))
    rows = np.random.default_rng(5).uniform(size=(7, 2))
    out = np.empty((7, 6))
    assert gw(rows, p, out=out) is out
    np.testing.assert_array_equal(out, gw(rows, p))


@pytest.mark.parametrize("call, fragment", [
    (lambda f: f(np.ones(3), np.ones(2)), r"`x` of `evaluate` must be `an array of shape \(\.\.\., 2\)`; got `shape \(3,\)`"),
    (lambda f: f(np.ones((4, 1)), np.ones(2)), r"got `shape \(4, 1\)`"),
    (lambda f: f(np.ones(2), np.ones(3)), r"`p` of `evaluate` must be `an array of shape \(2,\)`; got `shape \(3,\)`"),
    (lambda f: f(np.ones(2)), r"`p` of `evaluate`"),
    (lambda f: f(np.ones(2), np.ones(2), np.empty(5)), r"`out` of `evaluate` must be `a writeable .*`; got `\(5,\)`"),
    (lambda f: f(np.ones(2), np.ones(2), np.empty(6, dtype=np.float32)), r"`out` of `evaluate`"),
])
def test_evaluation_errors_name_the_argument(gw, call, fragment):
    with pytest.raises(ValueError, match=fragment):
        call(gw)


def test_parameterless_module_takes_no_p(functions):
    point = np.array([0.5, 1.5, -0.25])
    np.testing.assert_array_equal(functions(point), functions(point, []))
    assert functions(np.tile(point, (3, 1))).shape == (3, len(FUNCTION_EXPRS))


def test_modules_with_the_same_name_hint_do_not_clash(gw, functions):
    assert gw.__module__.startswith("expressions_")
    assert functions.__module__.startswith("expressions_")
    assert gw.__module__ != functions.__module__


def test_rows_kernel_capsule_computes_what_evaluate_computes(gw):
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    double_p = ctypes.POINTER(ctypes.c_double)
    kernel = ctypes.CFUNCTYPE(None, double_p, double_p, double_p, ctypes.c_ssize_t)(
        get_pointer(gw.rows_kernel, b"dynboltz.codegen.rows_kernel"))
    rows, p = np.random.default_rng(6).uniform(size=(5, 2)), np.array([0.7, 1.1])
    out = np.empty((5, 6))
    kernel(rows.ctypes.data_as(double_p), p.ctypes.data_as(double_p),
           out.ctypes.data_as(double_p), 5)
    np.testing.assert_array_equal(out, gw(rows, p))


def test_changing_parameters_or_recompiling_same_input_never_builds(gw, monkeypatch):
    def no_build(*args):
        raise AssertionError("the compiler was invoked")

    monkeypatch.setattr(build, "_run_build", no_build)
    x = np.array([0.4, 2.2])
    for rates in ([1.0, 1.5], [0.2, 3.0], [5.0, 0.1]):
        expected = reference(GW_EXPRS, [NU1, NU2, KB, KD], [*x, *rates])
        np.testing.assert_allclose(gw(x, np.array(rates)), expected, rtol=1e-12, atol=1e-14)
    monkeypatch.setattr(build, "_LOADED", {})
    monkeypatch.setattr(compiled_expressions, "_COMPILED", {})
    again = compile_expressions(GW_EXPRS, [NU1, NU2], [KB, KD])
    np.testing.assert_array_equal(again(x, np.ones(2)), gw(x, np.ones(2)))


def test_bad_expressions_fail_before_any_build(cache, monkeypatch):
    monkeypatch.setattr(build, "_run_build", lambda *args: pytest.fail("built"))
    with pytest.raises(ValueError, match="uppergamma"):
        compile_expressions([sympy.uppergamma(NU1, NU2)], [NU1, NU2], [])
    with pytest.raises(ValueError, match=r"`exprs` of `compile_expressions` must be `free of "
                                         r"symbols other than inputs and params`; "
                                         r"got `\['k_death'\]`"):
        compile_expressions([NU1 * KD], [NU1], [KB])
    with pytest.raises(TypeError, match="`exprs` of `compile_expressions`"):
        compile_expressions(lambda v: v, [NU1], [])
