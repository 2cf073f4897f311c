"""The ``dynboltz`` command line (runtime/cli.py) and the figure writers it calls."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from dynboltz.runtime.experiments import cli
from dynboltz.runtime.wellmixed.basis_learning import learn_basis
from dynboltz.runtime.experiments.cli import main
from dynboltz.runtime.common.ensemble import load_ensemble
from dynboltz.runtime.experiments.wellmixed_figures import K1_GRID, galton_watson

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_wellmixed_demo_prints_table_and_writes_figure(tmp_path, capsys):
    main(["demo", "--wellmixed", "--iterations", "60", "--out", str(tmp_path), "--seed", "1"])
    out = capsys.readouterr().out
    rows = re.findall(r"^\s*([0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)$", out, re.MULTILINE)
    assert len(rows) == 6
    # The learned column is the library's answer to the same call (its accuracy is
    # tested in test_basis_learning); the table may only round it to 5 decimals.
    net, rates = galton_watson()
    learned_F = learn_basis(net, rates, 1, K1_GRID, 1.0, 60, seed=1).F[:, 0]
    for nu, learned, reference in (tuple(map(float, row)) for row in rows):
        # eq. 26 computed here, independently of the symbolic layer
        assert reference == pytest.approx(0.5 * (1 - np.exp(-nu)), abs=1e-5)
        node = np.argmin(np.abs(K1_GRID - nu))
        assert learned == pytest.approx(learned_F[node], abs=5e-6)
    assert "max |learned - eq. 26|" in out
    assert (tmp_path / "demo_fig1.png").read_bytes()[:8] == PNG_MAGIC
    assert not [p for p in tmp_path.iterdir() if p.name != "demo_fig1.png"]


def _barw_rows(out):
    return {name: (float(theta0), float(learned), reference) for name, theta0, learned, reference
            in re.findall(r"^(branching|annihilation|diffusion)\s+([0-9.]+)\s+([0-9.]+)\s+(\S+)$",
                          out, re.MULTILINE)}


def test_barw_demo_prints_rates_and_error_and_writes_figures(tmp_path, capsys):
    main(["demo", "--iterations", "40", "--replicates", "200", "--out", str(tmp_path),
          "--seed", "1"])
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "demo_barw_paper.json").read_text())
    rows = _barw_rows(out)
    assert list(rows) == ["branching", "annihilation", "diffusion"]
    for name, (theta0, learned, reference) in rows.items():
        assert theta0 == 10.0   # the paper's θ0 = (kb, pa/Δt, 10)
        assert learned == pytest.approx(summary["theta"][name], abs=5e-4)
        assert reference == {"diffusion": "up"}.get(name, "down")
    before, after = map(float, re.search(r"moment error: (\S+) -> (\S+)", out).groups())
    assert before == pytest.approx(summary["moment_error_initial"], rel=1e-3)
    assert after == pytest.approx(summary["moment_error_learned"], rel=1e-3)
    assert after < before / 2
    for name in ("demo_fig9.png", "demo_fig10.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "demo_barw_paper.json", "demo_fig10.png", "demo_fig9.png"]


def test_barw_demo_exact_scheme_shows_simulated_rates(tmp_path, capsys):
    main(["demo", "--scheme", "exact", "--iterations", "20", "--replicates", "100",
          "--out", str(tmp_path)])
    out = capsys.readouterr().out
    rows = _barw_rows(out)
    assert {name: float(row[2]) for name, row in rows.items()} == \
        {"branching": 10.0, "annihilation": 10.0, "diffusion": 50.0}
    assert "closure distance" in out
    assert (tmp_path / "demo_barw_exact.json").exists()


@pytest.mark.parametrize("figure", ["fig9", "fig10"])
@pytest.mark.parametrize("scheme, suffix", [("exact", "_exact"), ("paper", "")])
def test_reproduce_barw_writes_png_and_summary(tmp_path, capsys, figure, scheme, suffix):
    main(["reproduce", figure, "--scheme", scheme, "--iterations", "10", "--replicates",
          "50", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    png = f"{figure}{suffix}.png"
    assert (tmp_path / png).read_bytes()[:8] == PNG_MAGIC
    summary = json.loads((tmp_path / f"barw_{scheme}.json").read_text())
    assert (summary["settings"]["scheme"], summary["settings"]["iterations"],
            summary["settings"]["replicates"]) == (scheme, 10, 50)
    assert png in out and f"barw_{scheme}.json" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([png, f"barw_{scheme}.json"])


@pytest.mark.parametrize("figure", ["fig1", "fig2", "fig3", "fig4", "fig5", "fig7", "fig8"])
def test_reproduce_writes_png(tmp_path, capsys, figure):
    main(["reproduce", figure, "--out", str(tmp_path)])
    assert (tmp_path / f"{figure}.png").read_bytes()[:8] == PNG_MAGIC
    assert f"{figure}.png" in capsys.readouterr().out


def test_unknown_figure_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        main(["reproduce", "fig99", "--out", str(tmp_path)])


@pytest.mark.parametrize("argv", [["reproduce", "fig1", "--scheme", "exact"],
                                  ["reproduce", "fig3", "--iterations", "5"],
                                  ["demo", "--wellmixed", "--replicates", "10"],
                                  ["demo", "--replicates", "0"]])
def test_options_that_do_not_apply_are_rejected(tmp_path, argv):
    with pytest.raises(SystemExit, match="of `dynboltz"):
        main(argv + ["--out", str(tmp_path)])


def test_demo_rejects_non_positive_iterations(tmp_path):
    with pytest.raises(SystemExit, match="`--iterations` of `dynboltz demo` must be"):
        main(["demo", "--iterations", "0", "--out", str(tmp_path)])


def test_figures_leave_the_matplotlib_backend_and_pyplot_alone(tmp_path, capsys):
    import matplotlib
    import matplotlib.pyplot as plt

    previous = matplotlib.get_backend()
    # A backend other than Agg, so that a writer switching to Agg would show.
    matplotlib.use("svg")
    try:
        for argv in (["fig3"], ["fig7"],
                     ["fig9", "--iterations", "2", "--replicates", "20"]):
            main(["reproduce", *argv, "--out", str(tmp_path)])
            assert matplotlib.get_backend() == "svg"
            assert plt.get_fignums() == []
    finally:
        matplotlib.use(previous)
    assert {"fig3.png", "fig7.png", "fig9.png"} <= {p.name for p in tmp_path.iterdir()}


def test_an_unusable_cache_is_one_line_and_exit_status_1(tmp_path):
    # A fresh process, so that no compiled module is already loaded from a good cache.
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")
    done = subprocess.run([sys.executable, "-c", "from dynboltz.runtime.experiments.cli import main; "
                           "main()", "reproduce", "fig2", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True,
                          env={**os.environ, "DYNBOLTZ_CACHE": str(not_a_folder)})
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"dynboltz: error: the dynboltz cache directory {str(not_a_folder)!r} "
        "(DYNBOLTZ_CACHE) cannot be used: Not a directory; set DYNBOLTZ_CACHE to a "
        "writable directory"]
    assert not (tmp_path / "out").exists()


def test_a_damaged_file_is_one_line_and_exit_status_1(tmp_path, monkeypatch):
    damaged = tmp_path / "run.npz"
    damaged.write_bytes(b"")
    monkeypatch.setattr(cli, "_figures", lambda: {"fig1": lambda out, seed: load_ensemble(
        damaged)})
    with pytest.raises(SystemExit) as raised:
        main(["reproduce", "fig1", "--out", str(tmp_path)])
    message = raised.value.code
    assert isinstance(message, str) and "\n" not in message  # str code: exit status 1
    assert message.startswith("dynboltz: error: `path` of `load_ensemble` must be `a "
                              "readable .npz file")
