"""Learned fits as files other tools read: ``.json`` and ``.csv``.

Ensembles are written by their own ``save`` (``dynboltz.runtime.common.ensemble``,
``.npz``, ``.csv`` and ``.json``).  A fit's CSV is long format, one value per row,
with the header ``time,moment,data,at_theta0,learned`` (data = replicate mean; the
two predictions of eq. 52 at θ₀ and at the learned θ); its JSON holds the same
numbers plus the rates and settings, as nested lists.  Every file is written
atomically, in standard JSON
(non-finite numbers as ``null``, ``dynboltz.runtime.common.json_files``).
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from dynboltz.atomic_files import atomic_writer
from dynboltz.runtime.common.json_files import write_json

__all__ = ["FIT_SUFFIXES", "write_fit"]

FIT_SUFFIXES = (".json", ".csv")


def _write_text(path, text):
    with atomic_writer(path, "w") as stream:
        stream.write(text)
    return Path(path)


def _csv_text(header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_fit(summary: Mapping[str, object], path: os.PathLike | str) -> Path:
    """Write a learned fit: ``.json`` (the whole summary) or long-format ``.csv``.

    Parameters
    ----------
    summary : dict
        As built by ``dynboltz learn``: ``times``, ``moment_names``, ``data_moments``,
        ``initial_moments``, ``predicted_moments`` (T, L lists) and the rates and
        settings.
    path : str or os.PathLike
        The suffix chooses the format (`FIT_SUFFIXES`).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.suffix == ".json":
        return write_json(summary, path, indent=1)
    columns = [np.asarray(summary[key]) for key in
               ("data_moments", "initial_moments", "predicted_moments")]
    rows = ((repr(float(t)), name, *(repr(float(c[k, m])) for c in columns))
            for k, t in enumerate(summary["times"])
            for m, name in enumerate(summary["moment_names"]))
    return _write_text(path, _csv_text(("time", "moment", "data", "at_theta0", "learned"),
                                       rows))
