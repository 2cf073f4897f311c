"""Every exception and warning class of dynboltz, in one small hierarchy.

The same failure raises the same class in every layer and geometry, and the command
line maps classes (not message text) to what it prints.  Each class also derives from
the built-in it refines, so ``except ValueError`` and the like keep working::

    DynboltzError
    ├── InvalidArgumentError (ValueError)       a bad value, before any work
    │   ├── InvalidTypeError (TypeError)        the wrong kind of object
    │   └── UnsupportedExpressionError          codegen cannot print an expression
    ├── DamagedFileError (ValueError)           a file dynboltz wrote cannot be read back
    ├── CacheDirectoryError (OSError)           the code cache cannot be created or written
    ├── CompileError (RuntimeError)             Cython or the C compiler failed
    ├── ModelStateError (ArithmeticError)       a simulated model reached a forbidden state
    └── ConvergenceError (RuntimeError)         a computation did not converge
        └── IntegrationError (FloatingPointError)  an ODE/PDE left the finite numbers
            └── OutOfDomain                     a reduced state left the closure's domain

    DynboltzWarning (UserWarning)
    ├── IdentifiabilityWarning                  the data do not determine some rates
    └── EffectiveRatesWarning                   the closure misses the data by far

Plain Python: importing this module loads nothing else.
"""
from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from pathlib import Path

__all__ = ["DynboltzError", "InvalidArgumentError", "InvalidTypeError",
           "UnsupportedExpressionError", "DamagedFileError", "CacheDirectoryError",
           "CompileError", "ModelStateError", "ConvergenceError", "IntegrationError", "OutOfDomain", "DynboltzWarning",
           "IdentifiabilityWarning", "EffectiveRatesWarning", "GridCoverageWarning"]


class DynboltzError(Exception):
    """Base class of every error dynboltz raises on purpose."""


class InvalidArgumentError(DynboltzError, ValueError):
    """An argument violates its constraint; raised before any work is done.

    Worded "`<param>` of `<function>` must be `<constraint>`; got `<value>`"
    (`dynboltz.messages.invalid`).
    """


class InvalidTypeError(InvalidArgumentError, TypeError):
    """An argument is the wrong kind of object (also a ``TypeError``)."""


class UnsupportedExpressionError(InvalidArgumentError):
    """An expression contains a function or object the code printer cannot print."""


class DamagedFileError(DynboltzError, ValueError):
    """A ``.npz`` file dynboltz wrote cannot be read back (empty, truncated, foreign)."""


class CacheDirectoryError(DynboltzError, OSError):
    """The cache directory cannot hold a new module (a file, unwritable, ...).

    Attributes
    ----------
    path : pathlib.Path
        The directory that could not be created or written.
    """

    def __init__(self, path: Path, error: OSError) -> None:
        source = ("DYNBOLTZ_CACHE" if os.environ.get("DYNBOLTZ_CACHE")
                  else "the default, as DYNBOLTZ_CACHE is not set")
        super().__init__(
            f"the dynboltz cache directory {str(path)!r} ({source}) cannot be used: "
            f"{error.strerror or error}; set DYNBOLTZ_CACHE to a writable directory")
        self.path = path


class CompileError(DynboltzError, RuntimeError):
    """Cythonizing or compiling a generated module failed.

    Attributes
    ----------
    command : list of str
        The command that was run.
    output : str
        Everything Cython and the C compiler printed (stdout and stderr).
    """

    def __init__(self, message: str, command: Sequence[str], output: str) -> None:
        super().__init__(f"{message}\ncommand: {shlex.join(command)}\n"
                         f"--- output ---\n{output}")
        self.command = command
        self.output = output


class ModelStateError(DynboltzError, ArithmeticError):
    """A simulated model reached a state its rules forbid, at run time: a kinetic law
    gave a negative or NaN propensity, a reaction would make a count negative, an event
    assigned a count that is not a whole number >= 0, or events kept firing each other.
    The message names the reaction, species or event, the trajectory and the time."""


class ConvergenceError(DynboltzError, RuntimeError):
    """A computation did not converge; the message names the cause and the way out.

    Attributes
    ----------
    cause : str
        What went wrong, without the advice.
    advice : tuple of dynboltz.advice.Advice
        Ways out by argument (may be empty); the message ends with them.
    """

    def __init__(self, cause: str = "", advice: Sequence[object] = ()) -> None:
        self.cause = cause
        self.advice = tuple(advice)
        words = " or ".join(str(a) for a in self.advice)
        super().__init__(f"{cause}; {words}" if words else cause)


class IntegrationError(ConvergenceError, FloatingPointError):
    """A reduced model (eq. 22, 42, 52) could not be integrated: its state stopped being
    finite or a step limit was reached.  The same class in every geometry."""


class OutOfDomain(IntegrationError):
    """A reduced trajectory left the domain where the closure distribution p̃ is
    normalisable (e.g. ν_K ≤ 0 for the well-mixed MaxEnt family)."""


class DynboltzWarning(UserWarning):
    """Base class of every warning dynboltz issues."""


class EffectiveRatesWarning(DynboltzWarning):
    """The learned rates are effective: the closure misses the data by many times
    their noise, so the rates differ from the simulated ones by more than their
    standard errors say."""


class IdentifiabilityWarning(DynboltzWarning):
    """The data do not determine some rates (a flat direction of the action)."""


class GridCoverageWarning(DynboltzWarning):
    """An explicit grid of `learn_basis` misses the nu the data visit."""
