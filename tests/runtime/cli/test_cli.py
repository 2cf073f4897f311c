"""The ``dynboltz`` command line (runtime/cli/) and the figure writers it calls."""
import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dynboltz.runtime.cli import main as cli
from dynboltz.runtime.wellmixed.basis_learning import learn_basis
from dynboltz.runtime.cli.main import main
from dynboltz.runtime.paper.targets import FIGURES
from dynboltz.runtime.common.ensemble import load_ensemble
from dynboltz.runtime.paper.galton_watson import K1_GRID, galton_watson

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
    done = subprocess.run([sys.executable, "-c", "from dynboltz.runtime.cli.main import main; "
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
    FIGURES.register("fig1", lambda out, seed: load_ensemble(damaged))
    try:
        with pytest.raises(SystemExit) as raised:
            main(["reproduce", "fig1", "--out", str(tmp_path)])
    finally:
        FIGURES.register("fig1", "dynboltz.runtime.paper.galton_watson:fig1")
    message = raised.value.code
    assert isinstance(message, str) and "\n" not in message  # str code: exit status 1
    assert message.startswith("dynboltz: error: `path` of `load_ensemble` must be `a "
                              "readable .npz file")


# ---------------------------------------------------------------- one-line errors, checks before work

def _one_line_exit(argv):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    message = raised.value.code
    assert isinstance(message, str) and "\n" not in message  # str code: exit status 1
    assert message.startswith("dynboltz: error: ")
    return message


def test_version_prints_the_package_version(capsys):
    import dynboltz

    with pytest.raises(SystemExit) as raised:
        main(["--version"])
    assert raised.value.code == 0
    assert capsys.readouterr().out == f"dynboltz {dynboltz.__version__}\n"


@pytest.mark.parametrize("command", [["demo"], ["reproduce", "fig1"],
                                     ["simulate", "barw", "--rates",
                                      "branching=1,annihilation=1,diffusion=1"]])
def test_a_negative_seed_is_one_line(tmp_path, command):
    out = tmp_path / ("e.npz" if command[0] == "simulate" else "out")
    message = _one_line_exit(command + ["--seed", "-1", "--out", str(out)])
    assert f"`--seed` of `dynboltz {command[0]}` must be `an integer >= 0`; got `-1`" in message
    assert not out.exists()


def test_a_malformed_command_line_is_one_line_with_status_2(capsys):
    with pytest.raises(SystemExit) as raised:
        main(["simulate", "barw", "--N", "many"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dynboltz: error: argument --N")


def _unwritable(tmp_path, kind, monkeypatch):
    if kind == "file":
        blocker = tmp_path / "a_file"
        blocker.write_text("")
        return blocker / "sub"
    if kind == "read-only":
        folder = tmp_path / "ro"
        folder.mkdir(mode=0o500)
        if os.geteuid() == 0:
            _refuse_writes_as_for_a_user(folder, monkeypatch)
        return folder / "sub"
    return "/proc/dynboltz_out"


def _refuse_writes_as_for_a_user(folder, monkeypatch):
    # root may write into a 0o500 folder; refuse there as the kernel does for a user
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.parent == folder:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)


@pytest.mark.parametrize("kind", ["file", "read-only", "proc"])
@pytest.mark.parametrize("command", [["demo", "--wellmixed"], ["reproduce", "fig3"],
                                     ["reproduce", "all", "--quick"],
                                     ["compile", "barw", "--emit-only"]])
def test_an_unwritable_out_folder_fails_before_any_work(tmp_path, monkeypatch, kind, command):
    ran = []
    monkeypatch.setattr(cli, "_figures", lambda: {"fig3": lambda out, seed: ran.append(1)})
    monkeypatch.setattr(cli, "_wellmixed_demo", lambda *a: ran.append(1))
    out = _unwritable(tmp_path, kind, monkeypatch)
    message = _one_line_exit(command + ["--out", str(out)])
    assert f"`--out` of `dynboltz {command[0]}` must be `a writable directory`" in message
    assert ran == []


@pytest.mark.parametrize("kind", ["file", "proc"])
@pytest.mark.parametrize("command", ["simulate", "learn"])
def test_an_unwritable_out_file_fails_before_any_work(tmp_path, monkeypatch, kind, command):
    from dynboltz.runtime.lattice import simulation
    import dynboltz.runtime.learning as learning

    monkeypatch.setattr(simulation, "simulate", lambda *a, **k: pytest.fail("simulated"))
    monkeypatch.setattr(learning, "learn_rates", lambda *a, **k: pytest.fail("learned"))
    folder = _unwritable(tmp_path, kind, monkeypatch)
    extra = (["--rates", "branching=1,annihilation=1,diffusion=1"] if command == "simulate"
             else ["--data", str(tmp_path / "none.npz")])
    suffix = ".npz" if command == "simulate" else ".json"
    message = _one_line_exit([command, "barw", *extra, "--out", f"{folder}/x{suffix}"])
    assert f"`--out` of `dynboltz {command}` must be `a writable directory`" in message


def test_absurd_replicates_are_refused_up_front_with_the_memory_estimate(tmp_path,
                                                                         monkeypatch):
    from dynboltz.runtime.common import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 10**9)
    # 10**6 replicates × 101 times × 2 moments × 8 bytes = 1.616e9 bytes > 1e9
    message = _one_line_exit(["simulate", "barw", "--rates",
                              "branching=1,annihilation=1,diffusion=1", "--replicates",
                              "1000000", "--out", str(tmp_path / "e.npz")])
    assert ("(about 1.62 GB, 2× that while it is gathered) to fit in the 1 GB of memory "
            "available: fewer replicates (1000000 × (101 times × 2 moments × 8 bytes))") \
        in message
    assert not list(tmp_path.iterdir())


def test_snapshots_add_to_the_memory_estimate(tmp_path, monkeypatch):
    from dynboltz.runtime.common import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 10**7)
    # 1000 × 11 × 2 × 8 = 176 kB fits; + 1000 × 11 × 1000 snapshot bytes = 11.2 MB does not
    message = _one_line_exit(["simulate", "barw", "--rates",
                              "branching=1,annihilation=1,diffusion=1", "--replicates",
                              "1000", "--times", "0:1:11", "--N", "1000", "--snapshots",
                              "--out", str(tmp_path / "e.npz")])
    assert "(about 11.2 MB, 2× that while it is gathered)" in message
    assert "1000 × (11 times × 2 moments × 8 bytes + 11 × 1000 snapshot bytes)" in message


@pytest.mark.parametrize("option, value, expected", [
    ("--rates", "branching=1,diffusion=1", "missing annihilation"),
    ("--rates", "branching=1,annihilation=x,diffusion=1", "a number after annihilation="),
    ("--rates", "branch=1", "distinct names from"),
    ("--times", "1,0.5", "ascending times"),
    ("--initial", "h_A=nan", "a finite number after h_A="),
    ("--replicates", "0", "`--replicates` of `dynboltz simulate` must be `>= 1`"),
])
def test_simulate_options_are_checked_before_work(tmp_path, option, value, expected):
    argv = ["simulate", "barw", "--rates", "branching=1,annihilation=1,diffusion=1",
            "--out", str(tmp_path / "e.npz")]
    if option == "--rates":
        argv[3] = value
    else:
        argv += [option, value]
    assert expected in _one_line_exit(argv)


def test_an_unknown_motif_names_the_choices(tmp_path):
    message = _one_line_exit(["simulate", "no_such.toml", "--rates", "a=1", "--out",
                              str(tmp_path / "e.npz")])
    assert "`MOTIF` of `dynboltz simulate` must be `a motif TOML file or one of" in message


# ---------------------------------------------------------------- simulate and learn end to end

_BARW_RATES = {"branching": 2.0, "annihilation": 3.0, "diffusion": 5.0}
_RATES_TEXT = ",".join(f"{k}={v}" for k, v in _BARW_RATES.items())


def _simulated(tmp_path, name="ens.npz", extra=()):
    out = tmp_path / name
    main(["simulate", "barw", "--rates", _RATES_TEXT, "--N", "40", "--times", "0:0.5:6",
          "--replicates", "12", "--initial", "h_A=0.5", "--seed", "3", "--workers", "1",
          "--out", str(out), *extra])
    return out


def test_simulate_writes_what_the_library_call_gives(tmp_path, capsys):
    from dynboltz.generated import library
    from dynboltz.runtime.lattice import simulate

    ensemble = load_ensemble(_simulated(tmp_path))
    assert "wrote" in capsys.readouterr().out
    direct = simulate(library.barw, _BARW_RATES, N=40, times=np.linspace(0, 0.5, 6),
                      initial=[0.5, 0.0], replicates=12, seed=3, workers=1)
    np.testing.assert_array_equal(ensemble.moments, direct.moments)
    np.testing.assert_array_equal(ensemble.times, direct.times)
    assert ensemble.metadata["rates"] == _BARW_RATES
    assert not list(tmp_path.glob("*.parts"))


def test_ensemble_csv_and_json_hold_the_same_numbers_in_long_format(tmp_path):
    import csv

    npz = load_ensemble(_simulated(tmp_path))
    rows = list(csv.DictReader(_simulated(tmp_path, "ens.csv").open()))
    assert len(rows) == 12 * 6 * 2
    assert list(rows[0]) == ["replicate", "time", "moment", "value"]
    from dynboltz.generated import library
    for row in rows[::7]:
        r, k = int(row["replicate"]), list(npz.times).index(float(row["time"]))
        m = library.barw.moment_names.index(row["moment"])
        assert float(row["value"]) == npz.moments[r, k, m]
    data = json.loads(_simulated(tmp_path, "ens.json").read_text())
    np.testing.assert_array_equal(np.array(data["moments"]), npz.moments)
    assert data["moment_names"] == list(library.barw.moment_names)
    assert data["metadata"]["rates"] == _BARW_RATES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens.csv", "ens.json", "ens.npz"]


def test_learn_writes_the_rates_learn_rates_gives(tmp_path, capsys):
    from dynboltz.generated import library
    from dynboltz.runtime.learning import learn_rates

    data = _simulated(tmp_path)
    main(["learn", "barw", "--data", str(data), "--theta0", "branching=1,diffusion=2",
          "--iterations", "15", "--out", str(tmp_path / "fit.json")])
    out = capsys.readouterr().out
    fit = json.loads((tmp_path / "fit.json").read_text())
    direct = learn_rates(library.barw, load_ensemble(data), [0.5, 0.0], [1.0, 1.0, 2.0],
                         iterations=15, substeps=4, progress=False)
    assert fit["rates"] == pytest.approx(dict(zip(library.barw.process_names,
                                                  direct.theta)), rel=1e-12)
    assert fit["theta0"] == {"branching": 1.0, "annihilation": 1.0, "diffusion": 2.0}
    assert fit["simulated_rates"] == _BARW_RATES
    assert fit["x0"] == {"h_A": 0.5, "J_AA": 0.0}
    assert (fit["moment_error_initial"], fit["moment_error_learned"]) == pytest.approx(
        direct.moment_errors(), rel=1e-12)
    assert re.search(r"^diffusion\s+2\s+\S+\s+\S+\s+5$", out, re.MULTILINE)
    assert fit["settings"]["optimizer"] == "lbfgs" and fit["settings"]["learning_rate"] is None
    main(["learn", "barw", "--data", str(data), "--optimizer", "adam", "--iterations", "2",
          "--out", str(tmp_path / "adam.json")])
    # the step size the run used, its default when --learning-rate is not given
    assert json.loads((tmp_path / "adam.json").read_text())["settings"]["learning_rate"] == 0.1
    assert fit["convergence"]["converged"] == direct.info["converged"]
    assert fit["convergence"]["iterations"] == direct.info["iterations"]
    assert fit["standard_errors"] == pytest.approx(direct.standard_errors, rel=1e-12)
    assert re.search(r"^(not )?converged after \d+ iterations: ", out, re.MULTILINE)
    main(["learn", "barw", "--data", str(data), "--iterations", "3", "--out",
          str(tmp_path / "fit.csv")])
    lines = (tmp_path / "fit.csv").read_text().splitlines()
    assert lines[0] == "time,moment,data,at_theta0,learned" and len(lines) == 1 + 6 * 2


def test_learn_refuses_data_of_another_motif(tmp_path, monkeypatch):
    from dynboltz.generated import library
    from dynboltz.runtime.lattice import simulate

    other = tmp_path / "other.npz"
    simulate(library.death_A, {"death": 1.0}, N=20, times=[0.0, 0.1], initial=[0.0, 0.0],
             replicates=2, seed=0, workers=1, save=other)
    message = _one_line_exit(["learn", "barw", "--data", str(other), "--out",
                              str(tmp_path / "fit.json")])
    assert "`--data` of `dynboltz learn` must be `an ensemble simulated from this motif`" \
        in message
    assert not (tmp_path / "fit.json").exists()


# ---------------------------------------------------------------- reproduce all

def _fake_figure(name, log):
    def figure(out_dir, seed=0):
        """A stand-in figure.

        Second paragraph, not in the caption."""
        log.append(name)
        from dynboltz.runtime.paper.figure_files import new_figure, save_png
        return save_png(new_figure(), Path(out_dir) / f"{name}.png")
    return figure


def test_reproduce_all_runs_the_whole_registry_in_order_and_reports_failures(tmp_path,
                                                                            monkeypatch):
    log = []

    def broken(out_dir, seed=0):
        raise ValueError("no data")

    figures = {"fig2": _fake_figure("fig2", log), "sep_extrapolation":
               _fake_figure("sep_extrapolation", log), "fig10": broken}
    monkeypatch.setattr(cli, "_figures", lambda: figures)
    message = _one_line_exit(["reproduce", "all", "--out", str(tmp_path)])
    assert log == ["fig2", "sep_extrapolation"]
    assert "1 figure(s) failed" in message and "fig10 (ValueError: no data)" in message
    page = (tmp_path / "report.html").read_text()
    assert '<img src="fig2.png"' in page and '<img src="sep_extrapolation.png"' in page
    assert "missing: ValueError: no data" in page
    # captions are written for the report, not taken from docstrings
    assert "Fig. 2: convergence of Algorithm 1" in page and "A stand-in" not in page


def test_reproduce_choices_accept_names_that_are_not_fig_numbers(monkeypatch):
    monkeypatch.setattr(cli, "_figures", lambda: {"fig10": None, "fig2": None,
                                                  "sep_extra": None})
    parser = cli._parser()
    assert parser.parse_args(["reproduce", "sep_extra"]).figure == "sep_extra"
    assert parser.parse_args(["reproduce", "all", "--quick"]).quick


def test_quick_is_only_for_all(tmp_path):
    assert "`--quick` of `dynboltz reproduce` must be `used with 'all' only`" in \
        _one_line_exit(["reproduce", "fig3", "--quick", "--out", str(tmp_path)])


@pytest.mark.slow  # every figure, small versions (15-30 s)
def test_reproduce_all_quick_writes_the_report_with_no_missing_figure(tmp_path, capsys):
    main(["reproduce", "all", "--quick", "--out", str(tmp_path)])
    page = (tmp_path / "report.html").read_text()
    figures = FIGURES
    assert f"{len(figures)} of {len(figures)} figures" in page and "missing:" not in page
    for name in figures:
        assert f'<h2 id="{name}">' in page
    for source in re.findall(r'<img src="([^"]+)"', page):
        assert (tmp_path / source).read_bytes()[:8] == PNG_MAGIC
    assert len(re.findall(r'<img src=', page)) == len(figures)
    assert "learned θ diffusion" in page and "max |learned − eq. 26|" in page
    assert "well-mixed k_minus1" in page and "learned F⁽¹⁾, F⁽²⁾" in page


@pytest.mark.parametrize("command", [["demo"], ["reproduce", "fig9"]])
def test_absurd_barw_replicates_are_refused_up_front(tmp_path, monkeypatch, command):
    from dynboltz.runtime.common import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 10**6)
    message = _one_line_exit(command + ["--replicates", "1000", "--out", str(tmp_path)])
    assert "(about 1.62 MB, 2× that while it is gathered) to fit in the 1 MB of memory " \
        "available: fewer replicates (1000 × (101 times × 2 moments × 8 bytes))" in message
    assert not list(tmp_path.iterdir())


