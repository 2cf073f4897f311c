"""The ring with next-nearest-neighbour couplings as the lattice runtime's ``"chain2"`` closure.

Parameters x = [h, J, J2] and moments m = [µ, ∆, ∆2] (L2 = S + S(S+1) entries;
`dynboltz.pair_transfer_chain`).  What the runtime needs beyond the compiled library:

* the inverse map m → x (`Chain2Closure.fit_parameters`): the chain's closed form for
  (h, J) at J2 = 0 as the start, then damped Newton on the convex dual ln λ₊ − x·m;
* the realisability test: a strictly positive three-site law P(a, b, c) whose
  nearest-neighbour margins are the pair law of (µ, ∆) and whose next-nearest margin is
  the pair law of (µ, ∆2) must exist (a linear programme); then finite x exist;
* the data side: simulations record (µ, ∆) from the geometry's engine; this closure
  adds ∆2 from the recorded lattices (`Chain2Task`, `next_nearest_moments`); initial
  rings at x0 with J2 ≠ 0 and `sample` are exact draws of the ring's law
  (`dynboltz.runtime.lattice.chain.chain2_sampling`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linprog

from dynboltz.lattice_layout import n_params as chain_n_params
from dynboltz.pair_transfer_chain import n_params
from dynboltz.runtime.common.validation import check_real, invalid
from dynboltz.runtime.lattice.chain.boltzmann_chain import (pair_probabilities,
                                                            parameters_from_probabilities)
from dynboltz.runtime.lattice.chain.chain2_sampling import sample_ring
from dynboltz.runtime.lattice.chain.inverse_ising import _newton
from dynboltz.runtime.lattice.geometries import check_lattice_model

__all__ = ["CLOSURE", "Chain2Closure", "Chain2Task", "next_nearest_moments",
           "realisability_margin"]

REALISABLE_MARGIN = 1e-12
"""Smallest three-site probability the realisability programme must reach."""


def _pair_laws(moments, n_species):
    size = chain_n_params(n_species)
    nearest = moments[:size]
    second = np.concatenate([moments[:n_species], moments[size:]])
    site, pair = pair_probabilities(nearest, n_species)
    return site, pair, pair_probabilities(second, n_species)[1]


def realisability_margin(moments: ArrayLike, n_species: int) -> float:
    """Largest t such that a three-site law P ≥ t has the pair laws of ``moments``.

    Parameters
    ----------
    moments : array_like, shape (L2,)
        [µ, ∆, ∆2].
    n_species : int

    Returns
    -------
    float
        Positive iff a strictly positive law exists (the moments are realisable by
        finite parameters); negative when not even a non-negative one does.
    """
    moments = np.asarray(moments, dtype=float)
    _, pair, second = _pair_laws(moments, n_species)
    n = n_species + 1
    size = n ** 3
    rows, rhs = [], []
    index = np.arange(size).reshape(n, n, n)
    for u in range(n):
        for v in range(n):
            for cells, target in ((index[u, v, :], pair[u, v]), (index[:, u, v], pair[u, v]),
                                  (index[u, :, v], second[u, v])):
                row = np.zeros(size + 1)
                row[cells] = 1.0
                rows.append(row)
                rhs.append(target)
    objective = np.zeros(size + 1)
    objective[-1] = -1.0
    upper = np.hstack([-np.eye(size), np.ones((size, 1))])   # t − P ≤ 0
    result = linprog(objective, A_ub=upper, b_ub=np.zeros(size), A_eq=np.array(rows),
                     b_eq=np.array(rhs), bounds=[(None, None)] * size + [(None, 1.0)],
                     method="highs")
    return float(result.x[-1]) if result.status == 0 else -np.inf


def _check_realisable(moments, n_species, function):
    size = n_params(n_species)
    moments = np.asarray(moments, dtype=float)
    if moments.shape != (size,) or not np.all(np.isfinite(moments)):
        raise invalid("moments", function, f"a finite array of shape ({size},)", moments)
    margin = realisability_margin(moments, n_species)
    if not margin > REALISABLE_MARGIN:
        raise invalid("moments", function, "realisable by finite parameters (a strictly "
                      "positive three-site law with the pair laws of (µ, ∆) and (µ, ∆2); "
                      f"the best reaches {margin:.3g})", moments)
    return moments


def next_nearest_moments(lattices: ArrayLike, n_species: int, periodic: bool = True
                         ) -> np.ndarray:
    """∆2_ab: next-nearest {a, b} bonds (sites i, i + 2) per site of ring configurations.

    Parameters
    ----------
    lattices : array_like of int, shape (..., N)
    n_species : int
    periodic : bool
        Ring (N bonds) or open chain (N − 2 bonds, so both are unbiased for the bulk).

    Returns
    -------
    ndarray, shape (..., S(S+1)/2)
        In `dynboltz.lattice_layout.bond_pairs` order, both orders counted for a ≠ b.
    """
    lattices = np.asarray(lattices)
    if lattices.ndim < 1 or lattices.shape[-1] < 3:
        raise invalid("lattices", "next_nearest_moments", "an array of shape (..., N) with "
                      "N >= 3 (its shape shown)", lattices.shape)
    rows = lattices.reshape(-1, lattices.shape[-1]).astype(np.intp)
    n = int(n_species) + 1
    left = rows if periodic else rows[:, :-2]
    right = np.roll(rows, -2, axis=1) if periodic else rows[:, 2:]
    codes = left * n + right + (np.arange(rows.shape[0]) * n * n)[:, None]
    counts = np.bincount(codes.ravel(), minlength=rows.shape[0] * n * n)
    counts = counts.reshape(rows.shape[0], n, n)
    symmetric = counts + np.swapaxes(counts, 1, 2)
    a, b = np.triu_indices(n - 1)
    a, b = a + 1, b + 1
    second = np.where(a == b, counts[:, a, b], symmetric[:, a, b]) / left.shape[1]
    return second.reshape(lattices.shape[:-1] + (a.size,))


@dataclass
class Chain2Task:
    """One replicate of a ring simulation that also records ∆2 (picklable).

    Wraps the geometry's task, which runs with snapshots on; ∆2 is counted on the
    recorded lattices and appended to the (µ, ∆) the engine records.
    """

    task: object
    n_species: int
    periodic: bool
    snapshots: bool
    x0: np.ndarray | None = None

    def __call__(self, replicate, lattice=None):
        if lattice is None and self.x0 is not None and self.task.lattice is None:
            # Replicate r's initial-lattice stream, as the geometry's sampler uses it.
            seed = np.random.SeedSequence(self.task.entropy, spawn_key=(int(replicate), 0))
            lattice = sample_ring(self.x0, self.n_species, self.task.n_sites, 1, seed,
                                  "simulate")[0]
        result = self.task(replicate, lattice)
        frames = result["snapshots"]
        second = next_nearest_moments(frames, self.n_species, self.periodic)
        result["moments"] = np.concatenate([result["moments"], second], axis=1)
        if not self.snapshots:
            del result["snapshots"]
        return result


@dataclass(frozen=True)
class Chain2Closure:
    """Second-order Markov closure of the ring (exact in the thermodynamic limit)."""

    name: str = "chain2"
    geometries: tuple[str, ...] = ("chain",)

    def n_moments(self, n_species: int) -> int:
        """L2 = S + S(S+1), the moments a simulation records for this closure."""
        return n_params(n_species)

    samplers: tuple[str, ...] = ("exact",)

    def initial_parameters(self, x0: np.ndarray, n_species: int, function: str
                           ) -> np.ndarray:
        """The (h, J) part of x0 = [h, J, J2], checked by the geometry's sampler.

        With J2 = 0 the geometry's own exact sampler draws the initial rings (the same
        streams as a chain-closure run); otherwise `Chain2Task` draws them.
        """
        if not np.all(np.isfinite(x0)):
            raise invalid("initial", function, "finite Boltzmann parameters [h, J, J2]", x0)
        return np.ascontiguousarray(x0[:chain_n_params(n_species)])

    def simulation_task(self, task, n_species: int, options, snapshots: bool,
                        x0: np.ndarray | None = None):
        """``task`` (run with snapshots) wrapped to record ∆2 as well.

        ``options`` are the ring scheme's (``boundary``); ``snapshots``: whether the
        caller asked for the lattices (else they are dropped after counting); ``x0``:
        the initial parameters [h, J, J2] when lattices are drawn from them.
        """
        periodic = options["boundary"] == "periodic"
        coupled = x0 is not None and np.any(x0[chain_n_params(n_species):] != 0)
        if coupled and not periodic:
            raise invalid("initial", "simulate", "parameters with J2 = 0 on an open chain "
                          "(the exact sampler with J2 draws rings)", x0)
        return Chain2Task(task, n_species, periodic, snapshots, x0 if coupled else None)

    def sample(self, model, x: ArrayLike, shape: tuple[int], n: int, seed, method: str,
               options) -> np.ndarray:
        """``n`` exact rings of ``shape[0]`` sites at x = [h, J, J2] (no options)."""
        if options:
            raise invalid("options", "sample", "no options for the exact chain2 ring sampler",
                          dict(options))
        return sample_ring(x, check_lattice_model(model, "sample"), shape[0], n, seed)

    def fit_parameters(self, model, moments: ArrayLike, tol: float = 1e-10,
                       max_iter: int = 100) -> np.ndarray:
        """Parameters x = [h, J, J2] of the compiled ``chain2`` library with these moments.

        Parameters
        ----------
        model : MotifLibrary
            Compiled with ``closure="chain2"``.
        moments : array_like, shape (L2,)
        tol : float
            Largest relative moment residual accepted.
        max_iter : int
            Newton steps.

        Raises
        ------
        InvalidArgumentError
            Moments of the wrong shape or not realisable.
        ConvergenceError
            Newton did not reach ``tol``.
        """
        function = "fit_parameters"
        n_species = check_lattice_model(model, function, needs=("moments", "hessian",
                                                                "log_eigenvalue"))
        moments = _check_realisable(moments, n_species, function)
        tol = check_real(tol, "tol", function, 0.0, low_open=True)
        site, pair, _ = _pair_laws(moments, n_species)
        start = np.zeros(n_params(n_species))
        if np.all(pair > 0):
            start[:chain_n_params(n_species)] = parameters_from_probabilities(site, pair)
        return _newton(model, moments, start, tol, int(max_iter))

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str) -> None:
        """Raise `InvalidArgumentError` unless finite parameters give these moments."""
        _check_realisable(moments, n_species, function)


CLOSURE = Chain2Closure()
