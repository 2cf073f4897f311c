"""Rules for names of generated modules (shared by the emitter and the builder)."""
from __future__ import annotations

import re

from dynboltz.messages import invalid

_MODULE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}\Z")


def check_module_name(name: object, argument: str, function: str) -> None:
    """Raise ValueError unless ``name`` is a letter then up to 63 letters, digits or _.

    Parameters
    ----------
    name : object
        Candidate module name (stem of the ``.pyx`` file and of the module).
    argument, function : str
        Argument and public function names for the error message.
    """
    if not isinstance(name, str) or not _MODULE_NAME.match(name):
        raise invalid(argument, function, "a letter followed by up to 63 letters, digits "
                      "or '_'", name)


def check_importable_name(name: object, argument: str, function: str,
                          error: type[BaseException] = ValueError, note: str = "",
                          out_dir: object = None) -> None:
    """Raise unless ``name`` can be imported as a new module from a folder on sys.path.

    Besides `check_module_name`: not a Python keyword (``import class`` is a syntax
    error) and not the name of a standard, built-in or installed module (which
    ``import`` would find first, or which the new module would hide).

    Parameters
    ----------
    name : object
    argument, function : str
        For the error message.
    error : type of BaseException
        ``ValueError``, or ``SystemExit`` on the command line.
    note : str
        Appended to the constraint (e.g. where a default name came from).
    out_dir : path, optional
        The destination folder: a module found there is the one being replaced.
    """
    import importlib.util
    import keyword
    import sys
    from pathlib import Path

    if not isinstance(name, str) or not _MODULE_NAME.match(name):
        raise invalid(argument, function, "a letter followed by up to 63 letters, digits "
                      f"or '_'{note}", name, error)
    if keyword.iskeyword(name):
        raise invalid(argument, function, f"a module name that is not a Python keyword"
                      f"{note}", name, error)
    clash = name in sys.stdlib_module_names or name in sys.builtin_module_names
    if not clash:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = Path(spec.origin).resolve().parent if spec and spec.origin else None
        clash = spec is not None and (out_dir is None or
                                      origin != Path(out_dir).resolve())
    if clash:
        raise invalid(argument, function, f"a module name that no standard or installed "
                      f"module has (import would find the other one){note}", name, error)
