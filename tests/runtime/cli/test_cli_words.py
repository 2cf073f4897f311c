"""The command line speaks its own words (options, not keywords) and checks its limits
before any work: errors mapped by class and argument name, never by their text."""
import time

import numpy as np
import pytest

from dynboltz.advice import Advice
from dynboltz.errors import (ConvergenceError, DamagedFileError, IntegrationError,
                             InvalidArgumentError)
from dynboltz.messages import invalid
from dynboltz.runtime.cli import main as cli
from dynboltz.runtime.cli.cli_words import in_cli_words, option_of
from dynboltz.runtime.cli.main import main

_RATES = "branching=1,annihilation=0.5,diffusion=2"


def _one_line_exit(argv):
    with pytest.raises(SystemExit) as raised:
        main(argv)
    message = raised.value.code
    assert isinstance(message, str) and "\n" not in message
    assert message.startswith("dynboltz: error: ")
    return message


def _small_simulation(out, *extra):
    main(["simulate", "barw", "--rates", _RATES, "--N", "30", "--times", "0:0.2:3",
          "--replicates", "2", "--workers", "1", "--out", str(out), *extra])


def test_argument_names_become_options_by_param_not_by_text():
    assert option_of("rates['death']", "simulate") == ("--rates", "death")
    assert option_of("save", "simulate") == ("--out", None)
    assert option_of("x0", "learn") == ("--initial", None)
    assert option_of("replicates", "demo") == ("--replicates", None)
    assert option_of("client", "simulate") is None
    error = invalid("rates['death']", "simulate", "a finite real number >= 0", -1.0)
    assert in_cli_words(error, "simulate") == (
        "`--rates` (death) of `dynboltz simulate` must be `a finite real number >= 0`; "
        "got `-1.0`")
    error = invalid("replicates", "barw_settings", "an integer >= 2", 1)
    assert in_cli_words(error, "demo").startswith("`--replicates` of `dynboltz demo`")
    # the library's advice for save is overwrite=True: the CLI says --overwrite
    for kind in (ValueError, DamagedFileError):
        error = invalid("save", "simulate", "a new path (pass overwrite=True)", "x.npz", kind)
        text = in_cli_words(error, "simulate")
        assert text.startswith("`--out` of `dynboltz simulate`") and "--overwrite" in text
        assert "overwrite=True" not in text
    # an argument no option sets keeps the library's words
    error = invalid("client", "simulate", "a dask client", 3)
    assert in_cli_words(error, "simulate") == str(error)


def test_advice_becomes_options_and_advice_without_an_option_is_left_out():
    error = IntegrationError("eq. 52 failed", [Advice("pass", "substeps", "16"),
                                               Advice("pass", "integrator", "'adaptive'")])
    assert str(error) == "eq. 52 failed; pass substeps=16 or pass integrator='adaptive'"
    assert in_cli_words(error, "learn") == "eq. 52 failed; pass --substeps 16"
    error = ConvergenceError("stepped too far", [Advice("lower", "learning_rate"),
                                                 Advice("use", "optimizer", "'lbfgs'")])
    assert in_cli_words(error, "learn") == ("stepped too far; lower --learning-rate or use "
                                            "--optimizer lbfgs")
    assert in_cli_words(ConvergenceError("x", [Advice("pass", "integrator", "'a'")]), "learn") == "x"


def test_an_impossible_rate_is_refused_in_cli_words_before_any_work(tmp_path):
    out = tmp_path / "e.npz"
    message = _one_line_exit(["simulate", "barw", "--rates",
                              "branching=1,annihilation=1,diffusion=1e300", "--out", str(out)])
    assert "`--rates` (diffusion) of `dynboltz simulate` must be `small enough for the run "\
           "to finish" in message
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_count_of_times_beyond_memory_names_times_at_once(tmp_path):
    started = time.monotonic()
    message = _one_line_exit(["simulate", "barw", "--rates", _RATES, "--times",
                              "0:1:1000000000000", "--out", str(tmp_path / "e.npz")])
    assert message.startswith("dynboltz: error: `--times` of `dynboltz simulate` must be "
                              "`small enough for the result (about 24 TB, 2× that")
    assert time.monotonic() - started < 2.0  # nothing of 8 TB was allocated


def test_one_replicate_too_large_blames_times_not_replicates(monkeypatch):
    from dynboltz.runtime.cli import options
    from dynboltz.runtime.common import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 1000)
    with pytest.raises(SystemExit, match="`--times` of `dynboltz simulate`"):
        options.check_ensemble_memory(1, 100, 2, 10, False, "simulate")
    with pytest.raises(SystemExit, match="`--replicates` of `dynboltz simulate`"):
        options.check_ensemble_memory(100, 1, 2, 10, False, "simulate")


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_csv_and_json_results_are_not_replaced_without_overwrite(tmp_path, suffix):
    out = tmp_path / f"e{suffix}"
    _small_simulation(out)
    before = out.read_bytes()
    message = _one_line_exit(["simulate", "barw", "--rates", _RATES, "--N", "30",
                              "--seed", "5", "--out", str(out)])
    assert "`--out` of `dynboltz simulate` must be `a file that does not exist yet (add " \
           "--overwrite to replace it)`" in message
    assert out.read_bytes() == before
    _small_simulation(out, "--seed", "5", "--overwrite")
    assert out.read_bytes() != before


