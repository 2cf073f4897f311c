"""Flat keywords as shorthand for the fields of a learner's settings dataclass.

Every learner takes its options as one frozen, validated settings dataclass per option
group (``BasisLearningSettings``, ``SpatialLearningSettings``, the ``OptimizerSettings``
/ ``IntegrationSettings`` / ``CheckpointSettings`` of ``learn_rates``) and, as
shorthand, the same fields as flat keywords: ``learn_basis(..., optimizer="gradient",
learning_rate=0.1)`` is ``learn_basis(..., settings=BasisLearningSettings(
optimizer="gradient", learning_rate=0.1))``.  The field names are shared: ``optimizer``
(the optimiser's name), ``integrator`` (the integrator's name), ``learning_rate``,
``decay``, ``damping``, ``smoothness``, ``tolerance``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from dynboltz.runtime.common.validation import invalid

__all__ = ["settings_with_keywords"]

S = TypeVar("S")


def settings_with_keywords(settings: S | None, kind: type[S], keywords: Mapping[str, Any],
                           function: str, param: str = "settings") -> S:
    """``settings`` (default ``kind()``) with the fields named in ``keywords`` replaced.

    Parameters
    ----------
    settings : instance of ``kind`` or None
    kind : dataclass type
        Frozen settings dataclass that validates itself in ``__post_init__``.
    keywords : mapping of str to object
        Field name -> value, applied on top of ``settings``.
    function : str
        The public function, for messages.
    param : str
        The parameter that took ``settings``.

    Returns
    -------
    instance of ``kind``

    Raises
    ------
    TypeError
        ``settings`` of another type, or a keyword that names no field.
    ValueError
        An invalid field value (raised by ``kind``).
    """
    if settings is None:
        settings = kind()
    elif not isinstance(settings, kind):
        raise invalid(param, function, f"a {kind.__name__} or None", settings, TypeError)
    names = sorted(f.name for f in dataclasses.fields(kind))
    unknown = sorted(set(keywords) - set(names))
    if unknown:
        raise TypeError(f"{function}() got unexpected keyword arguments {unknown}; valid "
                        f"ones are the fields of {kind.__name__} {names} besides the "
                        "named parameters")
    return dataclasses.replace(settings, **keywords) if keywords else settings
