"""Kikuchi's square cluster variation method: the 2×2 plaquette as the largest cluster.

The Boltzmann distribution exp(Σ_i h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j}) of the square lattice
(eq. 46, 50) is approximated by the cluster variation method (CVM) with the plaquette,
its bonds and its sites as clusters.  Per site there are one plaquette, two bonds and one
site, and the Kikuchi coefficients are 1, −1, 1, so with ρ the probability of a plaquette
(a, b, c, d) read around it (top-left, top-right, bottom-right, bottom-left), ρ₂ its bond
and ρ₁ its site marginal,

    ln Z / N ≈ max_ρ Φ(ρ),   Φ = Σ ρ ε − Σ ρ ln ρ + 2 Σ ρ₂ ln ρ₂ − Σ ρ₁ ln ρ₁,
    ε(a, b, c, d) = (h_a + h_b + h_c + h_d) / 4 + (J_ab + J_bc + J_cd + J_da) / 2

(each bond is shared by two plaquettes, each site by four).  For the translation- and
rotation-invariant phases this closure describes, ρ has the symmetry of the square
(dihedral group D4) and the stationarity condition is the fixed point

    ln ρ(a, b, c, d) = ε + ½ Σ_edges ln ρ₂ − ¼ Σ_sites ln ρ₁ − ln Z,          (*)

whose normalising constant is Φ at the fixed point, i.e. ln Z per site.  The engine
solves (*) for ln ρ on the D4 orbits of plaquette states by Newton's method with a
backtracking line search (damped fixed-point steps when Newton stalls), from several
product-measure starts (uniform, and each site code in turn dominant); of the fixed
points found it keeps the one of largest Φ, the stable phase.  Near a first-order
transition the two branches cross and the moments jump there, as the closure's free
energy says.  Sublattice (checkerboard) order, which repulsive couplings favour, is
outside this translation-invariant ansatz: there the engine returns the disordered
branch.

Derivatives come from the implicit-function theorem: with R(q, x) = q − G(q, x) the
residual of (*) on orbit log-probabilities q, dq/dx = (I − ∂G/∂q)⁻¹ ∂G/∂x, so the
Hessian ∂m/∂x (eq. B2) is exact to rounding; the moments m = ∂(ln Z/N)/∂x are the
plaquette's site and bond marginals (the constraints of the CVM do not depend on x).

Cluster probabilities of the exact moment equations
(`dynboltz.symbolic.lattice.bond_moments`):

* ``site`` ρ₁ and ``bond`` ρ₂: marginals of the plaquette, the CVM's own clusters;
* ``corner`` (a, b, c), b the corner: the plaquette summed over its fourth site, a
  marginal of the largest cluster, so consistent within the CVM;
* ``line`` (a, b, c), three sites in a row, is not inside any plaquette: the CVM gives
  no probability for it, and this engine uses the consistent pair approximation
  Pline(a, b, c) ≈ ρ₂(a, b) ρ₂(b, c) / ρ₁(b) (a Markov chain along the row; exact at
  J = 0, where the plaquette closure itself is exact).
"""
from __future__ import annotations

import itertools

import numpy as np
from scipy.special import logsumexp

from dynboltz.errors import ConvergenceError
from dynboltz.lattice_layout import MAX_SPECIES, bond_pairs, n_params
from dynboltz.messages import invalid

from .library import ClusterProbabilities, moment_vector

__all__ = ["MAX_PLAQUETTE_SPECIES", "PlaquetteSolution", "PlaquetteEngine"]

MAX_PLAQUETTE_SPECIES = 6
"""Most species the engine accepts: (S+1)^4 plaquette states (2401 at S = 6)."""

_COORDINATION = 4
_FLOOR = 1e-300  # marginals are kept above this, so their logarithms stay finite
_EDGES = ((0, 1), (1, 2), (2, 3), (3, 0))
_SYMMETRIES = ((0, 1, 2, 3), (1, 2, 3, 0), (2, 3, 0, 1), (3, 0, 1, 2),
               (1, 0, 3, 2), (0, 3, 2, 1), (3, 2, 1, 0), (2, 1, 0, 3))
