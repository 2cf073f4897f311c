"""Inverse Ising problem of the one-dimensional Boltzmann chain (SPEC §4, eq. 47).

Given per-site moments m = (µ_α, ∆_αβ), find the parameters x with
∂ ln λ₊ / ∂x (x) = m, i.e. maximise the concave dual xᵀm − ln λ₊(x).

In 1D the problem has a closed form in the chain's site and pair probabilities
(π_c, p_cd, empty site type c = 0 included): J_ab = ln(p_ab p_00 / (p_0a p_0b)),
h_a = ln(p_0a² π_0 / (p_00² π_a)), because a stationary reversible Markov chain with
pair law p is the Gibbs measure of the bond weight p_cd / √(π_c π_d).  That formula
is the starting point and the realisability test (every π and p must be positive);
damped Newton on the dual (gradient m − lib.moments, Hessian −lib.hessian) then
polishes it to the library's own moments, which is what a round trip needs.  The
paper's Boltzmann-machine gradient ascent is the alternative ``method="boltzmann"``.
"""
import numpy as np

from .chain_sampling import log_transfer_matrix, n_species_of, sample
from .lattice_statistics import lattice_moments

_QUADRATIC_REGIME = 1e-10  # Newton decrement below which the dual is flat to rounding


def pair_probabilities(moments, n_species):
    """Site and ordered-pair probabilities of the chain from its per-site moments.

    Parameters
    ----------
    moments : array_like, shape (L,)
        ``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]`` (SPEC §4; ∆_ab, a ≠ b, counts both orders).
    n_species : int
        S.

    Returns
    -------
    site : ndarray, shape (S+1,)
        π_c, c = 0 (empty) .. S.
    pair : ndarray, shape (S+1, S+1)
        Symmetric p_cd = P(s_i = c, s_i+1 = d); rows sum to π.
    """
    moments = np.asarray(moments, dtype=float)
    n = n_species + 1
    site = np.concatenate([[1.0 - moments[:n_species].sum()], moments[:n_species]])
    pair = np.zeros((n, n))
    rows, cols = np.triu_indices(n_species)
    bonds = moments[n_species:] * np.where(rows == cols, 1.0, 0.5)
    pair[rows + 1, cols + 1] = bonds
    pair[cols + 1, rows + 1] = bonds
    pair[0, 1:] = pair[1:, 0] = site[1:] - pair[1:, 1:].sum(axis=1)
    pair[0, 0] = site[0] - pair[0, 1:].sum()
    return site, pair


def _check_realisable(moments, n_species, name):
    size = n_species + n_species * (n_species + 1) // 2
    moments = np.asarray(moments, dtype=float)
    if moments.shape != (size,) or not np.all(np.isfinite(moments)):
        raise ValueError(f"`moments` of `{name}` must be a finite array of shape ({size},); "
                         f"got {moments!r}")
    site, pair = pair_probabilities(moments, n_species)
    problems = []
    if np.any(moments <= 0):
        problems.append(f"every µ and ∆ must be > 0 (got {moments})")
    if site[0] <= 0:
        problems.append(f"Σ µ must be < 1 (got {1.0 - site[0]})")
    if np.any(pair[0] <= 0):
        problems.append(f"bonds of each species to empty sites, µ_a − ∆_aa − ½ Σ_b≠a ∆_ab "
                        f"and 1 − Σ µ − Σ those, must be > 0 (got {pair[0]})")
    if problems:
        raise ValueError(f"`moments` of `{name}` must be realisable by finite parameters: "
                         + "; ".join(problems))
    return moments, site, pair