def test_learn_refuses_zero_iterations_and_an_existing_fit(tmp_path):
    data = tmp_path / "e.npz"
    _small_simulation(data)
    fit = tmp_path / "fit.json"
    message = _one_line_exit(["learn", "barw", "--data", str(data), "--iterations", "0",
                              "--out", str(fit)])
    assert "`--iterations` of `dynboltz learn` must be `>= 1`; got `0`" in message
    fit.write_text("{}")
    message = _one_line_exit(["learn", "barw", "--data", str(data), "--out", str(fit)])
    assert "`--out` of `dynboltz learn` must be `a file that does not exist yet" in message
    assert fit.read_text() == "{}"


def test_a_saturated_initial_point_names_initial_not_the_step(tmp_path):
    data = tmp_path / "e.npz"
    _small_simulation(data)
    message = _one_line_exit(["learn", "barw", "--data", str(data), "--initial",
                              "h_A=1e300", "--out", str(tmp_path / "fit.json")])
    assert message.startswith("dynboltz: error: `--initial` of `dynboltz learn` must be "
                              "`Boltzmann parameters where the Hessian")
    assert "substeps" not in message


def test_learn_checkpoint_is_written_and_resumed(tmp_path, capsys):
    data = tmp_path / "e.npz"
    _small_simulation(data)
    checkpoint = tmp_path / "learn.npz"
    argv = ["learn", "barw", "--data", str(data), "--iterations", "3", "--checkpoint",
            str(checkpoint)]
    main(argv + ["--out", str(tmp_path / "a.json")])
    assert checkpoint.is_file()
    first = (tmp_path / "a.json").read_text()
    main(argv + ["--out", str(tmp_path / "b.json")])  # resumes: the same fit
    import json
    a, b = (json.loads((tmp_path / n).read_text()) for n in ("a.json", "b.json"))
    assert a["rates"] == b["rates"] and first


@pytest.mark.parametrize("checkpoint, words", [
    (None, "interrupted (nothing is kept: pass --checkpoint FILE.npz to resume learning)"),
    ("c.npz", "is kept: run the same command again to resume")])
def test_ctrl_c_during_learn_says_what_is_kept(tmp_path, monkeypatch, checkpoint, words):
    import dynboltz.runtime.learning as learning

    data = tmp_path / "e.npz"
    _small_simulation(data)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(learning, "learn_rates", interrupted)
    extra = ["--checkpoint", str(tmp_path / checkpoint)] if checkpoint else []
    message = _one_line_exit(["learn", "barw", "--data", str(data), "--out",
                              str(tmp_path / "fit.json"), *extra])
    assert words in message


@pytest.mark.parametrize("argv, words", [
    (["--name", "import"], "`--name` of `dynboltz compile` must be `a module name that is "
                           "not a Python keyword`"),
    (["--name", "numpy"], "`--name` of `dynboltz compile` must be `a module name that no "
                          "standard or installed module has"),
    (["--name", "json"], "no standard or installed module has"),
])
def test_compile_refuses_module_names_that_cannot_be_imported(tmp_path, argv, words):
    message = _one_line_exit(["compile", "barw", "--out", str(tmp_path / "out"), *argv])
    assert words in message
    assert not (tmp_path / "out").exists()


def test_compile_refuses_a_default_name_from_a_keyword_file_name(tmp_path):
    motif = tmp_path / "class.toml"
    motif.write_text('species = ["A"]\n[processes]\ndecay = ["A -> _"]\n')
    message = _one_line_exit(["compile", str(motif), "--out", str(tmp_path / "out")])
    assert "not a Python keyword (the default, from the file name" in message
    assert "pass --name" in message


def test_a_binary_motif_file_is_named(tmp_path):
    motif = tmp_path / "motif.toml"
    motif.write_bytes(bytes(range(256)))
    message = _one_line_exit(["simulate", str(motif), "--rates", "a=1", "--out",
                              str(tmp_path / "e.npz")])
    assert "`MOTIF` (path) of `dynboltz simulate` must be `a UTF-8 text file of TOML`" \
        in message and str(motif) in message
    motif.write_text('species = ["A"\n')
    message = _one_line_exit(["simulate", str(motif), "--rates", "a=1", "--out",
                              str(tmp_path / "e.npz")])
    assert "must be `valid TOML`" in message and str(motif) in message


def test_learn_reports_the_misfit_against_the_data_noise(tmp_path, capsys):
    import json

    data = tmp_path / "e.npz"
    main(["simulate", "barw", "--rates", _RATES, "--N", "100", "--times", "0:0.5:6",
          "--replicates", "20", "--workers", "1", "--out", str(data)])
    fit = tmp_path / "fit.json"
    main(["learn", "barw", "--data", str(data), "--out", str(fit)])
    summary = json.loads(fit.read_text())
    ratio = summary["misfit"]["ratio"]
    assert ratio > 0 and summary["misfit"]["effective_rates"] == (ratio > 10)
    assert f"(χ²/point {ratio:.3g})" in capsys.readouterr().out
