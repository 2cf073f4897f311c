"""400 iterations of Algorithm 2 on BARW: compiled learning vs scipy solve_ivp.

Data (given, fixed): the mean moments of one exact-scheme ensemble of BARW at
θ = (10, 10, 10) (branching, annihilation, diffusion), N = 1000, 20 replicates,
T = 1, Δt = 0.01, from h = 1, J = 0.  Every run starts at θ₀ = θ/2 and takes
400 steps of the paper's optimiser (exact asleep moments, no L2).

Baseline (same run, same algorithm): each iteration solves eq. 52 + 54 with
``scipy.integrate.solve_ivp`` (RK45, the same Dormand–Prince pair) whose
right-hand side calls ``lib.basis`` / ``lib.basis_jacobian`` from Python
with numpy algebra — the natural non-compiled route; the gradient eq. 53
and the step are the same numpy code.  The compiled runs use
``learn_rates(method="adaptive")`` at the same tolerances (like for like)
and ``method="rk4"`` at the data's Δt (the default).

Run: ``python benchmarks/bench_learning.py``
"""
import time

import numpy as np
from scipy.integrate import solve_ivp

from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.learning import learn_rates
from dynboltz.runtime.rate_learning import trapezoid_weights

ITERATIONS = 400
LEARNING_RATE = 100.0
RTOL, ATOL = 1e-6, 1e-9


def _data(lib):
    times = np.linspace(0.0, 1.0, 101)
    x0 = np.array([1.0, 0.0])
    theta = np.array([10.0, 10.0, 10.0])
    ensemble = simulate(lib, dict(zip(lib.process_names, theta)), N=1000, times=times,
                        initial=x0, replicates=20, seed=1)
    return times, ensemble.moments.mean(axis=0), x0, theta / 2


def _scipy_gradient(lib, theta, x0, times, moments):
    n_p, n_l = lib.n_processes, lib.n_params

    def rhs(t, y):
        x, s = y[:n_l], y[n_l:].reshape(n_p, n_l)
        basis, jacobian = lib.basis(x), lib.basis_jacobian(x)
        a = np.tensordot(theta, jacobian, axes=1)
        return np.concatenate([theta @ basis, (basis + s @ a.T).ravel()])

    y0 = np.concatenate([x0, np.zeros(n_p * n_l)])
    sol = solve_ivp(rhs, (times[0], times[-1]), y0, t_eval=times, rtol=RTOL, atol=ATOL)
    x = sol.y[:n_l].T
    s = sol.y[n_l:].T.reshape(-1, n_p, n_l)
    forcing = trapezoid_weights(times)[:, None] * (lib.moments(x) - moments)
    return np.einsum("kl,ksl->s", forcing, s)


def scipy_learning(lib, times, moments, x0, theta0):
    """The paper's step θ ← max(θ − λ_i g, 0), λ_i = λ/(1 + i/100), on scipy."""
    theta = theta0.copy()
    for i in range(ITERATIONS):
        grad = _scipy_gradient(lib, theta, x0, times, moments)
        theta = np.maximum(theta - LEARNING_RATE / (1.0 + i / 100.0) * grad, 0.0)
    return theta


def _timed(run):
    start = time.perf_counter()
    value = run()
    return time.perf_counter() - start, value


def main():
    lib = library.barw
    times, moments, x0, theta0 = _data(lib)
    common = dict(iterations=ITERATIONS, optimizer="paper", learning_rate=LEARNING_RATE,
                  l2=0.0, progress=False)
    base_time, base_theta = _timed(lambda: scipy_learning(lib, times, moments, x0, theta0))
    rows = [("scipy solve_ivp RK45, numpy RHS (baseline)", base_time, base_theta)]
    for label, method in [("compiled, adaptive DP5(4) same tol", "adaptive"),
                          ("compiled, RK4 at data dt (default)", "rk4")]:
        seconds, result = _timed(lambda: learn_rates(lib, (times, moments), x0, theta0,
                                                     method=method, rtol=RTOL, atol=ATOL,
                                                     **common))
        rows.append((label, seconds, result.theta))
    print(f"BARW, {ITERATIONS} iterations of Algorithm 2 (T = {times.size} data times)")
    print(f"{'implementation':46s} {'seconds':>9s} {'speed-up':>9s}  learned theta")
    for label, seconds, theta in rows:
        print(f"{label:46s} {seconds:9.3f} {base_time / seconds:8.1f}x  "
              f"{np.array2string(theta, precision=4)}")


if __name__ == "__main__":
    main()
