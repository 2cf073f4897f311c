"""``--closure`` of ``dynboltz compile|simulate|learn`` and ``compile`` on square motifs.

Independent route for the built module: at zero coupling every closure is exact and the
density of a site-only motif is the logistic e^h / (1 + e^h).
"""
import importlib
import json
import sys

import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.codegen.closures import closure_emitter, closures_of
from dynboltz.runtime.cli.main import main
from dynboltz.symbolic import LatticeMotif

SQUARE = """species = ["A"]
lattice = "square"

[processes]
creation = ["_ -> A"]
death = ["A -> _"]
"""


@pytest.fixture
def square_toml(tmp_path):
    path = tmp_path / "flip.toml"
    path.write_text(SQUARE)
    return path


def test_compile_square_motif_uses_the_lattice_default_closure(tmp_path, square_toml, capsys):
    out = tmp_path / "out"
    main(["compile", str(square_toml), "--out", str(out)])
    printed = capsys.readouterr().out
    assert "do not need this file" in printed
    sys.path.insert(0, str(out))
    try:
        lib = importlib.import_module("flip").library()
    finally:
        sys.path.remove(str(out))
        sys.modules.pop("flip", None)
    assert (lib.geometry, lib.closure) == ("square", "bethe")
    h = -0.7
    assert lib.moments(np.array([h, 0.0]))[0] == pytest.approx(np.exp(h) / (1 + np.exp(h)),
                                                               rel=1e-10)
    x = np.array([-1.0, 0.3])
    cached = compile_motif(LatticeMotif.from_toml(square_toml))
    np.testing.assert_allclose(lib.moments(x), cached.moments(x), rtol=1e-12)


@pytest.mark.parametrize("closure", ["plaquette", "strip", "bethe"])
def test_compile_closure_option_picks_the_emitter(tmp_path, square_toml, capsys, closure):
    out = tmp_path / "out"
    main(["compile", str(square_toml), "--out", str(out), "--emit-only", "--closure", closure])
    source = (out / "flip.pyx").read_text()
    assert source == closure_emitter("square", closure, "test").emit(
        LatticeMotif.from_toml(square_toml), "flip", **(
            {"regenerate": f"dynboltz compile {square_toml} --out {out} --closure {closure} "
                           "--emit-only"} if closure == "bethe" else {}))["flip.pyx"]


@pytest.mark.parametrize("command", ["compile", "simulate", "learn"])
@pytest.mark.parametrize("closure,valid", [("chain", closures_of("square")),
                                           ("nope", closures_of("square"))])
def test_unknown_closure_lists_the_lattice_closures_before_work(tmp_path, square_toml, capsys,
                                                                command, closure, valid):
    data = tmp_path / "ens.npz"
    data.write_bytes(b"")
    extra = {"compile": ["--out", str(tmp_path / "out")],
             "simulate": ["--rates", "creation=1,death=1", "--out", str(tmp_path / "e.npz")],
             "learn": ["--data", str(data), "--out", str(tmp_path / "fit.json")]}[command]
    with pytest.raises(SystemExit) as stop:
        main([command, str(square_toml), "--closure", closure, *extra])
    message = str(stop.value)
    assert f"`--closure` of `dynboltz {command}`" in message
    assert str(valid) in message and {"bethe", "plaquette", "strip"} <= set(valid)
    assert not (tmp_path / "out").exists() and not (tmp_path / "e.npz").exists()
    assert not (tmp_path / "fit.json").exists()


def test_ring_closures_listed_for_a_builtin_motif(tmp_path):
    with pytest.raises(SystemExit, match=r"\['chain', 'chain2'\]"):
        main(["compile", "barw", "--out", str(tmp_path / "o"), "--closure", "bethe"])


def test_simulate_and_learn_record_the_named_closure(tmp_path, square_toml, capsys):
    ens, fit = tmp_path / "ens.npz", tmp_path / "fit.json"
    main(["simulate", str(square_toml), "--rates", "creation=0.5,death=1.5", "--N", "16x16",
          "--times", "0:2:6", "--replicates", "4", "--initial", "h_A=-2", "--out", str(ens),
          "--workers", "1", "--closure", "bethe"])
    main(["learn", str(square_toml), "--data", str(ens), "--out", str(fit), "--iterations",
          "30", "--closure", "bethe"])
    record = json.loads(fit.read_text())
    assert record["closure"] == "bethe"
    # creation/death on independent sites: the Bethe closure is exact, rates recovered
    assert record["rates"]["creation"] == pytest.approx(0.5, rel=0.2)
    assert record["rates"]["death"] == pytest.approx(1.5, rel=0.2)
    assert "learn_rates" not in capsys.readouterr().err  # no bar in a log


def test_progress_bars_follow_the_terminal(tmp_path, square_toml, capsys, monkeypatch):
    from dynboltz.runtime.cli import motif_commands

    ens = tmp_path / "ens.npz"
    for tty in (False, True):
        monkeypatch.setattr(motif_commands, "_show_progress", lambda: tty)
        main(["simulate", str(square_toml), "--rates", "creation=0.5,death=1.5", "--N",
              "8x8", "--times", "0:1:3", "--replicates", "2", "--out", str(ens), "--workers",
              "1", "--overwrite"])
        main(["learn", str(square_toml), "--data", str(ens), "--out",
              str(tmp_path / "fit.json"), "--iterations", "3", "--overwrite"])
        err = capsys.readouterr().err
        assert ("replicates" in err) is tty and ("learn_rates" in err) is tty
