"""Checkpoints of long learning runs: one ``.npz``, replaced atomically.

A checkpoint holds named float arrays plus a JSON header (``fingerprint`` of
the run's arguments, ``iteration`` and any other plain values).  It is
written with `atomic_writer`, so an interrupted write (Ctrl-C, a crash)
leaves the previous checkpoint intact, and read back only when its
fingerprint matches the run that wants to resume; reading it removes the stale
temporary files that a killed write left beside it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from dynboltz.atomic_files import atomic_writer, read_npz, remove_stale_temporaries
from dynboltz.runtime.common.validation import invalid


__all__ = ["save_checkpoint", "load_checkpoint"]

_FORMAT = "dynboltz-checkpoint-1"


def save_checkpoint(path: os.PathLike | str, header: Mapping[str, object],
                    arrays: Mapping[str, ArrayLike]) -> None:
    """Write ``arrays`` and ``header`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
    header : dict
        JSON-serialisable; must contain ``"fingerprint"``.
    arrays : dict of str to array_like
        Saved bit for bit (float64 stays float64).
    """
    content = {name: np.asarray(value) for name, value in arrays.items()}
    content["header_json"] = np.array(json.dumps({**header, "format": _FORMAT},
                                                 sort_keys=True))
    with atomic_writer(path, "wb") as stream:
        np.savez(stream, **content)


def load_checkpoint(path: os.PathLike | str, fingerprint: str, function: str
                    ) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """The checkpoint at ``path`` if it belongs to the run with ``fingerprint``.

    Parameters
    ----------
    path : str or os.PathLike
    fingerprint : str
    function : str
        Public function name for error messages.

    Returns
    -------
    (dict, dict) or None
        ``(header, arrays)``; None if there is no file at ``path``.

    Raises
    ------
    ValueError
        The file is not a checkpoint or was written by a run with other
        arguments.
    """
    # a run killed while writing left a temporary file next to the checkpoint
    remove_stale_temporaries(Path(path).parent, Path(path).name)
    if not Path(path).exists():
        return None
    arrays = read_npz(path, ["header_json"], "checkpoint", function,
                      "delete it or pass resume=False to start over")
    header = arrays.pop("header_json")
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise invalid("checkpoint", function, f"a {_FORMAT} file", str(path))
    if header.get("fingerprint") != fingerprint:
        raise invalid("checkpoint", function,
                      "a checkpoint of a run with the same arguments (fingerprint "
                      f"{fingerprint[:12]}…); delete it or pass resume=False to start over",
                      f"{path} with fingerprint {str(header.get('fingerprint'))[:12]}…")
    return header, arrays