def closed_form_parameters(moments, n_species):
    """Exact 1D inverse Ising map from pair probabilities (module docstring).

    Parameters
    ----------
    moments : array_like, shape (L,)
        Per-site moments in SPEC §4 order.
    n_species : int
        S.

    Returns
    -------
    ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]``.

    Raises
    ------
    ValueError
        Moments not realisable by finite parameters.
    """
    _, site, pair = _check_realisable(moments, n_species, "closed_form_parameters")
    log_pair = np.log(pair)
    h = 2.0 * log_pair[0, 1:] - 2.0 * log_pair[0, 0] + np.log(site[0]) - np.log(site[1:])
    rows, cols = np.triu_indices(n_species)
    j = (log_pair[rows + 1, cols + 1] + log_pair[0, 0]
         - log_pair[0, rows + 1] - log_pair[0, cols + 1])
    return np.concatenate([h, j])


def _dual(x, moments, n_species):
    """ln λ₊(x) − xᵀm, the convex function whose minimiser is the answer."""
    log_t = log_transfer_matrix(x, n_species)
    top = log_t.max()
    return top + np.log(np.linalg.eigvalsh(np.exp(log_t - top))[-1]) - x @ moments


def _newton(lib, moments, x, tol, max_iter, n_species):
    """Damped Newton on the dual: Armijo backtracking on ln λ₊ − xᵀm while the Newton
    decrement is large; near the solution, where the dual's changes are below
    rounding, full steps as long as the largest relative moment residual falls."""
    residual = np.abs(np.asarray(lib.moments(x)) / moments - 1.0).max()
    for _ in range(max_iter):
        if residual <= tol:
            return x
        gradient = np.asarray(lib.moments(x)) - moments
        step = -np.linalg.lstsq(np.asarray(lib.hessian(x)), gradient, rcond=None)[0]
        decrement = -gradient @ step
        if decrement < _QUADRATIC_REGIME:
            trial = x + step
            trial_residual = np.abs(np.asarray(lib.moments(trial)) / moments - 1.0).max()
            if trial_residual >= residual:
                return x  # rounding floor reached
            x, residual = trial, trial_residual
            continue
        x = x + _armijo_length(x, step, decrement, moments, n_species) * step
        residual = np.abs(np.asarray(lib.moments(x)) / moments - 1.0).max()
    if residual <= tol:
        return x
    raise RuntimeError(f"`fit_parameters` did not converge in {max_iter} Newton steps: "
                       f"largest relative moment residual {residual:.3g} > tol {tol:.3g}")


def _armijo_length(x, step, decrement, moments, n_species):
    value = _dual(x, moments, n_species)
    length = 1.0
    while length > 1e-12 and (_dual(x + length * step, moments, n_species)
                              > value - 0.25 * length * decrement):
        length *= 0.5
    return length


