"""Export the compiled closure of a lattice motif as a stand-alone module in a folder.

``export_motif(motif, "out/", name="growth")`` writes ``out/growth.pyx`` and the
shared kernel it includes (``motif_kernel.pxi``), builds them with the same
compiler flags as the cache of :func:`~dynboltz.codegen.build.load_module`, and
leaves ``out/growth<EXT_SUFFIX>`` next to them.  The built module is importable
in any later process with ``out/`` on ``sys.path``, without the dynboltz cache
and without sympy (it needs only numpy and the installed ``dynboltz`` package,
whose plain-Python ``MotifLibrary`` wraps it)::

    import sys; sys.path.insert(0, "out")
    import growth
    lib = growth.library()      # a MotifLibrary, as compile_motif returns

``emit_only=True`` writes the sources alone (no compiler needed).
"""
from __future__ import annotations

import os
import shutil
import sysconfig
import tempfile
from pathlib import Path

from dynboltz.atomic_files import check_writable_folder
from dynboltz.messages import invalid, public
from dynboltz.symbolic.lattice.motif import LatticeMotif

from .build import _run_build, write_sources
from .closures import closure_emitter
from .names import check_importable_name

__all__ = ["export_motif"]


@public
def export_motif(motif: LatticeMotif, out_dir: os.PathLike | str, name: str = "motif",
                 emit_only: bool = False, regenerate: str | None = None,
                 closure: str | None = None) -> Path:
    """Write (and build) the compiled closure of ``motif`` as module ``name`` in ``out_dir``.

    The module computes the moments, the Hessian (eq. B2), the basis functions F̃
    (eq. 47–49) and their Jacobian (eq. 54) of the motif under ``closure``; its
    ``library()`` returns the same ``MotifLibrary`` as
    :func:`~dynboltz.codegen.compile_motif` with the same ``closure``.

    Parameters
    ----------
    motif : LatticeMotif
    out_dir : str or os.PathLike
        Folder, created if missing.  Files of the same names are replaced
        atomically (each file either whole old or whole new).
    name : str
        Module name: a letter followed by up to 63 letters, digits or ``_``; not a
        Python keyword nor the name of a standard or installed module.
    emit_only : bool
        Write the sources only (``<name>.pyx`` and any file it includes, e.g.
        ``motif_kernel.pxi``); do not compile.
    regenerate : str, optional
        One-line command recorded in the source header as the way to
        regenerate it (default: the Python call); the ``chain`` and ``bethe``
        emitters record it, the others name ``compile_motif``.
    closure : str, optional
        A closure of ``dynboltz.codegen.EMITTERS`` that applies to the motif's
        lattice; default the lattice's own (``chain`` on the ring, ``bethe`` on
        square and cubic lattices).

    Returns
    -------
    pathlib.Path
        The built extension ``out_dir/<name><EXT_SUFFIX>``, or with
        ``emit_only`` the written ``out_dir/<name>.pyx``.

    Raises
    ------
    TypeError
        If ``motif`` is not a ``LatticeMotif``.
    ValueError
        For a bad ``name``, ``regenerate``, ``closure`` (the closures of the
        motif's lattice listed) or an unwritable ``out_dir``, before any work.
    dynboltz.codegen.CompileError
        If the build fails (with the command and the compiler's output).
    """
    if not isinstance(motif, LatticeMotif):
        raise invalid("motif", "export_motif", "a LatticeMotif", type(motif), TypeError)
    emitter = closure_emitter(motif.geometry, closure, "export_motif")
    check_importable_name(name, "name", "export_motif", out_dir=out_dir)
    out_dir = check_writable_folder(out_dir, "out_dir", "export_motif")
    if emitter.records_command:
        sources = emitter.emit(motif, name, regenerate=regenerate or (
            f"dynboltz.codegen.export_motif(motif, {str(out_dir)!r}, name={name!r}, "
            f"closure={emitter.name!r})"))
    else:
        sources = emitter.emit(motif, name)
    out_dir.mkdir(parents=True, exist_ok=True)
    if emit_only:
        return write_sources(sources, out_dir)[sorted(sources).index(f"{name}.pyx")]
    return _build_into(sources, out_dir, name)


def _build_into(sources, out_dir, name):
    """Build in a private folder inside ``out_dir``, then move the results into place."""
    extension = name + sysconfig.get_config_var("EXT_SUFFIX")
    workdir = Path(tempfile.mkdtemp(prefix=f".{name}.build-", dir=out_dir))
    try:
        write_sources(sources, workdir)
        _run_build(workdir, name)
        write_sources(sources, out_dir)
        # rename within one file system: an importer sees the old or the new module whole
        os.replace(workdir / extension, out_dir / extension)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out_dir / extension
