"""Limits checked before any work, naming the real cause: seeds, save folders, module
names, the initial point of learning."""
import numpy as np
import pytest

from dynboltz.errors import InvalidArgumentError
from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate

_RATES = {"branching": 1.0, "annihilation": 0.5, "diffusion": 2.0}


def _run(**kwargs):
    return simulate(library.barw, _RATES, N=40, times=[0.0, 0.1], initial=np.zeros(2),
                    workers=1, **kwargs)


@pytest.mark.parametrize("seed", [-1, 1.5, "x"])
def test_a_bad_seed_names_seed_of_the_function_called(seed):
    with pytest.raises(InvalidArgumentError, match=r"^`seed` of `simulate` must be `None, "
                                                   r"an integer >= 0"):
        _run(seed=seed)


def test_save_under_a_file_names_save(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    with pytest.raises(ValueError, match=r"^`save` of `simulate` must be `a writable "
                                         r"directory`"):
        _run(save=blocker / "x.npz")
    # a missing folder is created
    _run(save=tmp_path / "new" / "x.npz")
    assert (tmp_path / "new" / "x.npz").is_file()


@pytest.mark.parametrize("name, words", [("import", "not a Python keyword"),
                                         ("numpy", "no standard or installed module"),
                                         ("os", "no standard or installed module")])
def test_export_refuses_module_names_that_cannot_be_imported(tmp_path, name, words):
    from dynboltz.codegen.export import export_motif
    from dynboltz.symbolic import LatticeMotif

    with pytest.raises(InvalidArgumentError, match=f"`name` of `export_motif` must be "
                                                   f"`a module name that.*{words}"):
        export_motif(LatticeMotif.builtin("barw"), tmp_path, name=name, emit_only=True)
    assert not list(tmp_path.iterdir())


def test_learning_from_a_frozen_lattice_names_x0_not_the_step():
    from dynboltz.runtime.learning import integrate, learn_rates

    times = np.linspace(0.0, 0.3, 4)
    data = (times, library.barw.moments(integrate(library.barw, [1.0, 1.0, 1.0],
                                                  [0.5, 0.0], times).x))
    with pytest.raises(InvalidArgumentError, match=r"^`x0` of `learn_rates` must be "
                                                   r"`Boltzmann parameters where the Hessian"):
        learn_rates(library.barw, data, [1e300, 0.0], [1.0, 1.0, 1.0], progress=False)
    # h = 5: H is well conditioned (cond ~ 4e3): accepted (the failure there, if any,
    # is the integration step's, and says so)
    learn_rates(library.barw, data, [5.0, 0.0], [1.0, 1.0, 1.0], iterations=1,
                integrator="adaptive", progress=False)
