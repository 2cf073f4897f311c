"""Monte Carlo moments of the Boltzmann distribution: the ``"gibbs"`` cluster engine.

The general fallback closure of square and cubic lattices (the paper's asleep phase,
measured instead of closed): every quantity is an average over configurations of the
Boltzmann distribution P(s) ∝ exp(N xᵀm̂(s)) (eq. 46, 50) on a periodic lattice of N
sites, drawn by the runtime's compiled heat-bath chain with a fixed burn-in, thinning
and ``seed`` (common random numbers: the same x gives bit-identical output).

Estimators (s = one sample, m̂ its per-site moments, Ô its per-site cluster frequencies,
bars sample means, d = m̂ − m̄):

* moments m = ⟨m̂⟩, cluster probabilities P = ⟨Ô⟩ (site, ordered pair, line, corner,
  averaged over sites and directions, as `ClusterProbabilities` defines them);
* Hessian by the fluctuation–dissipation identity of the finite torus,
  H = ∂m/∂x = N Cov(m̂, m̂)  (not a difference of noisy averages);
* ∂P/∂x_k = N Cov(Ô, m̂_k), which gives ∂ṁ/∂x_k through the coefficient table;
* ∂H_ij/∂x_k = N² κ₃(m̂_i, m̂_j, m̂_k), the third joint cumulant ⟨d_i d_j d_k⟩
  (differentiate N Cov(m̂_i, m̂_j) = N(⟨m̂_i m̂_j⟩ − ⟨m̂_i⟩⟨m̂_j⟩) with
  ∂⟨A⟩/∂x_k = N Cov(A, m̂_k) for A = m̂_i m̂_j, m̂_i, m̂_j);
* F̃ = H⁻¹ṁ (eq. 49) and ∂F̃/∂x_k = H⁻¹(∂ṁ/∂x_k − (∂H/∂x_k) F̃) (eq. 54);
* ln Z per site by thermodynamic integration along x(t) = (h, tJ) from the exact
  J = 0 value ln(1 + Σ_a e^{h_a}): ∫₀¹ Jᵀ∆(h, tJ) dt by Gauss–Legendre quadrature
  (`GibbsEngine.quadrature_nodes` sampling runs; O(1/n) error where the path crosses
  a first-order line).

Noise: `GibbsEngine.standard_errors` gives jackknife standard errors over contiguous
blocks of samples (block means absorb what autocorrelation thinning leaves) for the
moments and the basis; the compiled library exposes them as ``lib.standard_errors(x)``.
These are statistical errors only; the finite-size bias of the N-site torus comes on
top (docs/closures.md, ``## gibbs``, measures it).

Layering: the sampler is compiled in the runtime (setup.py compiles only runtime/ and
generated/ .pyx files), and neither this package-root module nor the generated module
may import the runtime.  The engine therefore draws configurations through the
registry `CONFIGURATION_SOURCES`, whose ``"heat_bath"`` entry is the runtime function
``dynboltz.runtime.lattice.bonds.gibbs_sampling:draw_configurations`` named as a
string and imported on first evaluation (the registry's lazy entries): importing this
module, the generated module or `compile_motif`'s codegen loads no runtime code, and a
test or user may register another source.  The dependency is real at run time — a
gibbs library evaluates nothing without some configuration source.
"""
from __future__ import annotations

import numpy as np

from dynboltz.lattice_layout import MAX_SPECIES, n_params
from dynboltz.messages import invalid
from dynboltz.registry import Registry

from .library import ClusterProbabilities, moment_vector

__all__ = ["CONFIGURATION_SOURCES", "DEFAULT_SIZE", "GibbsEngine", "GibbsStatistics",
           "SquareGibbsEngine", "CubicGibbsEngine", "cluster_frequencies"]

CONFIGURATION_SOURCES = Registry("configuration source", {
    "heat_bath": "dynboltz.runtime.lattice.bonds.gibbs_sampling:draw_configurations",
})
"""Samplers ``draw(n_species, x, shape, n, burn_in, thinning, seed) -> int8 (n, *shape)``
by name (``"heat_bath"``: the runtime's compiled checkerboard heat-bath chain)."""

