"""The strip closure against long simulations (slow): Boltzmann statics from Gibbs
sampling and the initial slope of exact KMC started from Gibbs samples.

Standard errors are computed from the samples (Gibbs rows are thinned at 4 τ_int, so
effectively independent; KMC replicates are independent); fixed seeds.
"""
import numpy as np
import pytest

from dynboltz.codegen import compile_motif
from dynboltz.codegen.strip_closure import strip_library
from dynboltz.runtime.lattice import sample, simulate
from dynboltz.runtime.lattice.geometries import GEOMETRIES
from dynboltz.symbolic import LatticeMotif

pytestmark = pytest.mark.slow

TWO_SPECIES = LatticeMotif(["A", "B"], {"hop": ["A _ -> _ A"], "react": ["A B -> _ _"],
                                        "make_A": ["_ -> A"], "make_B": ["_ -> B"]},
                           lattice="square")
X_TWO = np.array([-1.2, -0.9, 0.6, -0.5, 0.4])


def test_two_species_statics_match_long_gibbs_runs():
    # W = 9 (19683 row states); W = 8 agrees to a fraction of a standard error, so the
    # comparison sees the closure, not its finite width.
    exact = strip_library(TWO_SPECIES, width=9).moments(X_TWO)
    narrower = strip_library(TWO_SPECIES, width=8).moments(X_TWO)
    configurations = sample(TWO_SPECIES, X_TWO, N=(64, 64), n=3000, seed=11)
    moments = GEOMETRIES.lookup("square", "geometry", "test").statistics(configurations, 2)
    mean = moments.mean(axis=0)
    error = moments.std(axis=0, ddof=1) / np.sqrt(len(moments))
    assert np.all(np.abs(narrower - exact) < 0.25 * error)
    assert np.all(np.abs(mean - exact) < 4.5 * error), (mean, exact, error)


def _initial_slope(model, lib, rates, x, replicates, seed):
    times = np.linspace(0.0, 0.04, 5)
    ensemble = simulate(model, rates, initial=x, times=times, N=(128, 128),
                        replicates=replicates, seed=seed)
    quadratic = np.vander(times, 3, increasing=True)
    moments = ensemble.moments.transpose(1, 0, 2).reshape(len(times), -1)
    slopes = np.linalg.lstsq(quadratic, moments, rcond=None)[0][1].reshape(replicates, -1)
    drift = sum(rates[name] * lib.hessian(x) @ basis
                for name, basis in zip(lib.process_names, lib.basis(x)))
    return slopes.mean(axis=0), slopes.std(axis=0, ddof=1) / np.sqrt(replicates), drift


@pytest.mark.parametrize("name, model, x, rates", [
    ("barw", LatticeMotif.builtin("barw", lattice="square"), np.array([-1.0, 0.3]),
     {"branching": 1.0, "annihilation": 1.0, "diffusion": 1.0}),
    ("two species", TWO_SPECIES, X_TWO,
     {"hop": 1.0, "react": 2.0, "make_A": 0.5, "make_B": 0.3}),
])
def test_initial_kmc_slope_from_gibbs_samples_is_the_strip_drift(name, model, x, rates):
    lib = compile_motif(model, closure="strip")
    slope, error, drift = _initial_slope(model, lib, rates, x, replicates=300, seed=5)
    assert np.all(np.abs(slope - drift) < 4.5 * error), (name, slope, drift, error)
