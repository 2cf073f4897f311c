"""A user's own lattice motif from TOML: exact moment equations, compiled basis functions.

Run:  python examples/lattice_motif.py [OUT_DIR]
Loads examples/cooperative_growth.toml, prints its moment equations and operators,
compiles its closure (cached), evaluates moments and basis functions at h = J = 0 and,
with OUT_DIR, also exports the compiled module there (what `dynboltz compile` does).
"""
import sys
from pathlib import Path

import numpy as np

from dynboltz.codegen import compile_motif, export_motif
from dynboltz.symbolic import LatticeMotif

motif = LatticeMotif.from_toml(Path(__file__).with_name("cooperative_growth.toml"))
print("parameters:", motif.param_names)
print("processes: ", motif.process_names)
print("d(mu, Delta)/dt of fill:", motif.moment_equations()["fill"].T)
print("decay as a ladder-operator polynomial:", motif.operator("decay"))

lib = compile_motif(motif)         # generated, compiled and cached on first use
x = np.zeros(5)                    # h = J = 0: every site state equally likely
print("moments at x = 0:", lib.moments(x))          # [1/3, 1/3, 1/9, 2/9, 1/9]
print("basis at x = 0 (one row per process):\n", lib.basis(x))
print("Jacobian shape:", lib.basis_jacobian(x).shape)

if len(sys.argv) > 1:
    print("exported", export_motif(motif, sys.argv[1], name="cooperative_growth"))
