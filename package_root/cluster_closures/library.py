"""Build the callables of a `MotifLibrary` from a cluster engine and a coefficient table.

On a lattice of coordination z the exact moment equations of a motif are linear in four
kinds of cluster probability (`dynboltz.symbolic.lattice.bond_moments`):

    ṁ_r(x) = Σ_kind Σ_states c_r[kind, states] P_kind(states; x)        (eq. 48, left side)

for process r at unit rate.  A *cluster engine* evaluates those probabilities, the moments
m(x) = ∂ ln Z/∂x per site, the Hessian H = ∂m/∂x and ln Z per site under one closure of
the Boltzmann distribution (eq. 46, 50).  `build_library` combines an engine with the
coefficient table c (emitted by the code generator) into what a compiled library hands
out: moments, hessian, the basis functions F̃ = H⁻¹ṁ (eq. 49, per unit rate) and their
Jacobian (eq. 54, B2).

The engine protocol (duck-typed):

``n_species`` : int
    S; site codes 0 (empty) .. S.
``clusters(x) -> ClusterProbabilities``
    At one parameter vector x of shape (L,).
``hessian(x) -> ndarray (L, L)``
    ∂m/∂x at x, symmetric.
``difference_step`` : float, optional
    Step of the basis Jacobian's difference scheme (default `DIFFERENCE_STEP`).
``derivatives(x) -> (ndarray (C, L), ndarray (L, L, L))``, optional
    ∂P/∂x (columns of `ClusterProbabilities.flat`) and ∂H/∂x, when the engine has them
    without differencing (the sampled engine: covariances and third cumulants); the
    basis Jacobian then uses them instead of the difference scheme below.
``log_partition(x) -> float``, optional
    ln Z per site where ``clusters(x).log_eigenvalue`` does not hold it.
``jackknife(x, estimate) -> (value, standard error)``, optional
    A noisy engine's error estimate; the library then has ``standard_errors(x)``
    returning the standard errors of the moments (L,) and of the basis (P, L).

The basis Jacobian is derived from F̃ = H⁻¹ṁ:

    ∂F̃_r/∂x_k = H⁻¹ (∂ṁ_r/∂x_k − (∂H/∂x_k) F̃_r),

with ∂ṁ_r/∂x_k = Σ c_r ∂P/∂x_k and ∂H/∂x_k taken from the engine by the fourth-order
central difference f'(x) ≈ [f(x − 2δ) − 8 f(x − δ) + 8 f(x + δ) − f(x + 2δ)] / 12δ
(truncation error O(δ⁴), so δ = 1e-2 leaves ~1e-8 relative error for smooth engines
whose own values are accurate to ~1e-12).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dynboltz.errors import OutOfDomain
from dynboltz.lattice_layout import n_params
from dynboltz.messages import invalid
from dynboltz.motif_library import MotifLibrary

__all__ = ["CLUSTER_ORDERS", "DIFFERENCE_STEP", "ClusterProbabilities", "CoefficientTable",
           "coefficient_arrays", "build_library", "moment_vector"]

CLUSTER_ORDERS = {"site": 1, "bond": 2, "line": 3, "corner": 3}
"""Cluster kind (as in ``bond_moments.CLUSTER_KINDS``) -> number of sites."""

DIFFERENCE_STEP = 1e-2
"""Default step δ of the fourth-order difference in the basis Jacobian."""

CoefficientTable = Sequence[Sequence[Sequence[tuple[str, Sequence[int], float]]]]
"""Per process, per moment (order of ``moment_names``), the terms
``(kind, states, coefficient)``: d m/dt += coefficient × P_kind(states) at unit rate."""


@dataclass(frozen=True)
class ClusterProbabilities:
    """Cluster probabilities and moments of one closure at one x.

    Attributes
    ----------
    site : ndarray, shape (S+1,)
        P(a), a = 0 (empty) .. S.
    bond : ndarray, shape (S+1, S+1)
        P(a, b) of an ordered nearest-neighbour pair (i, i + e), averaged over sites and
        directions e (so symmetric).
    line : ndarray, shape (S+1, S+1, S+1)
        Pline(a, b, c): sites i − e, i, i + e.
    corner : ndarray, shape (S+1, S+1, S+1)
        Pcorner(a, b, c): sites i + u, i, i + v with u ⊥ v.
    moments : ndarray, shape (L,)
        [µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS] (`dynboltz.lattice_layout`).
    log_eigenvalue : float
        ln Z per site (the free energy per site up to sign).
    """

    site: np.ndarray
    bond: np.ndarray
    line: np.ndarray
    corner: np.ndarray
    moments: np.ndarray
    log_eigenvalue: float

    def flat(self) -> np.ndarray:
        """The four kinds concatenated, each raveled in C order (the column order of
        `coefficient_arrays`)."""
        return np.concatenate([self.site.ravel(), self.bond.ravel(), self.line.ravel(),
                               self.corner.ravel()])


def _cluster_offsets(n_species):
    n = n_species + 1
    offsets, start = {}, 0
    for kind, order in CLUSTER_ORDERS.items():
        offsets[kind] = start
        start += n ** order
    return offsets, start


def coefficient_arrays(coefficients: CoefficientTable, n_species: int) -> np.ndarray:
    """The coefficient table as a dense array over `ClusterProbabilities.flat` columns.

    Parameters
    ----------
    coefficients : CoefficientTable
        P processes × L moments × terms ``(kind, states, coefficient)``.
    n_species : int
        S.

    Returns
    -------
    ndarray, shape (P, L, C)
        ṁ_r = array[r] @ clusters.flat(), C = Σ_kind (S+1)^order.

    Raises
    ------
    InvalidArgumentError
        A process without L rows, an unknown kind or states of the wrong length or range.
    """
    n, size = n_species + 1, n_params(n_species)
    offsets, width = _cluster_offsets(n_species)
    out = np.zeros((len(coefficients), size, width))
    for r, rows in enumerate(coefficients):
        if len(rows) != size:
            raise invalid(f"coefficients[{r}]", "coefficient_arrays",
                          f"{size} rows (one per moment)", len(rows))
        for i, terms in enumerate(rows):
            for kind, states, value in terms:
                order = CLUSTER_ORDERS.get(kind)
                if order is None or len(states) != order or \
                        not all(0 <= s < n for s in states):
                    raise invalid(f"coefficients[{r}][{i}]", "coefficient_arrays",
                                  f"terms (kind in {sorted(CLUSTER_ORDERS)}, states of that "
                                  f"many site codes 0..{n_species}, coefficient)",
                                  (kind, states, value))
                column = offsets[kind] + int(np.ravel_multi_index(tuple(states),
                                                                  (n,) * order))
                out[r, i, column] += float(value)
    return out


LEFT_DOMAIN = ("the state left the region where the closure distribution is "
               "non-degenerate (a species extinct or filling every site); stop the run "
               "earlier or start further from that boundary")
"""What an `OutOfDomain` of a cluster closure says after naming the failing quantity."""


def _solve_hessian(hessian, rhs, x):
    """H⁻¹ rhs (eq. 52's basis and its Jacobian); a singular H means the state has left
    the closure's domain (a species extinct or saturating on every site), which the
    integrators report as `OutOfDomain` rather than a bare linear-algebra error."""
    try:
        solved = np.linalg.solve(hessian, rhs)
    except np.linalg.LinAlgError:
        solved = None
    if solved is None or not np.all(np.isfinite(solved)):
        raise OutOfDomain(
            f"the closure's Hessian H = ∂m/∂x (eq. 52) is singular at x = "
            f"{np.array2string(np.asarray(x), precision=4)}: {LEFT_DOMAIN}")
    return solved


def _difference(function, x, step):
    """Fourth-order central difference of ``function`` (array-valued) along every x_k;
    the derivative axis last."""
    columns = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = step
        columns.append((function(x - 2 * e) - 8 * function(x - e) + 8 * function(x + e)
                        - function(x + 2 * e)) / (12 * step))
    return np.stack(columns, axis=-1)


class _Callables:
    """The five functions of one library, each accepting x of shape (L,) or (n, L)."""

    def __init__(self, engine, table):
        self.engine = engine
        self.table = table  # (P, L, C)
        self.size = table.shape[1]
        self.step = float(getattr(engine, "difference_step", DIFFERENCE_STEP))

    def _point(self, x, name):
        x = np.asarray(x, dtype=float)
        if x.ndim not in (1, 2) or x.shape[-1] != self.size or not np.all(np.isfinite(x)):
            raise invalid("x", name, f"a finite array of shape ({self.size},) or "
                          f"(n, {self.size})", x)
        return x

    def _map(self, x, name, function):
        x = self._point(x, name)
        if x.ndim == 1:
            return function(x)
        return np.stack([function(row) for row in x])

    def rates(self, x):
        """ṁ per process at unit rate, shape (P, L)."""
        return self.table @ self.engine.clusters(x).flat()

    def _basis(self, x):
        return _solve_hessian(self.engine.hessian(x), self.rates(x).T, x).T

    def _basis_jacobian(self, x):
        hessian = self.engine.hessian(x)
        basis = _solve_hessian(hessian, self.rates(x).T, x).T               # (P, L)
        if hasattr(self.engine, "derivatives"):
            d_clusters, d_hessian = self.engine.derivatives(x)              # (C, K), (L, L, K)
            d_rates = self.table @ d_clusters                               # (P, L, K)
        else:
            d_rates = _difference(self.rates, x, self.step)                 # (P, L, K)
            d_hessian = _difference(self.engine.hessian, x, self.step)      # (L, L, K)
        rhs = d_rates - np.einsum("ijk,rj->rik", d_hessian, basis)          # (P, L, K)
        n_proc, size, _ = rhs.shape
        solved = _solve_hessian(hessian, rhs.transpose(1, 0, 2).reshape(size, -1), x)
        return solved.reshape(size, n_proc, size).transpose(1, 0, 2)

    def _log_z(self, x):
        if hasattr(self.engine, "log_partition"):
            return float(self.engine.log_partition(x))
        return float(self.engine.clusters(x).log_eigenvalue)

    def log_eigenvalue(self, x):
        x = self._point(x, "log_eigenvalue")
        if x.ndim == 1:
            return self._log_z(x)
        return np.array([self._log_z(row) for row in x])

    def standard_errors(self, x):
        """Standard errors of the moments (L,) and basis (P, L) at one x (jackknife)."""
        x = self._point(x, "standard_errors")
        if x.ndim != 1:
            raise invalid("x", "standard_errors", f"one point of shape ({self.size},)", x)

        def moments(stats, keep):
            return stats.moments[keep].mean(axis=0)

        def basis(stats, keep):
            hessian = stats.hessian(keep)
            rates = self.table @ stats.clusters[keep].mean(axis=0)
            return _solve_hessian(hessian, rates.T, x).T

        return {"moments": self.engine.jackknife(x, moments)[1],
                "basis": self.engine.jackknife(x, basis)[1]}

    def moments(self, x):
        return self._map(x, "moments", lambda p: self.engine.clusters(p).moments)

    def hessian(self, x):
        return self._map(x, "hessian", self.engine.hessian)

    def basis(self, x):
        return self._map(x, "basis", self._basis)

    def basis_jacobian(self, x):
        return self._map(x, "basis_jacobian", self._basis_jacobian)


def build_library(engine: object, coefficients: CoefficientTable, *, name: str,
                  species: Sequence[str], param_names: Sequence[str],
                  moment_names: Sequence[str], process_names: Sequence[str],
                  rules: Sequence, motif_hash: str, geometry: str,
                  closure: str) -> MotifLibrary:
    """A `MotifLibrary` whose functions evaluate ``engine`` (no C kernels).

    Parameters
    ----------
    engine : cluster engine
        See the module docstring; ``engine.n_species`` must equal ``len(species)``.
    coefficients : CoefficientTable
        Per process (order of ``process_names``), per moment, the terms of ṁ.
    name, species, param_names, moment_names, process_names, rules, motif_hash, geometry, closure
        As in `MotifLibrary`.

    Returns
    -------
    MotifLibrary
        ``log_eigenvalue``, ``moments``, ``hessian``, ``basis`` (F̃ = H⁻¹ṁ, eq. 49) and
        ``basis_jacobian`` (eq. 54) accept x of shape (L,) or (n, L);
        ``point_kernel`` and ``moments_kernel`` are None (the learning code takes its
        Python path).  With an engine that reports its noise (``jackknife``) the
        library also has ``standard_errors(x)`` -> {"moments": (L,), "basis": (P, L)}.

    Raises
    ------
    InvalidArgumentError
        Engine and species disagree, or the table is malformed (`coefficient_arrays`).
    """
    if getattr(engine, "n_species", None) != len(species):
        raise invalid("engine", "build_library", f"an engine of {len(species)} species",
                      getattr(engine, "n_species", engine))
    if len(coefficients) != len(process_names):
        raise invalid("coefficients", "build_library",
                      f"{len(process_names)} processes", len(coefficients))
    functions = _Callables(engine, coefficient_arrays(coefficients, len(species)))
    library = MotifLibrary(
        name=name, species=species, param_names=param_names, moment_names=moment_names,
        process_names=process_names, rules=rules, motif_hash=motif_hash,
        log_eigenvalue=functions.log_eigenvalue, moments=functions.moments,
        hessian=functions.hessian, basis=functions.basis,
        basis_jacobian=functions.basis_jacobian, point_kernel=None, moments_kernel=None,
        geometry=geometry, closure=closure)
    if hasattr(engine, "jackknife"):
        library.standard_errors = functions.standard_errors
    return library


def moment_vector(site: np.ndarray, bond: np.ndarray, coordination: int) -> np.ndarray:
    """Per-site moments [µ_1..µ_S, ∆_ab (a ≤ b)] from site and ordered-pair probabilities.

    Parameters
    ----------
    site : ndarray, shape (S+1,)
    bond : ndarray, shape (S+1, S+1)
        Direction-averaged P(a, b).
    coordination : int
        z; a site has z/2 bonds.

    Returns
    -------
    ndarray, shape (L,)
        µ_a = P(a); ∆_aa = (z/2) P(a, a), ∆_ab = (z/2)(P(a, b) + P(b, a)) for a < b.
    """
    n_species = site.size - 1
    half = coordination / 2
    pairs = [half * (bond[a, b] + bond[b, a] if a != b else bond[a, a])
             for a in range(1, n_species + 1) for b in range(a, n_species + 1)]
    return np.concatenate([site[1:], pairs])

