"""Algorithm 2 benchmarks: optimisers to a given action, and compiled vs scipy integration.

Part 1 — iterations and wall time to reach a given action, per optimiser, in one run.
Problems (data fixed, exact KMC, exact asleep moments):

* creation + death on a ring (rates 0.7, 1.3; N = 2000, 20 replicates, T = 2), θ₀ = (1, 1);
* BARW at θ = (10, 10, 50) (N = 100, 1000 replicates, T = 1, 4 RK4 substeps), θ₀ = θ/2.

The target is A* + 1e-6 (A(θ₀) − A*), with A* from a tight L-BFGS-B run (tolerance
1e-9).  Optimisers: the default ``lbfgs``, ``trust-constr``, the paper's decaying step at
its default rate, Adam at its default rate 0.1 and at the hand-picked rate 1 of the BARW
experiment; at most 2000 iterations.  The ratio column is wall time / the default's.

Part 2 — 400 iterations of Algorithm 2 on BARW: compiled learning vs scipy solve_ivp.

Data (given, fixed): the mean moments of one exact-scheme ensemble of BARW at
θ = (10, 10, 10) (branching, annihilation, diffusion), N = 1000, 20 replicates,
T = 1, Δt = 0.01, from h = 1, J = 0.  Every run starts at θ₀ = θ/2 and takes
400 steps of the paper's optimiser (exact asleep moments, no L2).

Baseline (same run, same algorithm): each iteration solves eq. 52 + 54 with
``scipy.integrate.solve_ivp`` (RK45, the same Dormand–Prince pair) on the
augmented state (x, S), whose right-hand side calls ``lib.basis`` /
``lib.basis_jacobian`` with numpy algebra — the natural non-compiled route;
the asleep moments come from ``lib.moments``, the gradient eq. 53 is the
trapezoid contraction in numpy, the step is the paper's.  Each compiled
configuration is paired with a baseline of matching accuracy:

* like for like: ``learn_rates(integrator="adaptive")`` and solve_ivp at the same
  rtol, atol (the same pair and error control);
* the default ``integrator="rk4"`` at the data's Δt, whose error is about 1e-4,
  against solve_ivp at the loosest tolerances that reach that error.

The table shows each solver's largest error in x and S = ∂x/∂θ at θ₀ against
an independent tight reference (solve_ivp DOP853, rtol 1e-12), the CPU time
(best of ``REPEATS``, so that other processes on the machine matter less),
and the learned θ.

Run: ``python benchmarks/bench_learning.py``
"""
import time

import numpy as np
from scipy.integrate import solve_ivp

from dynboltz.generated import library
from dynboltz.runtime.lattice import simulate
from dynboltz.runtime.learning import integrate, learn_rates
from dynboltz.errors import IntegrationError
from dynboltz.runtime.learning.action import trapezoid_weights

ITERATIONS = 400
LEARNING_RATE = 100.0
REPEATS = 3
PAIRS = [("adaptive DP5(4)", {"integrator": "adaptive", "rtol": 1e-6, "atol": 1e-9},
          {"rtol": 1e-6, "atol": 1e-9}),
         ("RK4 at data dt (default)", {"integrator": "rk4"}, {"rtol": 1e-3, "atol": 1e-6})]
"""(label, compiled integration options, solve_ivp tolerances of matching accuracy)."""


OPTIMISER_RUNS = [("lbfgs (default)", {}), ("trust-constr", {"optimizer": "trust-constr"}),
                  ("paper step, rate 100", {"optimizer": "paper"}),
                  ("adam, rate 0.1", {"optimizer": "adam"}),
                  ("adam, rate 1", {"optimizer": "adam", "learning_rate": 1.0})]
MAX_ITERATIONS = 2000


def _creation_death():
    from dynboltz.codegen import compile_motif
    from dynboltz.symbolic.lattice.motif import LatticeMotif

    lib = compile_motif(LatticeMotif(["A"], {"creation": ["_ -> A"], "death": ["A -> _"]}))
    times, x0 = np.linspace(0.0, 2.0, 41), np.zeros(2)
    ensemble = simulate(lib, {"creation": 0.7, "death": 1.3}, N=2000, times=times,
                        initial=x0, replicates=20, seed=1)
    return lib, ensemble, x0, np.ones(2), {}


def _barw():
    lib, x0, times = library.barw, np.array([1.0, 0.0]), np.linspace(0.0, 1.0, 101)
    rates = np.array([10.0, 10.0, 50.0])
    ensemble = simulate(lib, dict(zip(lib.process_names, rates)), N=100, times=times,
                        initial=x0, replicates=1000, seed=0)
    return lib, ensemble, x0, rates / 2, {"substeps": 4}


def _time_to_target(lib, data, x0, theta0, integration, options, target):
    """(iterations, seconds) until the objective is <= target, or the reason it was not."""
    reached = {}
    start = time.perf_counter()

    def watch(iteration, theta, objective):
        if objective <= target and not reached:
            reached.update(iterations=iteration, seconds=time.perf_counter() - start)

    try:
        learn_rates(lib, data, x0, theta0, progress=False, callback=watch,
                    iterations=MAX_ITERATIONS, tolerance=1e-12, **integration, **options)
    except IntegrationError:
        return reached or "diverged (IntegrationError)"
    return reached or f"not reached in {MAX_ITERATIONS}"