DEFAULT_SIZE = {2: 32, 3: 12}
"""Default side length by dimension: 32×32 = 1024 and 12³ = 1728 sites, many correlation
lengths wide away from a critical point (finite-size bias below the noise of the default
sample count, docs/closures.md) at ~0.2–0.5 s per evaluation."""

DEFAULTS = {"samples": 2000, "burn_in": 200, "thinning": 2, "seed": 20261205,
            "blocks": 20, "quadrature_nodes": 8}
"""Default options of `GibbsEngine` (samples kept, sweeps burnt, sweeps between samples,
seed of the common random numbers, jackknife blocks, thermodynamic-integration nodes)."""


def _axis_code(codes, base, offsets):
    """Σ_k base^k codes shifted by offsets[k] (lattice axes last), as one integer code."""
    out = np.zeros_like(codes)
    for offset in offsets:
        shifted = codes
        for axis, step in enumerate(offset):
            if step:
                shifted = np.roll(shifted, -step, axis=codes.ndim - len(offset) + axis)
        out = out * base + shifted
    return out


def cluster_frequencies(configurations: np.ndarray, n_species: int) -> np.ndarray:
    """Per-sample site, pair, line and corner frequencies (`ClusterProbabilities.flat` order).

    Parameters
    ----------
    configurations : int ndarray, shape (n, L1, L2) or (n, L1, L2, L3)
        Periodic, codes 0..S, every L >= 3.
    n_species : int

    Returns
    -------
    ndarray, shape (n, C)
        C = (S+1) + (S+1)² + 2 (S+1)³; pair, line and corner averaged over every site,
        direction and (for corners) ordered pair of perpendicular directions, so the pair
        is symmetric and line, corner are symmetric under reversing (a, b, c).
    """
    codes = np.asarray(configurations).astype(np.intp)
    n, d = codes.shape[0], codes.ndim - 1
    base = n_species + 1
    sites = int(np.prod(codes.shape[1:]))
    flat = codes.reshape(n, -1)

    def histogram(code, order):
        size = base ** order
        index = (np.arange(n)[:, None] * size + code.reshape(n, -1)).ravel()
        return np.bincount(index, minlength=n * size).reshape(n, size) / sites

    unit = [tuple(int(k == a) for k in range(d)) for a in range(d)]
    zero = (0,) * d
    site = histogram(flat, 1)
    pair = sum(histogram(_axis_code(codes, base, (zero, e)), 2) for e in unit) / d
    line = sum(histogram(_axis_code(codes, base, (tuple(-c for c in e), zero, e)), 3)
               for e in unit) / d
    corners = []
    for a in range(d):
        for b in range(a + 1, d):
            for sa in (1, -1):
                for sb in (1, -1):
                    u = tuple(sa * c for c in unit[a])
                    v = tuple(sb * c for c in unit[b])
                    corners.append(histogram(_axis_code(codes, base, (u, zero, v)), 3))
    corner = sum(corners) / len(corners)

    pair = 0.5 * (pair + pair.reshape(n, base, base).transpose(0, 2, 1).reshape(n, -1))
    line = 0.5 * (line + line.reshape(n, base, base, base).transpose(0, 3, 2, 1)
                  .reshape(n, -1))
    corner = 0.5 * (corner + corner.reshape(n, base, base, base).transpose(0, 3, 2, 1)
                    .reshape(n, -1))
    return np.concatenate([site, pair, line, corner], axis=1)


