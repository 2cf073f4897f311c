"""The symbolic and codegen layers' argument-error message (STYLE rule 8).

``runtime`` keeps its own copy (``dynboltz.runtime.validation.invalid``)
because it must not import this package, which imports sympy; a test checks
that both word their messages identically.
"""
from __future__ import annotations

__all__ = ["invalid"]


def invalid(param: str, function: str, constraint: str, value: object,
            error: type[Exception] = ValueError) -> Exception:
    """Build the exception of the project's one message shape (STYLE rule 8).

    The message reads "`<param>` of `<function>` must be `<constraint>`; got
    `<value>`".

    Parameters
    ----------
    param, function, constraint : str
        What was wrong, where, and what it must be.
    value : object
        The offending value (shown with ``repr``).
    error : type of Exception
        ``ValueError`` (default) or ``TypeError`` for the wrong kind of object.

    Returns
    -------
    Exception
        An instance of ``error``, for the caller to raise.
    """
    return error(f"`{param}` of `{function}` must be `{constraint}`; got `{value!r}`")
