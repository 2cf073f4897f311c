"""Checkpoint files: round trip, and clear errors for foreign or damaged files."""
import numpy as np
import pytest

from dynboltz.errors import DamagedFileError
from dynboltz.runtime.common.checkpoint import load_checkpoint, save_checkpoint


def test_round_trip_is_bit_exact(tmp_path):
    path = tmp_path / "run.npz"
    theta = np.array([0.1, 1 / 3, 2.0])
    save_checkpoint(path, {"fingerprint": "abc", "iteration": 7}, {"theta": theta})
    header, arrays = load_checkpoint(path, "abc", "learn_rates")
    assert header["iteration"] == 7
    assert arrays["theta"].tobytes() == theta.tobytes()


def test_missing_file_means_no_checkpoint(tmp_path):
    assert load_checkpoint(tmp_path / "absent.npz", "abc", "learn_rates") is None


@pytest.mark.parametrize("damage", [b"", b"not a zip file", b"PK\x03\x04truncated"])
def test_damaged_file_names_itself_and_the_way_out(tmp_path, damage):
    path = tmp_path / "run.npz"
    path.write_bytes(damage)
    with pytest.raises(ValueError, match=r"`checkpoint` of `learn_rates` .*damaged.*"
                                         r"resume=False.*run\.npz"):
        load_checkpoint(path, "abc", "learn_rates")


def test_checkpoint_of_another_run_is_refused(tmp_path):
    path = tmp_path / "run.npz"
    save_checkpoint(path, {"fingerprint": "other"}, {"theta": np.zeros(2)})
    with pytest.raises(ValueError, match="same arguments .*; delete it or pass resume=False "
                                         "to start over`; got `"):
        load_checkpoint(path, "abc", "learn_rates")


def test_npz_without_a_header_is_reported_as_damaged(tmp_path):
    path = tmp_path / "run.npz"
    np.savez(path, theta=np.zeros(2))
    with pytest.raises(DamagedFileError, match=r"run\.npz \(ValueError: no header_json in it\)"):
        load_checkpoint(path, "abc", "learn_rates")
