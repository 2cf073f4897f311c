"""Command line that regenerates the committed built-in library in ``generated/``.

``python -m dynboltz.codegen.regenerate generated/`` writes every
``motif_*.pyx`` of :data:`dynboltz.codegen.motif.BUILTIN_LIBRARY`, the
``motif_kernel.pxi`` they include and ``motif_index.py`` into the folder given.  It
lives apart from :mod:`dynboltz.codegen.motif` so that ``-m`` does not run a module the
package has already imported.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from dynboltz.codegen.build import write_sources
from dynboltz.codegen.motif import emit_builtin_library

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the built-in lattice library into the directory named in ``argv``.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default ``sys.argv[1:]``): one directory.

    Returns
    -------
    int
        Exit status 0; the written paths are printed one per line.
    """
    parser = argparse.ArgumentParser(prog="python -m dynboltz.codegen.regenerate",
                                     description="Regenerate the built-in lattice library.")
    parser.add_argument("directory", help="folder to write motif_*.pyx, motif_kernel.pxi "
                                          "and motif_index.py into")
    arguments = parser.parse_args(argv)
    for path in write_sources(emit_builtin_library(), arguments.directory):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
