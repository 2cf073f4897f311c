"""Atomic file writes: results, figures and checkpoints are never half-written.

Everything dynboltz saves goes through :func:`atomic_writer`: the data is
written to a temporary file in the destination folder and renamed onto the
destination only after it was written completely, so an interrupted run (an
exception, Ctrl-C, a killed process) leaves the previous file intact.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from dynboltz.runtime.validation import invalid

__all__ = ["atomic_writer"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: os.PathLike | str, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file; its folder is created if missing.
    mode : {"wb", "w"}
        Binary or text (UTF-8) mode.

    Yields
    ------
    file object
        Write the whole content to it.  On normal exit it is flushed, synced
        and renamed onto ``path`` with the permissions a plain ``open`` would
        give (``mkstemp`` alone makes files readable by the owner only); on
        any exception the temporary file is removed and ``path`` is untouched.
    """
    if mode not in ("wb", "w"):
        raise invalid("mode", "atomic_writer", "'wb' or 'w'", mode)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        encoding = None if mode == "wb" else "utf-8"
        with os.fdopen(handle, mode, encoding=encoding) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
