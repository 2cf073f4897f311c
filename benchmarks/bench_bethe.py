"""Bethe closure of square/cubic lattices: static accuracy and cost per basis evaluation.

Three tables, all measured in this run (numbers in docs/closures.md, ``## bethe``):

1. Zero-field Ising on the square lattice (n = (1 + σ)/2, K = J/4, h = −2J): ⟨σσ⟩ and
   ∆_AA of the Bethe library against Onsager's exact nearest-neighbour correlation, and
   the critical temperatures.
2. Moments of the Bethe library against Gibbs samples of the lattice itself (200
   thinned samples of one chain, standard error from their scatter; seed 7) at
   several (h, J), one and two species, square and cubic.
3. Cost of one basis evaluation F̃(x) (all processes) at one point, as the learning
   integrators call it: the compiled library (``lib.basis`` from Python, and the C point
   kernel through the library's capsule is cheaper still) against a **numpy reference**
   written the obvious way in the same run — the cavity fixed point by numpy Newton,
   continued from J = 0 in 16 steps (the same S + 1 starts where that branch ends), the
   cluster probabilities, ṁ from the symbolic closed
   equations lambdified to numpy, H⁻¹ = ∂x/∂m from the closed-form inverse map, and
   F̃ = H⁻¹ ṁ.  Both must agree (max |difference| printed).  CPU time (the machine is
   shared), best of 5 repeats of many calls; the chain closure of the same motif on the
   ring (built-in library) is timed beside it.
4. Robustness of the fixed-point solver: how many of 2000 random x (normal, scales 1, 3,
   10) give no fixed point (NaN outputs).

Run: ``python benchmarks/bench_bethe.py``
"""
import time

import numpy as np
import sympy
from scipy.special import ellipk

from dynboltz.bethe_inverse_map import bethe_inverse_map
from dynboltz.codegen import compile_motif
from dynboltz.lattice_layout import bond_pairs, statistic_types
from dynboltz.runtime.lattice import sample
from dynboltz.runtime.lattice.bonds.statistics import torus_moments
from dynboltz.symbolic import LatticeMotif
from dynboltz.symbolic.lattice.bethe import bethe_moment_equation_vector
from dynboltz.symbolic.lattice.moments import ClusterProbability as P


def flips(lattice, species=("A",)):
    processes = {}
    for name in species:
        processes[f"creation_{name}"] = [f"_ -> {name}"]
        processes[f"death_{name}"] = [f"{name} -> _"]
    return LatticeMotif(list(species), processes, lattice=lattice)


def onsager_sigma_sigma(k):
    """Square-lattice nearest-neighbour ⟨σσ⟩ at H = 0 (exact)."""
    modulus = 2 * np.sinh(2 * k) / np.cosh(2 * k) ** 2
    return 0.5 / np.tanh(2 * k) * (1 + 2 / np.pi * (2 * np.tanh(2 * k) ** 2 - 1)
                                   * ellipk(modulus ** 2))


def onsager_table():
    lib = compile_motif(flips("square"))
    print("Zero-field Ising, square lattice (z = 4)")
    print(f"{'K':>5} {'<ss> exact':>11} {'<ss> Bethe':>11} {'D exact':>8} {'D Bethe':>8} "
          f"{'error':>8} {'mu Bethe':>9}")
    for k in (0.1, 0.2, 0.3, 0.35, 0.4):
        mu, delta = lib.moments(np.array([-8 * k, 4 * k]))
        # ⟨nn⟩ = (1 + 2⟨σ⟩ + ⟨σσ⟩)/4 with ⟨σ⟩ = 2µ − 1
        bethe = 4 * delta / 2 - 1 - 2 * (2 * mu - 1)
        exact = onsager_sigma_sigma(k)
        d_exact = (1 + exact) / 2
        print(f"{k:5.2f} {exact:11.5f} {bethe:11.5f} {d_exact:8.5f} {delta:8.5f} "
              f"{delta - d_exact:+8.5f} {mu:9.5f}")
    k_bethe, k_exact = 0.5 * np.log(2.0), 0.5 * np.log(1 + np.sqrt(2.0))
    print(f"T_c = 1/K_c: Bethe {1 / k_bethe:.4f}, exact {1 / k_exact:.4f} "
          f"({100 * (k_exact / k_bethe - 1):+.1f}%)")


