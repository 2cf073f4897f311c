"""The ``dynboltz`` command line (runtime/cli.py) and the figure writers it calls."""
import re

import numpy as np
import pytest

from dynboltz.runtime.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_demo_prints_table_and_writes_figure(tmp_path, capsys):
    main(["demo", "--iterations", "60", "--out", str(tmp_path), "--seed", "1"])
    out = capsys.readouterr().out
    rows = re.findall(r"^\s*([0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)$", out, re.MULTILINE)
    assert len(rows) == 6
    for nu, learned, reference in (tuple(map(float, row)) for row in rows):
        # eq. 26 computed here, independently of the symbolic layer
        assert reference == pytest.approx(0.5 * (1 - np.exp(-nu)), abs=1e-5)
        assert abs(learned - reference) < 0.15 * 0.5
    assert "max |learned - eq. 26|" in out
    assert (tmp_path / "demo_fig1.png").read_bytes()[:8] == PNG_MAGIC
    assert not [p for p in tmp_path.iterdir() if p.name != "demo_fig1.png"]


@pytest.mark.parametrize("figure", ["fig1", "fig2", "fig3", "fig4", "fig5"])
def test_reproduce_writes_png(tmp_path, capsys, figure):
    main(["reproduce", figure, "--out", str(tmp_path)])
    assert (tmp_path / f"{figure}.png").read_bytes()[:8] == PNG_MAGIC
    assert f"{figure}.png" in capsys.readouterr().out


def test_unknown_figure_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        main(["reproduce", "fig9", "--out", str(tmp_path)])


def test_demo_rejects_non_positive_iterations(tmp_path):
    with pytest.raises(SystemExit, match="`--iterations` of `dynboltz demo` must be"):
        main(["demo", "--iterations", "0", "--out", str(tmp_path)])
