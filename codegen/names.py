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
