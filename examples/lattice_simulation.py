"""Lattice simulation, exact sampling and inverse Ising on the built-in BARW motif.

Run:  python examples/lattice_simulation.py [OUT_DIR]
Simulates branching-annihilating random walks on rings (exact kinetic Monte Carlo),
saves the ensemble to OUT_DIR/barw.npz (default: a temporary folder), reads it back
with load_ensemble, samples Boltzmann rings and inverts moments to parameters.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.common.ensemble import load_ensemble
from dynboltz.runtime.lattice import fit_parameters, sample, simulate

out = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
lib = library.barw
x0 = np.array([1.0, 0.0])                                   # h, J of the initial chain
ens = simulate(lib, rates={"branching": 10.0, "annihilation": 10.0, "diffusion": 50.0},
               N=1000, times=np.linspace(0, 1, 101), initial=x0, replicates=20,
               seed=0, scheme="exact", save=out / "barw.npz")
print("times", ens.times.shape, "moments", ens.moments.shape)   # (101,), (20, 101, 2)
again = load_ensemble(out / "barw.npz")
print("reloaded equal:", np.array_equal(again.moments, ens.moments))
print("mean density at t = 0 and 1:", ens.moments[:, [0, -1], 0].mean(axis=0),
      "(t = 0 expected", lib.moments(x0)[0], ")")

lattices = sample(lib, x0, N=1000, n=10, seed=0, method="exact")   # (10, 1000) int8
print("sampled density:", lattices.astype(bool).mean())
x = fit_parameters(lib, lib.moments(x0))                    # moments -> (h, J)
print("inverse Ising of the moments at x0:", x)
