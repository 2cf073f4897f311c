"""atomic_writer: complete files or none, with normal permissions."""
import io
import os
import stat
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from dynboltz.atomic_files import (STALE_SECONDS, atomic_writer, plain_mode, read_npz,
                                   remove_stale_temporaries)
from dynboltz.errors import DamagedFileError


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


def _small_npz():
    buffer = io.BytesIO()
    np.savez(buffer, times=np.arange(3.0), moments=np.ones((2, 3, 2)),
             metadata_json=np.array('{"a": 1}'))
    return buffer.getvalue()


def test_every_flipped_byte_reads_right_or_is_named_damage(tmp_path):
    # Flipped bytes in the zip headers used to escape as NotImplementedError (zip
    # version), RuntimeError ("encrypted") or OSError 22 (a seek past the start).
    good = _small_npz()
    path = tmp_path / "flipped.npz"
    outcomes = {"same": 0, "damaged": 0}
    for offset in range(len(good)):
        flipped = bytearray(good)
        flipped[offset] ^= 0xFF
        path.write_bytes(bytes(flipped))
        try:
            entries = read_npz(path, ["times", "moments", "metadata_json"], "save", "f",
                               "run again")
        except DamagedFileError as error:
            assert str(path) in str(error)
            outcomes["damaged"] += 1
            continue
        # a byte nobody reads (a timestamp): the data must then be exactly right
        assert np.array_equal(entries["times"], np.arange(3.0))
        assert np.array_equal(entries["moments"], np.ones((2, 3, 2)))
        assert entries["metadata_json"] == {"a": 1}
        outcomes["same"] += 1
    assert outcomes["damaged"] > len(good) // 2


def _temporary(folder, name, age):
    path = folder / f".{name}.abc_0123"
    path.write_bytes(b"half")
    os.utime(path, (time.time() - age,) * 2)
    return path


def test_stale_temporaries_of_the_named_files_go_and_nothing_else(tmp_path):
    old = _temporary(tmp_path, "replicate_00000003.npz", STALE_SECONDS + 60)
    young = _temporary(tmp_path, "replicate_00000004.npz", 10)
    other = _temporary(tmp_path, "notes.txt", STALE_SECONDS + 60)
    near_miss = tmp_path / ".replicate_00000005.npz.abc"  # not mkstemp's 8 characters
    near_miss.write_bytes(b"mine")
    os.utime(near_miss, (time.time() - 2 * STALE_SECONDS,) * 2)
    assert remove_stale_temporaries(tmp_path, "replicate_*.npz") == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [young.name, other.name, near_miss.name])
    assert remove_stale_temporaries(tmp_path / "missing") == []


def test_the_cleaner_recognises_the_temporaries_atomic_writer_makes(tmp_path):
    # atomic_writer names its temporary with mkstemp(prefix=".<name>.") in the folder
    handle, name = tempfile.mkstemp(prefix=".result.npz.", dir=tmp_path)
    os.close(handle)
    os.utime(name, (time.time() - 2 * STALE_SECONDS,) * 2)
    assert remove_stale_temporaries(tmp_path, "result.npz") == [Path(name)]


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_plain_mode_follows_the_umask(umask):
    previous = os.umask(umask)
    try:
        assert plain_mode() == 0o666 & ~umask
        assert plain_mode(folder=True) == 0o777 & ~umask
    finally:
        os.umask(previous)


def test_check_writable_folder_tries_and_leaves_nothing_behind(tmp_path):
    from dynboltz.atomic_files import check_writable_folder

    target = tmp_path / "a" / "b"
    assert check_writable_folder(target, "out", "f") == target
    assert list(tmp_path.iterdir()) == []          # the folders it made to try are gone
    (tmp_path / "existing").mkdir()
    check_writable_folder(tmp_path / "existing", "out", "f")
    assert (tmp_path / "existing").is_dir()         # an existing folder stays
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit, match=r"^`out` of `f` must be `a writable directory`; "
                                         r"got `'.*file/x'` \(.*file is not a directory\)$"):
        check_writable_folder(tmp_path / "file" / "x", "out", "f", SystemExit)
    with pytest.raises(ValueError, match="No such file or directory|Permission denied"):
        check_writable_folder("/proc/dynboltz_test", "out", "f")
