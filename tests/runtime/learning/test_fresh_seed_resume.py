"""``learn_rates(seed=None, resume=True)`` resumes with the entropy the first run drew."""
import numpy as np
import pytest

from dynboltz.generated import library
from dynboltz.runtime.learning import integrate, learn_rates

_TIMES = np.linspace(0.0, 0.3, 31)
_X0 = np.array([1.0, 0.0])


def _run(path, iterations, seed, resume=False):
    """Gibbs asleep moments: the random streams change every iterate."""
    lib = library.barw
    data = (_TIMES, lib.moments(integrate(lib, [3.0, 8.0, 5.0], _X0, _TIMES).x))
    return learn_rates(lib, data, _X0, [4.0, 6.0, 3.0], iterations=iterations,
                       optimizer="adam", learning_rate=0.1, asleep="gibbs",
                       asleep_options={"N": 40, "samples": 2, "sweeps": 5},
                       checkpoint=path, checkpoint_every=2, resume=resume, seed=seed,
                       progress=False)


def test_fresh_seed_run_resumes_bit_for_bit(tmp_path):
    first = _run(tmp_path / "fresh.npz", 4, seed=None)
    resumed = _run(tmp_path / "fresh.npz", 6, seed=None, resume=True)
    assert resumed.info["resumed_from"] == 4
    assert resumed.info["seed_entropy"] == first.info["seed_entropy"]
    straight = _run(tmp_path / "straight.npz", 6, seed=first.info["seed_entropy"])
    for name in ("theta_history", "action_history", "gradient_history"):
        np.testing.assert_array_equal(getattr(resumed, name), getattr(straight, name))


def test_fresh_seed_does_not_resume_a_seeded_run(tmp_path):
    _run(tmp_path / "seeded.npz", 2, seed=3)
    with pytest.raises(ValueError, match="`checkpoint` of `learn_rates` must be `a checkpoint "
                                         "of a run with the same arguments"):
        _run(tmp_path / "seeded.npz", 4, seed=None, resume=True)
