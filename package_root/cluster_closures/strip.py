"""Transfer matrix of an infinite square-lattice cylinder: the ``"strip"`` cluster engine.

The square lattice is wrapped into a cylinder of circumference W (periodic rows of W
sites) and infinite length.  With row configurations σ ∈ {0..S}^W,

    D(σ) = exp(Σ_i h_{σ_i} + Σ_i J_{σ_i σ_{i+1}}),   V(σ, σ') = Π_i K_{σ_i σ'_i},  K = exp(J),

the row-to-row transfer matrix T = D^½ V D^½ is symmetric with positive entries; its
leading eigenpair (λ, ψ) gives every cluster probability of the infinite cylinder
exactly (u = D^½ ψ, ψᵀψ = 1):

* a row: ψ(σ)²  (sites, horizontal pairs and lines, averaged over the W columns);
* two rows: u(σ) V(σ, σ') u(σ') / λ  (vertical pairs, corners);
* three rows: u V D V u / λ²  (vertical lines);

and ln Z per site = ln λ / W.  V is never formed: it is the tensor product of W copies
of the (S+1)×(S+1) matrix K, applied axis by axis to a row vector held as a tensor of
shape (S+1,)*W, so one product costs W (S+1)^(W+1) operations; the leading eigenpair
comes from ARPACK (``scipy.sparse.linalg.eigsh``) to machine precision.  Horizontal and
vertical clusters are averaged (the cylinder is not isotropic at finite W).

The Hessian ∂m/∂x is the fourth-order central difference of these exact moments
(step `HESSIAN_STEP`), symmetrised; m itself equals ∂(ln λ / W)/∂x exactly
(Hellmann–Feynman), which the tests check.  As W grows the closure converges to the
infinite square lattice: exponentially in W away from the critical point, slowly near it
(see docs/closures.md, ``## strip``, for the measured error against Onsager's solution).
"""
from __future__ import annotations

import numpy as np
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh

from dynboltz.errors import OutOfDomain
from dynboltz.lattice_layout import MAX_SPECIES, bond_pairs, n_params
from dynboltz.messages import invalid

from .library import LEFT_DOMAIN, ClusterProbabilities, moment_vector

__all__ = ["DEFAULT_WIDTH", "MAX_STATES", "HESSIAN_STEP", "default_width", "StripEngine"]

MAX_STATES = 1 << 15
"""Most row states (S+1)^W the engine accepts (memory and time grow as (S+1)^W)."""

HESSIAN_STEP = 1e-3
"""Step of the fourth-order central difference of the moments giving the Hessian."""

DEFAULT_WIDTH = {1: 12, 2: 7, 3: 5, 4: 4}
"""Default circumference W by number of species S (4096, 2187, 1024, 625 row states)."""

_COORDINATION = 4


def default_width(n_species: int) -> int:
    """The default circumference: `DEFAULT_WIDTH`, else the widest W ≥ 3 within 2^10 states."""
    if n_species in DEFAULT_WIDTH:
        return DEFAULT_WIDTH[n_species]
    width = 3
    while (n_species + 1) ** (width + 1) <= 1 << 10:
        width += 1
    return width


def _coupling_matrix(x, n_species):
    """h (S+1,) and J (S+1, S+1) with the empty code's entries zero."""
    n = n_species + 1
    field = np.zeros(n)
    field[1:] = x[:n_species]
    coupling = np.zeros((n, n))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        coupling[a, b] = coupling[b, a] = x[n_species + k]
    return field, coupling


