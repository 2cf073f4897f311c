"""Closures the code generator can emit, and `compile_motif`, which dispatches to them.

A closure emitter turns a `LatticeMotif` into the source of a compiled library module
(`dynboltz.motif_library.MotifLibrary`: moments, Hessian, basis functions F̃ of eq. 49
and their Jacobian, C point kernels).  `compile_motif(motif, closure=None)` uses the
default closure of the motif's lattice (`dynboltz.lattices`) unless one is named, and
refuses a closure that does not apply to that lattice.  A new closure is one module
with an emitter and one `EMITTERS.register` call.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dynboltz.lattices import lattice_kind
from dynboltz.messages import invalid, public
from dynboltz.motif_library import MotifLibrary
from dynboltz.registry import Registry
from dynboltz.symbolic import LatticeMotif

from .build import load_module

__all__ = ["ClosureEmitter", "EMITTERS", "compile_motif", "closure_emitter", "closures_of"]


@dataclass(frozen=True)
class ClosureEmitter:
    """How one closure is generated.

    Attributes
    ----------
    name : str
    geometries : tuple of str
        Lattice kinds it applies to.
    emit : callable
        ``emit(motif, name) -> {file name: source}``, the module's ``library()``
        returning a `MotifLibrary` whose ``closure`` is ``name``.
    records_command : bool
        ``emit`` also takes ``regenerate=`` (a one-line command written in the
        source header); the others' headers name `compile_motif`.
    monte_carlo : bool
        Its moments are Monte Carlo averages: noisy and 10⁵–10⁶× slower per call
        than the deterministic closures, so runs that integrate every closure of a
        lattice side by side (the learning experiments' tables) leave it out.
    """

    name: str
    geometries: tuple[str, ...]
    emit: Callable[..., dict[str, str]]
    records_command: bool = False
    monte_carlo: bool = False


def _emit_chain(motif: LatticeMotif, name: str, regenerate: str | None = None
                ) -> dict[str, str]:
    from .motif import emit_motif
    return emit_motif(motif, name=name, regenerate=regenerate)


def _emit_bethe(motif: LatticeMotif, name: str, regenerate: str | None = None
                ) -> dict[str, str]:
    from .bethe_closure import emit_bethe
    return emit_bethe(motif, name=name, regenerate=regenerate)


def _emit_strip(motif: LatticeMotif, name: str) -> dict[str, str]:
    from .strip_closure import emit_strip
    return emit_strip(motif, name)


def _emit_plaquette(motif: LatticeMotif, name: str) -> dict[str, str]:
    from .plaquette_closure import emit_plaquette
    return emit_plaquette(motif, name)


def _emit_cube(motif: LatticeMotif, name: str) -> dict[str, str]:
    from .cube_closure import emit_cube
    return emit_cube(motif, name)


def _emit_chain2(motif: LatticeMotif, name: str) -> dict[str, str]:
    from .chain2_closure import emit_chain2
    return emit_chain2(motif, name=name)


def _emit_gibbs(motif: LatticeMotif, name: str) -> dict[str, str]:
    from .gibbs_closure import emit_gibbs
    return emit_gibbs(motif, name)


EMITTERS = Registry("closure", {
    "chain": ClosureEmitter("chain", ("chain",), _emit_chain, True),
    "chain2": ClosureEmitter("chain2", ("chain",), _emit_chain2),
    "bethe": ClosureEmitter("bethe", ("square", "cubic"), _emit_bethe, True),
    "strip": ClosureEmitter("strip", ("square",), _emit_strip),
    "plaquette": ClosureEmitter("plaquette", ("square",), _emit_plaquette),
    "cube": ClosureEmitter("cube", ("cubic",), _emit_cube),
    "gibbs": ClosureEmitter("gibbs", ("square", "cubic"), _emit_gibbs, monte_carlo=True),
})
"""Closure emitters by name (``"chain"``: the 1D transfer-matrix closure, eq. 46–50;
``"chain2"``: the ring with next-nearest-neighbour couplings J2; ``"bethe"``: the Bethe
pair closure of square and cubic lattices; ``"strip"``: the transfer matrix of a
square-lattice cylinder; ``"plaquette"``: Kikuchi's square cluster variation method;
``"cube"``: Kikuchi's cube approximation; ``"gibbs"``: Monte Carlo moments of heat-bath
samples, the general fallback)."""


@public
def compile_motif(motif: LatticeMotif, closure: str | None = None) -> MotifLibrary:
    """Compile (or load from the cache) a closure of a lattice motif.

    Parameters
    ----------
    motif : LatticeMotif
    closure : str, optional
        A closure of `EMITTERS` that applies to ``motif.geometry``; default the
        lattice's own (``"chain"`` on the ring).

    Returns
    -------
    dynboltz.motif_library.MotifLibrary
        ``moments``, ``hessian``, ``basis``, ``basis_jacobian`` (eq. 47–49, 54, B2)
        of the motif, its names, ``rule_table()``, ``geometry`` and ``closure``.

    Raises
    ------
    InvalidTypeError
        If ``motif`` is not a ``LatticeMotif``.
    InvalidArgumentError
        An unknown closure (the valid ones listed) or one that does not apply to the
        motif's lattice.
    dynboltz.errors.CompileError
        If the build fails.
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "compile_motif", "a LatticeMotif", type(motif), TypeError)
    emitter = closure_emitter(motif.geometry, closure, "compile_motif")
    return load_module(emitter.emit(motif, "motif"), "motif").library()


def closures_of(geometry: str, deterministic: bool = False) -> list[str]:
    """The names of `EMITTERS` that apply to the lattice kind ``geometry``, sorted; with
    ``deterministic`` only those that are not Monte Carlo (``monte_carlo``)."""
    return sorted(n for n in EMITTERS if geometry in EMITTERS[n].geometries
                  and not (deterministic and EMITTERS[n].monte_carlo))


def closure_emitter(geometry: str, closure: str | None, function: str,
                    param: str = "closure") -> ClosureEmitter:
    """The emitter of ``closure`` (None: the lattice's default) on lattice ``geometry``.

    Parameters
    ----------
    geometry : str
        A lattice kind of `dynboltz.lattices`.
    closure : str or None
        A closure name of `EMITTERS`; None for the default closure of the lattice.
    function, param : str
        Named in the error message (``param`` for a bad ``closure``).

    Returns
    -------
    ClosureEmitter

    Raises
    ------
    InvalidArgumentError
        A lattice without a closure, or a name that is not a closure of that lattice
        (the message lists the closures of that lattice).
    """
    kind = lattice_kind(geometry, function, "motif.geometry")
    name = kind.default_closure if closure is None else closure
    if name is None:
        raise invalid("motif", function, "a motif on a lattice that has a closure "
                      f"(none is registered for the {kind.name!r} lattice yet: simulate and "
                      "sample the LatticeMotif itself)", geometry)
    applicable = closures_of(kind.name)
    if not isinstance(name, str) or name not in applicable:
        raise invalid(param, function, f"a closure of the {kind.name!r} lattice, one of "
                      f"{applicable} (default {kind.default_closure!r})", name)
    return EMITTERS.lookup(name, param, function)