GIBBS_POINTS = [("square", ("A",), [-1.0, 0.5]), ("square", ("A",), [-1.2, 0.6]),
                ("square", ("A",), [0.5, -0.5]), ("square", ("A",), [-2.0, 1.0]),
                ("square", ("A", "B"), [-1.0, -0.5, 0.4, -0.3, 0.2]),
                ("square", ("A", "B"), [0.0, 0.3, 0.5, 0.2, -0.4]),
                ("cubic", ("A",), [-2.0, 0.4]), ("cubic", ("A",), [-2.4, 0.8])]


def gibbs_table():
    print("\nBethe moments vs Gibbs samples (200 samples, seed 7)")
    print(f"{'lattice':>7} {'x':>30} {'max |Bethe - Gibbs|':>20} {'(moment)':>10} "
          f"{'Gibbs SE':>9}")
    for lattice, species, x in GIBBS_POINTS:
        lib = compile_motif(flips(lattice, species))
        shape = (64, 64) if lattice == "square" else (16, 16, 16)
        moments = torus_moments(sample(lib, np.array(x), N=shape, n=200, seed=7),
                                len(species), len(shape))
        mean, error = moments.mean(0), moments.std(0, ddof=1) / np.sqrt(len(moments))
        gap = lib.moments(np.array(x)) - mean
        worst = int(np.argmax(np.abs(gap)))
        print(f"{lattice:>7} {str(x):>30} {gap[worst]:+20.5f} "
              f"{lib.moment_names[worst]:>10} {error[worst]:9.5f}")


class NumpyBethe:
    """The Bethe basis written with numpy and sympy.lambdify, one point per call."""

    def __init__(self, motif, z):
        self.s, self.z = motif.n_species, z
        n = self.s + 1
        self.coupling = -np.ones((n, n), dtype=int)
        for k, (a, b) in enumerate(bond_pairs(self.s)):
            self.coupling[a, b] = self.coupling[b, a] = self.s + k
        symbols = [P(a) for a in range(n)] + [P(a, b) for a in range(n) for b in range(a, n)]
        self.equations = [sympy.lambdify(symbols, list(bethe_moment_equation_vector(
            process, self.s, z)), "numpy") for process in motif.processes]
        self.map = np.array(bethe_inverse_map(self.s, z), dtype=float)
        self.types = statistic_types(self.s, with_empty=True)

    def _tables(self, x):
        n = self.s + 1
        h = np.concatenate([[0.0], x[:self.s]])
        j = np.where(self.coupling >= 0, x[np.maximum(self.coupling, 0)], 0.0)
        return h, j

    def _fixed_point(self, h, j, u):
        z = self.z
        for _ in range(200):
            t = j + h[None, :] + (z - 1) * u[None, :]
            lse = np.logaddexp.reduce(t, axis=1)
            cond = np.exp(t - lse[:, None])
            r = u[1:] - lse[1:] + lse[0]
            if np.abs(r).max() < 1e-13:
                return u
            d = np.eye(self.s) - (z - 1) * (cond[1:, 1:] - cond[0, 1:][None, :])
            u = u.copy()
            u[1:] -= np.linalg.solve(d, r)
        return u

    def _continued(self, h, j, steps=16):
        """The fixed point continued from J = 0 in ``steps`` equal steps of s (Newton from
        the previous one), or None if dR/du stops being positive definite in determinant."""
        z, u = self.z, np.zeros(self.s + 1)
        for s in np.linspace(0.0, 1.0, steps + 1)[1:]:
            u = self._fixed_point(h, s * j, u)
            t = s * j + h[None, :] + (z - 1) * u[None, :]
            cond = np.exp(t - np.logaddexp.reduce(t, axis=1)[:, None])
            d = np.eye(self.s) - (z - 1) * (cond[1:, 1:] - cond[0, 1:][None, :])
            if not np.linalg.det(d) > 0:
                return None
        return u

    def basis(self, x):
        z, n = self.z, self.s + 1
        h, j = self._tables(x)
        best = None
        continued = self._continued(h, j)
        for s in range(n) if continued is None else [None]:
            u = continued if s is None else self._fixed_point(
                h, j, np.concatenate([[0.0], j[1:, s]]))
            zs = np.logaddexp.reduce(h + z * u)
            w = h + (z - 1) * u
            zp = np.logaddexp.reduce((j + w[:, None] + w[None, :]).ravel())
            value = 0.5 * z * zp - (z - 1) * zs
            if best is None or value > best[0]:
                best = (value, np.exp(h + z * u - zs), np.exp(j + w[:, None] + w[None, :] - zp))
        _, site, pair = best
        args = list(site) + [pair[a, b] for a in range(n) for b in range(a, n)]
        rates = np.array([np.array(f(*args), dtype=float) for f in self.equations])
        # ∂x/∂m = M diag(1/q_t) ∂q_t/∂m with q_t (π, p) linear in m
        dq = np.zeros((len(self.types), len(x)))
        for t, kind in enumerate(self.types):
            dq[t] = self._dq(kind)
        q = np.array([site[k[0]] if len(k) == 1 else pair[k] for k in self.types])
        inverse_h = self.map @ (dq / q[:, None])
        return rates @ inverse_h.T

    def _dq(self, kind):
        """∂q_t/∂m for one site or bond type (empty rows by difference)."""
        s, z = self.s, self.z
        out = np.zeros(s + len(bond_pairs(s)))
        pairs = {pair: s + k for k, pair in enumerate(bond_pairs(s))}

        def bond(a, b):  # ∂p_ab/∂m, a, b >= 1
            row = np.zeros_like(out)
            row[pairs[tuple(sorted((a, b)))]] = (2.0 if a == b else 1.0) / z
            return row

        def empty_pair(a):  # p_0a = µ_a − Σ_b p_ab
            row = np.zeros_like(out)
            row[a - 1] = 1.0
            return row - sum(bond(a, b) for b in range(1, s + 1))

        if len(kind) == 1:
            if kind[0] > 0:
                out[kind[0] - 1] = 1.0
                return out
            out[:s] = -1.0
            return out
        a, b = kind
        if a > 0:
            return bond(a, b)
        if b > 0:
            return empty_pair(b)
        out[:s] = -1.0  # p_00 = π_0 − Σ_a p_0a
        return out - sum(empty_pair(c) for c in range(1, s + 1))


