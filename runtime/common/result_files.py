"""Ensembles and learned fits as files other tools read: ``.npz``, ``.csv`` and ``.json``.

CSV is long format, one value per row, with a header:

* ensemble: ``replicate,time,moment,value`` (``moment`` is the name, e.g. ``mu_A``);
* fit: ``time,moment,data,at_theta0,learned`` (data = replicate mean; the two
  predictions of eq. 52 at θ₀ and at the learned θ).

JSON holds the same numbers plus the metadata or settings, as nested lists, in
standard JSON (non-finite numbers as ``null``, ``dynboltz.runtime.common.json_files``).  Every
file is written atomically.  An ensemble ``.npz`` is read back with
``dynboltz.runtime.common.ensemble.load_ensemble``.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dynboltz.atomic_files import atomic_writer
from dynboltz.runtime.common.json_files import write_json

if TYPE_CHECKING:  # annotations only
    from dynboltz.runtime.common.ensemble import Ensemble

__all__ = ["ENSEMBLE_SUFFIXES", "FIT_SUFFIXES", "write_ensemble", "write_fit"]

ENSEMBLE_SUFFIXES = (".npz", ".csv", ".json")
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


def write_ensemble(ensemble: Ensemble, path: os.PathLike | str,
                   moment_names: Sequence[str]) -> Path:
    """Write an ensemble as ``.npz`` (`Ensemble.save`), long-format ``.csv`` or ``.json``.

    Parameters
    ----------
    ensemble : Ensemble
        ``times`` (T,), ``moments`` (R, T, L) per-site moments.
    path : str or os.PathLike
        The suffix chooses the format (`ENSEMBLE_SUFFIXES`).
    moment_names : sequence of str
        L names, in moment order (``lib.moment_names``).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    if path.suffix == ".npz":
        ensemble.save(path)
        return path
    moments = np.asarray(ensemble.moments)
    if path.suffix == ".csv":
        rows = ((r, repr(float(t)), name, repr(float(moments[r, k, m])))
                for r in range(moments.shape[0])
                for k, t in enumerate(ensemble.times)
                for m, name in enumerate(moment_names))
        return _write_text(path, _csv_text(("replicate", "time", "moment", "value"), rows))
    return write_json({"times": ensemble.times, "moment_names": list(moment_names),
                       "moments": moments, "metadata": ensemble.metadata}, path, indent=1)


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
