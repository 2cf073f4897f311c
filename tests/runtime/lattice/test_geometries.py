"""The geometry seam: registries, the one model check, and a test-only geometry.

The two-leg ladder of ``ladder_geometry`` is registered here and nowhere else;
`simulate` and `sample` run on it without any change to the package.
"""
import numpy as np
import pytest

from dynboltz.errors import InvalidArgumentError, InvalidTypeError
from dynboltz.generated import library
from dynboltz.runtime.lattice import GEOMETRIES, sample, simulate
from dynboltz.runtime.lattice.geometries import check_lattice_model, geometry_of
from ladder_geometry import LADDER, LadderModel


@pytest.fixture
def ladder():
    GEOMETRIES.register("ladder", LADDER)
    yield LadderModel()
    GEOMETRIES.unregister("ladder")


def test_check_lattice_model_is_the_one_test_of_a_model():
    assert check_lattice_model(library.sep, "f") == 4
    with pytest.raises(InvalidTypeError, match="`model` of `f` must be"):
        check_lattice_model(object(), "f")
    with pytest.raises(InvalidTypeError, match="`lib` of `g` must be"):
        check_lattice_model(type("M", (), {"n_species": 0})(), "g", "lib")
    with pytest.raises(InvalidTypeError, match="point_kernel"):
        check_lattice_model(type("M", (), {"n_species": 1})(), "g", needs=("point_kernel",))


def test_an_unknown_geometry_lists_the_valid_ones():
    model = LadderModel()
    with pytest.raises(InvalidArgumentError, match=r"geometry among \['chain'"):
        geometry_of(model, "simulate")
    with pytest.raises(InvalidArgumentError, match="of `simulate`"):
        simulate(model, {"creation": 1.0, "death": 1.0}, N=4, times=[0.0, 1.0],
                 initial=np.zeros((2, 4), dtype=int))


def test_the_ring_is_the_default_geometry():
    assert geometry_of(library.barw, "f").name == "chain"
    assert library.barw.geometry == library.barw.closure == "chain"


def test_simulate_runs_on_a_registered_test_geometry(ladder):
    # creation/death keeps sites independent: µ(t) = kc/(kc+kd) (1 − e^{−(kc+kd)t}) from
    # empty, and ∆_AA = (z/2) µ² with z = 3 on the ladder
    kc, kd, times = 0.7, 1.3, np.array([0.0, 0.3, 1.0])
    ensemble = simulate(ladder, {"creation": kc, "death": kd}, N=4, times=times,
                        initial=np.zeros((2, 4), dtype=int), replicates=300, seed=3,
                        workers=1)
    assert ensemble.moments.shape == (300, 3, 2)
    assert ensemble.metadata["geometry"] == "ladder"
    mu = kc / (kc + kd) * (1 - np.exp(-(kc + kd) * times))
    mean = ensemble.moments.mean(axis=0)
    error = ensemble.moments.std(axis=0, ddof=1) / np.sqrt(300)
    assert np.all(np.abs(mean[:, 0] - mu) <= 4 * error[:, 0] + 1e-12)
    # ∆ of 8 sites: E[∆] = (1/8) Σ_bonds E[n_i n_j] = 1.5 µ², exactly, for independent sites
    assert np.all(np.abs(mean[:, 1] - 1.5 * mu ** 2) <= 4 * error[:, 1] + 1e-12)


def test_sample_runs_on_a_registered_test_geometry(ladder):
    h = 0.3
    rows = sample(ladder, [h, 0.0], N=3, n=4000, seed=1)
    assert rows.shape == (4000, 2, 3) and rows.dtype == np.int8
    mu = LADDER.statistics(rows, 1)[:, 0]
    assert abs(mu.mean() - np.exp(h) / (1 + np.exp(h))) < 4 * mu.std(ddof=1) / np.sqrt(4000)
    with pytest.raises(InvalidArgumentError, match=r"`method` of `sample`.*\['exact'\]"):
        sample(ladder, [h, 0.0], N=3, method="gibbs")
