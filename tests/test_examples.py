"""Every script in examples/ runs and prints what it claims (checked against independent truth)."""
import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from repository import REPOSITORY

EXAMPLES = REPOSITORY / "examples"


def _run(command, cwd):
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent),
                                                  os.environ.get("PATH", "")])}
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _numbers(text):
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", text)]


def test_every_example_is_run_by_a_test():
    tested = {"lattice_simulation.py", "learn_rates.py", "sbml_birth_death.py",
              "wellmixed_galton_watson.py", "lattice_motif.py", "command_line.sh"}
    assert {p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".sh")} == tested


def test_lattice_simulation(tmp_path):
    out = _run([sys.executable, str(EXAMPLES / "lattice_simulation.py"), str(tmp_path)],
               tmp_path)
    assert "reloaded equal: True" in out and (tmp_path / "barw.npz").exists()
    inverse = re.search(r"inverse Ising of the moments at x0: \[(.*)\]", out).group(1)
    np.testing.assert_allclose([float(v) for v in inverse.split()], [1.0, 0.0], atol=1e-8)
    density = float(re.search(r"sampled density: (\S+)", out).group(1))
    # 10 000 sites of the chain at h = 1, J = 0: independent sites, p = e / (1 + e)
    p = np.e / (1 + np.e)
    assert abs(density - p) < 4 * np.sqrt(p * (1 - p) / 10_000)


def test_learn_rates(tmp_path):
    out = _run([sys.executable, str(EXAMPLES / "learn_rates.py")], tmp_path)
    before, after = map(float, re.search(r"moment error: (\S+) -> (\S+)", out).groups())
    assert after < before / 5
    learned = re.search(r"learned rates: (\{.*\})", out).group(1)
    assert set(ast.literal_eval(learned)) == {"branching", "annihilation", "diffusion"}


def test_sbml_birth_death(tmp_path):
    pytest.importorskip("libsbml")
    out = _run([sys.executable, str(EXAMPLES / "sbml_birth_death.py")], tmp_path)
    rows = re.findall(r"t = +(\S+): mean +(\S+) ± (\S+) +analytic +(\S+)", out)
    assert len(rows) == 6
    for t, mean, se, analytic in rows[1:]:
        assert float(analytic) == pytest.approx(100 * np.exp(-0.01 * float(t)), abs=0.01)
        assert abs(float(mean) - float(analytic)) < 3 * float(se)


@pytest.mark.slow  # compiles the K = 2 basis functions on a cold cache
def test_wellmixed_galton_watson(tmp_path):
    out = _run([sys.executable, str(EXAMPLES / "wellmixed_galton_watson.py")], tmp_path)
    mean, se, analytic = _numbers(re.search(r"SSA mean at T = 1: (.*)", out).group(1))
    assert analytic == pytest.approx(100 * np.exp(-0.5), abs=0.01)
    assert abs(mean - analytic) < 3 * se
    for nu, learned, eq26 in re.findall(r"nu = (\S+): learned F = (\S+), eq. 26 = (\S+)", out):
        assert float(eq26) == pytest.approx(0.5 * (1 - np.exp(-float(nu))), abs=1e-4)
        assert float(learned) == pytest.approx(float(eq26), abs=0.01)


@pytest.mark.slow  # compiles and exports a motif module
def test_lattice_motif(tmp_path):
    out = _run([sys.executable, str(EXAMPLES / "lattice_motif.py"), str(tmp_path)], tmp_path)
    moments = re.search(r"moments at x = 0: \[(.*)\]", out).group(1)
    np.testing.assert_allclose([float(v) for v in moments.split()],
                               [1 / 3, 1 / 3, 1 / 9, 2 / 9, 1 / 9], rtol=1e-7)
    assert "Jacobian shape: (4, 5, 5)" in out
    assert list(tmp_path.glob("cooperative_growth*.so"))


@pytest.mark.slow  # compiles, simulates and learns through the installed command
def test_command_line(tmp_path):
    repository = EXAMPLES.parent
    _run(["sh", str(EXAMPLES / "command_line.sh"), str(tmp_path)], repository)
    assert list((tmp_path / "module").glob("cooperative_growth*.so"))
    header = (tmp_path / "ens.csv").read_text().splitlines()
    assert header[0] == "replicate,time,moment,value" and len(header) == 1 + 50 * 51 * 5
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["moment_error_learned"] < fit["moment_error_initial"]
    assert set(fit["rates"]) == {"fill", "convert", "decay", "hop"}
