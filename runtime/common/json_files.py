"""The one JSON rule of every summary dynboltz writes: standard JSON, never ``NaN``.

Python's ``json`` writes ``Infinity`` and ``NaN`` by default, which no other JSON reader
accepts.  Every summary, ensemble and fit written as ``.json`` goes through `json_text`:
non-finite floats (Python or numpy) become ``null``, numpy scalars and arrays become
plain numbers and lists, and ``json.dumps(..., allow_nan=False)`` guarantees that nothing
non-standard is left.  `read_json` reads such a file back (``null`` stays ``None``).
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from dynboltz.atomic_files import atomic_writer

__all__ = ["plain_json_value", "json_text", "write_json", "read_json"]


def plain_json_value(value: Any) -> Any:
    """``value`` with non-finite floats as None and numpy values as plain Python ones.

    Mappings keep their keys (as ``json`` converts them), tuples and arrays become lists;
    anything else is returned unchanged for ``json`` to accept or refuse.
    """
    if isinstance(value, np.ndarray):
        return plain_json_value(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: plain_json_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json_value(item) for item in value]
    return value


def json_text(value: Any, indent: int | None = 2) -> str:
    """Standard JSON text of ``value`` (see `plain_json_value`), ending in a newline.

    Raises
    ------
    TypeError
        A value ``json`` cannot write (``json.dumps``'s own message).
    """
    return json.dumps(plain_json_value(value), indent=indent, allow_nan=False) + "\n"


def write_json(value: Any, path: os.PathLike | str, indent: int | None = 2) -> Path:
    """Write `json_text` of ``value`` to ``path`` atomically; returns the path."""
    with atomic_writer(path, "w") as stream:
        stream.write(json_text(value, indent))
    return Path(path)


def read_json(path: os.PathLike | str) -> Any:
    """The value of a JSON file written by `write_json` (``null`` read as None)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
