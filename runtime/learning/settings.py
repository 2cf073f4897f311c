"""Settings of `learn_rates` (Algorithm 2), one small frozen dataclass per concern.

Each class validates its fields in ``__post_init__`` (the one place its checks live),
so a settings object that exists is valid.  `learn_rates` also takes the fields as flat
keywords (``iterations=``, ``learning_rate=``, ``substeps=``, ``checkpoint_every=``, ...);
`settings_from_keywords` routes each keyword to the object that owns it.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from dynboltz.atomic_files import check_writable_folder
from dynboltz.messages import public
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid
from dynboltz.runtime.learning.optimizers import (DEFAULT_LEARNING_RATES, OPTIMIZERS,
                                                  QUASI_NEWTON, check_optimizer_options)
from dynboltz.runtime.learning.reduced_ode import METHODS

__all__ = ["OptimizerSettings", "IntegrationSettings", "CheckpointSettings",
           "settings_from_keywords", "DEFAULT_ITERATIONS"]

_FUNCTION = "learn_rates"

DEFAULT_ITERATIONS = {"quasi-newton": 500, "descent": 400}
"""Iteration limit when ``iterations`` is None: the quasi-Newton methods stop on
``tolerance`` long before (10–40 iterations on the tested motifs); the gradient-descent
steps run the paper's 400 unless the tolerance is met first."""


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class OptimizerSettings:
    """How θ is optimised.

    Attributes
    ----------
    name : str
        One of `OPTIMIZERS`: ``"lbfgs"`` (default; scipy L-BFGS-B with bounds θ ≥ 0),
        ``"trust-constr"`` (scipy), or the gradient steps ``"paper"``, ``"nesterov"``,
        ``"adam"`` (for noisy Gibbs asleep moments).
    iterations : int or None
        Iteration limit (``DEFAULT_ITERATIONS`` when None), including any done before a
        resume.
    tolerance : float
        Stop when the Gauss–Newton step to the optimum changes no rate by more than
        ``tolerance`` relative to its scale (see ``dynboltz.runtime.learning.curvature``);
        the gradient steps test it every 10 iterations.
        The default 1e-5 is far below the statistical error of any simulated data and
        above what the action's rounding allows on ill-conditioned motifs (a relative
        change of 1e-6 along a direction 1e4 times flatter than the best changes the
        action by ~1e-16 of its value).
    learning_rate : float or None
        Gradient steps only (default ``DEFAULT_LEARNING_RATES``).
    options : mapping
        ``decay`` ("paper"), ``momentum`` ("nesterov"), ``beta1``, ``beta2``,
        ``epsilon`` ("adam"); for the scipy methods, options of ``scipy.optimize.minimize``.
    l2 : float
        Weight of (l2/2)|θ − θ₀|² added to the action (>= 0).
    """

    name: str = "lbfgs"
    iterations: int | None = None
    tolerance: float = 1e-5
    learning_rate: float | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    l2: float = 0.0

    @public
    def __post_init__(self) -> None:
        check_choice(self.name, "optimizer", OPTIMIZERS, _FUNCTION)
        kind = "quasi-newton" if self.name in QUASI_NEWTON else "descent"
        iterations = DEFAULT_ITERATIONS[kind] if self.iterations is None else \
            check_integer(self.iterations, "iterations", _FUNCTION, 0)
        if self.name in QUASI_NEWTON and self.learning_rate is not None:
            raise invalid("learning_rate", _FUNCTION, f"None for optimizer {self.name!r} "
                          "(a line search or trust region chooses the step)",
                          self.learning_rate)
        rate = None if self.name in QUASI_NEWTON else check_real(
            DEFAULT_LEARNING_RATES[self.name] if self.learning_rate is None
            else self.learning_rate, "learning_rate", _FUNCTION, 0.0, low_open=True)
        object.__setattr__(self, "iterations", iterations)
        object.__setattr__(self, "learning_rate", rate)
        object.__setattr__(self, "tolerance", check_real(self.tolerance, "tolerance",
                                                         _FUNCTION, 0.0, low_open=True))
        object.__setattr__(self, "options", _frozen_mapping(
            check_optimizer_options(self.name, self.options, _FUNCTION)))
        object.__setattr__(self, "l2", check_real(self.l2, "l2", _FUNCTION, 0.0))

    @property
    def quasi_newton(self) -> bool:
        """Whether scipy's minimiser runs (deterministic objective needed)."""
        return self.name in QUASI_NEWTON

    def as_dict(self) -> dict[str, Any]:
        """Plain-data copy (for fingerprints and ``info``)."""
        return {f.name: dict(getattr(self, f.name)) if f.name == "options"
                else getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class IntegrationSettings:
    """How eq. 52 and 54 are integrated (see `integrate`).

    Attributes
    ----------
    integrator : {"rk4", "adaptive"}
        The integrator's name (`dynboltz.runtime.learning.reduced_ode.METHODS`).
    substeps : int
        RK4 steps per data interval.
    rtol, atol : float
        ``"adaptive"`` tolerances.
    """

    integrator: str = "rk4"
    substeps: int = 1
    rtol: float = 1e-8
    atol: float = 1e-10

    @public
    def __post_init__(self) -> None:
        check_choice(self.integrator, "integrator", METHODS, _FUNCTION)
        object.__setattr__(self, "substeps",
                           check_integer(self.substeps, "substeps", _FUNCTION, 1))
        for name in ("rtol", "atol"):
            object.__setattr__(self, name, check_real(getattr(self, name), name, _FUNCTION,
                                                      0.0, low_open=True))

    def as_dict(self) -> dict[str, Any]:
        """Keyword arguments of `integrate`."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CheckpointSettings:
    """Where and how often a run is checkpointed.

    The path is checked here, before any work: its folder must be or become a writable
    directory (`check_writable_folder`, which leaves no folder behind), and the path must
    not be a directory.

    Attributes
    ----------
    path : str or os.PathLike or None
        ``.npz`` written atomically every ``every`` iterations and at the end.
    every : int
    resume : bool
        Continue from ``path`` if it exists.
    """

    path: os.PathLike | str | None = None
    every: int = 10
    resume: bool = False

    @public
    def __post_init__(self) -> None:
        object.__setattr__(self, "every",
                           check_integer(self.every, "checkpoint_every", _FUNCTION, 1))
        if not isinstance(self.resume, bool):
            raise invalid("resume", _FUNCTION, "True or False", self.resume, TypeError)
        if self.path is None:
            if self.resume:
                raise invalid("checkpoint", _FUNCTION, "a path when resume=True", None)
            return
        if not isinstance(self.path, (str, os.PathLike)):
            raise invalid("checkpoint", _FUNCTION, "a path (str or os.PathLike) or None",
                          self.path, TypeError)
        _check_writable(Path(self.path))


def _check_writable(path: Path) -> None:
    """Fail now, not at the first write: a directory, or a folder that cannot hold it.

    The folder is checked with `check_writable_folder` (the one writability check: it
    tries a file there and removes the folders it created).  An existing read-only
    checkpoint in a writable folder is accepted: `atomic_writer` renames the new file
    onto it, which the folder's permissions allow.
    """
    if path.is_dir():
        raise invalid("checkpoint", _FUNCTION, "a file path, not a directory", str(path))
    check_writable_folder(path.parent, "checkpoint", _FUNCTION)


_KEYWORDS = {
    OptimizerSettings: {"iterations": "iterations", "tolerance": "tolerance",
                        "learning_rate": "learning_rate", "optimizer_options": "options",
                        "l2": "l2"},
    IntegrationSettings: {"integrator": "integrator", "substeps": "substeps", "rtol": "rtol",
                          "atol": "atol"},
    CheckpointSettings: {"checkpoint_every": "every", "resume": "resume"},
}
"""Flat keyword of `learn_rates` -> field of the settings object that owns it."""

_EXPECTED = {"optimizer": f"an optimizer name ({sorted(OPTIMIZERS)}) or OptimizerSettings",
             "integration": "an IntegrationSettings or None",
             "checkpoint": "a path (str or os.PathLike), a CheckpointSettings or None"}


def settings_from_keywords(optimizer: str | OptimizerSettings,
                           integration: IntegrationSettings | None,
                           checkpoint: os.PathLike | str | CheckpointSettings | None,
                           keywords: Mapping[str, Any]
                           ) -> tuple[OptimizerSettings, IntegrationSettings,
                                      CheckpointSettings]:
    """The three settings objects of one `learn_rates` call.

    Parameters
    ----------
    optimizer : str or OptimizerSettings
    integration : IntegrationSettings or None
    checkpoint : path, CheckpointSettings or None
    keywords : dict
        Flat keywords (``iterations``, ``tolerance``, ``learning_rate``,
        ``optimizer_options``, ``l2``, ``integrator``, ``substeps``, ``rtol``, ``atol``,
        ``checkpoint_every``, ``resume``), applied on top of the objects.

    Returns
    -------
    (OptimizerSettings, IntegrationSettings, CheckpointSettings)

    Raises
    ------
    TypeError
        An unknown keyword, or a settings argument of the wrong type.
    ValueError
        An invalid setting.
    """
    known = {key for names in _KEYWORDS.values() for key in names}
    unknown = sorted(set(keywords) - known)
    if unknown:
        raise TypeError(f"learn_rates() got unexpected keyword arguments {unknown}; "
                        f"valid ones are {sorted(known)} besides the named parameters")
    bases = [optimizer if isinstance(optimizer, OptimizerSettings)
             else OptimizerSettings(name=optimizer) if isinstance(optimizer, str) else None,
             IntegrationSettings() if integration is None else integration,
             checkpoint if isinstance(checkpoint, CheckpointSettings)
             else CheckpointSettings() if checkpoint is None
             or isinstance(checkpoint, (str, os.PathLike)) else None]
    path = None if isinstance(checkpoint, CheckpointSettings) else checkpoint
    built = []
    for base, (kind, names), param in zip(bases, _KEYWORDS.items(),
                                          ("optimizer", "integration", "checkpoint")):
        if not isinstance(base, kind):
            raise invalid(param, _FUNCTION, _EXPECTED[param],
                          (optimizer, integration, checkpoint)[len(built)], TypeError)
        changes = {names[key]: value for key, value in keywords.items() if key in names}
        if kind is CheckpointSettings and path is not None:
            changes["path"] = path
        built.append(dataclasses.replace(base, **changes) if changes else base)
    return tuple(built)
