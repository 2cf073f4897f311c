"""Independent high-precision truth for lattice closures (shared by the lattice tests).

mpmath evaluation of the Boltzmann chain at 50–120 digits: Perron pair by
``mp.eigsy``, moments from the Perron vector, Hessian by central differences of
the moments, ṁ by evaluating the symbolic moment equations, F̃ by solving
H F̃ = ṁ, Jacobian by central differences of F̃; the custom test motifs with
3-site windows and 1–4 species; and the two checks every implementation of
the lattice closure interface (numpy reference, compiled libraries) must
pass: `assert_matches_reference` and `check_against_mpmath`.
"""
import itertools
import warnings

import mpmath as mp
import numpy as np

from dynboltz.lattice_layout import bond_pairs
from dynboltz.symbolic.lattice.motif import LatticeMotif


CUSTOM_MOTIFS = {
    "fill_hop": (["A"], {"fill": ["A _ A -> A A A"], "hop": ["A _ -> _ A", "_ A -> A _"]}),
    "two_species": (["A", "B"], {"grow": ["A _ B -> A A B", "0.5: B _ A -> B B A"],
                                 "clear": ["A B A -> _ B _"], "swap": ["A B -> B A"]}),
    "three_species": (["A", "B", "C"], {"bind": ["A _ B -> _ C _"],
                                        "split": ["C _ -> A B"], "hop": ["B _ -> _ B"]}),
    "four_species": (["S", "E", "C", "P"], {"cat": ["S E C -> P E C"],
                                            "decay": ["C -> _"], "make": ["_ E _ -> S E P"]}),
}


def motif_by_name(name):
    """A custom test motif of `CUSTOM_MOTIFS` or a built-in ``LatticeMotif``."""
    if name in CUSTOM_MOTIFS:
        return LatticeMotif(*CUSTOM_MOTIFS[name])
    return LatticeMotif.builtin(name)


def cluster_terms(expression):
    """(cluster probability, coefficient) pairs of a linear moment equation."""
    return [(t, c) for t, c in expression.as_coefficients_dict().items() if c != 0]


def relative(a, b):
    """Largest absolute difference relative to the largest entry of ``b``."""
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


def mp_chain(n_species, x):
    """Transfer matrix T, Perron eigenvalue and |Perron vector| in mpmath."""
    n = n_species + 1
    h = [mp.mpf(0)] + list(x[:n_species])
    coupling = [[mp.mpf(0)] * n for _ in range(n)]
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        coupling[a][b] = coupling[b][a] = x[n_species + k]
    t = mp.matrix(n, n)
    for a in range(n):
        for b in range(n):
            t[a, b] = mp.exp((h[a] + h[b]) / 2 + coupling[a][b])
    values, vectors = mp.eigsy(t)
    top = max(range(n), key=lambda j: values[j])
    return t, values[top], [abs(vectors[a, top]) for a in range(n)]


def mp_moments(n_species, x):
    """Per-site (µ, ∆) from the Perron vector."""
    t, lam, u = mp_chain(n_species, x)
    out = [u[a] ** 2 for a in range(1, n_species + 1)]
    out += [u[a] * t[a, b] * u[b] / lam * (1 if a == b else 2)
            for a, b in bond_pairs(n_species)]
    return out


def mp_hessian(n_species, x, step):
    """H by central differences of `mp_moments` with ``step``."""
    columns = []
    for j in range(len(x)):
        up, down = list(x), list(x)
        up[j] += step
        down[j] -= step
        columns.append([(a - b) / (2 * step) for a, b in
                        zip(mp_moments(n_species, up), mp_moments(n_species, down))])
    return mp.matrix(columns).T


def mp_rates(motif, x, equations):
    """ṁ of every process: the symbolic moment equations at the chain's clusters."""
    t, lam, u = mp_chain(motif.n_species, x)
    rows = []
    for process in motif.process_names:
        row = []
        for expression in equations[process]:
            total = mp.mpf(0)
            for term, coefficient in cluster_terms(expression):
                codes = [int(c) for c in term.args]
                value = u[codes[0]] * u[codes[-1]]
                for a, b in zip(codes[:-1], codes[1:]):
                    value *= t[a, b] / lam
                total += mp.mpf(int(coefficient.p)) / int(coefficient.q) * value
            row.append(total)
        rows.append(row)
    return rows