def _best_time(call, points, repeats=5):
    best = np.inf
    for _ in range(repeats):
        start = time.process_time()
        for x in points:
            call(x)
        best = min(best, (time.process_time() - start) / len(points))
    return best


def cost_table():
    print("\nCost of one basis evaluation (one point, all processes)")
    from dynboltz.generated import library

    print(f"{'motif':>22} {'S':>2} {'P':>2} {'compiled [us]':>14} {'numpy [us]':>11} "
          f"{'ratio':>7} {'max |diff|':>11} {'chain [us]':>11}")
    rng = np.random.default_rng(0)
    for label, motif, chain in (
            ("creation/death square", flips("square"), None),
            ("barw square", LatticeMotif.builtin("barw", lattice="square"), library.barw),
            ("trivalent cubic", LatticeMotif.builtin("trivalent", lattice="cubic"),
             library.trivalent),
            ("sep square", LatticeMotif.builtin("sep", lattice="square"), library.sep)):
        z = 4 if motif.geometry == "square" else 6
        lib, reference = compile_motif(motif), NumpyBethe(motif, z)
        points = rng.normal(0.0, 0.3, (200, lib.n_params))
        points[:, :motif.n_species] -= 1.5
        diff = max(np.abs(lib.basis(x) - reference.basis(x)).max() for x in points[:20])
        compiled = _best_time(lib.basis, points)
        numpy_time = _best_time(reference.basis, points[:40], repeats=3)
        chain_time = _best_time(chain.basis, points) if chain is not None else np.nan
        print(f"{label:>22} {motif.n_species:2d} {lib.n_processes:2d} "
              f"{1e6 * compiled:14.2f} {1e6 * numpy_time:11.1f} "
              f"{numpy_time / compiled:7.0f}x {diff:11.1e} {1e6 * chain_time:11.2f}")


def robustness_table():
    print("\nPoints where no cavity fixed point was found (NaN), of 2000 x ~ N(0, s²), seed 0")
    print(f"{'motif':>16} {'s = 1':>6} {'s = 3':>6} {'s = 10':>7}")
    for label, motif in (("barw square", LatticeMotif.builtin("barw", lattice="square")),
                         ("trivalent cubic", LatticeMotif.builtin("trivalent", lattice="cubic")),
                         ("sep square", LatticeMotif.builtin("sep", lattice="square"))):
        lib, rng, counts = compile_motif(motif), np.random.default_rng(0), []
        for scale in (1, 3, 10):
            points = rng.normal(0.0, scale, (2000, lib.n_params))
            counts.append(int((~np.isfinite(lib.basis_jacobian(points))).any(
                axis=(1, 2, 3)).sum()))
        print(f"{label:>16} {counts[0]:6d} {counts[1]:6d} {counts[2]:7d}")


def main():
    onsager_table()
    gibbs_table()
    cost_table()
    robustness_table()


if __name__ == "__main__":
    main()
