"""``dynboltz simulate`` then ``dynboltz learn`` on a square-lattice TOML motif.

Independent route for the learned rates: the simulated ones (an exact site-only motif,
creation and death, where the Bethe closure is exact from an independent-site start).
"""
import json

import pytest

from dynboltz.runtime.cli.main import main

TOML = """species = ["A"]
lattice = "square"

[processes]
creation = ["_ -> A"]
death = ["A -> _"]
"""


def test_simulate_and_learn_a_square_motif(tmp_path, capsys):
    motif, ens, fit = tmp_path / "flip.toml", tmp_path / "ens.npz", tmp_path / "fit.json"
    motif.write_text(TOML)
    main(["simulate", str(motif), "--rates", "creation=0.5,death=1.5", "--N", "32x32",
          "--times", "0:2:11", "--replicates", "8", "--initial", "h_A=-2", "--out", str(ens),
          "--workers", "1", "--seed", "3"])
    main(["learn", str(motif), "--data", str(ens), "--out", str(fit), "--theta0",
          "creation=1,death=1", "--iterations", "60"])
    record = json.loads(fit.read_text())
    capsys.readouterr()
    assert record["geometry"] == "square" and record["closure"] == "bethe"
    assert record["rates"]["creation"] == pytest.approx(0.5, rel=0.1)
    assert record["rates"]["death"] == pytest.approx(1.5, rel=0.1)
