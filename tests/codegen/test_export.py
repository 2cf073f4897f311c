"""export_motif and ``dynboltz compile``: a stand-alone module that imports without sympy or the cache."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dynboltz.codegen import export_motif
from dynboltz.runtime.cli.main import main
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic import LatticeMotif
from repository import REPOSITORY

EXAMPLE = REPOSITORY / "examples" / "cooperative_growth.toml"

# Runs in a fresh interpreter: sympy blocked before anything imports it.
_IMPORT_SCRIPT = """
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
module = __import__(sys.argv[2])
lib = module.library()
points = np.array(json.loads(sys.argv[3]))
print(json.dumps({
    "process_names": lib.process_names, "param_names": lib.param_names,
    "moments": lib.moments(points).tolist(), "basis": lib.basis(points).tolist(),
    "jacobian": lib.basis_jacobian(points).tolist(),
    "loaded": sorted(m for m, module in sys.modules.items() if module is not None
                     and m.startswith(("sympy", "dynboltz.codegen", "dynboltz.symbolic",
                                       "Cython"))),
}))
"""


def _import_in_fresh_process(folder, name, points, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['sympy'] = None\n")
    cache = tmp_path / "empty_cache"
    cache.mkdir()
    env = {**os.environ, "DYNBOLTZ_CACHE": str(cache),
           "PYTHONPATH": os.pathsep.join([str(blocker), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _IMPORT_SCRIPT, str(folder), name,
                           json.dumps(points.tolist())], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert list(cache.iterdir()) == []   # nothing was built or cached
    return json.loads(done.stdout)


def test_sympy_is_really_blocked_in_the_fresh_process(tmp_path):
    # Guards the test below: the blocker must make a sympy import fail.
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['sympy'] = None\n")
    done = subprocess.run([sys.executable, "-c", "import sympy"], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(blocker)})
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr


@pytest.mark.slow  # builds a module (5-15 s)
def test_compile_command_leaves_a_module_that_works_without_sympy_or_cache(tmp_path, capsys):
    out = tmp_path / "tmp"
    main(["compile", str(EXAMPLE), "--out", str(out)])
    assert "import cooperative_growth" in capsys.readouterr().out
    assert {p.suffix for p in out.iterdir()} == {".pyx", ".pxi", ".so"}
    rng = np.random.default_rng(3)
    points = rng.uniform(-2, 2, size=(6, 5))
    got = _import_in_fresh_process(out, "cooperative_growth", points, tmp_path)
    assert got["loaded"] == []
    motif = LatticeMotif.from_toml(EXAMPLE)
    assert tuple(got["process_names"]) == motif.process_names
    # an independent implementation of the closure (numpy eigh per point)
    reference = LatticeReference.from_motif(motif)
    np.testing.assert_allclose(got["moments"], reference.moments(points), rtol=1e-10,
                               atol=1e-13)
    np.testing.assert_allclose(got["basis"], reference.basis(points), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(got["jacobian"], reference.basis_jacobian(points),
                               rtol=1e-5, atol=1e-6)


def test_emit_only_writes_the_source_and_no_module(tmp_path):
    motif = LatticeMotif.from_toml(EXAMPLE)
    path = export_motif(motif, tmp_path / "src", name="growth", emit_only=True)
    assert path == tmp_path / "src" / "growth.pyx"
    assert sorted(p.name for p in path.parent.iterdir()) == ["growth.pyx",
                                                             "motif_kernel.pxi"]
    assert 'include "motif_kernel.pxi"' in path.read_text()
    assert any("def library()" in p.read_text() for p in path.parent.iterdir())


def test_emit_only_from_the_command_line_records_the_command(tmp_path, capsys):
    main(["compile", str(EXAMPLE), "--out", str(tmp_path), "--emit-only", "--name", "g2"])
    text = (tmp_path / "g2.pyx").read_text()
    assert f"# Regenerate with: dynboltz compile {EXAMPLE} --out {tmp_path} --emit-only" in text
    assert not list(tmp_path.glob("*.so"))


@pytest.mark.parametrize("name", ["1bad", "has-dash", ""])
def test_a_bad_module_name_is_rejected_before_writing(tmp_path, name):
    with pytest.raises(ValueError, match="`name` of `export_motif`"):
        export_motif(LatticeMotif.builtin("barw"), tmp_path / "x", name=name, emit_only=True)
    assert not (tmp_path / "x").exists()


def test_an_output_folder_under_a_file_is_rejected(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ValueError, match="`out_dir` of `export_motif` must be `a writable "
                                         "directory`.*not a directory"):
        export_motif(LatticeMotif.builtin("barw"), blocker / "sub", emit_only=True)


def test_export_rejects_what_is_not_a_motif(tmp_path):
    with pytest.raises(TypeError, match="`motif` of `export_motif`"):
        export_motif("barw", tmp_path)
