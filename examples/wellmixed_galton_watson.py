"""Well-mixed Galton–Watson process A -> A + A (kb), A -> 0 (kd): moments, basis functions, SSA, Algorithm 1.

Run:  python examples/wellmixed_galton_watson.py
Prints the K = 2 basis functions (paper eq. 29) evaluated by the compiled module, the
SSA mean against the analytic 100 e^{(kb - kd) t}, and Algorithm 1's learned F(nu)
against eq. 26 at a few grid points.
"""
import numpy as np

from dynboltz.codegen import compile_expressions
from dynboltz.runtime.wellmixed import learn_basis, simulate
from dynboltz.symbolic import WellMixed

rates = {"birth": 1.0, "death": 1.5}
net = WellMixed({"birth": "A -> A + A", "death": "A -> 0"}, species=["A"])
for equation in net.moment_equations(order=2):     # d<(n)_m>/dt as sympy equations
    print(equation)

F = net.basis_functions(K=2)                       # eq. 29, in nu1, nu2, k_birth, k_death
f = compile_expressions(F, inputs=net.nu(2), params=net.rate_symbols)
print("F(nu1 = 0.5, nu2 = 1) =", f(np.array([0.5, 1.0]), np.array([1.0, 1.5])))

times = np.linspace(0, 1, 11)
ensemble = simulate(net, rates, [100], times, replicates=1000, seed=0)  # .counts (R, T, S)
mean, se = ensemble.mean[:, 0], ensemble.stderr[:, 0]
print("SSA mean at T = 1:", f"{mean[-1]:.2f} ± {se[-1]:.2f};",
      f"analytic {100 * np.exp(-0.5):.2f}")

grid = np.arange(1, 31) / 10
result = learn_basis(net, rates=rates, K=1, grid=grid, T=1.0, iterations=200, seed=0)
for nu in (0.5, 1.0, 2.0):
    g = int(np.argmin(np.abs(grid - nu)))
    print(f"nu = {nu}: learned F = {result.F[g, 0]:.4f}, eq. 26 = {-0.5 * (np.exp(-nu) - 1):.4f}")
