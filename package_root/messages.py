"""The project's one argument-error message, shared by every layer.

"`<param>` of `<function>` must be `<constraint>`; got `<value>`" — raised as
``ValueError`` (a bad value), ``TypeError`` (the wrong kind of object) or, on the
command line, ``SystemExit``, before any work is done.
"""
from __future__ import annotations

__all__ = ["invalid"]


def invalid(param: str, function: str, constraint: str, value: object,
            error: type[BaseException] = ValueError) -> BaseException:
    """The exception for argument ``param`` of ``function`` violating ``constraint``.

    Parameters
    ----------
    param, function, constraint : str
        What was wrong, where, and what it must be.
    value : object
        The offending value (shown with ``repr``).
    error : type of BaseException
        ``ValueError`` (default), ``TypeError`` for the wrong kind of object, or
        ``SystemExit`` for a command-line option.

    Returns
    -------
    BaseException
        An instance of ``error`` worded "`<param>` of `<function>` must be
        `<constraint>`; got `<value>`", for the caller to raise.
    """
    return error(f"`{param}` of `{function}` must be `{constraint}`; got `{value!r}`")
