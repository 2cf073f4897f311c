"""The one-way layering symbolic -> codegen -> generated -> runtime, enforced.

Two routes.  Dynamic: each layer is imported (and its entry points run) in a fresh
interpreter, and ``sys.modules`` must not hold what the layer may not load.  Static:
every import statement in the installed package is read with ``ast`` (imports inside
functions included, ``if TYPE_CHECKING:`` blocks excluded, since they never run), and
the imports that cross a layer boundary the wrong way must be exactly the documented
ones.
"""
import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import dynboltz

PACKAGE = Path(dynboltz.__file__).resolve().parent


def _layer_folder(layer):
    """Folder of ``dynboltz.<layer>`` (of ``dynboltz`` for ""), installed or editable."""
    module = importlib.import_module(f"dynboltz.{layer}" if layer else "dynboltz")
    return Path(module.__file__).resolve().parent


def _layer_modules():
    """(path relative to its layer's parent, e.g. ``runtime/cli/main.py``, path)."""
    for path in sorted(_layer_folder("").glob("*.py")):
        yield path.name, path
    for layer in ("symbolic", "codegen", "generated", "runtime"):
        folder = _layer_folder(layer)
        for path in sorted(folder.rglob("*.py")):
            yield f"{layer}/{path.relative_to(folder).as_posix()}", path

# What no simulation or learning entry point of the runtime may load.  scipy imports
# Cython's version module to probe it (scipy._lib._testutils), so the check names the
# compiler machinery itself rather than every Cython module.
_COMPILE_TIME = ("sympy", "symengine", "setuptools", "Cython.Build", "Cython.Compiler.Main",
                 "dynboltz.codegen", "dynboltz.symbolic")