class StripEngine:
    """Cluster probabilities of the infinite cylinder of circumference W (square lattice).

    Parameters
    ----------
    n_species : int
        S, 1..31.
    width : int, optional
        W ≥ 3 (a cylinder narrower than three sites has no distinct horizontal line);
        default `default_width`.  (S+1)^W must not exceed `MAX_STATES`.

    Attributes
    ----------
    n_species, width : int
    difference_step : float
        Step the library's basis-Jacobian difference uses.
    """

    difference_step = 1e-2

    def __init__(self, n_species: int, width: int | None = None) -> None:
        if isinstance(n_species, bool) or not isinstance(n_species, int) \
                or not 1 <= n_species <= MAX_SPECIES:
            raise invalid("n_species", "StripEngine", f"an integer in [1, {MAX_SPECIES}]",
                          n_species)
        width = default_width(n_species) if width is None else width
        if isinstance(width, bool) or not isinstance(width, int) or width < 3 \
                or (n_species + 1) ** width > MAX_STATES:
            raise invalid("width", "StripEngine", f"an integer >= 3 with (S+1)^W <= "
                          f"{MAX_STATES} row states (S = {n_species})", width)
        self.n_species = n_species
        self.width = width
        self._shape = (n_species + 1,) * width
        self._codes = np.indices(self._shape).reshape(width, -1)
        self._start = np.ones(int(np.prod(self._shape)))
        self._cache: dict[bytes, ClusterProbabilities] = {}

    def __repr__(self):
        return f"StripEngine(n_species={self.n_species}, width={self.width})"

    # -- transfer matrix ----------------------------------------------------------
    def _row_log_weight(self, field, coupling):
        codes = self._codes
        log_weight = field[codes].sum(axis=0)
        log_weight += coupling[codes, np.roll(codes, -1, axis=0)].sum(axis=0)
        return log_weight

    def _apply_bonds(self, vector, kernel, skip=()):
        """(⊗_i K) applied to a row tensor, leaving the axes in ``skip`` untouched."""
        n = self.n_species + 1
        tensor = vector
        for axis in range(self.width):
            if axis not in skip:  # K on this axis, batched over the axes before it
                tensor = np.matmul(kernel, tensor.reshape(n ** axis, n, -1))
        return tensor.reshape(self._shape)

    def _operator(self, half_weight, kernel):
        size = half_weight.size

        def product(v):
            v = np.ravel(v)
            return half_weight * self._apply_bonds(half_weight * v, kernel).ravel()

        return LinearOperator((size, size), matvec=product, dtype=float)

    def _transfer(self, x):
        """D^½ (row weights, shifted) and K (shifted), with the shifts of ln λ / W."""
        field, coupling = _coupling_matrix(x, self.n_species)
        log_weight = self._row_log_weight(field, coupling)
        shift, kernel_shift = log_weight.max(), coupling.max()
        return (np.exp(log_weight - shift), np.exp(coupling - kernel_shift),
                shift + self.width * kernel_shift)

    def _leading(self, half_weight, kernel):
        size = half_weight.size
        values, vectors = eigsh(self._operator(half_weight, kernel), k=1, which="LA",
                                tol=0, v0=self._start, ncv=min(size - 1, 30))
        vector = vectors[:, 0]
        vector = vector * np.sign(vector.sum())
        self._start = np.abs(vector) + 1e-3 / np.sqrt(size)
        return float(values[0]), vector / np.linalg.norm(vector)

    # -- clusters -----------------------------------------------------------------
    def clusters(self, x: np.ndarray) -> ClusterProbabilities:
        """Site, pair, line and corner probabilities, moments and ln Z per site at x.

        Parameters
        ----------
        x : ndarray, shape (L,)
            [h_1..h_S, J_11, .., J_SS] (`dynboltz.lattice_layout`), finite.

        Returns
        -------
        ClusterProbabilities
        """
        x = np.asarray(x, dtype=float)
        key = x.tobytes()
        if key not in self._cache:
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = self._clusters(x)
        return self._cache[key]

    def _clusters(self, x):
        if x.shape != (n_params(self.n_species),) or not np.all(np.isfinite(x)):
            raise invalid("x", "StripEngine.clusters", f"a finite array of shape "
                          f"({n_params(self.n_species)},)", x)
        weight, kernel, shift = self._transfer(x)
        try:
            value, psi = self._leading(np.sqrt(weight), kernel)
        except ArpackError as error:
            # the row weights underflow to (nearly) one configuration: the transfer
            # matrix has no usable leading eigenvector, the closure no normalisable p̃
            raise OutOfDomain(
                f"the strip closure's transfer matrix is degenerate at x = "
                f"{np.array2string(x, precision=4)} ({error}): {LEFT_DOMAIN}") from error
        log_z = (np.log(value) + shift) / self.width
        row = (psi * psi).reshape(self._shape)
        u = (np.sqrt(weight) * psi).reshape(self._shape)
        site, h_pair, h_line = self._row_clusters(row)
        v_pair, v_line, corner = self._two_row_clusters(u, weight.reshape(self._shape),
                                                         kernel, value)
        bond = 0.25 * (h_pair + h_pair.T + v_pair + v_pair.T)
        line = 0.25 * (h_line + h_line.transpose(2, 1, 0) + v_line
                       + v_line.transpose(2, 1, 0))
        corner = 0.5 * (corner + corner.transpose(2, 1, 0))
        return ClusterProbabilities(site=site, bond=bond, line=line, corner=corner,
                                    moments=moment_vector(site, bond, _COORDINATION),
                                    log_eigenvalue=float(log_z))

    def _row_clusters(self, row):
        """Site, horizontal pair and line marginals of one row, averaged over columns."""
        n, width = self.n_species + 1, self.width
        site, pair, line = np.zeros(n), np.zeros((n, n)), np.zeros((n, n, n))
        for i in range(width):
            rolled = np.moveaxis(row, [(i + k) % width for k in range(3)], [0, 1, 2])
            triple = rolled.reshape(n, n, n, -1).sum(axis=3)
            line += triple
            pair += triple.sum(axis=2)
            site += triple.sum(axis=(1, 2))
        return site / width, pair / width, line / width

    def _two_row_clusters(self, u, weight, kernel, value):
        """Vertical pair and line at column 0 and the corner (vertical neighbour a,
        centre b, horizontal neighbour c) of two and three consecutive rows."""
        n = self.n_species + 1
        partial = self._apply_bonds(u, kernel, skip=(0,))  # V without column 0, times u
        u_flat, partial_flat = u.reshape(n, -1), partial.reshape(n, -1)
        v_pair = kernel * (u_flat @ partial_flat.T) / value
        w_flat = weight.reshape(n, -1)
        v_line = np.einsum("ar,br,cr->abc", partial_flat, w_flat, partial_flat)
        v_line *= kernel[:, :, None] * kernel.T[None, :, :] / value ** 2
        u2, partial2 = u.reshape(n, n, -1), partial.reshape(n, n, -1)
        corner = np.einsum("bcr,acr->abc", u2, partial2) * kernel.T[:, :, None] / value
        return v_pair, v_line, corner

    def correlation_length(self, x: np.ndarray) -> float:
        """ξ_W = 1 / ln(λ₀/λ₁) in rows, from the two largest eigenvalues of T.

        Parameters
        ----------
        x : ndarray, shape (L,)

        Returns
        -------
        float
            The correlation length along the cylinder (lattice spacings); at the
            critical point ξ_W / W tends to a constant, which locates K_c by
            phenomenological renormalisation (docs/closures.md).
        """
        x = np.asarray(x, dtype=float)
        if x.shape != (n_params(self.n_species),) or not np.all(np.isfinite(x)):
            raise invalid("x", "StripEngine.correlation_length", f"a finite array of shape "
                          f"({n_params(self.n_species)},)", x)
        weight, kernel, _ = self._transfer(x)
        size = weight.size
        values = eigsh(self._operator(np.sqrt(weight), kernel), k=2, which="LA", tol=0,
                       ncv=min(size - 1, 40), return_eigenvectors=False)
        low, high = np.sort(values)
        return float(1.0 / np.log(high / low))

    # -- Hessian ------------------------------------------------------------------
    def hessian(self, x: np.ndarray, step: float = HESSIAN_STEP) -> np.ndarray:
        """∂m/∂x by the fourth-order central difference of the exact moments.

        Parameters
        ----------
        x : ndarray, shape (L,)
        step : float
            δ of [m(x − 2δe) − 8m(x − δe) + 8m(x + δe) − m(x + 2δe)] / 12δ.

        Returns
        -------
        ndarray, shape (L, L)
            Symmetrised ((H + Hᵀ)/2); relative error ~1e-11 away from the critical point.
        """
        x = np.asarray(x, dtype=float)
        columns = []
        for k in range(x.size):
            e = np.zeros_like(x)
            e[k] = step
            m = [self.clusters(x + c * e).moments for c in (-2, -1, 1, 2)]
            columns.append((m[0] - 8 * m[1] + 8 * m[2] - m[3]) / (12 * step))
        matrix = np.stack(columns, axis=1)
        return 0.5 * (matrix + matrix.T)
