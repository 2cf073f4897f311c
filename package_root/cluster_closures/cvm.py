"""Kikuchi's cluster variation method (CVM) with one largest cluster: the shared solver.

A `CvmGeometry` says which cluster is the largest (its P positions, its nearest-neighbour
edges, its symmetry group) and which of its subclusters carry Kikuchi coefficients; a
`KikuchiEngine` solves the CVM of the Boltzmann distribution exp(Σ_i h_{s_i} +
Σ_⟨ij⟩ J_{s_i s_j}) (eq. 46, 50) on it.  With ρ the law of the largest cluster, ε its
share of the energy (each bond is shared by ``bonds_shared`` largest clusters, each site
by ``sites_shared``) and, per family f of subclusters, ρ_f the marginal and k_f the number
per lattice site times its Kikuchi coefficient,

    ln Z / N ≈ max_ρ Φ(ρ),   Φ = Σ ρ ε + H(ρ) + Σ_f k_f H(ρ_f),   H the entropy.

For the translation-invariant phases the closure describes, ρ has the full symmetry of
the cluster and the stationarity condition is the fixed point

    ln ρ(s) = ε(s) + Σ_f c_f Σ_{members m of f} ln ρ_f(s_m) − ln Z,   c_f = −k_f / |f|,  (*)

whose normalising constant equals Φ: ln Z per site.  The engine solves (*) for ln ρ on
the symmetry orbits of cluster states (every sum over states is a sum over orbits
weighted by their sizes, every marginal a precomputed orbit-count matrix times the orbit
probabilities) by Newton's method with backtracking (a damped
fixed-point step when Newton stalls; iterates renormalised), from several product-measure
starts (uniform, each site code dominant in turn), and keeps the fixed point of largest
Φ, the stable phase (near a first-order transition the branches cross and the moments
jump there).  Sublattice order is outside this translation-invariant ansatz: the engine
then returns the disordered branch.

Derivatives come from the implicit-function theorem, dq/dx = (I − ∂G/∂q)⁻¹ ∂G/∂x on the
orbit log-probabilities q, so the Hessian ∂m/∂x (eq. B2) is exact to rounding; the
moments m = ∂(ln Z/N)/∂x are the cluster's site and bond marginals.

Cluster probabilities of the exact moment equations
(`dynboltz.symbolic.lattice.bond_moments`): ``site``, ``bond`` and ``corner`` are
marginals of the largest cluster (exact within the CVM); three sites in a ``line`` lie in
no cluster of a plaquette or a cube, so the engine uses the consistent pair approximation
Pline(a, b, c) ≈ ρ₂(a, b) ρ₂(b, c) / ρ₁(b) (a Markov chain along the row; exact at
J = 0, where the CVM itself is exact).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from dynboltz.errors import ConvergenceError
from dynboltz.lattice_layout import bond_pairs, n_params
from dynboltz.messages import invalid

from .library import ClusterProbabilities, moment_vector

__all__ = ["CvmGeometry", "CvmSolution", "KikuchiEngine"]

_FLOOR = 1e-300  # marginals are kept above this, so their logarithms stay finite
_STALL = 25  # Newton steps without halving the residual after which a start is dropped


@dataclass(frozen=True)
class CvmGeometry:
    """The largest cluster of a CVM and the Kikuchi weights of its subclusters.

    Attributes
    ----------
    name : str
    coordination : int
        z of the lattice.
    n_positions : int
        P, sites of the largest cluster.
    symmetries : tuple of tuple of int
        The position permutations of the cluster's symmetry group.
    edges : tuple of (int, int)
        Its nearest-neighbour bonds.
    bonds_shared, sites_shared : int
        Largest clusters sharing one bond, one site (the energy's shares).
    families : tuple of (float, tuple of tuple of int)
        (k_f, members): k_f = Kikuchi coefficient × clusters of the family per lattice
        site; members the position tuples, all images of the first under the symmetry
        group, each read in the same order.  Must include the ``"bond"`` and ``"site"``
        families named in ``bond_family``, ``site_family``.
    bond_family, site_family : int
        Index in ``families`` of the nearest-neighbour pairs and of the sites.
    corner : tuple of int
        Positions (a, b, c) of a corner inside the cluster, b the corner.
    max_species : int
        Most species (the cluster has (S+1)^P states).
    """

    name: str
    coordination: int
    n_positions: int
    symmetries: tuple[tuple[int, ...], ...]
    edges: tuple[tuple[int, int], ...]
    bonds_shared: int
    sites_shared: int
    families: tuple[tuple[float, tuple[tuple[int, ...], ...]], ...]
    bond_family: int
    site_family: int
    corner: tuple[int, int, int]
    max_species: int


class CvmSolution:
    """The stable fixed point of the CVM at one x.

    Attributes
    ----------
    x : ndarray, shape (L,)
    orbit_log : ndarray, shape (n_orbits,)
        ln ρ of one state of each symmetry orbit of cluster states.
    bond, site : ndarray
        ρ₂ (S+1, S+1), symmetric, and ρ₁ (S+1,).
    log_z : float
        Φ at the fixed point: ln Z per site under the closure.
    jacobian : ndarray, shape (n_orbits, n_orbits)
        I − ∂G/∂q at the fixed point.
    """

    def __init__(self, x, orbit_log, bond, site, log_z, jacobian):
        self.x = x
        self.orbit_log = orbit_log
        self.bond = bond
        self.site = site
        self.log_z = log_z
        self.jacobian = jacobian


def _orbits(geometry, states, n):
    """Orbit index of every cluster state, and the first state (C order) of each orbit."""
    weights = n ** np.arange(geometry.n_positions)[::-1]
    images = np.stack([states[:, list(perm)] @ weights for perm in geometry.symmetries])
    canonical = images.min(axis=0)
    representatives, orbit_of = np.unique(canonical, return_inverse=True)
    return orbit_of.ravel(), representatives


def _statistics(geometry, states, n_species):
    """∂ε/∂x: the cluster energy's coefficient of every parameter, shape (states, L)."""
    columns = [(states == a).sum(axis=1) / geometry.sites_shared
               for a in range(1, n_species + 1)]
    for a, b in bond_pairs(n_species):
        count = np.zeros(len(states))
        for i, j in geometry.edges:
            s, t = states[:, i], states[:, j]
            count += ((s == a) & (t == b)) | ((s == b) & (t == a))
        columns.append(count / geometry.bonds_shared)
    return np.stack(columns, axis=1)


class KikuchiEngine:
    """Cluster probabilities of the CVM on one `CvmGeometry`, any small S.

    Parameters
    ----------
    geometry : CvmGeometry
    n_species : int
        S, 1..``geometry.max_species``.
    tol : float, optional
        Largest |residual| of (*) accepted, in ln ρ (default 1e-12).
    max_iter : int, optional
        Most Newton steps per start (default 200).
    function : str
        Public name used in error messages.

    Attributes
    ----------
    n_species : int
    geometry : CvmGeometry
    difference_step : float
        Step the library's basis-Jacobian difference uses (the Hessian here is exact,
        so a smaller step than the library's default suits it).
    """

    difference_step = 2e-3

    def __init__(self, geometry: CvmGeometry, n_species: int, tol: float = 1e-12,
                 max_iter: int = 200, function: str = "KikuchiEngine") -> None:
        if isinstance(n_species, bool) or not isinstance(n_species, int) \
                or not 1 <= n_species <= geometry.max_species:
            raise invalid("n_species", function,
                          f"an integer in [1, {geometry.max_species}]", n_species)
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1e-3:
            raise invalid("tol", function, "a number in (0, 1e-3)", tol)
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise invalid("max_iter", function, "an integer >= 1", max_iter)
        self.geometry = geometry
        self.n_species = n_species
        self.tol = float(tol)
        self.max_iter = max_iter
        self._function = function
        n = self._n = n_species + 1
        states = np.array(list(itertools.product(range(n), repeat=geometry.n_positions)))
        orbit_of, representatives = _orbits(geometry, states, n)
        self._log_sizes = np.log(np.bincount(orbit_of))
        self._statistics = _statistics(geometry, states, n_species)[representatives]
        self._representative_states = states[representatives]
        # per family: sub-state index of every member in each orbit's representative, and
        # the orbit-count matrix C[t, o] = #{states of orbit o whose first member reads t}
        self._member_index, self._counts = [], []
        for _, members in geometry.families:
            self._member_index.append(np.stack([self._sub_index(states[representatives], m)
                                                for m in members]))
            self._counts.append(self._count_matrix(states, orbit_of, members[0]))
        self._corner_counts = self._count_matrix(states, orbit_of, geometry.corner)
        self._cache: dict[bytes, CvmSolution] = {}

    def __repr__(self):
        return f"{type(self).__name__}(n_species={self.n_species})"

    def _sub_index(self, states, positions):
        return states[:, list(positions)] @ (self._n ** np.arange(len(positions))[::-1])

    def _count_matrix(self, states, orbit_of, positions):
        counts = np.zeros((self._n ** len(positions), orbit_of.max() + 1))
        np.add.at(counts, (self._sub_index(states, positions), orbit_of), 1.0)
        return counts

    # -- the fixed point (all on orbits) --------------------------------------------
    def _update(self, q, energy):
        """G(q) (normalised), ln Z, the orbit probabilities and the family marginals."""
        rho = np.exp(q)
        marginals = [np.maximum(counts @ rho, _FLOOR) for counts in self._counts]
        g = energy.copy()
        for (k, members), index, marginal in zip(self.geometry.families,
                                                 self._member_index, marginals):
            g += (-k / len(members)) * np.log(marginal)[index].sum(axis=0)
        log_z = logsumexp(g + self._log_sizes)
        return g - log_z, log_z, rho, marginals

    def _jacobian(self, g_new, rho, marginals):
        """I − ∂G/∂q, G = g − ln Σ_o size_o exp(g_o)."""
        d_g = np.zeros((rho.size, rho.size))
        for (k, members), index, counts, marginal in zip(
                self.geometry.families, self._member_index, self._counts, marginals):
            d_log = counts * (rho[None, :] / marginal[:, None])
            d_g += (-k / len(members)) * d_log[index].sum(axis=0)
        d_g -= np.exp(g_new + self._log_sizes) @ d_g                # normalisation
        return np.eye(rho.size) - d_g

    def _residual_size(self, q, energy):
        """Largest |q − G(q)|, inf where (*) cannot be evaluated."""
        with np.errstate(all="ignore"):
            g_new, *_ = self._update(q, energy)
            size = np.abs(q - g_new).max()
        return size if np.isfinite(size) else np.inf

    def _normalised(self, q):
        """q shifted so that the cluster law sums to one (G is blind to the shift)."""
        return q - logsumexp(q + self._log_sizes)

    def _newton(self, q, energy):
        """Fixed point of (*) from q, or None when this start fails (a residual that cannot
        be evaluated, `_STALL` steps without halving it, or ``max_iter`` steps)."""
        q = self._normalised(q)
        best, since_best = np.inf, 0
        for _ in range(self.max_iter):
            with np.errstate(all="ignore"):
                g_new, _, rho, marginals = self._update(q, energy)
                residual = q - g_new
                size = np.abs(residual).max()
                if not np.isfinite(size):
                    return None
                if size <= self.tol:
                    return q
                jacobian = self._jacobian(g_new, rho, marginals)
            best, since_best = (size, 0) if size < 0.5 * best else (best, since_best + 1)
            if since_best > _STALL:
                return None  # no fixed point near this start (a branch that has ended)
            try:
                step = -np.linalg.solve(jacobian, residual)
            except np.linalg.LinAlgError:
                step = np.zeros_like(q)
            length = 1.0
            while length > 1e-4:
                trial = self._normalised(q + length * step)
                if self._residual_size(trial, energy) < (1 - 0.1 * length) * size:
                    break
                length *= 0.5
            else:
                trial = self._normalised(0.5 * (q + g_new))  # damped fixed-point step
            q = trial
        return None

    def _starts(self):
        """ln ρ of product measures: uniform, then each site code dominant in turn."""
        n = self._n
        sites = [np.full(n, 1.0 / n)]
        for code in range(n):
            p = np.full(n, 0.1 / (n - 1))
            p[code] = 0.9
            sites.append(p)
        return [np.log(p)[self._representative_states].sum(axis=1) for p in sites]

    def _phi(self, q, marginals, energy):
        """The CVM functional Φ (ln Z per site at a fixed point)."""
        def entropy(p):
            p = p[p > 0]
            return -np.sum(p * np.log(p))
        weight = np.exp(q + self._log_sizes)  # probability of each whole orbit
        return float(weight @ (energy - q) + sum(
            k * entropy(marginal) for (k, _), marginal in zip(self.geometry.families,
                                                               marginals)))

    def solve(self, x: np.ndarray) -> CvmSolution:
        """The stable fixed point of (*) at x (largest Φ over the starts), cached.

        Parameters
        ----------
        x : ndarray, shape (L,)
            [h_1..h_S, J_11, .., J_SS] (`dynboltz.lattice_layout`), finite.

        Returns
        -------
        CvmSolution

        Raises
        ------
        InvalidArgumentError
            A bad x.
        ConvergenceError
            No start converged (parameters far outside any data: |x| of hundreds).
        """
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if key not in self._cache:
            if x.shape != (n_params(self.n_species),) or not np.all(np.isfinite(x)):
                raise invalid("x", f"{self._function}.solve", f"a finite array of shape "
                              f"({n_params(self.n_species)},)", x)
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = self._solve(x)
        return self._cache[key]

    def _solve(self, x):
        energy = self._statistics @ x
        best = None
        for start in self._starts():
            q = self._newton(start, energy)
            if q is None:
                continue
            g_new, _, rho, marginals = self._update(q, energy)
            phi = self._phi(q, marginals, energy)
            if best is None or phi > best[0] + 1e-13:
                best = (phi, q, marginals, self._jacobian(g_new, rho, marginals))
        if best is None:
            raise ConvergenceError(f"`{self._function}.solve` found no fixed point of the "
                                   f"{self.geometry.name} CVM within {self.max_iter} Newton "
                                   f"steps from any start at x = {x.tolist()}")
        phi, q, marginals, jacobian = best
        n = self._n
        bond = marginals[self.geometry.bond_family].reshape(n, n)
        return CvmSolution(x, q, 0.5 * (bond + bond.T), marginals[self.geometry.site_family],
                           phi, jacobian)

    # -- what the library needs -------------------------------------------------------
    def clusters(self, x: np.ndarray) -> ClusterProbabilities:
        """Site, pair, line and corner probabilities, moments and ln Z per site at x.

        Parameters
        ----------
        x : ndarray, shape (L,)

        Returns
        -------
        ClusterProbabilities
            ``line`` in the pair approximation ρ₂(a, b) ρ₂(b, c) / ρ₁(b) (module
            docstring); the rest exact within the CVM.
        """
        solution = self.solve(x)
        site, bond, n = solution.site, solution.bond, self._n
        line = bond[:, :, None] * bond[None, :, :] / site[None, :, None]
        corner = (self._corner_counts @ np.exp(solution.orbit_log)).reshape(n, n, n)
        corner = 0.5 * (corner + corner.transpose(2, 1, 0))
        return ClusterProbabilities(site=site, bond=bond, line=line, corner=corner,
                                    moments=moment_vector(site, bond,
                                                          self.geometry.coordination),
                                    log_eigenvalue=solution.log_z)

    def orbit_derivative(self, x: np.ndarray) -> np.ndarray:
        """dq/dx = (I − ∂G/∂q)⁻¹ ∂G/∂x at the stable fixed point (implicit functions).

        Returns
        -------
        ndarray, shape (n_orbits, L)
        """
        solution = self.solve(x)
        weight = np.exp(solution.orbit_log + self._log_sizes)
        d_energy = self._statistics - weight @ self._statistics       # normalisation
        return np.linalg.solve(solution.jacobian, d_energy)

    def hessian(self, x: np.ndarray) -> np.ndarray:
        """∂m/∂x (eq. B2) by the implicit-function theorem, exact to rounding.

        Parameters
        ----------
        x : ndarray, shape (L,)

        Returns
        -------
        ndarray, shape (L, L)
            Symmetrised ((H + Hᵀ)/2; the asymmetry before is ~1e-12).
        """
        solution = self.solve(x)
        n, size = self._n, n_params(self.n_species)
        d_rho = np.exp(solution.orbit_log)[:, None] * self.orbit_derivative(x)
        d_bond = (self._counts[self.geometry.bond_family] @ d_rho).reshape(n, n, size)
        d_bond = 0.5 * (d_bond + d_bond.transpose(1, 0, 2))
        d_site = d_bond.sum(axis=1)
        matrix = np.stack([moment_vector(d_site[:, k], d_bond[:, :, k],
                                         self.geometry.coordination)
                           for k in range(size)], axis=1)
        return 0.5 * (matrix + matrix.T)
