"""Mass-action ODEs for the mean densities, and their rates fitted to data (Sec. III D).

A well-mixed model of a lattice system of N sites: the per-site densities c_s follow

    dc/dt = Σ_r (ν_r^out − ν_r^in) k_r N^(o_r − 1) Π_s c_s^(ν_rs^in)

with o_r = Σ_s ν_rs^in the order of reaction r. The N^(o−1) makes k_r the rate of the
particle-count form dn/dt = Σ_r (ν^out − ν^in) k_r Π n_s^(ν_rs^in), n = N c: a
bimolecular k is per pair of molecules in the whole system (the paper's k1 ≈ 0.09 for
N = 100 is in these units), a unimolecular k per molecule.

``SEP_REACTIONS`` is eq. 55, S + E ⇌ C → P + E with rates (k1, k−1, k2). `fit_rates`
fits the rates by non-linear least squares (``scipy.optimize.least_squares`` in ln k,
so rates stay positive) to mean densities over some time window.

Source of the reactions: a lattice motif's processes, written once in
``symbolic/lattice/motif.py`` and compiled into ``dynboltz.generated.library``.
`MassAction.from_lattice_model` reads the stoichiometry off its rule table (the
species counts of a rule's left and right sides), so ``SEP_REACTIONS`` is the
well-mixed reading of ``library.sep`` and not a second copy of eq. 55.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.integrate import solve_ivp
from scipy.optimize import least_squares

from dynboltz.generated import library
from dynboltz.runtime.common.validation import check_integer, invalid
from dynboltz.runtime.common.results import ShortRepr

__all__ = ["MassAction", "SEP_REACTIONS", "SEP_RATE_NAMES", "integrate_mass_action",
           "fit_rates", "MassActionFit"]


@dataclass(frozen=True)
class MassAction:
    """Stoichiometry of a well-mixed reaction network.

    Attributes
    ----------
    species : tuple of str
    reactants, products : ndarray of int, shape (R, S)
        ν^in and ν^out per reaction.
    rate_names : tuple of str
        One per reaction.
    """

    species: tuple[str, ...]
    reactants: np.ndarray
    products: np.ndarray
    rate_names: tuple[str, ...]

    @classmethod
    def from_lattice_model(cls, model: object, rate_names: Mapping[str, str]) -> MassAction:
        """The reactions of a lattice model's processes, read off its rule table.

        A rule ``lhs -> rhs`` of process r consumes the species on its left side and
        produces those on its right side (empty sites, code 0, are not species), so
        ν^in_r and ν^out_r are the species counts of the two sides.

        Parameters
        ----------
        model : compiled motif library, LatticeMotif or LatticeReference
            Anything with ``species``, ``process_names`` and ``rule_table()``.
        rate_names : dict of str -> str
            Process name -> rate name, in the order of the reactions wanted.  The
            processes left out must change no species count (e.g. diffusion).

        Returns
        -------
        MassAction

        Raises
        ------
        ValueError
            A name that is not a process of the model, a process whose rules do not
            share one left and one right species count, one that changes no count, or
            a left-out process that changes one.
        """
        species = tuple(model.species)
        rules = dict(zip(model.process_names, model.rule_table()))
        unknown = [name for name in rate_names if name not in rules]
        if unknown:
            raise invalid("rate_names", "MassAction.from_lattice_model",
                          f"keys among the process names {list(rules)}", unknown)
        stoichiometry = {name: _process_counts(name, table, len(species))
                         for name, table in rules.items()}
        for name, (reactants, products) in stoichiometry.items():
            if (name in rate_names) == (reactants == products):
                raise invalid("rate_names", "MassAction.from_lattice_model",
                              "exactly the processes that change species counts",
                              sorted(rate_names))
        return cls(species=species,
                   reactants=np.array([stoichiometry[name][0] for name in rate_names]),
                   products=np.array([stoichiometry[name][1] for name in rate_names]),
                   rate_names=tuple(rate_names.values()))

    def rhs(self, densities: np.ndarray, rates: np.ndarray, n_sites: float) -> np.ndarray:
        """dc/dt (module docstring), densities (S,) -> (S,)."""
        order = self.reactants.sum(axis=1)
        flux = rates * n_sites ** (order - 1.0) * np.prod(densities ** self.reactants, axis=1)
        return (self.products - self.reactants).T @ flux


def _process_counts(name, table, n_species):
    """(ν^in, ν^out) species counts shared by every rule of one process, as tuples."""
    def counts(codes):
        return tuple(int(np.count_nonzero(np.asarray(codes) == a))
                     for a in range(1, n_species + 1))
    sides = {(counts(lhs), counts(rhs)) for lhs, rhs, _ in table}
    if len(sides) != 1:
        raise invalid("model", "MassAction.from_lattice_model", "processes whose rules "
                      f"share one left and one right species count (process {name!r})",
                      sorted(sides))
    return sides.pop()


SEP_RATE_NAMES = ("k1", "k_minus1", "k2")
SEP_REACTIONS = MassAction.from_lattice_model(
    library.sep, dict(zip(("bind", "unbind", "catalysis"), SEP_RATE_NAMES)))
"""Eq. 55 read off ``library.sep``: S + E -> C (k1, ``bind``), C -> S + E (k−1,
``unbind``), C -> P + E (k2, ``catalysis``); species S, E, C, P."""


def integrate_mass_action(network: MassAction, rates: ArrayLike, c0: ArrayLike,
                          times: ArrayLike, n_sites: float) -> np.ndarray:
    """Mean densities of the mass-action ODE on ``times`` (LSODA, rtol 1e-10).

    Parameters
    ----------
    network : MassAction
    rates : array_like, shape (R,)
        k_r >= 0 in count units (module docstring).
    c0 : array_like, shape (S,)
        Densities per site at ``times[0]``.
    times : array_like, shape (T,)
        Ascending.
    n_sites : float
        N, the lattice size the counts refer to.

    Returns
    -------
    ndarray, shape (T, S)
    """
    rates, c0 = np.asarray(rates, dtype=float), np.asarray(c0, dtype=float)
    times = np.asarray(times, dtype=float)
    if rates.shape != (len(network.rate_names),) or np.any(rates < 0) \
            or not np.all(np.isfinite(rates)):
        raise invalid("rates", "integrate_mass_action",
                      f"{len(network.rate_names)} finite rates >= 0", rates)
    if c0.shape != (len(network.species),) or np.any(c0 < 0):
        raise invalid("c0", "integrate_mass_action",
                      f"{len(network.species)} densities >= 0", c0)
    if times.ndim != 1 or times.size < 1 or np.any(np.diff(times) <= 0):
        raise invalid("times", "integrate_mass_action", "strictly ascending times", times)
    if times.size == 1:
        return c0[None, :].copy()
    solution = solve_ivp(lambda _, c: network.rhs(c, rates, n_sites), (times[0], times[-1]),
                         c0, t_eval=times, method="LSODA", rtol=1e-10, atol=1e-12)
    return solution.y.T


@dataclass(frozen=True, repr=False)
class MassActionFit(ShortRepr):
    """Result of `fit_rates`.

    Attributes
    ----------
    rates : ndarray, shape (R,)
        Fitted k_r (count units).
    rate_names : tuple of str
    residual_rms : float
        Root-mean-square density misfit over the fitted window.
    info : dict
        ``status``, ``message``, ``evaluations`` of ``least_squares``, ``seconds``.
    """

    rates: np.ndarray
    rate_names: tuple[str, ...]
    residual_rms: float
    info: dict

    def as_dict(self) -> dict[str, float]:
        """``{rate name: value}``."""
        return dict(zip(self.rate_names, self.rates.tolist()))


def fit_rates(network: MassAction, times: ArrayLike, densities: ArrayLike, n_sites: float,
              rates0: ArrayLike | None = None, max_evaluations: int = 2000) -> MassActionFit:
    """Mass-action rates by non-linear least squares on the mean densities.

    Minimises Σ_t Σ_s (c_s(t; k) − data_s(t))² over ln k (trust-region reflective),
    with c(t; k) from `integrate_mass_action` started at the data's first point.

    Parameters
    ----------
    network : MassAction
    times : array_like, shape (T,)
        Ascending, T >= 2.
    densities : array_like, shape (T, S)
        Mean densities per site (e.g. the simulated µ of the training window).
    n_sites : float
        N.
    rates0 : array_like, shape (R,), optional
        Positive starting rates (default all 1).
    max_evaluations : int
        >= 1, budget of ODE solves.

    Returns
    -------
    MassActionFit
    """
    times = np.asarray(times, dtype=float)
    densities = np.asarray(densities, dtype=float)
    n_rates = len(network.rate_names)
    if times.ndim != 1 or times.size < 2 or densities.shape != (times.size,
                                                                 len(network.species)):
        raise invalid("densities", "fit_rates", f"an array of shape ({times.size}, "
                      f"{len(network.species)}) on at least 2 times",
                      f"shape {densities.shape}")
    rates0 = np.ones(n_rates) if rates0 is None else np.asarray(rates0, dtype=float)
    if rates0.shape != (n_rates,) or np.any(rates0 <= 0) or not np.all(np.isfinite(rates0)):
        raise invalid("rates0", "fit_rates", f"{n_rates} finite rates > 0", rates0)
    max_evaluations = check_integer(max_evaluations, "max_evaluations", "fit_rates", 1)

    def residuals(log_rates):
        model = integrate_mass_action(network, np.exp(log_rates), densities[0], times,
                                      n_sites)
        return (model - densities).ravel()

    start = time.perf_counter()
    result = least_squares(residuals, np.log(rates0), method="trf", x_scale=1.0,
                           max_nfev=max_evaluations, xtol=1e-12, ftol=1e-14, gtol=1e-14)
    return MassActionFit(np.exp(result.x), tuple(network.rate_names),
                         float(np.sqrt(np.mean(result.fun ** 2))),
                         {"status": int(result.status), "message": str(result.message),
                          "evaluations": int(result.nfev),
                          "seconds": time.perf_counter() - start})
