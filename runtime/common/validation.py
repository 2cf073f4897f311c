"""Argument checks shared by the runtime, with the project's one message shape.

Every check raises ``ValueError`` (or ``TypeError`` for the wrong kind of object)
worded "`<param>` of `<function>` must be `<constraint>`; got `<value>`", before any
work is done.
"""
from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from numbers import Integral, Real
from typing import TYPE_CHECKING, TypeAlias

import numpy as np

from dynboltz.messages import invalid

if TYPE_CHECKING:  # annotations only: runtime never imports the symbolic layer
    from dynboltz.motif_library import MotifLibrary
    from dynboltz.runtime.lattice.chain.reference import LatticeReference
    from dynboltz.symbolic.lattice.motif import LatticeMotif

__all__ = ["invalid", "check_real", "check_integer", "check_choice", "rate_vector",
           "seed_entropy", "SeedLike", "LatticeModel"]

SeedLike: TypeAlias = "int | Sequence[int] | np.random.SeedSequence | None"
"""What every random routine accepts as ``seed`` (normalised with ``SeedSequence``)."""

LatticeModel: TypeAlias = "MotifLibrary | LatticeMotif | LatticeReference"
"""A lattice model: compiled motif library, symbolic motif or numpy reference."""


def check_real(value: object, param: str, function: str, low: float = -math.inf,
               low_open: bool = False) -> float:
    """``value`` as a float, checked finite and ``>= low`` (``> low`` if ``low_open``)."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value) \
            or value < low or (low_open and value == low):
        bound = f" {'>' if low_open else '>='} {low}" if low > -math.inf else ""
        raise invalid(param, function, f"a finite real number{bound}", value)
    return float(value)


def check_integer(value: object, param: str, function: str, low: int) -> int:
    """``value`` as an int, checked ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise invalid(param, function, f"an integer >= {low}", value)
    return int(value)


def check_choice(value: object, param: str, choices: Collection[str], function: str) -> str:
    """``value``, checked to be one of the strings ``choices`` (listed in the error)."""
    if not isinstance(value, str) or value not in choices:
        raise invalid(param, function, f"one of {sorted(choices)}", value)
    return value


def rate_vector(rates: Mapping[str, float], process_names: Sequence[str], function: str
                ) -> np.ndarray:
    """Rates of a ``{process name: rate}`` mapping as a float64 array in process order.

    Parameters
    ----------
    rates : mapping of str to float
        Must be keyed by exactly ``process_names``; values finite and ``>= 0``.
    process_names : sequence of str
    function : str
        Name of the public function, for the error message.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(process_names),)``.

    Raises
    ------
    TypeError
        If ``rates`` is not a mapping.
    ValueError
        Naming missing and unknown process names, or the offending rate.
    """
    names = list(process_names)
    if not hasattr(rates, "keys"):
        raise invalid("rates", function, "a mapping from process name to rate", rates, TypeError)
    missing = [name for name in names if name not in rates]
    unknown = [name for name in rates if name not in names]
    if missing or unknown:
        raise invalid("rates", function, f"keyed by exactly the process names {names} "
                      f"(missing {missing}, unknown {unknown})", dict(rates))
    return np.array([check_real(rates[name], f"rates[{name!r}]", function, 0.0)
                     for name in names], dtype=np.float64)


def seed_entropy(seed: SeedLike) -> int | list[int]:
    """The entropy of ``SeedSequence(seed)`` as plain ints, for JSON metadata.

    Saved with results and checkpoints so that a run can be repeated or resumed
    with exactly the same random streams (``None`` draws fresh OS entropy).
    """
    entropy = np.random.SeedSequence(seed).entropy
    return [int(e) for e in entropy] if isinstance(entropy, (list, tuple, np.ndarray)) \
        else int(entropy)
