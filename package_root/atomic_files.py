"""Atomic file writes: results, figures and checkpoints are never half-written.

Everything dynboltz saves goes through :func:`atomic_writer`: the data is
written to a temporary file in the destination folder and renamed onto the
destination only after it was written completely, so an interrupted run (an
exception, Ctrl-C, a killed process) leaves the previous file intact.  Saved
``.npz`` files are read back with :func:`read_npz`, which turns a file damaged
afterwards (emptied, truncated, replaced) into a `DamagedFileError` naming it.
"""
from __future__ import annotations

import errno
import fnmatch
import json
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np

from dynboltz.errors import DamagedFileError
from dynboltz.messages import invalid

__all__ = ["atomic_writer", "read_npz", "damaged_file_error", "DamagedFileError",
           "remove_stale_temporaries", "plain_mode", "STALE_SECONDS",
           "check_writable_folder"]

STALE_SECONDS = 3600.0
"""Age (s since the last change) after which a leftover temporary file or build folder
is taken as abandoned by a killed process and removed; writes take seconds, so a file
this old is nobody's work in progress."""

# the names tempfile.mkstemp(prefix=".<name>.") gives: 8 characters of its alphabet
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}$")


def read_npz(path: os.PathLike | str, names: Sequence[str], param: str, function: str,
             way_out: str) -> dict[str, Any]:
    """Every entry of the ``.npz`` file at ``path``, or an error naming it and the way out.

    Parameters
    ----------
    path : str or os.PathLike
        An existing ``.npz`` written with ``numpy.savez`` by dynboltz.
    names : sequence of str
        Entries the file must hold.  An entry named ``<x>_json`` holds plain
        values as a JSON string and is returned decoded.
    param, function : str
        The argument that named the file and the public function, for the message.
    way_out : str
        What the user can do about a damaged file (e.g. ``"pass overwrite=True"``).

    Returns
    -------
    dict
        Arrays by entry name; ``<x>_json`` entries decoded.

    Raises
    ------
    DamagedFileError
        A ``ValueError`` worded "`<param>` of `<function>` must be `a readable
        .npz file written by dynboltz (this one is damaged: <way_out>)`; got
        `<path> (<error>)`", if the file is empty, not a zip archive, corrupt,
        lacks ``names`` or holds bad JSON.
    OSError
        If the file cannot be opened or read (permissions, I/O error): not damage.
    """
    # An unreadable file (permissions, I/O error) is not damaged: its OSError propagates,
    # so that no caller deletes it as damaged.
    with open(path, "rb") as stream:
        head = stream.read(4)
    try:
        if head != b"PK\x03\x04":  # else np.load would suggest unpickling the bytes
            raise ValueError("empty file" if not head else "not a zip archive")
        with np.load(path, allow_pickle=False) as data:
            entries = {name: data[name] for name in data.files}
        missing = sorted(set(names) - entries.keys())
        if missing:
            raise ValueError(f"no {', '.join(missing)} in it")
        for name in [name for name in entries if name.endswith("_json")]:
            entries[name] = json.loads(str(entries[name]))
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError,
            RuntimeError) as error:
        # flipped bytes in the zip headers surface as an unknown zip version
        # (NotImplementedError) or an "encrypted" flag (RuntimeError)
        raise damaged_file_error(path, param, function, way_out,
                                 f"{type(error).__name__}: {error}") from error
    except OSError as error:
        # a seek to an offset a damaged header gives is EINVAL; any other OSError is
        # the device's or the permissions', not the content's
        if error.errno != errno.EINVAL:
            raise
        raise damaged_file_error(path, param, function, way_out,
                                 f"{type(error).__name__}: {error}") from error
    return entries


def damaged_file_error(path: os.PathLike | str, param: str, function: str, way_out: str,
                       reason: str) -> DamagedFileError:
    """The `DamagedFileError` of `read_npz` for a file whose content is wrong for ``reason``.

    For callers that find a readable file's entries unusable (e.g. metadata
    that is not a JSON object).
    """
    return invalid(param, function, "a readable .npz file written by dynboltz (this one "
                   f"is damaged: {way_out})", f"{path} ({reason})", DamagedFileError)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def plain_mode(folder: bool = False) -> int:
    """The permission bits a plain ``open`` (or ``mkdir`` if ``folder``) gives now.

    ``0o666`` (``0o777``) under the current umask; ``mkstemp`` and ``mkdtemp`` give
    the owner alone access, which a file or folder renamed into place must not keep.
    """
    return (0o777 if folder else 0o666) & ~_umask()


def remove_stale_temporaries(folder: os.PathLike | str, names: str = "*",
                             max_age: float = STALE_SECONDS) -> list[Path]:
    """Delete temporary files of `atomic_writer` that a killed process left in ``folder``.

    Parameters
    ----------
    folder : str or os.PathLike
        The destination folder; a missing folder has nothing to clean.
    names : str
        Glob of the destination file names whose temporaries may go (e.g.
        ``"replicate_*.npz"``), so that no file of another program is touched.
    max_age : float
        Only temporaries unchanged for this many seconds are removed: a younger one
        may be another process's write in progress.

    Returns
    -------
    list of pathlib.Path
        The files removed.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if not match or not fnmatch.fnmatchcase(match["name"], names):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and \
                    now - entry.stat(follow_symlinks=False).st_mtime > max_age:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except FileNotFoundError:  # another process cleaned it first
            continue
    return removed


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
        os.chmod(temporary, plain_mode())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def check_writable_folder(folder: os.PathLike | str, param: str, function: str,
                          error: type[BaseException] = ValueError) -> Path:
    """Check, before any work, that ``folder`` is or can become a writable directory.

    Creates the missing folders and a temporary file to try, then removes what it
    created, so a run that fails later leaves no empty output folder behind.

    Parameters
    ----------
    folder : str or os.PathLike
    param, function : str
        Argument and public function named in the error message.
    error : type of BaseException
        Raised on failure: ``ValueError``, or ``SystemExit`` on the command line.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    error
        "`<param>` of `<function>` must be `a writable directory`; got `<folder>`
        (<the operating system's reason>)", e.g. for a file, a read-only folder
        or ``/proc``.
    """
    folder = Path(folder)
    created, stage = [], "creating it"
    try:
        for ancestor in reversed((folder, *folder.parents)):
            if ancestor.exists() and not ancestor.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, f"{ancestor} is not a directory")
            if not ancestor.exists():
                ancestor.mkdir()
                created.append(ancestor)
        # /proc exists but refuses new files with ENOENT: say which step failed
        stage = "creating a file in it"
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as problem:
        message = invalid(param, function, "a writable directory", str(folder))
        reason = problem.strerror or problem
        if not isinstance(problem, NotADirectoryError):
            reason = f"{stage}: {reason}"
        raise error(f"{message} ({reason})") from None
    finally:
        for made in reversed(created):
            made.rmdir()
    return folder
