"""report.html files each measured number under the figure that shows it."""
import json

from dynboltz.runtime.paper import report


def test_the_moment_error_is_fig9s_row_and_the_rates_are_fig10s(tmp_path):
    names = ["branching", "annihilation", "diffusion"]
    summary = {"settings": {"N": 100, "T": 1.0, "dt": 0.01, "iterations": 400,
                            "rates": {"kb": 10.0, "pa": 0.1}},
               "theta0": dict.fromkeys(names, 10.0), "theta": dict.fromkeys(names, 5.0),
               "process_names": names, "paper_direction": dict.fromkeys(names, "down"),
               "direction": dict.fromkeys(names, "down"), "moment_error_initial": 1.0,
               "moment_error_learned": 0.1, "error_ratio": 10.0}
    (tmp_path / "barw_paper.json").write_text(json.dumps(summary))
    fig9 = [row[0] for row in report.PAPER_NUMBERS["fig9"](tmp_path, {}, 0)]
    fig10 = [row[0] for row in report.PAPER_NUMBERS["fig10"](tmp_path, {}, 0)]
    assert fig9 == ["moment error after learning"]
    assert "moment error after learning" not in fig10
    assert "learned θ diffusion" in fig10
