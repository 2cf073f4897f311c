"""Advice carried by errors, by argument, so that each interface words it its own way.

Plain Python: importing this module loads nothing else.
"""
from __future__ import annotations

__all__ = ["Advice"]


class Advice(tuple):
    """One way out of an error, by argument: ``Advice("lower", "learning_rate")`` or
    ``Advice("use", "optimizer", "'lbfgs'")``.

    Errors keep it apart from their cause, so that the Python message says it with
    keywords ("use optimizer='lbfgs'") and the command line with its options ("use
    --optimizer lbfgs"), each from the argument's name, not from the text.
    """

    def __new__(cls, verb: str, keyword: str, value: str | None = None) -> Advice:
        return super().__new__(cls, (verb, keyword, value))

    @property
    def verb(self) -> str:
        return self[0]

    @property
    def keyword(self) -> str:
        return self[1]

    @property
    def value(self) -> str | None:
        return self[2]

    def __str__(self) -> str:
        return f"{self.verb} {self.keyword}" + ("" if self.value is None else
                                                 f"={self.value}")
