"""Per-site moments of configurations of periodic square and cubic lattices.

µ_a = fraction of sites holding species a and ∆_ab = number of {a, b} nearest-neighbour
bonds per site (both orders for a ≠ b, each bond once), in parameter order
``[µ_1..µ_S, ∆_11, ∆_12, .., ∆_SS]``: the statistics whose Boltzmann averages are the
moments, so ∆_aa ≤ d on a d-dimensional torus (2 square, 3 cubic). On an axis of
length 2 both neighbour slots of a site point at one neighbour and that bond counts
twice, as in the KMC engine.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.lattice_layout import bond_pairs
from dynboltz.runtime.common.validation import invalid

__all__ = ["torus_moments"]


def _validated(configurations, n_species, dimension, function):
    if isinstance(n_species, bool) or not isinstance(n_species, (int, np.integer)) \
            or n_species < 1:
        raise invalid("n_species", function, "a positive integer", n_species)
    array = np.asarray(configurations)
    if array.ndim < dimension or any(length < 2 for length in array.shape[-dimension:]):
        lengths = ", ".join(f"L{k + 1}" for k in range(dimension))
        raise invalid("configurations", function, f"an array of shape (..., {lengths}) "
                      "with every L >= 2 (its shape shown)", array.shape)
    if not np.issubdtype(array.dtype, np.integer):
        raise invalid("configurations", function, "an integer array (its dtype shown)",
                      array.dtype, TypeError)
    if array.size and (array.min() < 0 or array.max() > n_species):
        raise invalid("configurations", function, f"site codes 0..{int(n_species)} (its "
                      "smallest and largest shown)", (int(array.min()), int(array.max())))
    return array, int(n_species)


def torus_moments(configurations: ArrayLike, n_species: int, dimension: int,
                  function: str = "torus_moments") -> np.ndarray:
    """Per-site moments (µ_a, ∆_ab) of square (d = 2) or cubic (d = 3) configurations.

    Parameters
    ----------
    configurations : array_like of int, shape (..., L1, L2) or (..., L1, L2, L3)
        Site codes 0 (empty) .. S (species, motif order); the last ``dimension`` axes
        are the periodic lattice.
    n_species : int
        S.
    dimension : {2, 3}
    function : str
        Public function named in error messages.

    Returns
    -------
    ndarray of float, shape (..., L)
        L = S + S(S+1)/2.

    Raises
    ------
    ValueError, TypeError
        Non-integer configurations, codes outside 0..S, a length below 2, bad S.
    """
    array, n_species = _validated(configurations, n_species, dimension, function)
    lattice_axes = tuple(range(array.ndim - dimension, array.ndim))
    n_sites = int(np.prod(array.shape[array.ndim - dimension:]))
    columns = [np.count_nonzero(array == a, axis=lattice_axes) / n_sites
               for a in range(1, n_species + 1)]
    codes = array.astype(np.intp)
    base = n_species + 1
    pair_codes = [codes * base + np.roll(codes, -1, axis=axis) for axis in lattice_axes]
    for a, b in bond_pairs(n_species):
        count = sum(np.count_nonzero(pair == a * base + b, axis=lattice_axes)
                    for pair in pair_codes)
        if a != b:
            count = count + sum(np.count_nonzero(pair == b * base + a, axis=lattice_axes)
                                for pair in pair_codes)
        columns.append(count / n_sites)
    return np.stack(columns, axis=-1).astype(float)