class GibbsStatistics:
    """Sample statistics of one x: per-sample moments and cluster frequencies.

    Attributes
    ----------
    moments : ndarray, shape (n, L)
        m̂ of every sample.
    clusters : ndarray, shape (n, C)
        Ô of every sample.
    n_sites : int
        N.
    """

    def __init__(self, moments, clusters, n_sites):
        self.moments = moments
        self.clusters = clusters
        self.n_sites = n_sites

    def hessian(self, rows=slice(None)):
        """N Cov(m̂, m̂) over the samples ``rows``, shape (L, L)."""
        m = self.moments[rows]
        d = m - m.mean(axis=0)
        return self.n_sites * (d.T @ d) / (m.shape[0] - 1)

    def cluster_jacobian(self, rows=slice(None)):
        """∂P/∂x = N Cov(Ô, m̂), shape (C, L)."""
        m, o = self.moments[rows], self.clusters[rows]
        d, e = m - m.mean(axis=0), o - o.mean(axis=0)
        return self.n_sites * (e.T @ d) / (m.shape[0] - 1)

    def hessian_derivative(self):
        """∂H_ij/∂x_k = N² κ₃(m̂_i, m̂_j, m̂_k) (unbiased k-statistic), shape (L, L, L)."""
        m = self.moments
        n = m.shape[0]
        d = m - m.mean(axis=0)
        third = np.einsum("si,sj,sk->ijk", d, d, d) * n / ((n - 1) * (n - 2))
        return self.n_sites ** 2 * third


