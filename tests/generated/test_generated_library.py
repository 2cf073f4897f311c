"""The committed built-in lattice library (generated/) and its compiled modules.

Golden files: the generator is run into a temporary directory and must
reproduce generated/ byte for byte, the shared motif_kernel.pxi included (a
diff is shown otherwise).  Behaviour:
every built-in library (compiled at install) against the numpy reference at
random x in [−10, 10], and against mpmath far from the origin.
"""
import difflib
import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from dynboltz.codegen.motif import BUILTIN_LIBRARY
from dynboltz.codegen.regenerate import main
from dynboltz.generated import library
from dynboltz.runtime.lattice.chain.reference import LatticeReference
from dynboltz.symbolic.lattice.motif import LatticeMotif
from lattice_truth import assert_matches_reference, check_against_mpmath, far_points
from repository import REPOSITORY

GENERATED = REPOSITORY / "generated"


def test_regeneration_reproduces_committed_files(tmp_path):
    assert main([str(tmp_path)]) == 0
    fresh = sorted(p.name for p in tmp_path.iterdir())
    # Every source file of the folder: what the build compiles from them (.c) is not.
    committed = sorted(p.name for p in GENERATED.iterdir() if p.suffix in (".pyx", ".pxi", ".py"))
    assert fresh == committed
    for name in fresh:
        old = (GENERATED / name).read_text(encoding="utf-8")
        new = (tmp_path / name).read_text(encoding="utf-8")
        diff = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                            f"generated/{name}", f"regenerated/{name}"))
        assert old == new, f"generated/{name} is stale; run the header's command:\n{diff}"


def test_every_header_names_the_regenerate_command():
    for path in [*GENERATED.glob("motif_*.pyx"), *GENERATED.glob("motif_*.pxi")]:
        assert "# Regenerate with: python -m dynboltz.codegen.regenerate generated/" \
            in path.read_text(encoding="utf-8").split("# cython:")[0]


def test_library_lists_every_builtin():
    assert set(library.NAMES) == set(BUILTIN_LIBRARY)
    assert {"barw", "trivalent", "sep"} <= set(library.NAMES)
    assert set(library.NAMES) <= set(dir(library))
    with pytest.raises(AttributeError, match="built-in motifs are"):
        library.no_such_motif


@pytest.mark.parametrize("name", sorted(BUILTIN_LIBRARY))
def test_compiled_builtin_is_built_from_current_source(name):
    # The installed extension must carry the tables of the committed .pyx.
    module = importlib.import_module(f"dynboltz.generated.motif_{name}")
    header = (GENERATED / f"motif_{name}.pyx").read_text(encoding="utf-8")
    assert f"sha256 (plain tables): {module.SYMBOLIC_SHA256}" in header
    motif = LatticeMotif.builtin(BUILTIN_LIBRARY[name])
    assert getattr(library, name).motif_hash == motif.motif_hash


@pytest.mark.parametrize("name", sorted(BUILTIN_LIBRARY))
def test_builtin_matches_reference(name):
    motif = LatticeMotif.builtin(BUILTIN_LIBRARY[name])
    lib = getattr(library, name)
    assert (lib.param_names, lib.process_names, lib.species) == \
        (motif.param_names, motif.process_names, motif.species)
    assert lib.n_params == motif.n_params and lib.n_processes == len(motif.processes)
    xs = np.random.default_rng(sum(map(ord, name))).uniform(-10, 10, (5, motif.n_params))
    assert_matches_reference(lib, LatticeReference.from_motif(motif), xs)


def test_loading_the_library_needs_no_sympy():
    script = ("import sys; from dynboltz.generated import library; import numpy as np;"
              "library.sep.basis_jacobian(np.zeros(14)); library.barw.rule_table();"
              "print('sympy' in sys.modules, 'dynboltz.codegen' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_no_overflow_or_nan_far_out():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("barw", "sep"):
            lib = getattr(library, name)
            xs = np.random.default_rng(6).uniform(-80, 80, (50, lib.n_params))
            for method in ("moments", "hessian", "basis", "basis_jacobian"):
                assert np.all(np.isfinite(getattr(lib, method)(xs)))


def test_barw_matches_mpmath_including_coexistence():
    # h = −J is the lattice-gas coexistence line, where the reference's finite
    # differences are weakest (F̃ varies on a scale of e^-5 in x); far_points
    # adds (−10, 10) and (10, −10).
    motif = LatticeMotif.builtin("barw")
    points = far_points(motif, 2, seed=3) + [np.array([-6.0, 6.0]), np.array([9.0, -9.0])]
    check_against_mpmath(library.barw, motif, points)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["trivalent", "sep"])
def test_several_species_builtins_match_mpmath(name):
    motif = LatticeMotif.builtin(name)
    check_against_mpmath(getattr(library, name), motif, far_points(motif, 2, seed=5))
