"""The project's one argument-error message, shared by every layer.

"`<param>` of `<function>` must be `<constraint>`; got `<value>`" — raised as
`dynboltz.errors.InvalidArgumentError` (a ``ValueError``; `InvalidTypeError`, also a
``TypeError``, for the wrong kind of object) or, on the command line, ``SystemExit``,
before any work is done.

``<function>`` is the public function the user called, taken from the function itself:
every public entry point is decorated with `public`, and a check deep inside (a rule
parser, a settings object built on the user's behalf) names the outermost one.
"""
from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import TypeVar

from dynboltz.errors import InvalidArgumentError, InvalidTypeError

__all__ = ["invalid", "public", "public_name"]

_Function = TypeVar("_Function", bound=Callable)
_CALLED: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "dynboltz_public_call", default=None)
_CONSTRUCTORS = ("__init__", "__post_init__", "__new__")


def _label(function: Callable) -> str:
    """``simulate``, ``LatticeMotif`` (for its ``__init__``), ``LatticeMotif.from_toml``."""
    # a local function's qualname carries "<locals>": name it by its last parts
    parts = function.__qualname__.split("<locals>.")[-1].split(".")
    if function.__name__ in _CONSTRUCTORS:
        parts = parts[:-1]
    return ".".join(parts)


def public(function: _Function) -> _Function:
    """Mark ``function`` as a public entry point whose name argument errors carry.

    While it runs (and it is not itself called by another public function), every
    `invalid` error names it, whatever name the check deeper down was written with.

    Parameters
    ----------
    function : callable
        A function, method or ``__init__``/``__post_init__`` (named by its class).

    Returns
    -------
    callable
        The wrapped function (``functools.wraps``: same name, docstring, pickling).
    """
    label = _label(function)

    @functools.wraps(function)
    def entry(*args, **kwargs):
        if _CALLED.get() is not None:
            return function(*args, **kwargs)
        token = _CALLED.set(label)
        try:
            return function(*args, **kwargs)
        finally:
            _CALLED.reset(token)

    return entry  # type: ignore[return-value]


def public_name(default: str) -> str:
    """The public function being called, or ``default`` outside any."""
    return _CALLED.get() or default


def invalid(param: str, function: str, constraint: str, value: object,
            error: type[BaseException] = ValueError) -> BaseException:
    """The exception for argument ``param`` of ``function`` violating ``constraint``.

    Parameters
    ----------
    param, function, constraint : str
        What was wrong, where, and what it must be.  ``function`` is used only outside
        a `public` call; inside one, the public function's own name is used.
    value : object
        The offending value (shown with ``repr``).
    error : type of BaseException
        ``ValueError`` (default) gives `InvalidArgumentError`, ``TypeError`` gives
        `InvalidTypeError`; ``SystemExit`` for a command-line option.

    Returns
    -------
    BaseException
        Worded "`<param>` of `<function>` must be `<constraint>`; got `<value>`", for
        the caller to raise; an `InvalidArgumentError` also carries ``param``,
        ``function``, ``constraint`` and ``value`` as attributes.
    """
    if error is not SystemExit:
        function = public_name(function)
    message = f"`{param}` of `{function}` must be `{constraint}`; got `{value!r}`"
    kind = {ValueError: InvalidArgumentError, TypeError: InvalidTypeError}.get(error)
    if kind is None:
        return error(message)
    raised = kind(message)
    raised.param, raised.function, raised.constraint, raised.value = (
        param, function, constraint, value)
    return raised
