"""Built-in lattice motif libraries, compiled at install from ``generated/*.pyx``.

>>> from dynboltz.generated import library
>>> library.sep.param_names[:4]
('h_S', 'h_E', 'h_C', 'h_P')

Attributes (each a `MotifLibrary`, loaded on first access): ``barw``,
``trivalent``, ``sep`` and the single built-in processes on species A,
``creation_A``, ``death_A``, ``diffusion_A``, ``branching_A``,
``annihilation_A``, ``coagulation_A``, plus ``bind_A_B_C`` (A + B -> C) and
``unbind_C_A_B`` (C -> A + B).  ``NAMES`` lists them.  Regenerate the sources
with ``python -m dynboltz.codegen.regenerate generated/``.
"""
from __future__ import annotations

import importlib

from dynboltz.generated.motif_index import MODULES
from dynboltz.generated.motif_library import MotifLibrary

NAMES: tuple[str, ...] = tuple(MODULES)
_LOADED: dict[str, MotifLibrary] = {}


def __getattr__(name: str) -> MotifLibrary:
    if name not in MODULES:
        raise AttributeError(f"module 'dynboltz.generated.library' has no attribute "
                             f"{name!r}; built-in motifs are {list(NAMES)}")
    if name not in _LOADED:
        module = importlib.import_module(f"dynboltz.generated.{MODULES[name]}")
        _LOADED[name] = module.library()
    return _LOADED[name]


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(NAMES))
