"""Registries: a name -> implementation table, the one way to offer a choice.

Geometries, closures and closure emitters are each a `Registry`.  An entry is an
object or a ``"module:attribute"`` string imported on first use, so listing the names
imports nothing; an unknown name is refused with the valid ones listed.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from dynboltz.messages import invalid

__all__ = ["Registry"]


class Registry(Mapping):
    """Implementations of one role by name.

    Parameters
    ----------
    role : str
        What the entries are, for messages (``"geometry"``).
    entries : mapping of str to object or str
        Initial entries; a string ``"package.module:attribute"`` is imported lazily.
    """

    def __init__(self, role: str, entries: Mapping[str, Any]) -> None:
        self.role = role
        self._entries = dict(entries)

    def register(self, name: str, implementation: Any) -> None:
        """Add (or replace) ``name``; ``implementation`` an object or ``"module:attr"``."""
        if not isinstance(name, str) or not name:
            raise invalid("name", f"{self.role} registry", "a non-empty string", name)
        self._entries[name] = implementation

    def unregister(self, name: str) -> None:
        """Remove ``name`` (tests that register their own implementation clean up)."""
        self._entries.pop(name, None)

    def lookup(self, name: object, param: str, function: str) -> Any:
        """The implementation named ``name``, imported if needed.

        Raises
        ------
        InvalidArgumentError
            ``name`` is not registered; the message lists the registered names.
        """
        if not isinstance(name, str) or name not in self._entries:
            raise invalid(param, function, f"a {self.role} among {sorted(self._entries)}",
                          name)
        entry = self._entries[name]
        if isinstance(entry, str):
            module, _, attribute = entry.partition(":")
            entry = getattr(importlib.import_module(module), attribute)
            self._entries[name] = entry
        return entry

    def __getitem__(self, name: str) -> Any:
        return self.lookup(name, "name", f"{self.role} registry")

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.role!r}, {sorted(self._entries)})"