def compare_optimisers():
    """Part 1 (module docstring): prints one table row per problem and optimiser."""
    print(f"{'problem':18s} {'optimiser':22s} {'iterations':>10s} {'seconds':>8s} "
          f"{'ratio':>7s}")
    for name, make in (("creation + death", _creation_death), ("BARW", _barw)):
        lib, data, x0, theta0, integration = make()
        best = learn_rates(lib, data, x0, theta0, progress=False, tolerance=1e-9,
                           **integration)
        start = best.action_history[0]
        target = best.action_history[-1] + 1e-6 * (start - best.action_history[-1])
        base = None
        for label, options in OPTIMISER_RUNS:
            outcome = _time_to_target(lib, data, x0, theta0, integration, options, target)
            if isinstance(outcome, str):
                print(f"{name:18s} {label:22s} {outcome}")
                continue
            base = base or outcome["seconds"]
            print(f"{name:18s} {label:22s} {outcome['iterations']:10d} "
                  f"{outcome['seconds']:8.3f} {outcome['seconds'] / base:6.1f}x")



def _data(lib):
    times = np.linspace(0.0, 1.0, 101)
    x0 = np.array([1.0, 0.0])
    theta = np.array([10.0, 10.0, 10.0])
    ensemble = simulate(lib, dict(zip(lib.process_names, theta)), N=1000, times=times,
                        initial=x0, replicates=20, seed=1)
    return times, ensemble.moments.mean(axis=0), x0, theta / 2


def _scipy_trajectory(lib, theta, x0, times, tolerances, method="RK45"):
    """(x (T, L), S (T, P, L)) of eq. 52 + 54 by solve_ivp with a numpy RHS."""
    n_p, n_l = lib.n_processes, lib.n_params

    def rhs(t, y):
        x, s = y[:n_l], y[n_l:].reshape(n_p, n_l)
        basis, jacobian = lib.basis(x), lib.basis_jacobian(x)
        a = np.tensordot(theta, jacobian, axes=1)
        return np.concatenate([theta @ basis, (basis + s @ a.T).ravel()])

    y0 = np.concatenate([x0, np.zeros(n_p * n_l)])
    sol = solve_ivp(rhs, (times[0], times[-1]), y0, t_eval=times, method=method,
                    **tolerances)
    return sol.y[:n_l].T, sol.y[n_l:].T.reshape(-1, n_p, n_l)


def scipy_learning(lib, times, moments, x0, theta0, tolerances):
    """The paper's step θ ← max(θ − λ_i g, 0), λ_i = λ/(1 + i/100), on scipy."""
    weights = trapezoid_weights(times)[:, None]
    theta = theta0.copy()
    for i in range(ITERATIONS):
        x, s = _scipy_trajectory(lib, theta, x0, times, tolerances)
        grad = np.einsum("kl,ksl->s", weights * (lib.moments(x) - moments), s)
        theta = np.maximum(theta - LEARNING_RATE / (1.0 + i / 100.0) * grad, 0.0)
    return theta


def _errors(lib, theta, x0, times, compiled, tolerances):
    """Largest |error| in (x, S) at θ of each solver against a tight reference."""
    ref_x, ref_s = _scipy_trajectory(lib, theta, x0, times, {"rtol": 1e-12, "atol": 1e-14},
                                     method="DOP853")
    traj = integrate(lib, theta, x0, times, **compiled)
    x, s = _scipy_trajectory(lib, theta, x0, times, tolerances)
    return (max(np.abs(traj.x - ref_x).max(), np.abs(traj.sensitivities - ref_s).max()),
            max(np.abs(x - ref_x).max(), np.abs(s - ref_s).max()))


def _best_cpu_seconds(run):
    """(least CPU seconds over REPEATS runs, value of the last run)."""
    best = np.inf
    for _ in range(REPEATS):
        start = time.process_time()
        value = run()
        best = min(best, time.process_time() - start)
    return best, value


def main():
    compare_optimisers()
    print()
    compare_integration()


def compare_integration():
    """Part 2 (module docstring): compiled learning vs scipy, same algorithm."""
    lib = library.barw
    times, moments, x0, theta0 = _data(lib)
    print(f"BARW, {ITERATIONS} iterations of Algorithm 2 (T = {times.size} data times), "
          f"CPU seconds, best of {REPEATS}")
    print(f"{'pair':26s} {'implementation':30s} {'max err':>8s} {'seconds':>8s} "
          f"{'speed-up':>9s}  learned theta")
    for label, compiled, tolerances in PAIRS:
        errors = _errors(lib, theta0, x0, times, compiled, tolerances)
        base, base_theta = _best_cpu_seconds(
            lambda: scipy_learning(lib, times, moments, x0, theta0, tolerances))
        fast, result = _best_cpu_seconds(
            lambda: learn_rates(lib, (times, moments), x0, theta0, iterations=ITERATIONS,
                                optimizer="paper", learning_rate=LEARNING_RATE, l2=0.0,
                                tolerance=1e-12, progress=False, **compiled))
        scipy_label = f"scipy RK45 rtol={tolerances['rtol']:g}"
        for name, error, seconds, theta in [(scipy_label, errors[1], base, base_theta),
                                            ("compiled learn_rates", errors[0], fast,
                                             result.theta)]:
            print(f"{label:26s} {name:30s} {error:8.1e} {seconds:8.3f} "
                  f"{base / seconds:8.1f}x  {np.array2string(theta, precision=4)}")


if __name__ == "__main__":
    main()