def test_learn_needs_an_existing_data_file(tmp_path):
    assert "`--data` of `dynboltz learn` must be `an existing ensemble .npz file`" in \
        _one_line_exit(["learn", "barw", "--data", str(tmp_path / "none.npz"), "--out",
                        str(tmp_path / "fit.json")])


@pytest.mark.slow  # two motifs × (simulation + 200 iterations), 20-40 s
@pytest.mark.parametrize("motif", ["trivalent", "sep"])
def test_learn_defaults_work_on_drawn_rates_of_other_motifs(tmp_path, capsys, motif):
    from dynboltz.generated import library

    lib = getattr(library, motif)
    rng = np.random.default_rng(sum(map(ord, motif)))
    rates = dict(zip(lib.process_names, rng.uniform(0.1, 3.0, lib.n_processes)))
    initial = dict(zip(lib.param_names[:lib.n_species], rng.uniform(-1, 1, lib.n_species)))
    data = tmp_path / "ens.npz"
    main(["simulate", motif, "--rates", ",".join(f"{k}={v}" for k, v in rates.items()),
          "--initial", ",".join(f"{k}={v}" for k, v in initial.items()),
          "--replicates", "50", "--times", "0:1:51", "--out", str(data)])
    main(["learn", motif, "--data", str(data), "--iterations", "200", "--out",
          str(tmp_path / "fit.json")])
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["moment_error_learned"] < fit["moment_error_initial"] / 5


