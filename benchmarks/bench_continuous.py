"""Continuous space: particle steps per second and PDE + sensitivity integration, as ratios.

1. ``simulate_particles`` (compiled, exact) against a vectorised numpy simulator doing
   the same work: pure diffusion of P particles recorded at T times (one Gaussian
   increment, fold and histogram per particle and time).
2. ``integrate_pde`` (compiled RK4, eq. 42 + eq. A15) against ``scipy.integrate.solve_ivp``
   (RK45, rtol 1e-6) on the same semi-discrete system with a numpy right-hand side.

Run: ``python benchmarks/bench_continuous.py``.
"""
import math
import time

import numpy as np
from scipy.integrate import solve_ivp

from dynboltz.runtime.continuous import Domain, integrate_pde, simulate_particles
from dynboltz.runtime.continuous.heat_kernel import point_source_nu
from dynboltz.runtime.continuous.pde import _derivatives, hat_interpolate


def _numpy_particles(x, times, D, domain, rng):
    counts = np.zeros((len(times), domain.n_nodes))
    t, length = 0.0, domain.hi - domain.lo
    for k, tk in enumerate(times):
        x = x + math.sqrt(2 * D * (tk - t)) * rng.standard_normal(x.size)
        u = np.mod(x - domain.lo, 2 * length)
        x = domain.lo + np.where(u > length, 2 * length - u, u)
        bins = np.clip(np.floor((x - domain.lo) / domain.spacing + 0.5).astype(int), 0,
                       domain.n_nodes - 1)
        counts[k] = np.bincount(bins, minlength=domain.n_nodes)
        t = tk
    return counts


def bench_particles(P=200_000, T=50):
    domain = Domain(0.0, 1.0, "reflecting", 101)
    times = np.linspace(0.01, 0.5, T)
    start = time.perf_counter()
    simulate_particles({"diffusion": 1.0}, np.full(P, 0.5), times, seed=0, workers=1,
                       nodes=101)
    compiled = time.perf_counter() - start
    start = time.perf_counter()
    _numpy_particles(np.full(P, 0.5), times, 1.0, domain, np.random.default_rng(0))
    baseline = time.perf_counter() - start
    steps = P * T
    print(f"particles: compiled {steps / compiled:.3g} steps/s, numpy {steps / baseline:.3g}"
          f" steps/s, ratio {baseline / compiled:.1f}x")


def _numpy_rhs(F1, F2, grid, domain):
    G, M = grid.size, domain.n_nodes

    def rhs(t, u):
        state = u.reshape(1 + 2 * G, M)
        nu = state[0]
        nu_y, nu_yy = _derivatives(nu, domain)
        s_y, s_yy = _derivatives(state[1:], domain)
        f1, d1 = hat_interpolate(F1, grid, nu)
        f2, d2 = hat_interpolate(F2, grid, nu)
        x = np.clip((nu - grid[0]) / (grid[1] - grid[0]), 0, G - 1)
        hats = np.maximum(0.0, 1.0 - np.abs(x[None] - np.arange(G)[:, None]))
        out = np.empty_like(state)
        out[0] = f1 * nu_y ** 2 + f2 * nu_yy
        out[1:] = (d1 * nu_y ** 2 + d2 * nu_yy) * state[1:] + 2 * f1 * nu_y * s_y + f2 * s_yy
        out[1:G + 1] += nu_y ** 2 * hats
        out[G + 1:] += nu_yy * hats
        return out.ravel()
    return rhs


def bench_pde(M=121, G=19):
    domain = Domain(-3.0, 3.0, "reflecting", M)
    grid = np.linspace(-0.5, 4.0, G)
    eta = point_source_nu(domain.nodes, 0.1, 0.0, 1.0, math.inf, domain)
    F1, F2 = -np.ones(G), np.ones(G)
    times = np.linspace(0.1, 1.0, 10)
    start = time.perf_counter()
    ours = integrate_pde(F1, F2, grid, eta, domain, 0.1, times)
    compiled = time.perf_counter() - start
    u0 = np.concatenate([eta, np.zeros(2 * G * M)])
    start = time.perf_counter()
    solution = solve_ivp(_numpy_rhs(F1, F2, grid, domain), (0.1, 1.0), u0, t_eval=times,
                         rtol=1e-6, atol=1e-9)
    baseline = time.perf_counter() - start
    difference = np.abs(solution.y[:M].T - ours.nu).max()
    print(f"PDE + A15 ({M} nodes, {2 * G} sensitivity fields): compiled RK4 "
          f"{compiled * 1e3:.1f} ms ({ours.steps} steps), solve_ivp RK45 "
          f"{baseline * 1e3:.1f} ms ({solution.nfev} evaluations), ratio "
          f"{baseline / compiled:.1f}x, max |nu difference| {difference:.1e}")


if __name__ == "__main__":
    bench_particles()
    bench_pde()
