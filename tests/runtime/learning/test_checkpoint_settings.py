"""`CheckpointSettings` checks its folder with the one writability check, before any work."""
import os
from pathlib import Path

import numpy as np
import pytest

from dynboltz import atomic_files
from dynboltz.runtime.common.checkpoint import load_checkpoint, save_checkpoint
from dynboltz.runtime.learning import CheckpointSettings
from dynboltz.runtime.learning import settings as settings_module


def test_refused_checkpoint_folder_leaves_no_folder_behind(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    # a folder that can be created but not written (root writes everywhere: simulated)
    monkeypatch.setattr(settings_module.os, "access", lambda path, mode: False)
    monkeypatch.setattr(atomic_files.tempfile, "TemporaryFile", refuse)
    with pytest.raises(ValueError, match=r"must be `a writable directory`; got .*new.*"
                       r"\(creating a file in it: Permission denied\)"):
        CheckpointSettings(tmp_path / "new" / "deeper" / "run.npz")
    assert list(tmp_path.iterdir()) == []


def test_read_only_checkpoint_in_writable_folder_is_replaced(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    save_checkpoint(path, {"fingerprint": "old"}, {"theta": np.zeros(2)})
    path.chmod(0o444)
    # what os.access says to a user other than root about a read-only file
    real_access = settings_module.os.access
    monkeypatch.setattr(settings_module.os, "access", lambda name, mode: False
                        if Path(name) == path and mode & os.W_OK else real_access(name, mode))
    settings = CheckpointSettings(path)
    save_checkpoint(settings.path, {"fingerprint": "new"}, {"theta": np.ones(2)})
    header, arrays = load_checkpoint(path, "new", "learn_rates")
    assert header["fingerprint"] == "new" and np.array_equal(arrays["theta"], np.ones(2))

