"""atomic_writer: complete files or none, with normal permissions."""
import os
import stat

import pytest

from dynboltz.atomic_files import atomic_writer


def test_writes_whole_file_with_umask_permissions(tmp_path):
    target = tmp_path / "sub" / "result.txt"
    with atomic_writer(target, "w") as stream:
        stream.write("done")
    assert target.read_text() == "done"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask


def test_failure_midway_keeps_previous_content_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "checkpoint.bin"
    target.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(target) as stream:
            stream.write(b"half")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.bin"]


def test_rejects_unknown_mode(tmp_path):
    with pytest.raises(ValueError, match="`mode` of `atomic_writer`"):
        with atomic_writer(tmp_path / "x", "a"):
            pass
