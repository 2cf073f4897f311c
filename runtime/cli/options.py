"""Parsing and checking of ``dynboltz`` command-line values, before any work.

Every failure is a ``SystemExit`` with one line worded like every argument error
of the package ("`--option` of `dynboltz command` must be `...`; got `...`"), which
``dynboltz.runtime.cli.main.main`` prints as ``dynboltz: error: ...``.
"""
from __future__ import annotations

import argparse

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dynboltz.atomic_files import check_writable_folder
from dynboltz.messages import invalid
from dynboltz.runtime.common.memory import check_result_fits

__all__ = ["parse_assignments", "parse_times", "check_seed", "check_positive",
           "check_out_folder", "check_out_file", "check_not_replaced",
           "check_ensemble_memory"]


def _fail(option, command, constraint, value):
    return invalid(option, f"dynboltz {command}", constraint, value, SystemExit)


def parse_assignments(text: str | None, names: Sequence[str], option: str, command: str,
                      complete: bool) -> dict[str, float]:
    """``"a=1,b=2.5"`` -> ``{"a": 1.0, "b": 2.5}``, checked against ``names``.

    Parameters
    ----------
    text : str or None
        Comma-separated ``name=value`` pairs (None: no pairs).
    names : sequence of str
        The names allowed (process or parameter names of the motif).
    option, command : str
        For the error message.
    complete : bool
        Require every name of ``names`` exactly once.

    Returns
    -------
    dict of str -> float
        In the order of ``names``.
    """
    pairs = {}
    for item in filter(None, (text or "").split(",")):
        name, equals, value = (part.strip() for part in item.partition("="))
        if not equals or name not in names or name in pairs:
            problem = (f"{item!r} has no '='" if not equals else
                       f"{name!r} is given twice" if name in pairs else
                       f"{name!r} is not one of them")
            raise _fail(option, command, f"comma-separated name=value pairs of distinct "
                        f"names from {list(names)} ({problem})", text)
        try:
            pairs[name] = float(value)
        except ValueError:
            raise _fail(option, command, f"a number after {name}=", value) from None
        if not np.isfinite(pairs[name]):
            raise _fail(option, command, f"a finite number after {name}=", value)
    missing = [name for name in names if name not in pairs]
    if complete and missing:
        raise _fail(option, command, f"a value for every one of {list(names)} (missing "
                    f"{', '.join(missing)})", text)
    return {name: pairs[name] for name in names if name in pairs}


def parse_times(text: str, option: str, command: str, n_moments: int = 1) -> np.ndarray:
    """``"0:1:101"`` (start:stop:count, like ``numpy.linspace``) or ``"0,0.5,1"``.

    A count whose times and one replicate's moments (8 bytes each, ``n_moments`` per
    time) would not fit in the memory available is refused before anything is
    allocated, naming ``option``.

    Returns
    -------
    ndarray, shape (T,)
        Ascending times >= 0.
    """
    constraint = "start:stop:count or a comma-separated list of ascending times >= 0"
    try:
        if ":" in text:
            start, stop, count = text.split(":")
            _check_times_fit(int(count), n_moments, option, command, text)
            times = np.linspace(float(start), float(stop), int(count))
        else:
            times = np.array([float(t) for t in text.split(",")])
    except ValueError:
        raise _fail(option, command, constraint, text) from None
    if times.size < 2 or not np.all(np.isfinite(times)) or times[0] < 0 \
            or np.any(np.diff(times) <= 0):
        raise _fail(option, command, constraint + " (at least two)", text)
    return times


def _check_times_fit(count, n_moments, option, command, text):
    check_result_fits(count * (1 + n_moments) * 8, option, f"dynboltz {command}", text,
                      f"{count} times × {1 + n_moments} values × 8 bytes for one replicate",
                      SystemExit)


def lattice_size(text: str) -> int | tuple[int, ...]:
    """The argparse type of ``--N``: ``"100"`` (sites of a ring) or ``"64x64"`` /
    ``"16x16x16"`` (square, cubic); the geometry checks the values.

    Raises
    ------
    argparse.ArgumentTypeError
        Not integers separated by ``x`` (argparse's one-line usage error, status 2).
    """
    try:
        lengths = tuple(int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be sites N, or lengths L1xL2 or L1xL2xL3; "
                                         f"got {text!r}") from None
    return lengths[0] if len(lengths) == 1 else lengths


def check_lattice_size(size: int | tuple[int, ...], option: str, command: str) -> int:
    """The number of sites of a ``--N`` value, every length checked >= 1."""
    lengths = size if isinstance(size, tuple) else (size,)
    if min(lengths) < 1:
        raise _fail(option, command, "lengths >= 1", "x".join(map(str, lengths)))
    return int(np.prod(lengths))


def check_seed(seed: int, command: str) -> int:
    """The seed, checked >= 0 (``numpy.random.SeedSequence`` takes no negative seed)."""
    if seed < 0:
        raise _fail("--seed", command, "an integer >= 0", seed)
    return seed


def check_positive(value: int | None, option: str, command: str) -> None:
    """Reject an integer option below 1 (None, meaning the default, passes)."""
    if value is not None and value < 1:
        raise _fail(option, command, ">= 1", value)


def check_out_folder(folder: Path, command: str) -> Path:
    """``--out`` as a folder that is or can become writable (see `check_writable_folder`)."""
    return check_writable_folder(folder, "--out", f"dynboltz {command}", SystemExit)


def check_out_file(path: Path, suffixes: Sequence[str], command: str,
                   option: str = "--out") -> Path:
    """An output file: one of ``suffixes``, not a folder, in a writable folder."""
    if path.suffix not in suffixes:
        raise _fail(option, command, f"a file name ending in one of {list(suffixes)}",
                    str(path))
    if path.is_dir():
        raise _fail(option, command, "a file name, not a folder", str(path))
    check_writable_folder(path.parent, option, f"dynboltz {command}", SystemExit)
    return path


def check_not_replaced(path: Path, overwrite: bool, command: str,
                       option: str = "--out") -> None:
    """Refuse an existing ``.csv``/``.json`` output unless ``--overwrite`` (an ``.npz``
    ensemble is checked by the library: the same options load it, others are refused)."""
    if path.suffix != ".npz" and path.exists() and not overwrite:
        raise _fail(option, command, "a file that does not exist yet (add --overwrite to "
                    "replace it)", str(path))


def check_ensemble_memory(replicates: int, n_times: int, n_moments: int, n_sites: int,
                          snapshots: bool, command: str) -> int:
    """Refuse an ensemble whose result would not fit in the memory available now.

    The result holds replicates × times × moments float64 values (8 bytes each)
    and, with snapshots, replicates × times × sites int8 lattices; the check is the
    library's `check_result_fits` (the same factor for gathering the result).

    Returns
    -------
    int
        The estimate in bytes.
    """
    per_replicate = n_times * n_moments * 8
    formula = f"{n_times} times × {n_moments} moments × 8 bytes"
    if snapshots:
        per_replicate += n_times * n_sites
        formula += f" + {n_times} × {n_sites} snapshot bytes"
    # one replicate alone does not fit: the times (or sites) are the cause
    check_result_fits(per_replicate, "--times", f"dynboltz {command}", n_times,
                      f"few enough times for one replicate ({formula})", SystemExit)
    check_result_fits(replicates * per_replicate, "--replicates", f"dynboltz {command}",
                      replicates, f"fewer replicates ({replicates} × ({formula}))",
                      SystemExit)
    return replicates * per_replicate
