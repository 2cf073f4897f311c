"""Every JSON summary is standard JSON: non-finite numbers are written and read as null."""
import json

import numpy as np
import pytest

from dynboltz.runtime.common.json_files import json_text, read_json
from dynboltz.runtime.common.result_files import write_fit
from dynboltz.runtime.paper.barw import write_summary


def _strict(text):
    """Parse as a standard JSON reader would: Infinity and NaN are errors."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=refuse)


_SUMMARY = {"error_ratio": float("inf"), "nan": np.float64("nan"),
            "ratios": np.array([1.5, -np.inf]), "count": np.int64(3),
            "nested": {"values": (2.0, float("nan"))}}
_READ_BACK = {"error_ratio": None, "nan": None, "ratios": [1.5, None], "count": 3,
              "nested": {"values": [2.0, None]}}


def test_summary_with_infinity_is_standard_json(tmp_path):
    path = write_summary(_SUMMARY, tmp_path / "barw.json")
    assert _strict(path.read_text()) == _READ_BACK
    assert read_json(path) == _READ_BACK


def test_fit_json_follows_the_same_rule(tmp_path):
    path = write_fit(_SUMMARY, tmp_path / "fit.json")
    assert _strict(path.read_text()) == _READ_BACK


def test_finite_values_are_kept_bit_for_bit():
    values = [0.1, 1e-300, 2.0 ** 0.5, -7.25]
    assert _strict(json_text(values)) == values


def test_values_json_cannot_write_are_refused():
    with pytest.raises(TypeError):
        json_text({"what": object()})
