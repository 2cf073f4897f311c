"""The one rule for names of species and processes, in every model (lattice motifs,
well-mixed networks, reactions).

A name starts with an ASCII letter and holds only ASCII letters, digits and ``_``:
names become parameter names (``h_A``, ``J_AB``), Cython identifiers of generated code
and CSV/JSON column headers, and ``_`` alone is the empty site of lattice rules.
Plain Python: importing this module loads nothing else.
"""
from __future__ import annotations

import re

__all__ = ["NAME_RULE", "is_name"]

NAME_RULE = "names of ASCII letters, digits and '_' that start with a letter"
"""The rule in words, for error messages."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def is_name(name: object) -> bool:
    """True if ``name`` is a str that follows `NAME_RULE` (``"A"``, ``"k_2"``; not
    ``"α"``, ``"_A"``, ``"2A"``)."""
    return isinstance(name, str) and _NAME.match(name) is not None
