"""Refuse results that cannot fit in memory, before any work, with the estimate.

An ensemble or a batch of trajectories is gathered into one array; asking for more
replicates than memory holds would otherwise run the machine out of memory after
minutes of work.  Every check (the library's simulators and samplers, the command line)
is `check_result_fits`, with one factor, `RESULT_FACTOR`.
"""
from __future__ import annotations

import os

import numpy as np

from dynboltz.messages import invalid

__all__ = ["available_memory", "check_result_fits", "check_ensemble_fits", "format_bytes",
           "RESULT_FACTOR", "ITEM_BYTES"]

RESULT_FACTOR = 2
"""Memory a result needs, in units of its own size: the parts (one per replicate or
trajectory) and the array they are stacked into are held at once while it is gathered."""

ITEM_BYTES = {"moments": 8, "snapshots": 1}
"""Bytes per value of an ensemble's arrays: float64 moments, int8 snapshot lattices."""


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation now, or None if unknown.

    Linux: ``MemAvailable`` of ``/proc/meminfo`` (free memory plus what the kernel can
    reclaim from caches); elsewhere ``os.sysconf('SC_AVPHYS_PAGES')`` × page size.
    """
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def format_bytes(n_bytes: float) -> str:
    """``n_bytes`` in decimal units, three significant digits (``"2.4 TB"``)."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if n_bytes < 1000 or unit == "PB":
            break
        n_bytes /= 1000
    return f"{n_bytes:.3g} {unit}"


def check_result_fits(n_bytes: int, param: str, function: str, value: object,
                      advice: str, error: type[BaseException] = ValueError) -> None:
    """Raise ``error`` unless `RESULT_FACTOR` × ``n_bytes`` fits in `available_memory`.

    Parameters
    ----------
    n_bytes : int
        Estimated bytes of the result.
    param, function : str
        The argument that sets the size and the public function (or command), for the
        message.
    value : object
        That argument's value.
    advice : str
        How to reduce the size, e.g. ``"fewer replicates or times"``; may start with
        the estimate's formula.
    error : type of BaseException
        ``ValueError``, or ``SystemExit`` on the command line.

    Raises
    ------
    error
        "`<param>` of `<function>` must be `small enough for the result (about
        <estimate>, 2× that while it is gathered) to fit in the <available> of
        memory available: <advice>`; got `<value>`".
    """
    available = available_memory()
    if available is not None and RESULT_FACTOR * n_bytes > available:
        raise invalid(param, function, f"small enough for the result (about "
                      f"{format_bytes(n_bytes)}, {RESULT_FACTOR}× that while it is gathered) to fit in the {format_bytes(available)} of memory "
                      f"available: {advice}", value, error)


def check_ensemble_fits(replicates: int, shapes: dict[str, tuple[int, ...]],
                        function: str, advice: str) -> int:
    """`check_result_fits` for an ensemble of ``replicates`` with arrays of ``shapes``.

    Parameters
    ----------
    replicates : int
    shapes : dict of str to tuple of int
        Per-replicate shape of each array, named as in `ITEM_BYTES`.
    function, advice : str
        As in `check_result_fits` (the argument named is ``replicates``).

    Returns
    -------
    int
        The estimate in bytes.
    """
    per_replicate = sum(ITEM_BYTES[name] * int(np.prod(shape, dtype=np.int64))
                        for name, shape in shapes.items())
    n_bytes = replicates * per_replicate
    check_result_fits(n_bytes, "replicates", function, replicates, advice)
    return n_bytes
