"""Single-species closed forms (symbolic/lattice/single_species.py), compiled.

Routes: mpmath at 100 digits (λ₊ and the Perron vector of the 2×2 transfer
matrix by mpmath's symmetric eigensolver, moments and Hessian by numerical
differentiation of ln λ₊, ṁ by evaluating the exact moment equations on the
chain's cluster probabilities, F̃ by solving H F̃ = ṁ) at points up to
|h|, |J| = 40; the numpy reference (runtime/lattice/chain/reference.py) on a grid;
product-measure limits at J = 0 worked out by hand.
"""
import mpmath as mp
import numpy as np
import pytest
import sympy

from dynboltz.codegen import compile_expressions
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic.lattice.motif import LatticeMotif
from dynboltz.symbolic.lattice.single_species import (
    ALPHA, ALPHA_BAR, BETA, BETA_BAR, EXPM1_J, SINGLE_SPECIES_PROCESSES, H, J, homogenized,
    single_species_closed_forms, transition_probabilities)

FAR_POINTS = [(-10.0, 10.0), (10.0, -10.0), (-10.0, -10.0), (10.0, 10.0), (-7.3, 3.1),
              (0.0, 0.0), (40.0, -40.0), (-40.0, 40.0), (-40.0, -40.0), (40.0, 40.0),
              (25.0, -31.0), (-33.0, 12.5), (3.0, 1e-9), (-2.0, -1e-12), (-5.0, 5.0 + 1e-9)]


@pytest.fixture(scope="module")
def compiled():
    """Per process: (motif, f) with f(x) = moments (2), Hessian (4), basis (2).

    All six processes share one compiled module (one cold build).
    """
    motifs = [LatticeMotif.builtin(kind) for kind in SINGLE_SPECIES_PROCESSES]
    exprs = []
    for motif in motifs:
        forms = single_species_closed_forms(motif)
        exprs += list(forms["moments"]) + list(forms["hessian"]) + list(forms["basis"])
    function = compile_expressions(exprs, [H, J], [], name="single_species_test")

    def select(offset):
        return lambda x, p: function(x, p)[..., offset:offset + 8]
    return {kind: (motif, select(8 * k))
            for k, (kind, motif) in enumerate(zip(SINGLE_SPECIES_PROCESSES, motifs))}


def _split(values):
    return values[..., :2], values[..., 2:6].reshape(values.shape[:-1] + (2, 2)), \
        values[..., 6:8]


def _mp_closure(motif, h, j, dps=100):
    """Moments, Hessian and F̃ = H⁻¹ ṁ of a one-species motif in mpmath."""
    with mp.workdps(dps):
        h, j = mp.mpf(h), mp.mpf(j)

        def transfer(hh, jj):
            return mp.matrix([[1, mp.exp(hh / 2)], [mp.exp(hh / 2), mp.exp(hh + jj)]])

        def log_lambda(hh, jj):
            return mp.log(max(mp.eigsy(transfer(hh, jj))[0]))

        t = transfer(h, j)
        values, vectors = mp.eigsy(t)
        k = 0 if values[0] > values[1] else 1
        u = [abs(vectors[0, k]), abs(vectors[1, k])]

        def cluster(codes):
            value = u[codes[0]] * u[codes[-1]] / (u[0] ** 2 + u[1] ** 2)
            for a, b in zip(codes[:-1], codes[1:]):
                value *= t[a, b] / values[k]
            return value

        moments = [mp.diff(log_lambda, (h, j), order) for order in ((1, 0), (0, 1))]
        hessian = mp.matrix([[mp.diff(log_lambda, (h, j), o) for o in row]
                             for row in (((2, 0), (1, 1)), ((1, 1), (0, 2)))])
        column = motif.moment_equations()[motif.process_names[0]]
        rates = [sum((mp.mpf(c.p) / c.q * cluster([int(s) for s in term.args])
                      for term, c in entry.as_coefficients_dict().items()
                      if c != 0 and not term.is_number), mp.mpf(0))
                 for entry in column]
        basis = mp.lu_solve(hessian, mp.matrix(rates))
        return (np.array([float(v) for v in moments]),
                np.array(hessian.tolist(), dtype=float),
                np.array([float(v) for v in basis]))


def _relative(value, exact):
    return np.max(np.abs(value - exact)) / max(np.max(np.abs(exact)), 1e-300)


@pytest.mark.parametrize("kind", SINGLE_SPECIES_PROCESSES)
def test_compiled_closed_forms_match_mpmath_far_out(kind, compiled):
    motif, function = compiled[kind]
    values = function(np.array(FAR_POINTS), np.zeros(0))
    for point, row in zip(FAR_POINTS, values):
        exact = _mp_closure(motif, *point)
        for got, want in zip(_split(row), exact):
            if np.all(want == 0):
                assert np.max(np.abs(got)) <= 1e-12
            else:
                assert _relative(got, want) <= 1e-8, (point, got, want)


@pytest.mark.parametrize("kind", SINGLE_SPECIES_PROCESSES)
def test_compiled_closed_forms_match_numpy_reference(kind, compiled):
    motif, function = compiled[kind]
    grid = np.linspace(-10.0, 10.0, 9)
    points = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    moments, hessian, basis = _split(function(points, np.zeros(0)))
    reference = LatticeReference.from_motif(motif)
    assert _relative(moments, reference.moments(points)) <= 1e-8
    assert _relative(hessian, reference.hessian(points)) <= 1e-8
    expected = reference.basis(points)[:, 0, :]
    for got, want in zip(basis, expected):
        assert np.max(np.abs(got - want)) <= 1e-8 * max(np.max(np.abs(want)), 1.0)


@pytest.mark.parametrize("kind, f_h", [
    # J = 0 is a product measure: death and creation keep it one (J stays 0)
    # with d logit(µ)/dt = µ̇/(µ(1−µ)); diffusion leaves it invariant.
    ("death", lambda h: -(1.0 + np.exp(h))),
    ("creation", lambda h: 1.0 + np.exp(-h)),
    ("diffusion", lambda h: 0.0 * h),
])
def test_product_measure_limits(kind, f_h, compiled):
    h = np.linspace(-6.0, 6.0, 13)
    points = np.stack([h, np.zeros_like(h)], axis=1)
    _, _, basis = _split(compiled[kind][1](points, np.zeros(0)))
    np.testing.assert_allclose(basis[:, 0], f_h(h), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(basis[:, 1], 0.0, atol=1e-13)


def test_homogenized_cancels_identities_of_the_transition_probabilities():
    one = (ALPHA + ALPHA_BAR) ** 2 * (BETA + BETA_BAR)
    assert homogenized(sympy.expand(one) / ALPHA) == 1 / ALPHA
    # 1 − α − β = (1−α)(1−β) − αβ = αβ (e^J − 1) on the Boltzmann chain
    assert homogenized(1 - ALPHA - BETA) == ALPHA * BETA * EXPM1_J
    h, j = 0.7, -1.3
    with mp.workdps(40):
        values = {k: sympy.lambdify([H, J], v, "mpmath")(mp.mpf(h), mp.mpf(j))
                  for k, v in transition_probabilities().items()}
        assert abs(1 - values[ALPHA] - values[BETA] - values[ALPHA] * values[BETA]
                   * values[EXPM1_J]) < mp.mpf(10) ** -35


def test_rejects_several_species():
    with pytest.raises(ValueError, match="`motif` of `single_species_closed_forms`"):
        single_species_closed_forms(LatticeMotif.builtin("bind"))
