r"""What Algorithm 1 fits: the true moments and the divergence of p̃ from them.

True moments.  ``analytic``: the initial factorial moments ⟨(n)_k⟩ = k! ⟨C(n,k)⟩ of
p̃(η) are propagated by the closed linear system dφ/dt = A φ + b of
``net.moment_system(K)`` with one matrix exponential of the augmented system.
``ssa``: Gillespie trajectories started from exact samples of p̃(η) (K = 1 geometric;
K ≥ 2 by normalised enumeration of exp(−Σ ν_k C(n, k)) over the range holding all but
e^−50 of the mass).

Divergence.  The action S = ∫ KL(p || p̃) dt (eq. 16) is recorded without the
F-independent entropy of p: by the Pythagorean identity of exponential families,
KL(p || p̃_ν) = KL(p || p̃_ν*) + KL(p̃_ν* || p̃_ν), where ν* matches the moments
m_k = ⟨C(n,k)⟩_p.  With K = 1 (geometric, exact)
KL = m ν − ln(1 − e^−ν) − ln(1 + m) + m ln(m / (1 + m)); with K = 2 (the Gaussian
reading µ = 1/2 − ν1/ν2, σ² = 1/ν2) the KL between N(µ*, σ*²) and N(µ, σ²),
µ* = m_1, σ*² = 2 m_2 + m_1 − m_1² (floored at ``VARIANCE_FLOOR`` when a sampled truth
has lost all variance).  Its gradient in ν is m − m̃(ν) and its Hessian the Fisher
information I(ν) = −∂m̃/∂ν = Cov_p̃(C(n,k), C(n,l)), the metric of the Gauss–Newton
step of Algorithm 1; it is not written here but compiled from the symbolic moments
(``dynboltz.symbolic.maxent.maxent_moments``) with them, by ``basis_learning``.

Sources: the Gaussian reading (µ, σ²) ↔ ν and (µ*, σ*²) of the binomial moments come
from ``dynboltz.maxent_gaussian``, the same functions the symbolic layer builds the
closure from; only the two KL closed forms are written here.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import expm

from dynboltz import maxent_gaussian
from dynboltz.runtime.wellmixed.ssa import simulate

__all__ = ["MOMENT_MATCHED_KL", "TRUTHS", "AnalyticTruth", "SsaTruth",
           "sample_maxent_counts", "VARIANCE_FLOOR"]

VARIANCE_FLOOR = 1e-6


def _geometric_kl(nu, m):
    """KL(geometric with mean m || p̃_ν) for K = 1, elementwise; shapes (..., 1)."""
    nu, m = nu[..., 0], np.maximum(m[..., 0], 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_log = np.where(m > 0, m * np.log(m / (1.0 + m)), 0.0)
    return m * nu - np.log(-np.expm1(-nu)) - np.log1p(m) + m_log


def _gaussian_kl(nu, m):
    """KL(N(µ*, σ*²) || N(µ, σ²)), Gaussian reading of p̃_ν for K = 2; shapes (..., 2)."""
    mu, var = maxent_gaussian.gaussian_mean_variance(nu[..., 0], nu[..., 1])
    mu_star, var_star = maxent_gaussian.gaussian_of_binomial_moments(m[..., 0], m[..., 1])
    var_star = np.maximum(var_star, VARIANCE_FLOOR)
    return 0.5 * (np.log(var / var_star) + (var_star + (mu_star - mu) ** 2) / var - 1.0)


MOMENT_MATCHED_KL = {1: _geometric_kl, 2: _gaussian_kl}
"""K -> KL(p̃_ν* || p̃_ν)(ν, m) on arrays of shape (..., K)."""


def _augmented_step(net, rate_values, K, dt, compile_expressions):
    """exp(M dt) of the affine factorial-moment system dφ/dt = A φ + b, (K+1, K+1)."""
    A, b = net.moment_system(K)
    compiled = compile_expressions(list(A) + list(b), net.nu(K), net.rate_symbols)
    values = compiled(np.zeros((1, K)), rate_values)[0]
    generator = np.zeros((K + 1, K + 1))
    generator[:K, :K] = values[:K * K].reshape(K, K)
    generator[:K, K] = values[K * K:]
    return expm(generator * dt)


class AnalyticTruth:
    """⟨C(n,k)⟩_p(t) from the closed moment system started at the moments of p̃(η).

    Called as ``truth(eta, seed)`` with eta (n, K); returns (n, n_times, K).
    """

    def __init__(self, net, rate_values, K, maxent_moments, times, compile_expressions):
        self._maxent_moments = maxent_moments
        self._factorials = np.array([math.factorial(k) for k in range(1, K + 1)], float)
        self._step = _augmented_step(net, rate_values, K, times[1] - times[0],
                                     compile_expressions)
        self._n_times = times.size

    def __call__(self, eta, seed):
        factorial_moments = self._maxent_moments(eta) * self._factorials
        state = np.concatenate([factorial_moments, np.ones((len(eta), 1))], axis=1)
        out = np.empty((len(eta), self._n_times, state.shape[1] - 1))
        for j in range(self._n_times):
            out[:, j] = state[:, :-1] / self._factorials
            state = state @ self._step.T
        return out


def sample_maxent_counts(eta: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Exact samples of p̃(n) ∝ exp(−Σ_k η_k C(n, k)) (eq. 19), int64 (size,)."""
    if eta.size == 1:
        return rng.geometric(-np.expm1(-eta[0]), size).astype(np.int64) - 1
    cap = 64
    while True:
        n = np.arange(cap, dtype=np.float64)
        log_weight = np.zeros_like(n)
        binomial = np.ones_like(n)
        for k, eta_k in enumerate(eta, start=1):
            binomial = binomial * (n - k + 1) / k
            log_weight -= eta_k * binomial
        if log_weight[-1] < log_weight.max() - 50.0 and log_weight[-1] < log_weight[-2]:
            break
        cap *= 2
    weight = np.exp(log_weight - log_weight.max())
    return rng.choice(cap, size=size, p=weight / weight.sum()).astype(np.int64)


class SsaTruth:
    """⟨C(n,k)⟩_p(t) averaged over Gillespie trajectories started from samples of p̃(η).

    Called as ``truth(eta, seed)`` with eta (n, K) and a SeedSequence; (n, n_times, K).
    """

    def __init__(self, net, rates, K, n_trajectories, times):
        self._net, self._rates, self._K = net, dict(rates), K
        self._n, self._times = n_trajectories, times

    def __call__(self, eta, seed):
        out = np.empty((len(eta), self._times.size, self._K))
        for i, child in enumerate(seed.spawn(len(eta))):
            sample_seed, simulation_seed = child.spawn(2)
            initial = sample_maxent_counts(eta[i], self._n,
                                           np.random.default_rng(sample_seed))
            counts = simulate(self._net, self._rates, initial[:, None], self._times,
                              self._n, seed=simulation_seed).counts[:, :, 0] \
                .astype(np.float64)
            binomial = np.ones_like(counts)
            for k in range(1, self._K + 1):
                binomial = binomial * (counts - k + 1) / k
                out[i, :, k - 1] = binomial.mean(axis=0)
        return out


TRUTHS = {"analytic": AnalyticTruth, "ssa": SsaTruth}
"""Name -> source of the true moments."""
