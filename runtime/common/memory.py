"""Refuse results that cannot fit in memory, before any work, with the estimate.

An ensemble or a batch of trajectories is gathered into one array; asking for more
replicates than memory holds would otherwise run the machine out of memory after
minutes of work.
"""
from __future__ import annotations

import os

from dynboltz.messages import invalid

__all__ = ["available_memory", "check_result_fits", "format_bytes"]


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
                      advice: str) -> None:
    """Raise ``ValueError`` unless ``n_bytes`` fits in `available_memory`.

    Parameters
    ----------
    n_bytes : int
        Estimated bytes of the result (and what assembling it holds at once).
    param, function : str
        The argument that sets the size and the public function, for the message.
    value : object
        That argument's value.
    advice : str
        How to reduce the size, e.g. ``"fewer replicates or times"``.

    Raises
    ------
    ValueError
        "`<param>` of `<function>` must be `small enough for the result (about
        <estimate>) to fit in the <available> of memory available: <advice>`;
        got `<value>`".
    """
    available = available_memory()
    if available is not None and n_bytes > available:
        raise invalid(param, function, f"small enough for the result (about "
                      f"{format_bytes(n_bytes)}) to fit in the {format_bytes(available)} of memory "
                      f"available: {advice}", value)