def test_a_failing_measurement_keeps_its_figure(tmp_path, monkeypatch):
    from dynboltz.runtime.paper import report

    def broken(out_dir, options, seed):
        raise KeyError("theta")

    monkeypatch.setattr(cli, "_figures", lambda: {"fig2": _fake_figure("fig2", [])})
    monkeypatch.setitem(report.PAPER_NUMBERS, "fig2", broken)
    main(["reproduce", "all", "--out", str(tmp_path)])
    page = (tmp_path / "report.html").read_text()
    assert "1 of 1 figures" in page and "failed: KeyError: &#x27;theta&#x27;" in page


def test_learn_speaks_in_options_and_warns_in_one_line(tmp_path, capsys, monkeypatch):
    data = _simulated(tmp_path)
    csv = _simulated(tmp_path, "ens.csv")
    with pytest.raises(SystemExit, match=r"`--data` of `dynboltz learn` must be `an ensemble "
                       r"\.npz file \(the \.csv and \.json exports"):
        main(["learn", "barw", "--data", str(csv), "--out", str(tmp_path / "fit.json")])
    with pytest.raises(SystemExit, match=r"`--learning-rate` of `dynboltz learn` must be "
                       r"`given only with --optimizer paper, nesterov or adam"):
        main(["learn", "barw", "--data", str(data), "--learning-rate", "0.1",
              "--out", str(tmp_path / "fit.json")])
    with pytest.raises(SystemExit, match=r"\('jump' is not one of them\)"):
        main(["learn", "barw", "--data", str(data), "--theta0", "jump=2",
              "--out", str(tmp_path / "fit.json")])
    # a diverging gradient step: the advice names the command's options
    with pytest.raises(SystemExit) as raised:
        main(["learn", "barw", "--data", str(data), "--optimizer", "paper",
              "--learning-rate", "1e6", "--out", str(tmp_path / "fit.json")])
    assert "lower --learning-rate or use --optimizer lbfgs" in str(raised.value)
    capsys.readouterr()
    import warnings
    from dynboltz.errors import IdentifiabilityWarning

    def warn(args):
        warnings.warn("the data do not determine the rates ['hop']", IdentifiabilityWarning)

    monkeypatch.setattr(cli, "_run", warn)
    main(["learn", "barw", "--data", str(data), "--out", str(tmp_path / "fit.json")])
    assert capsys.readouterr().err == ("dynboltz: warning: the data do not determine the "
                                       "rates ['hop']\n")


def test_an_out_folder_that_refuses_files_says_so(tmp_path):
    # like the "proc" case above: /proc exists but refuses new files with ENOENT
    with pytest.raises(SystemExit, match=r"must be `a writable directory`; got `'/proc'` "
                       r"\(creating a file in it: "):
        main(["simulate", "barw", "--rates", "branching=1,annihilation=1,diffusion=1",
              "--out", "/proc/x.npz"])


def test_version_imports_no_experiment():
    # --version and --help list the reproduce targets without importing any experiment,
    # so the command answers at once.
    code = ("import sys; from dynboltz.runtime.cli.main import main\n"
            "try:\n    main(['--version'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('dynboltz.runtime.paper.')"
            " or m in ('scipy', 'matplotlib', 'sympy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "['dynboltz.runtime.paper.targets']"


def test_reproduce_help_default_replicates_is_the_experiments():
    from dynboltz.runtime.paper.barw import FULL_REPLICATES
    help_text = cli._parser()._subparsers._group_actions[0].choices["reproduce"].format_help()
    assert f"default {FULL_REPLICATES};" in " ".join(help_text.split())
