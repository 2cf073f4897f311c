"""The 1D domain shared by the particle simulator, the density estimate and the PDE grid.

A domain is an interval [lo, hi] with ``"reflecting"`` walls or ``"periodic"`` ends and
M nodes. Reflecting: M nodes from lo to hi inclusive (spacing (hi − lo)/(M − 1)); the
histogram bin of node j is the part of the domain nearer to it than to any other node,
so the two end bins are half as wide. Periodic: nodes lo + j (hi − lo)/M, j < M (hi is
lo), every bin one spacing wide. The PDE uses the same nodes: zero-flux ghost nodes
(ν_{−1} = ν_1) at reflecting walls, wrap-around at periodic ends.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid

__all__ = ["Domain", "BOUNDARIES"]

BOUNDARIES = ("reflecting", "periodic")


@dataclass(frozen=True)
class Domain:
    """Interval, boundary kind and node count of a 1D continuous-space problem.

    Attributes
    ----------
    lo, hi : float
        Ends of the interval (length units), lo < hi.
    boundary : {"reflecting", "periodic"}
    n_nodes : int
        M >= 3.
    """

    lo: float
    hi: float
    boundary: str
    n_nodes: int

    @classmethod
    def checked(cls, lo: float, hi: float, boundary: str, n_nodes: int,
                function: str) -> Domain:
        """A `Domain` from user arguments, validated for ``function``'s messages."""
        lo = check_real(lo, "domain[0]", function)
        hi = check_real(hi, "domain[1]", function)
        if not hi > lo:
            raise invalid("domain", function, "(lo, hi) with lo < hi", (lo, hi))
        check_choice(boundary, "boundary", BOUNDARIES, function)
        return cls(lo, hi, boundary, check_integer(n_nodes, "nodes", function, 3))

    @property
    def periodic(self) -> bool:
        """True for periodic ends."""
        return self.boundary == "periodic"

    @property
    def spacing(self) -> float:
        """Node spacing Δy."""
        return (self.hi - self.lo) / (self.n_nodes if self.periodic else self.n_nodes - 1)

    @property
    def nodes(self) -> np.ndarray:
        """Node positions y_j, shape (M,)."""
        return self.lo + self.spacing * np.arange(self.n_nodes)

    @property
    def widths(self) -> np.ndarray:
        """Bin widths, shape (M,); also the trapezoid weights of ∫ dy on the nodes."""
        widths = np.full(self.n_nodes, self.spacing)
        if not self.periodic:
            widths[[0, -1]] *= 0.5
        return widths

    @property
    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """(left, right) bin edges, each shape (M,); periodic node 0's bin starts below lo."""
        half = 0.5 * self.spacing
        left, right = self.nodes - half, self.nodes + half
        if not self.periodic:
            left[0], right[-1] = self.lo, self.hi
        return left, right

    def as_dict(self) -> dict:
        """JSON-ready description."""
        return {"lo": self.lo, "hi": self.hi, "boundary": self.boundary,
                "n_nodes": self.n_nodes}
