"""The Bethe (pair) closure of square and cubic lattices as the runtime's ``"bethe"`` closure.

What the runtime needs beyond the compiled library (`dynboltz.codegen.compile_motif`,
closure ``"bethe"``): the inverse map from moments to parameters, in closed form
(`dynboltz.bethe_inverse_map`: J from pair ratios, h from the pair and site laws with
the (1 − z) correction), and the test of which moments it accepts — every site and
ordered pair probability positive (`dual_inverse_map.check_realisable`, the test of
every closure of these lattices) — shared by learning's data check.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.bethe_inverse_map import bethe_parameters
from dynboltz.lattices import lattice_kind
from dynboltz.runtime.common.validation import invalid
from dynboltz.runtime.lattice.bonds.dual_inverse_map import check_realisable

__all__ = ["CLOSURE", "BetheClosure"]


@dataclass(frozen=True)
class BetheClosure:
    """Bethe pair closure of the square and cubic lattices (a tree of bonds)."""

    name: str = "bethe"
    geometries: tuple[str, ...] = ("square", "cubic")

    def fit_parameters(self, model, moments: ArrayLike, **options) -> np.ndarray:
        """Parameters x whose Bethe moments are ``moments``, in closed form.

        Parameters
        ----------
        model : MotifLibrary
            A Bethe library (``geometry`` square or cubic, ``n_species``).
        moments : array_like, shape (L,)
            ``[µ_1..µ_S, ∆_11, .., ∆_SS]``.
        **options
            None are accepted (the map is exact, no iteration).

        Returns
        -------
        ndarray, shape (L,)

        Raises
        ------
        InvalidArgumentError
            An option given, or moments not realisable.
        """
        if options:
            raise invalid("options", "fit_parameters", "none for the 'bethe' closure (its "
                          "inverse map is closed-form)", sorted(options))
        z = lattice_kind(model.geometry, "fit_parameters", "lib.geometry").coordination
        moments = check_realisable(moments, model.n_species, z, "fit_parameters", "bethe")
        return bethe_parameters(moments, model.n_species, z)

    def check_realisable(self, moments: ArrayLike, n_species: int, function: str,
                         coordination: int | None = None) -> None:
        """Raise `InvalidArgumentError` unless finite parameters give these moments.

        Parameters
        ----------
        moments : array_like, shape (L,)
        n_species : int
        function : str
            Named in the message.
        coordination : int, optional
            z of the lattice (4 square, 6 cubic): the pair law is ∆ / z.  Default:
            the largest z of `geometries`, whose test is the weakest (µ_a above
            (2∆_aa + Σ_b≠a ∆_ab)/z), so that no moments of any of them are refused;
            `fit_parameters`, which knows the lattice, applies the exact one.
        """
        if coordination is None:
            coordination = max(lattice_kind(name, function).coordination
                               for name in self.geometries)
        check_realisable(moments, n_species, coordination, function, "bethe")


CLOSURE = BetheClosure()