def _boltzmann_machine(lib, moments, x, learning_rate, max_iter, tol, estimator):
    """Paper's gradient ascent x ← x + η (m − m̃(x)) (Algorithm 2's asleep phase).

    Returns the last iterate for exact m̃; for sampled m̃ the mean of the second
    half of the iterates (Polyak–Ruppert averaging of the noisy iteration).
    """
    iterates = []
    for iteration in range(max_iter):
        gap = moments - estimator(x, iteration)
        if estimator.exact and np.abs(gap).max() <= tol * np.abs(moments).max():
            return x
        x = x + learning_rate * gap
        iterates.append(x)
    if estimator.exact:
        return x
    return np.mean(iterates[len(iterates) // 2:], axis=0)


class _ExactMoments:
    exact = True

    def __init__(self, lib):
        self.lib = lib

    def __call__(self, x, iteration):
        return np.asarray(self.lib.moments(x))


class _GibbsMoments:
    """Moments averaged over fresh Gibbs samples, an independent seed per iteration."""

    exact = False

    def __init__(self, lib, n_sites, rows, sweeps, seed):
        self.lib, self.n_sites, self.rows, self.sweeps = lib, n_sites, rows, sweeps
        self.n_species = n_species_of(lib)
        self.seed = np.random.SeedSequence(seed)

    def __call__(self, x, iteration):
        child = np.random.SeedSequence(self.seed.entropy,
                                       spawn_key=self.seed.spawn_key + (iteration,))
        lattices = sample(self.lib, x, N=self.n_sites, n=self.rows, seed=child,
                          method="gibbs", sweeps=self.sweeps)
        return lattice_moments(lattices, self.n_species).mean(axis=0)


def _estimator(lib, name, gibbs):
    if name == "exact":
        return _ExactMoments(lib)
    if name == "gibbs":
        options = {"N": 1000, "n": 10, "sweeps": 100, "seed": None, **(gibbs or {})}
        return _GibbsMoments(lib, options["N"], options["n"], options["sweeps"],
                             options["seed"])
    raise ValueError(f"`estimator` of `fit_parameters` must be one of ['exact', 'gibbs']; "
                     f"got {name!r}")


_METHODS = ("newton", "boltzmann")


def _start(moments, n_species, method, x0):
    if x0 is None:
        return (closed_form_parameters(moments, n_species) if method == "newton"
                else np.zeros_like(moments))
    x = np.array(x0, dtype=float)
    if x.shape != moments.shape or not np.all(np.isfinite(x)):
        raise ValueError(f"`x0` of `fit_parameters` must be a finite array of shape "
                         f"{moments.shape}; got {x0!r}")
    return x


def fit_parameters(lib, moments, method="newton", x0=None, tol=1e-13, max_iter=None,
                   learning_rate=1.0, estimator="exact", gibbs=None):
    """Inverse Ising: parameters x whose Boltzmann chain has the given moments (eq. 47).

    Parameters
    ----------
    lib : compiled motif library, LatticeMotif-backed LatticeReference
        Provides ``moments(x)`` (= ∂ ln λ₊/∂x) and ``hessian(x)`` (eq. 48, B2), and S.
    moments : array_like, shape (L,)
        Target per-site moments ``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]`` (SPEC §4).
    method : {"newton", "boltzmann"}
        ``"newton"``: exact closed-form start (module docstring), then damped Newton
        on the dual until the largest relative moment residual is ≤ ``tol``.
        ``"boltzmann"``: the paper's Boltzmann-machine ascent
        x ← x + η (m − m̃(x)) from ``x0`` (default 0), η = ``learning_rate``.
    x0 : array_like, shape (L,), optional
        Start of the iteration; default the closed form (Newton) or 0 (Boltzmann).
    tol : float
        Newton: relative moment residual; Boltzmann (exact m̃): max |m − m̃| relative
        to max |m|.
    max_iter : int, optional
        Default 100 (Newton), 10000 (Boltzmann).
    learning_rate : float
        η of the Boltzmann-machine ascent (stable for η < 2 / largest eigenvalue of H).
    estimator : {"exact", "gibbs"}
        m̃ of the Boltzmann ascent: ``lib.moments`` or the mean over Gibbs samples
        (then the returned x is the mean of the second half of the iterates).
    gibbs : dict, optional
        Gibbs estimator settings ``N`` (sites, 1000), ``n`` (rows, 10), ``sweeps``
        (100), ``seed`` (None).

    Returns
    -------
    ndarray, shape (L,)
        ``[h_1..h_S, J_11, .., J_SS]``.

    Raises
    ------
    ValueError
        Moments NaN/inf, wrong shape, or not realisable by finite parameters (a
        non-positive µ, ∆, empty-site or species-empty pair probability, Σ µ ≥ 1);
        unknown method or estimator.
    """
    n_species = n_species_of(lib)
    moments, _, _ = _check_realisable(moments, n_species, "fit_parameters")
    if method not in _METHODS:
        raise ValueError(f"`method` of `fit_parameters` must be one of {list(_METHODS)}; "
                         f"got {method!r}")
    x = _start(moments, n_species, method, x0)
    if method == "newton":
        return _newton(lib, moments, x, tol, 100 if max_iter is None else max_iter, n_species)
    return _boltzmann_machine(lib, moments, x, learning_rate,
                              10000 if max_iter is None else max_iter, tol,
                              _estimator(lib, estimator, gibbs))