"""The eight position permutations of the square (rotations, then reflections)."""


class PlaquetteSolution:
    """One fixed point of the plaquette CVM at one x.

    Attributes
    ----------
    x : ndarray, shape (L,)
    orbit_log : ndarray, shape (n_orbits,)
        ln ρ on the D4 orbits of plaquette states.
    plaquette : ndarray, shape (S+1,)*4
        ρ(a, b, c, d), sites read around the plaquette.
    bond, site : ndarray
        ρ₂ (S+1, S+1), symmetric, and ρ₁ (S+1,).
    log_z : float
        Φ at the fixed point: ln Z per site under the closure.
    jacobian : ndarray, shape (n_orbits, n_orbits)
        I − ∂G/∂q at the fixed point.
    """

    def __init__(self, x, orbit_log, plaquette, bond, site, log_z, jacobian):
        self.x = x
        self.orbit_log = orbit_log
        self.plaquette = plaquette
        self.bond = bond
        self.site = site
        self.log_z = log_z
        self.jacobian = jacobian


def _orbits(n):
    """Orbit index of every plaquette state (flat, C order) and one member per orbit."""
    states = list(itertools.product(range(n), repeat=4))
    canonical = {}
    orbit_of = np.empty(len(states), dtype=np.int64)
    representatives = []
    for flat, state in enumerate(states):
        key = min(tuple(state[p] for p in perm) for perm in _SYMMETRIES)
        if key not in canonical:
            canonical[key] = len(representatives)
            representatives.append(flat)
        orbit_of[flat] = canonical[key]
    return orbit_of, np.array(representatives, dtype=np.int64)


def _statistics(n_species):
    """∂ε/∂x: the plaquette energy's coefficient of every parameter, shape (n^4, L)."""
    n = n_species + 1
    states = np.array(list(itertools.product(range(n), repeat=4)))
    columns = [(states == a).sum(axis=1) / 4.0 for a in range(1, n)]
    for a, b in bond_pairs(n_species):
        count = np.zeros(len(states))
        for i, j in _EDGES:
            s, t = states[:, i], states[:, j]
            count += ((s == a) & (t == b)) | ((s == b) & (t == a))
        columns.append(count / 2.0)
    return np.stack(columns, axis=1)


