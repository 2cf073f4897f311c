"""Samples of the Boltzmann distribution on a periodic square or cubic lattice.

Weight exp(Σ_i h_{s_i} + Σ_⟨ij⟩ J_{s_i s_j}) (the 2D/3D form of the paper's eq. 50,
each nearest-neighbour bond once). No exact sampler exists beyond one dimension, so
the samples come from one Markov chain (``_sampling.pyx``): ``"gibbs"`` sweeps
(heat bath, checkerboard order) or ``"wolff"`` sweeps of Wolff clusters (one species
with J ≥ 0, near its critical point). A Wolff sweep is a fixed number of clusters,
set during the pilot run to about n / (mean cluster size) and then kept.

Burn-in and thinning come from the chain itself: a pilot run records the moments after
every sweep and is extended (doubled) until its second half is at least
``pilot_factor`` integrated autocorrelation times long (τ_int by Sokal's automatic
window, the largest over the moments); the whole pilot is the burn-in, and the samples
are then taken every ⌈``thinning_factor`` τ_int⌉ sweeps (default 4: for an exponential
decay, neighbouring samples are correlated by about exp(−4) ≈ 0.02), so the returned set
is effectively independent. `BoltzmannSamples` reports τ_int, the burn-in and the
thinning used; tests that need exact error bars still measure τ_int on the samples.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import bond_pairs, n_params
from dynboltz.runtime.common.validation import check_integer, check_real, invalid
from dynboltz.runtime.lattice.bonds import _sampling
from dynboltz.runtime.lattice.bonds._kmc import stream_words
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["BoltzmannSamples", "SAMPLERS", "sample_boltzmann", "autocorrelation_time",
           "coupling_tables"]

SAMPLERS: dict[str, dict[str, Any]] = {
    "gibbs": {"pilot_sweeps": 64, "pilot_factor": 50.0, "thinning_factor": 4.0,
              "max_sweeps": 200_000},
    "wolff": {"pilot_sweeps": 16, "pilot_factor": 50.0, "thinning_factor": 4.0,
              "max_sweeps": 20_000},
}
"""Sampler name -> option defaults (sweeps of the first pilot run, pilot length and
thinning in units of τ_int, the most sweeps a pilot may take before giving up)."""

_MAX_LOG_WEIGHT = 700.0  # exp stays finite in float64


@dataclass(frozen=True)
class BoltzmannSamples:
    """Configurations of one chain and how they were thinned.

    Attributes
    ----------
    configurations : int8 ndarray, shape (n, L1, L2) or (n, L1, L2, L3)
    autocorrelation_time : float
        τ_int in sweeps, the largest over the moments, measured on the pilot run.
    burn_in : int
        Sweeps discarded (the pilot run).
    thinning : int
        Sweeps between two returned samples.
    method : str
    """

    configurations: np.ndarray
    autocorrelation_time: float
    burn_in: int
    thinning: int
    method: str


def autocorrelation_time(series: ArrayLike, window_factor: float = 5.0) -> float:
    """Integrated autocorrelation time of a stationary series (Sokal's windowing).

    τ_int = 1/2 + Σ_{t=1}^{W} ρ(t) with the smallest window W ≥ ``window_factor`` τ_int(W)
    (Sokal 1997; Madras & Sokal 1988); the variance of a mean of m samples is
    2 τ_int σ²/m.

    Parameters
    ----------
    series : array_like, shape (m,) or (m, k)
        One column per observable; the largest τ_int over the columns that vary.
    window_factor : float

    Returns
    -------
    float
        In units of the series' step; 0.5 for uncorrelated data and for constant
        columns.
    """
    data = np.asarray(series, dtype=float)
    data = data.reshape(data.shape[0], -1)
    m = data.shape[0]
    centred = data - data.mean(axis=0)
    variance = np.mean(centred ** 2, axis=0)
    moving = variance > 1e-14 * np.maximum(1.0, np.mean(data ** 2, axis=0))
    if m < 4 or not np.any(moving):
        return 0.5
    size = 1 << (2 * m - 1).bit_length()
    spectrum = np.fft.rfft(centred[:, moving], n=size, axis=0)
    correlation = np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=0)[:m]
    rho = correlation / correlation[0]
    taus = 0.5 + np.cumsum(rho[1:], axis=0)  # τ_int(W) for W = 1 .. m-1
    worst = 0.5
    for column in range(taus.shape[1]):
        windows = np.nonzero(np.arange(1, m) >= window_factor * taus[:, column])[0]
        tau = taus[windows[0], column] if windows.size else taus[-1, column]
        worst = max(worst, float(tau))
    return worst


def coupling_tables(x: ArrayLike, n_species: int) -> tuple[np.ndarray, np.ndarray]:
    """h (S+1,) and symmetric J (S+1, S+1) with the empty row and column zero.

    Parameters
    ----------
    x : array_like, shape (L,)
        ``[h_1..h_S, J_11, J_12, .., J_SS]``.
    n_species : int

    Returns
    -------
    h, J : ndarray
    """
    x = np.asarray(x, dtype=float)
    h = np.zeros(n_species + 1)
    h[1:] = x[:n_species]
    couplings = np.zeros((n_species + 1, n_species + 1))
    for k, (a, b) in enumerate(bond_pairs(n_species)):
        couplings[a, b] = couplings[b, a] = x[n_species + k]
    return h, couplings


def _checked_parameters(model, x, shape, method, caller):
    n_species = check_lattice_model(model, caller)
    size = n_params(n_species)
    x = np.asarray(x, dtype=float)
    if x.shape != (size,) or not np.all(np.isfinite(x)):
        raise invalid("x", caller, f"a finite array of shape ({size},)", x)
    h, couplings = coupling_tables(x, n_species)
    z = 2 * len(shape)
    if np.max(np.abs(h)) + z * np.max(np.abs(couplings)) > _MAX_LOG_WEIGHT:
        raise invalid("x", caller, f"parameters with max|h| + {z} max|J| <= "
                      f"{_MAX_LOG_WEIGHT:g} (finite heat-bath weights)", x)
    if method == "wolff" and (n_species != 1 or couplings[1, 1] < 0):
        raise invalid("method", caller, "'wolff' only for one species with J >= 0 "
                      "(a ferromagnet); use 'gibbs'",
                      f"'wolff' with {n_species} species, J = {couplings[1:, 1:].ravel()}")
    return n_species, h, couplings


def _options(method, options, caller):
    if method not in SAMPLERS:
        raise invalid("method", caller, f"one of {sorted(SAMPLERS)}", method)
    merged = dict(SAMPLERS[method])
    given = dict(options or {})
    unknown = sorted(set(given) - set(merged))
    if unknown:
        raise invalid("options", caller, f"a dict with keys among {sorted(merged)} for "
                      f"method {method!r}", given)
    merged.update(given)
    for key in ("pilot_sweeps", "max_sweeps"):
        merged[key] = check_integer(merged[key], f"options[{key!r}]", caller, 1)
    for key in ("pilot_factor", "thinning_factor"):
        merged[key] = check_real(merged[key], f"options[{key!r}]", caller, 0.0,
                                 low_open=True)
    return merged


def _initial_lattice(h, size, rng):
    """Independent sites with P(a) ∝ exp(h_a): a start the burn-in forgets."""
    weights = np.exp(h - h.max())
    return rng.choice(h.size, size=size, p=weights / weights.sum()).astype(np.int8)


def _pilot(chain, n_moments, n_sites, wolff, options, caller):
    """Run the chain until its second half spans ``pilot_factor`` τ_int.

    Returns (τ_int, sweeps run, Wolff clusters per sweep: 0 for Gibbs).
    """
    history = np.empty((0, n_moments))
    sweeps = options["pilot_sweeps"]
    clusters = 1 if wolff else 0
    while True:
        block = np.empty((sweeps - history.shape[0], n_moments))
        grown = chain.run(block.shape[0], not wolff, clusters, block)
        history = np.concatenate([history, block])
        tau = autocorrelation_time(history[history.shape[0] // 2:])
        if wolff:  # the next sweeps flip about n sites each
            clusters = max(1, round(n_sites * clusters * block.shape[0] / max(grown, 1)))
        if history.shape[0] / 2 >= options["pilot_factor"] * tau:
            return tau, history.shape[0], clusters
        if sweeps >= options["max_sweeps"]:
            raise invalid("options['max_sweeps']", caller, "enough sweeps for a pilot run "
                          f"of {options['pilot_factor']:g} autocorrelation times (raise it "
                          "or use method 'wolff' near a critical point)",
                          f"{sweeps} sweeps with tau_int = {tau:.1f}")
        sweeps = min(2 * sweeps, options["max_sweeps"])


def sample_boltzmann(model: Any, x: ArrayLike, shape: tuple[int, ...], n: int,
                     seed: Any = None, method: str = "gibbs",
                     options: dict[str, Any] | None = None,
                     caller: str = "sample") -> BoltzmannSamples:
    """Effectively independent samples of the Boltzmann distribution on a torus.

    Parameters
    ----------
    model : object with ``n_species``
        A motif, compiled library or reference model (S is all that is read).
    x : array_like, shape (L,)
        Parameters ``[h_1..h_S, J_11, .., J_SS]``.
    shape : tuple of int
        (L1, L2) or (L1, L2, L3), every length >= 2 (validated by the geometry).
    n : int
        Number of samples, >= 1.
    seed : None, int, sequence of int or numpy.random.SeedSequence
        The chain uses xoshiro stream 0 of ``SeedSequence(seed)``; the random start
        uses ``default_rng(SeedSequence(seed))``.
    method : {"gibbs", "wolff"}
    options : dict, optional
        Overrides of ``SAMPLERS[method]``.
    caller : str
        Public function named in error messages.

    Returns
    -------
    BoltzmannSamples

    Raises
    ------
    ValueError
        Bad parameters, method or options; a pilot run longer than ``max_sweeps``.
    """
    options = _options(method, options, caller)
    n = check_integer(n, "n", caller, 1)
    n_species, h, couplings = _checked_parameters(model, x, shape, method, caller)
    sequence = seed if isinstance(seed, np.random.SeedSequence) else \
        np.random.SeedSequence(seed)
    size = int(np.prod(shape))
    lattice = _initial_lattice(h, size, np.random.default_rng(sequence))
    chain = _sampling.BoltzmannLattice(lattice, np.array(shape, dtype=np.int64), h,
                                       np.ascontiguousarray(couplings),
                                       stream_words(sequence), 0)
    wolff = method == "wolff"
    tau, burn_in, clusters = _pilot(chain, n_params(n_species), size, wolff, options,
                                    caller)
    thinning = max(1, math.ceil(options["thinning_factor"] * tau))
    configurations = np.empty((n, *shape), dtype=np.int8)
    no_record = np.empty((0, n_params(n_species)))
    for k in range(n):
        chain.run(thinning, not wolff, clusters, no_record)
        configurations[k] = lattice.reshape(shape)
    return BoltzmannSamples(configurations, tau, burn_in, thinning, method)
