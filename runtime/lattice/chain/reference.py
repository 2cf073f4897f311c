"""Plain-numpy lattice closure: moments, Hessian, basis functions.

The baseline the compiled motif libraries are checked and benchmarked
against ("numpy eigh per point").  It reads plain data only (the motif's
`rule_table`), never sympy.

What is shared and what is independent.  The chain itself (transfer matrix, Perron
vector, pair law, inverse Ising map) and the tables (bond statistics g of
``dynboltz.bond_statistics``, statistic types of ``dynboltz.lattice_layout``) are the
one copies the compiled modules are generated from as well.  The moment equations are
deliberately not: `_rule_rate` derives d p/dt from the rules directly, where the
compiled modules read ``LatticeMotif.moment_table`` (sympy), and the spectrum comes
from ``numpy.linalg.eigh``, where the compiled kernel runs its own Jacobi rotations;
so a test that compares the two checks the symbolic moment equations and the kernel's
nogil arithmetic against an independent route.  Eq. B2 and the basis through the
inverse map are written twice on purpose, once here in numpy and once in the nogil
kernel (``codegen/kernels/motif_kernel.pxi.in``), which cannot call numpy; this file is
the readable statement and the test oracle of that kernel, and the library's
compiler-free model of the chain closure: ``simulate``, ``sample``, ``fit_parameters``,
``integrate`` and ``learn_rates`` accept it in place of a compiled library.

Boltzmann chain (paper eq. 46, 50, + sign): weight
exp(Σ_i h_{s_i} + Σ_i J_{s_i s_{i+1}}), transfer matrix
T(a, b) = exp((h_a + h_b)/2 + J_ab), h_0 = J_0· = 0.  With x the parameters in
order and g_x(a, b) the per-bond statistic of x (½(δ_a,α + δ_b,α) for h_α,
1[{a, b} = {α, β}] for J_αβ), T = exp(Σ_x x g_x) elementwise, so
∂T = T ⊙ g and ∂²T = T ⊙ g g; eq. B2 then gives the Hessian of ln λ₊.

Numerics: the chain itself (scaled T, refined Perron vector, closed-form inverse
map) is `dynboltz.runtime.lattice.chain.boltzmann_chain` (tested finite for |h|, |J| ≤ 80; far
beyond, cluster probabilities underflow to zero and the basis divides by them);
centred statistics g − ⟨g⟩ are formed as sums of same-sign terms so that variances
of nearly frozen statistics (µ → 0 or 1) do not cancel; the basis avoids H⁻¹
altogether (see `LatticeReference.basis`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import statistic_types
from dynboltz.runtime.lattice.chain.boltzmann_chain import (BoltzmannChain,
                                                            bond_statistics_table,
                                                            inverse_ising_map, n_params)
from dynboltz.runtime.common.validation import invalid

if TYPE_CHECKING:  # annotations only
    from dynboltz.symbolic.lattice.motif import LatticeMotif

_FD_STEP = 3e-4


def _statistics(n_species, with_empty):
    """Site part sigma[k, c] and bond part beta[k, c, d] of additive statistics.

    ``with_empty=False``: the L moments (species counts, then
    species bonds {a, b}, a ≤ b).  ``with_empty=True``: counts of every site type
    0..S, then every unordered bond type {c, d}, c ≤ d, over 0..S.
    """
    n = n_species + 1
    types = statistic_types(n_species, with_empty)
    sigma = np.zeros((len(types), n))
    beta = np.zeros((len(types), n, n))
    for k, codes in enumerate(types):
        if len(codes) == 1:
            sigma[k, codes[0]] = 1.0
        else:
            beta[k, codes[0], codes[1]] = beta[k, codes[1], codes[0]] = 1.0
    return sigma, beta


def _rule_rate(chain, sigma, beta, lhs, rhs, weight):
    """weight × Σ_{a,b} P(a lhs b) (stats(a rhs b) − stats(a lhs b)).

    stats = Σ_sites sigma + Σ_bonds beta; only the window's sites and the bonds
    touching it change, so the sum runs over the two outside neighbours a, b.
    """
    inside = sum(sigma[:, r] - sigma[:, l] for l, r in zip(lhs, rhs))
    inside = inside + sum(beta[:, rhs[k], rhs[k + 1]] - beta[:, lhs[k], lhs[k + 1]]
                          for k in range(len(lhs) - 1))
    left = beta[:, :, rhs[0]] - beta[:, :, lhs[0]]
    right = beta[:, rhs[-1], :] - beta[:, lhs[-1], :]
    a_weight = chain.u * chain.t[:, lhs[0]] / (chain.lam * chain.u[lhs[0]])
    b_weight = chain.t[lhs[-1], :] * chain.u / (chain.lam * chain.u[lhs[-1]])
    a_sum, b_sum = a_weight.sum(), b_weight.sum()
    total = inside * a_sum * b_sum + (left @ a_weight) * b_sum + a_sum * (right @ b_weight)
    return weight * chain.cluster(lhs) * total


def _centred(g, pair):
    """g − ⟨g⟩ per bond, as Σ_pairs P2 (g(a,b) − g(a',b')) split by sign."""
    diff = g[:, :, :, None, None] - g[:, None, None, :, :]
    plus = np.einsum("cd,labcd->lab", pair, np.maximum(diff, 0.0))
    minus = np.einsum("cd,labcd->lab", pair, np.maximum(-diff, 0.0))
    return plus - minus


class LatticeReference:
    """Numpy evaluation of a lattice motif's closure (eq. 47–49, B2).

    Parameters
    ----------
    n_species : int
        S.
    rule_table : tuple
        Per process, a tuple of ``(lhs, rhs, weight)`` (site codes 0..S), as
        returned by ``LatticeMotif.rule_table()``.
    process_names, param_names : sequence of str, optional
        Labels, as in ``LatticeMotif``.
    species : sequence of str, optional
        Species names, as in ``LatticeMotif`` (default: none recorded).
    motif_hash : str, optional
        ``LatticeMotif.motif_hash`` of the motif the table came from (set by
        `from_motif`); ``simulate`` needs it to fingerprint its runs.

    Notes
    -----
    Every method accepts ``x`` of shape (L,) or (n, L) (L = S + S(S+1)/2, parameter
    order) and returns a leading n axis in the second case.
    """

    geometry = "chain"
    closure = "chain"
    point_kernel = None
    moments_kernel = None
    """No C kernels: the learning routines (``runtime/learning/backends.py``) run their
    Python integrators on `basis`, `basis_jacobian`, `moments` and `log_eigenvalue`,
    so ``integrate`` and ``learn_rates`` take a reference as they take a compiled
    library, without a compiler."""

    def __init__(self, n_species: int,
                 rule_table: Sequence[Sequence[tuple[ArrayLike, ArrayLike, float]]],
                 process_names: Sequence[str] | None = None,
                 param_names: Sequence[str] | None = None, species: Sequence[str] | None = None,
                 motif_hash: str | None = None) -> None:
        if int(n_species) != n_species or n_species < 1:
            raise invalid("n_species", "LatticeReference", "a positive integer", n_species)
        self.n_species = int(n_species)
        self.n_params = n_params(self.n_species)
        self._g = bond_statistics_table(self.n_species)
        self._inverse_map = inverse_ising_map(self.n_species)
        self._stats = {flag: _statistics(self.n_species, flag) for flag in (False, True)}
        self._rules = tuple(tuple((tuple(int(c) for c in lhs), tuple(int(c) for c in rhs),
                                   float(w)) for lhs, rhs, w in rules)
                            for rules in rule_table)
        self.process_names = tuple(process_names or
                                   (f"process{r}" for r in range(len(self._rules))))
        self.n_processes = len(self._rules)
        self.param_names = tuple(param_names or (f"x{i}" for i in range(self.n_params)))
        self.species = tuple(species or ())
        self.motif_hash = motif_hash

    @classmethod
    def from_motif(cls, motif: LatticeMotif) -> LatticeReference:
        """Reference for a ``LatticeMotif`` (reads only its plain-data exports)."""
        return cls(motif.n_species, motif.rule_table(), motif.process_names,
                   motif.param_names, motif.species, motif.motif_hash)

    def rule_table(self) -> tuple[tuple[tuple[np.ndarray, np.ndarray, float], ...], ...]:
        """The rules as plain data, as ``LatticeMotif.rule_table()`` gives them.

        Returns
        -------
        tuple
            One entry per process: a tuple of ``(lhs, rhs, weight)`` with ``lhs``
            and ``rhs`` int64 arrays of site codes and ``weight`` a float.
        """
        return tuple(tuple((np.array(lhs, dtype=np.int64), np.array(rhs, dtype=np.int64),
                            weight) for lhs, rhs, weight in rules) for rules in self._rules)

    def _points(self, x, name):
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (self.n_params,) or x.ndim > 2:
            raise invalid("x", f"LatticeReference.{name}", f"an array of shape "
                          f"({self.n_params},) or (n, {self.n_params}) (its shape shown)",
                          x.shape)
        if not np.all(np.isfinite(x)):
            raise invalid("x", f"LatticeReference.{name}", "finite", x)
        return x

    def _map(self, function, x, name):
        x = self._points(x, name)
        if x.ndim == 1:
            return function(x)
        return np.stack([function(point) for point in x])

    def log_eigenvalue(self, x: ArrayLike) -> float | np.ndarray:
        """ln λ₊ per site (thermodynamic-limit ln Z / N); shape () or (n,)."""
        return self._map(lambda p: BoltzmannChain(p, self.n_species).log_eigenvalue, x,
                         "log_eigenvalue")

    def moments(self, x: ArrayLike) -> np.ndarray:
        """Per-site (µ, ∆) = ∂ ln λ₊ / ∂x (eq. 47); shape (L,) or (n, L)."""
        return self._map(self._moments, x, "moments")

    def _moments(self, point):
        chain = BoltzmannChain(point, self.n_species)
        return np.einsum("ab,lab->l", chain.pair, self._g)

    def hessian(self, x: ArrayLike) -> np.ndarray:
        """H = ∂² ln λ₊ (eq. 48, B2), the per-site covariance; shape (L, L) or (n, L, L)."""
        return self._map(lambda p: self._hessian(BoltzmannChain(p, self.n_species)), x,
                         "hessian")

    def _hessian(self, chain):
        dev = _centred(self._g, chain.pair)
        same_bond = np.einsum("ab,lab,kab->lk", chain.pair, dev, dev)
        coupling = np.einsum("a,ab,lab,bj->lj", chain.u, chain.t, dev,
                             chain.eigenvectors[:, :-1])
        gaps = chain.lam * (chain.lam - chain.eigenvalues[:-1])
        return same_bond + 2.0 * (coupling / gaps) @ coupling.T

    def moment_derivatives(self, x: ArrayLike) -> np.ndarray:
        """ṁ⁽ʳ⁾: d(µ, ∆)/dt of each process at θ = 1 under the Boltzmann chain.

        The CME generator acts on the chain's cluster probabilities (the closure
        of Sec. III A); shape (P, L) or (n, P, L).
        """
        return self._map(
            lambda p: self._moment_derivatives(BoltzmannChain(p, self.n_species)), x,
            "moment_derivatives")

    def _moment_derivatives(self, chain, with_empty=False):
        sigma, beta = self._stats[with_empty]
        return np.stack([sum((_rule_rate(chain, sigma, beta, *rule) for rule in rules),
                             np.zeros(len(sigma))) for rules in self._rules])

    def basis(self, x: ArrayLike) -> np.ndarray:
        """F̃⁽ʳ⁾ = H⁻¹ ṁ⁽ʳ⁾ (eq. 49) per process at θ = 1; shape (P, L) or (n, P, L).

        Evaluated through the closed-form inverse of the 1D Ising map
        (`boltzmann_chain.inverse_ising_map`): F̃ = (∂x/∂m) ṁ, a signed sum of logarithmic rates
        d ln p/dt of site and bond types, each a ratio of positive cluster
        probabilities.  Mathematically identical to solving H F̃ = ṁ, but H is
        nearly singular far from the origin (scaled condition up to 1e16 for
        `sep` at |x| ≤ 10), so the solve would lose every digit there.
        """
        return self._map(self._basis, x, "basis")

    def _basis(self, point):
        chain = BoltzmannChain(point, self.n_species)
        sigma, beta = self._stats[True]
        probability = sigma @ chain.u ** 2 + np.einsum("kab,ab->k", beta, chain.pair)
        log_rates = self._moment_derivatives(chain, with_empty=True) / probability
        return log_rates @ self._inverse_map.T

    def basis_jacobian(self, x: ArrayLike) -> np.ndarray:
        """∂F̃⁽ʳ⁾_i/∂x_j (eq. 54) by Richardson-extrapolated central differences.

        Central differences with steps 3e-4 and 1.5e-4 combined to O(step⁴);
        shape (P, L, L) or (n, P, L, L).  Measured against mpmath on
        |h|, |J| ≤ 10: error ≤ ~1e-8 of max(|∂F̃⁽ʳ⁾|, |F̃⁽ʳ⁾|) per process, the worst
        case being phase coexistence (h = −J = ∓10), where F̃ varies on a
        scale of ~e^-5 in x; the step then limits the accuracy, not rounding.
        """
        return self._map(self._basis_jacobian, x, "basis_jacobian")

    def _basis_jacobian(self, point):
        columns = []
        for j in range(self.n_params):
            step = np.zeros(self.n_params)
            step[j] = _FD_STEP
            wide = (self._basis(point + step) - self._basis(point - step)) / (2 * _FD_STEP)
            narrow = (self._basis(point + step / 2) - self._basis(point - step / 2)) / _FD_STEP
            columns.append((4.0 * narrow - wide) / 3.0)
        return np.stack(columns, axis=-1)