def mp_basis(motif, x, equations):
    """F̃ = H⁻¹ ṁ by an mpmath LU solve (eq. 49)."""
    hessian = mp_hessian(motif.n_species, x, mp.mpf(10) ** (-(mp.mp.dps // 3)))
    return [list(mp.lu_solve(hessian, mp.matrix(row)))
            for row in mp_rates(motif, x, equations)]


def as_float(rows):
    """Nested mpmath rows -> float array."""
    return np.array([[float(v) for v in row] for row in rows])


def far_points(motif, count, seed):
    """Random points on [−10, 10]^L, plus (h, J) in {±10} × {−10, −3, 10} when L = 2."""
    rng = np.random.default_rng(seed)
    points = [rng.uniform(-10, 10, motif.n_params) for _ in range(count)]
    if motif.n_params == 2:
        points += [np.array(p) for p in itertools.product((-10.0, 10.0), (-10.0, -3.0, 10.0))]
    return points


def mp_jacobian(motif, x, equations, step):
    """∂F̃/∂x by central differences of `mp_basis`; shape (P, L, L)."""
    columns = []
    for j in range(len(x)):
        up, down = list(x), list(x)
        up[j] += step
        down[j] -= step
        plus, minus = mp_basis(motif, up, equations), mp_basis(motif, down, equations)
        columns.append([[(a - b) / (2 * step) for a, b in zip(ra, rb)]
                        for ra, rb in zip(plus, minus)])
    return np.array([[[float(v) for v in row] for row in col] for col in columns]
                    ).transpose(1, 2, 0)


def assert_matches_reference(lib, reference, xs):
    """moments, hessian, basis per point and row; Jacobian per process row."""
    for k, x in enumerate(xs):
        assert relative(lib.moments(x), reference.moments(x)) < 1e-12
        assert relative(lib.hessian(x), reference.hessian(x)) < 1e-11
        basis = reference.basis(x)
        error = np.abs(lib.basis(x) - basis).max(axis=1)
        assert np.all(error <= 1e-11 * np.abs(basis).max(axis=1)), (x, error)
        jacobian = reference.basis_jacobian(x).reshape(len(basis), -1)
        scale = np.maximum(np.abs(jacobian).max(axis=1), np.abs(basis).max(axis=1))
        error = np.abs(lib.basis_jacobian(x).reshape(len(basis), -1) - jacobian).max(axis=1)
        # The reference's Richardson differences are good to ~5e-9 of scale.
        assert np.all(error <= 5e-8 * scale), (x, error / scale)


def check_against_mpmath(lib, motif, points, jacobian_bound=1e-9):
    """Moments, H, F̃ and ∂F̃ of a compiled library vs 120-digit mpmath."""
    equations = motif.moment_equations()
    with mp.workdps(120), warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in points:
            xm = [mp.mpf(float(v)) for v in x]
            np.testing.assert_allclose(lib.moments(x), as_float([mp_moments(
                motif.n_species, xm)])[0], rtol=1e-12)
            hessian = np.array(mp_hessian(motif.n_species, xm, mp.mpf(10) ** -40).tolist(),
                               dtype=float)
            assert relative(lib.hessian(x), hessian) < 1e-12
            basis = as_float(mp_basis(motif, xm, equations))
            error = np.abs(lib.basis(x) - basis).max(axis=1)
            assert np.all(error <= 1e-10 * np.abs(basis).max(axis=1)), (x, error)
            jacobian = mp_jacobian(motif, xm, equations, mp.mpf(10) ** -20)
            flat = np.abs(jacobian).reshape(len(basis), -1)
            scale = np.maximum(flat.max(axis=1), np.abs(basis).max(axis=1))
            error = np.abs(lib.basis_jacobian(x) - jacobian).reshape(len(basis), -1)
            assert np.all(error.max(axis=1) <= jacobian_bound * scale), \
                (x, error.max(axis=1) / scale)