class PlaquetteEngine:
    """Cluster probabilities of Kikuchi's square (plaquette) CVM, any small S.

    Parameters
    ----------
    n_species : int
        S, 1..`MAX_PLAQUETTE_SPECIES`.
    tol : float, optional
        Largest |residual| of (*) accepted, in ln ρ (default 1e-12).
    max_iter : int, optional
        Most Newton steps per start (default 200).

    Attributes
    ----------
    n_species : int
    difference_step : float
        Step the library's basis-Jacobian difference uses (the Hessian here is exact,
        so a smaller step than the default suits it).
    """

    difference_step = 2e-3

    def __init__(self, n_species: int, tol: float = 1e-12, max_iter: int = 200) -> None:
        if isinstance(n_species, bool) or not isinstance(n_species, int) \
                or not 1 <= n_species <= min(MAX_SPECIES, MAX_PLAQUETTE_SPECIES):
            raise invalid("n_species", "PlaquetteEngine",
                          f"an integer in [1, {MAX_PLAQUETTE_SPECIES}]", n_species)
        if not isinstance(tol, (int, float)) or not 0 < tol < 1e-3:
            raise invalid("tol", "PlaquetteEngine", "a number in (0, 1e-3)", tol)
        if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
            raise invalid("max_iter", "PlaquetteEngine", "an integer >= 1", max_iter)
        self.n_species = n_species
        self.tol = float(tol)
        self.max_iter = max_iter
        n = n_species + 1
        self._n = n
        self._orbit_of, self._representatives = _orbits(n)
        self._expand = np.zeros((n ** 4, len(self._representatives)))
        self._expand[np.arange(n ** 4), self._orbit_of] = 1.0
        self._statistics = _statistics(n_species)
        states = np.array(list(itertools.product(range(n), repeat=4)))
        # flat pair index of each edge and site index of each position, per state
        self._edge_index = np.stack([states[:, i] * n + states[:, j] for i, j in _EDGES])
        self._site_index = states.T.copy()
        self._cache: dict[bytes, PlaquetteSolution] = {}

    def __repr__(self):
        return f"PlaquetteEngine(n_species={self.n_species})"

    # -- the fixed point ------------------------------------------------------------
    def _energy(self, x):
        return self._statistics @ x

    def _marginals(self, rho):
        n = self._n
        tensor = rho.reshape((n,) * 4)
        bond = tensor.sum(axis=(2, 3))          # top edge (top-left, top-right)
        bond = np.maximum(0.5 * (bond + bond.T), _FLOOR)
        return bond, np.maximum(bond.sum(axis=1), _FLOOR)

    def _update(self, q, energy):
        """G(q) on every state (normalised) and the pieces of its derivative."""
        rho = np.exp(self._expand @ q)
        bond, site = self._marginals(rho)
        log_bond, log_site = np.log(bond).ravel(), np.log(site)
        g = energy + 0.5 * log_bond[self._edge_index].sum(axis=0) \
            - 0.25 * log_site[self._site_index].sum(axis=0)
        log_z = logsumexp(g)
        return g - log_z, log_z, rho, bond, site

    def _jacobian(self, q, g_new, rho, bond, site):
        """I − ∂G/∂q on the orbits, G = g − logsumexp(g)."""
        n, m = self._n, self._expand.shape[1]
        weighted = rho[:, None] * self._expand                      # ∂ρ/∂q, (n^4, m)
        d_bond = weighted.reshape(n, n, n * n, m).sum(axis=2)       # top-edge marginal
        d_bond = 0.5 * (d_bond + d_bond.transpose(1, 0, 2))
        d_log_bond = (d_bond / bond[:, :, None]).reshape(n * n, m)
        d_log_site = d_bond.sum(axis=1) / site[:, None]
        d_g = 0.5 * d_log_bond[self._edge_index].sum(axis=0) \
            - 0.25 * d_log_site[self._site_index].sum(axis=0)
        d_g -= np.exp(g_new) @ d_g                                   # normalisation
        return np.eye(m) - d_g[self._representatives]

    def _residual_size(self, q, energy):
        """Largest |q − G(q)|, inf where (*) cannot be evaluated."""
        with np.errstate(all="ignore"):
            g_new, *_ = self._update(q, energy)
            size = np.abs(q - g_new[self._representatives]).max()
        return size if np.isfinite(size) else np.inf

    def _normalised(self, q):
        """q shifted so that ρ = exp(q) sums to one (G is blind to the shift)."""
        return q - logsumexp(q[self._orbit_of])

    def _newton(self, q, energy):
        """Fixed point of (*) from q: Newton with backtracking, a damped fixed-point step
        when no Newton step lowers the residual.  Returns q, or None when this start
        fails (no convergence in ``max_iter`` steps, or a residual that cannot be
        evaluated)."""
        q = self._normalised(q)
        for _ in range(self.max_iter):
            with np.errstate(all="ignore"):
                g_new, _, rho, bond, site = self._update(q, energy)
                residual = q - g_new[self._representatives]
                size = np.abs(residual).max()
                if not np.isfinite(size):
                    return None
                if size <= self.tol:
                    return q
                jacobian = self._jacobian(q, g_new, rho, bond, site)
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
                trial = self._normalised(0.5 * (q + g_new[self._representatives]))
            q = trial
        return None

    def _starts(self):
        """ln ρ of product measures: uniform, then each site code dominant in turn."""
        n = self._n
        sites = [np.full(n, 1.0 / n)]
        for code in range(n):
            p = np.full(n, 0.1 / max(n - 1, 1))
            p[code] = 0.9
            sites.append(p)
        states = self._site_index[:, self._representatives]
        return [np.log(p)[states].sum(axis=0) for p in sites]

    def _phi(self, plaquette, bond, site, energy):
        """The CVM functional Φ (ln Z per site at a fixed point)."""
        def entropy(p):
            p = p[p > 0]
            return -np.sum(p * np.log(p))
        return float(plaquette.ravel() @ energy + entropy(plaquette.ravel())
                     - 2 * entropy(bond.ravel()) + entropy(site))

    def solve(self, x: np.ndarray) -> PlaquetteSolution:
        """The stable fixed point of (*) at x (largest Φ over the starts), cached.

        Parameters
        ----------
        x : ndarray, shape (L,)
            [h_1..h_S, J_11, .., J_SS] (`dynboltz.lattice_layout`), finite.

        Returns
        -------
        PlaquetteSolution

        Raises
        ------
        InvalidArgumentError
            A bad x.
        ConvergenceError
            No start converged.
        """
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if key not in self._cache:
            if x.shape != (n_params(self.n_species),) or not np.all(np.isfinite(x)):
                raise invalid("x", "PlaquetteEngine.solve", f"a finite array of shape "
                              f"({n_params(self.n_species)},)", x)
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = self._solve(x)
        return self._cache[key]

    def _solve(self, x):
        energy = self._energy(x)
        best = None
        for start in self._starts():
            q = self._newton(start, energy)
            if q is None:
                continue
            g_new, _, rho, bond, site = self._update(q, energy)
            plaquette = rho.reshape((self._n,) * 4)
            phi = self._phi(plaquette, bond, site, energy)
            if best is None or phi > best[0] + 1e-13:
                best = (phi, q, plaquette, bond, site,
                        self._jacobian(q, g_new, rho, bond, site))
        if best is None:
            raise ConvergenceError(f"`PlaquetteEngine.solve` found no fixed point of the "
                                   f"plaquette CVM within {self.max_iter} Newton steps "
                                   f"from any start at x = {x.tolist()}")
        phi, q, plaquette, bond, site, jacobian = best
        return PlaquetteSolution(x, q, plaquette, bond, site, phi, jacobian)

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
        site, bond = solution.site, solution.bond
        line = bond[:, :, None] * bond[None, :, :] / site[None, :, None]
        corner = solution.plaquette.sum(axis=3)   # top-left, top-right (corner), bottom-right
        corner = 0.5 * (corner + corner.transpose(2, 1, 0))
        return ClusterProbabilities(site=site, bond=bond, line=line, corner=corner,
                                    moments=moment_vector(site, bond, _COORDINATION),
                                    log_eigenvalue=solution.log_z)

    def orbit_derivative(self, x: np.ndarray) -> np.ndarray:
        """dq/dx = (I − ∂G/∂q)⁻¹ ∂G/∂x at the stable fixed point (implicit functions).

        Returns
        -------
        ndarray, shape (n_orbits, L)
        """
        solution = self.solve(x)
        rho = np.exp(self._expand @ solution.orbit_log)
        d_energy = self._statistics - rho @ self._statistics          # normalisation
        return np.linalg.solve(solution.jacobian, d_energy[self._representatives])

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
        rho = np.exp(self._expand @ solution.orbit_log)
        d_rho = rho[:, None] * (self._expand @ self.orbit_derivative(x))   # (n^4, L)
        d_bond = d_rho.reshape(n, n, n * n, size).sum(axis=2)
        d_bond = 0.5 * (d_bond + d_bond.transpose(1, 0, 2))
        d_site = d_bond.sum(axis=1)
        matrix = np.stack([moment_vector(d_site[:, k], d_bond[:, :, k], _COORDINATION)
                           for k in range(size)], axis=1)
        return 0.5 * (matrix + matrix.T)
