"""Library errors in the command line's words, from their class and argument name.

The library says "`save` of `simulate` must be ..." and "lower learning_rate"; the
command line says "`--out` of `dynboltz simulate` must be ..." and "lower
--learning-rate".  The translation reads what errors carry (the ``param`` of an
`InvalidArgumentError` or `DamagedFileError`, the `Advice` of a `ConvergenceError`),
never their text.
"""
from __future__ import annotations

import re

from dynboltz.advice import Advice
from dynboltz.errors import (CompileError, ConvergenceError, DamagedFileError,
                             InvalidArgumentError)

__all__ = ["OPTIONS", "in_cli_words", "option_of"]

_SHARED = {"seed": "--seed", "iterations": "--iterations", "replicates": "--replicates",
           "scheme": "--scheme"}
OPTIONS: dict[str, dict[str, str]] = {
    "simulate": {**_SHARED, "save": "--out", "overwrite": "--overwrite", "rates": "--rates",
                 "N": "--N", "times": "--times", "initial": "--initial", "x0": "--initial",
                 "workers": "--workers", "snapshots": "--snapshots", "closure": "--closure"},
    "learn": {"seed": "--seed", "iterations": "--iterations", "data": "--data",
              "theta0": "--theta0", "x0": "--initial", "learning_rate": "--learning-rate",
              "l2": "--l2", "substeps": "--substeps", "optimizer": "--optimizer",
              "checkpoint": "--checkpoint", "closure": "--closure"},
    "compile": {"name": "--name", "out_dir": "--out", "closure": "--closure"},
    "demo": dict(_SHARED),
    "reproduce": dict(_SHARED),
}
"""Per command: library argument name -> the option that sets it."""

_MOTIF_FUNCTIONS = ("LatticeMotif", "parse_rule", "parse_processes")
_SAVE_WORDS = {
    InvalidArgumentError: "a new file, or one written by the same options (add "
                          "--overwrite to replace it and its checkpoint)",
    DamagedFileError: "a readable .npz file written by dynboltz (this one is damaged: "
                      "add --overwrite to run the simulation again, or delete it)",
}
"""``simulate``'s ``save`` errors, whose library advice is ``overwrite=True``."""


def option_of(param: str, command: str) -> tuple[str, str | None] | None:
    """(option, detail) that sets library argument ``param`` in ``command``.

    ``"rates['death']"`` -> ``("--rates", "death")``; None if no option sets it.
    """
    match = re.fullmatch(r"(\w+)(?:\[['\"]?(.*?)['\"]?\])?", param)
    if match is None:
        return None
    option = OPTIONS.get(command, {}).get(match.group(1))
    return None if option is None else (option, match.group(2))


def _advice(advice: Advice, command: str) -> str | None:
    found = option_of(advice.keyword, command)
    if found is None:
        return None  # the command line has no option for it
    value = "" if advice.value is None else " " + advice.value.strip("'\"")
    return f"{advice.verb} {found[0]}{value}"


def _argument_error(error, command):
    found = option_of(error.param, command)
    if found is None and str(error.function).startswith(_MOTIF_FUNCTIONS):
        found = ("MOTIF", error.param)
    if found is None:
        return None
    option, detail = found
    constraint = error.constraint
    if command == "simulate" and error.param == "save":
        constraint = _SAVE_WORDS[DamagedFileError if isinstance(error, DamagedFileError)
                                 else InvalidArgumentError]
    label = f"`{option}`" + (f" ({detail})" if detail else "")
    return f"{label} of `dynboltz {command}` must be `{constraint}`; got `{error.value!r}`"


def in_cli_words(error: BaseException, command: str) -> str:
    """One line for ``error`` raised by the library under ``dynboltz command``.

    Argument errors name the option (``--out``, ``--rates`` (death), ``MOTIF``
    (species)); convergence errors give their advice as options and leave out
    advice no option can follow; a `CompileError` keeps its first line.
    """
    if isinstance(error, CompileError):
        return (f"{str(error).splitlines()[0]} (the compiler output is in "
                "dynboltz.errors.CompileError.output when called from Python)")
    if isinstance(error, (InvalidArgumentError, DamagedFileError)) and \
            getattr(error, "param", None) is not None:
        text = _argument_error(error, command)
        if text is not None:
            return text
    if isinstance(error, ConvergenceError) and error.advice:
        words = [w for w in (_advice(a, command) for a in error.advice) if w]
        text = error.cause + (f"; {' or '.join(words)}" if words else "")
        return " ".join(text.split())
    return " ".join(str(error).split())
