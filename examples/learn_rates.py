"""Algorithm 2 on any compiled motif: learn effective rates of eq. 52 from simulation data.

Run:  python examples/learn_rates.py
Simulates BARW at known rates (10, 10, 50), then learns theta from theta0 = half of
them, and prints the learned rates and the moment error before and after.
"""
import numpy as np

from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.learning import integrate, learn_rates

lib = library.barw
x0, times = np.array([1.0, 0.0]), np.linspace(0, 1, 101)
ens = simulate(lib, rates={"branching": 10.0, "annihilation": 10.0, "diffusion": 50.0},
               N=100, times=times, initial=x0, replicates=200, seed=0)
theta0 = np.array([5.0, 5.0, 25.0])                  # in lib.process_names order
traj = integrate(lib, theta0, x0, times)             # traj.x (T, L), traj.sensitivities
print("x(T) at theta0:", traj.x[-1])
res = learn_rates(lib, data=ens, x0=x0, theta0=theta0, iterations=200, optimizer="adam",
                  learning_rate=1.0, l2=1e-6, substeps=4, seed=0, progress=False)
rates = getattr(res, "rates", None) or dict(zip(lib.process_names, res.theta))
print("learned rates:", {name: round(float(v), 3) for name, v in rates.items()})
before, after = res.moment_errors()                  # ∫|mu~ - mu|^2 dt at theta0, learned
print(f"moment error: {before:.3e} -> {after:.3e}")