def _loaded_after(code):
    """Modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent.parent)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def _forbidden(loaded, prefixes):
    return sorted(m for m in loaded for p in prefixes if m == p or m.startswith(p + "."))


_RUNTIME_RUN = """
import numpy as np
from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate, sample, fit_parameters
from dynboltz.runtime.learning import integrate, learn_rates
from dynboltz.runtime.wellmixed import simulate as ssa
lib = library.barw
x0, times = np.array([0.5, 0.0]), np.linspace(0.0, 0.2, 5)
ens = simulate(lib, rates={"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0}, N=50,
               times=times, initial=x0, replicates=2, seed=0)
fit_parameters(lib, lib.moments(x0))
sample(lib, x0, N=20, n=2, seed=0)
integrate(lib, [1.0, 1.0, 1.0], x0, times)
learn_rates(lib, data=ens, x0=x0, theta0=np.ones(3), iterations=2, optimizer="adam")

class BirthDeath:  # the three attributes the SSA reads from a WellMixed network
    species, process_names = ("A",), ("birth", "death")
    def stoichiometry(self):
        return [[1], [1]], [[2], [0]]

ssa(BirthDeath(), {"birth": 1.0, "death": 1.0}, [5], [0.0, 1.0], replicates=2, seed=0)
"""


def test_runtime_entry_points_load_no_compiler_and_no_symbolic_layer():
    loaded = _loaded_after(_RUNTIME_RUN)
    assert "dynboltz.runtime.lattice.simulation" in loaded  # the script really ran
    assert _forbidden(loaded, _COMPILE_TIME) == []


_CONTINUOUS_RUN = """
import numpy as np
from dynboltz.runtime.continuous import (Domain, estimate_density, integrate_pde,
                                         learn_spatial_basis, simulate_particles)
from dynboltz.runtime.continuous.heat_kernel import point_source_nu
domain = Domain(-3.0, 3.0, "reflecting", 31)
ens = simulate_particles({"diffusion": 1.0}, np.zeros(200), [0.1, 0.2, 0.3], 2, 0, workers=1,
                         domain=(-3.0, 3.0), nodes=31, t0=0.1)
data = estimate_density(ens)
eta = point_source_nu(domain.nodes, 0.1, 0.0, 1.0, 200, domain)
grid = np.arange(0.0, 6.01, 0.5)
integrate_pde(-np.ones(grid.size), np.ones(grid.size), grid, eta, domain, 0.1, [0.2, 0.3])
learn_spatial_basis(data, eta, grid, iterations=1)
"""


def test_continuous_entry_points_load_no_compiler_and_no_symbolic_layer():
    loaded = _loaded_after(_CONTINUOUS_RUN)
    assert "dynboltz.runtime.continuous.spatial_learning" in loaded
    assert _forbidden(loaded, _COMPILE_TIME) == []


def test_generated_library_loads_no_compiler_no_codegen_no_runtime():
    loaded = _loaded_after("from dynboltz.generated import library\nlibrary.sep.moments([0.0] * 14)")
    assert _forbidden(loaded, _COMPILE_TIME + ("dynboltz.runtime",)) == []


def test_symbolic_layer_loads_no_codegen_and_no_runtime():
    loaded = _loaded_after("from dynboltz.symbolic import LatticeMotif, WellMixed\n"
                           "LatticeMotif.builtin('barw').moment_equations()\n"
                           "WellMixed({'b': 'A -> A + A'}).basis_functions(K=1)")
    assert "sympy" in loaded
    assert _forbidden(loaded, ("dynboltz.codegen", "dynboltz.runtime", "dynboltz.generated")) == []


def test_codegen_loads_no_runtime():
    loaded = _loaded_after("import dynboltz.codegen\nfrom dynboltz.codegen import emit_motif\n"
                           "from dynboltz.symbolic import LatticeMotif\n"
                           "emit_motif(LatticeMotif.builtin('barw'))")
    assert _forbidden(loaded, ("dynboltz.runtime",)) == []


def test_package_root_loads_nothing_else():
    loaded = _loaded_after("import dynboltz, dynboltz.lattice_layout, dynboltz.messages, "
                           "dynboltz.atomic_files, dynboltz.motif_library, dynboltz.errors, "
                           "dynboltz.chain_inverse_map, dynboltz.lattices, dynboltz.registry")
    assert sorted(m for m in loaded if m.startswith("dynboltz.")) == [
        "dynboltz.atomic_files", "dynboltz.chain_inverse_map", "dynboltz.errors",
        "dynboltz.lattice_layout", "dynboltz.lattices",
        "dynboltz.messages", "dynboltz.motif_library", "dynboltz.registry"]
    assert _forbidden(loaded, _COMPILE_TIME) == []


def _run_time_imports(path):
    """Absolute module names imported by ``path``, outside ``if TYPE_CHECKING:`` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


# Each layer, the packages it must never import (at any depth, lazily or not).
_FORBIDDEN_BY_LAYER = {
    "": ("sympy", "symengine", "dynboltz.symbolic", "dynboltz.codegen", "dynboltz.generated",
         "dynboltz.runtime"),
    "symbolic": ("dynboltz.codegen", "dynboltz.generated", "dynboltz.runtime"),
    "codegen": ("dynboltz.generated", "dynboltz.runtime"),
    "generated": ("sympy", "symengine", "dynboltz.symbolic", "dynboltz.codegen",
                  "dynboltz.runtime"),
    "runtime": ("sympy", "symengine", "dynboltz.symbolic", "dynboltz.codegen"),
}
# The documented crossings: the paper's experiments and the command line build models from symbolic
# input, and Algorithm 1 compiles the basis functions of the symbolic network it is
# given, once, before its loop (README, "Where runtime meets sympy"); the moment
# closures compile the network's moment equations the same way, once, before integrating.
_ALLOWED = {("runtime/wellmixed/basis_learning.py", "dynboltz.codegen"),
            ("runtime/wellmixed/moment_integration.py", "dynboltz.codegen")}
_ALLOWED_FOLDERS = ("runtime/paper/", "runtime/cli/")


def _layer_violations():
    found = set()
    for relative, path in _layer_modules():
        layer = relative.split("/")[0] if "/" in relative else ""
        if relative.startswith(_ALLOWED_FOLDERS):
            continue
        for name in _run_time_imports(path):
            for banned in _FORBIDDEN_BY_LAYER[layer]:
                if name == banned or name.startswith(banned + "."):
                    found.add((relative, banned))
    return found


def test_no_import_crosses_a_layer_the_wrong_way():
    assert _layer_violations() == _ALLOWED


def test_the_static_check_sees_imports_inside_functions(tmp_path):
    # The check must not be blind to lazy imports (the usual way layers leak).
    source = "def f():\n    import sympy\n    from dynboltz.codegen import build\n"
    path = tmp_path / "probe.py"
    path.write_text(source)
    assert set(_run_time_imports(path)) == {"sympy", "dynboltz.codegen"}
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sympy\n"
    path.write_text(guarded)
    assert set(_run_time_imports(path)) == {"typing"}


@pytest.mark.parametrize("layer", sorted(_FORBIDDEN_BY_LAYER))
def test_every_layer_has_modules(layer):
    # A layer the static check reads nothing of would pass vacuously.
    folder = _layer_folder(layer)
    assert any(folder.glob("*.py"))