class GibbsEngine:
    """Cluster probabilities, Hessian and their derivatives from Boltzmann samples.

    Parameters
    ----------
    n_species : int
        S, 1..`MAX_SPECIES`.
    dimension : {2, 3}
        Square or simple-cubic torus.
    size : int, optional
        Side length L >= 4 (L^d sites); default `DEFAULT_SIZE`.
    samples, burn_in, thinning, seed, blocks, quadrature_nodes : int, optional
        See `DEFAULTS`; ``samples`` >= 4 ``blocks``, ``blocks`` >= 2.
    source : str
        Entry of `CONFIGURATION_SOURCES`.
    """

    def __init__(self, n_species: int, dimension: int = 2, size: int | None = None,
                 samples: int | None = None, burn_in: int | None = None,
                 thinning: int | None = None, seed: int | None = None,
                 blocks: int | None = None, quadrature_nodes: int | None = None,
                 source: str = "heat_bath") -> None:
        name = type(self).__name__

        def integer(value, param, low, default):
            value = default if value is None else value
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < low:
                raise invalid(param, name, f"an integer >= {low}", value)
            return int(value)

        if isinstance(n_species, bool) or not isinstance(n_species, int) \
                or not 1 <= n_species <= MAX_SPECIES:
            raise invalid("n_species", name, f"an integer in [1, {MAX_SPECIES}]", n_species)
        if dimension not in (2, 3):
            raise invalid("dimension", name, "2 (square) or 3 (cubic)", dimension)
        self.n_species = n_species
        self.dimension = dimension
        self.size = integer(size, "size", 4, DEFAULT_SIZE[dimension])
        self.blocks = integer(blocks, "blocks", 2, DEFAULTS["blocks"])
        self.samples = integer(samples, "samples", 4 * self.blocks, DEFAULTS["samples"])
        self.burn_in = integer(burn_in, "burn_in", 0, DEFAULTS["burn_in"])
        self.thinning = integer(thinning, "thinning", 1, DEFAULTS["thinning"])
        self.seed = integer(seed, "seed", 0, DEFAULTS["seed"])
        self.quadrature_nodes = integer(quadrature_nodes, "quadrature_nodes", 1,
                                        DEFAULTS["quadrature_nodes"])
        self._draw = CONFIGURATION_SOURCES.lookup(source, "source", name)
        self.shape = (self.size,) * dimension
        self.n_sites = self.size ** dimension
        self._cache: dict[bytes, GibbsStatistics] = {}

    def __repr__(self):
        return (f"{type(self).__name__}(n_species={self.n_species}, size={self.size}, "
                f"samples={self.samples}, seed={self.seed})")

    # -- samples ------------------------------------------------------------------
    def _checked(self, x, function):
        x = np.asarray(x, dtype=float)
        if x.shape != (n_params(self.n_species),) or not np.all(np.isfinite(x)):
            raise invalid("x", f"{type(self).__name__}.{function}", f"a finite array of "
                          f"shape ({n_params(self.n_species)},)", x)
        return x

    def statistics(self, x: np.ndarray) -> GibbsStatistics:
        """The per-sample moments and cluster frequencies at x (cached per x)."""
        x = self._checked(x, "statistics")
        key = x.tobytes()
        if key not in self._cache:
            if len(self._cache) > 32:
                self._cache.clear()
            configurations = self._draw(self.n_species, x, self.shape, self.samples,
                                        self.burn_in, self.thinning, self.seed)
            clusters = cluster_frequencies(configurations, self.n_species)
            base = self.n_species + 1
            site = clusters[:, :base]
            pair = clusters[:, base:base + base * base].reshape(-1, base, base)
            moments = np.stack([moment_vector(s, p, 2 * self.dimension)
                                for s, p in zip(site, pair)])
            self._cache[key] = GibbsStatistics(moments, clusters, self.n_sites)
        return self._cache[key]

    # -- the engine protocol ------------------------------------------------------
    def clusters(self, x: np.ndarray) -> ClusterProbabilities:
        """Sample means of the cluster frequencies and moments; ln Z per site as NaN
        (`log_partition` computes it, at `quadrature_nodes` more sampling runs)."""
        stats = self.statistics(x)
        return self._probabilities(stats.clusters.mean(axis=0), stats.moments.mean(axis=0),
                                   float("nan"))

    def _probabilities(self, flat, moments, log_z):
        base = self.n_species + 1
        cuts = np.cumsum([base, base ** 2, base ** 3])
        site, pair, line, corner = np.split(flat, cuts)
        return ClusterProbabilities(site=site, bond=pair.reshape(base, base),
                                    line=line.reshape((base,) * 3),
                                    corner=corner.reshape((base,) * 3), moments=moments,
                                    log_eigenvalue=log_z)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """H = N Cov(m̂, m̂) at x, shape (L, L) (fluctuation–dissipation)."""
        return self.statistics(x).hessian()

    def derivatives(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(∂P/∂x (C, L), ∂H/∂x (L, L, L)) by the covariance and third-cumulant identities."""
        stats = self.statistics(x)
        return stats.cluster_jacobian(), stats.hessian_derivative()

    def log_partition(self, x: np.ndarray) -> float:
        """ln Z per site by thermodynamic integration in J from the exact J = 0 value."""
        x = self._checked(x, "log_partition")
        s = self.n_species
        value = float(np.log1p(np.exp(x[:s]).sum()))
        if np.any(x[s:] != 0):
            nodes, weights = np.polynomial.legendre.leggauss(self.quadrature_nodes)
            for t, w in zip(0.5 * (nodes + 1), 0.5 * weights):
                point = np.concatenate([x[:s], t * x[s:]])
                value += w * float(x[s:] @ self.statistics(point).moments.mean(axis=0)[s:])
        return value

    # -- noise --------------------------------------------------------------------
    def block_rows(self):
        """Slices of the `blocks` contiguous blocks of samples."""
        edges = np.linspace(0, self.samples, self.blocks + 1).astype(int)
        return [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]

    def jackknife(self, x: np.ndarray, estimate) -> tuple[np.ndarray, np.ndarray]:
        """``estimate(stats, keep)`` on all samples and its delete-one-block jackknife SE.

        ``keep`` is a boolean mask of samples; returns (value, standard error).
        """
        stats = self.statistics(x)
        full = np.asarray(estimate(stats, np.ones(self.samples, dtype=bool)))
        leave = []
        for rows in self.block_rows():
            keep = np.ones(self.samples, dtype=bool)
            keep[rows] = False
            leave.append(np.asarray(estimate(stats, keep)))
        leave = np.array(leave)
        b = self.blocks
        error = np.sqrt((b - 1) / b * ((leave - leave.mean(axis=0)) ** 2).sum(axis=0))
        return full, error


class SquareGibbsEngine(GibbsEngine):
    """`GibbsEngine` on the periodic square lattice (default 32×32)."""

    def __init__(self, n_species: int, **options) -> None:
        super().__init__(n_species, 2, **options)


class CubicGibbsEngine(GibbsEngine):
    """`GibbsEngine` on the periodic simple-cubic lattice (default 12³)."""

    def __init__(self, n_species: int, **options) -> None:
        super().__init__(n_species, 3, **options)
