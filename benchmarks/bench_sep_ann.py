"""Cost of the SEP ANN reduced model (Sec. III D) against named baselines, same run.

Setup: one paper-scheme SEP ensemble (N = 100, 1000 replicates, T = 2, Δt = 0.01), the
training third turned into filtered x(t), dx/dt, and the paper's network
35 → 40 → 40 → 14 trained on it (``dynboltz.runtime.paper.sep_ann``).

1. One vector-field evaluation dx/dt = ANN(B(x)) at one point: the numpy forward pass
   of `VectorFieldNet` (+ the compiled basis functions) against the same network's
   ``MLPRegressor.predict`` (+ the same basis functions), the obvious route.
2. The extrapolation over the last two thirds (134 RK4 steps, 536 evaluations)
   against the well-mixed comparator's ODE solve (``solve_ivp`` LSODA, rtol 1e-10):
   the paper's "the cost of solving the resulting differential equations after
   training is comparable between the two models".

Best of ``REPEATS`` wall times. Run: ``python benchmarks/bench_sep_ann.py``
"""
import time

import numpy as np

from dynboltz.runtime.paper.sep_ann import run_sep_ann, sep_settings
from dynboltz.runtime.paper.ann import integrate_rk4
from dynboltz.runtime.wellmixed.mass_action import SEP_REACTIONS, integrate_mass_action

REPEATS = 5


def _best(function, repeats=REPEATS, inner=1):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            function()
        times.append((time.perf_counter() - start) / inner)
    return min(times)


def _sklearn_twin(net):
    """An MLPRegressor holding the trained weights (predict on scaled inputs)."""
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(hidden_layer_sizes=tuple(w.shape[1] for w in net.weights[:-1]),
                         activation="tanh", max_iter=1)
    n_in = net.weights[0].shape[0]
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(np.zeros((2, n_in)), np.zeros((2, net.weights[-1].shape[1])))
    model.coefs_ = [w.copy() for w in net.weights]
    model.intercepts_ = [b.copy() for b in net.biases]
    return lambda inputs: net.output_mean + net.output_scale * model.predict(
        ((inputs - net.input_mean) / net.input_scale)[None, :])[0]


def main():
    run = run_sep_ann(sep_settings("paper"), workers=2)
    net, features = run.net, run.features
    x = run.training.x[-1]
    sklearn_net = _sklearn_twin(net)
    assert np.allclose(sklearn_net(features(x)), net(features(x)), rtol=1e-12, atol=1e-12)
    ours = _best(lambda: net(features(x)), inner=2000)
    baseline = _best(lambda: sklearn_net(features(x)), inner=2000)
    basis_only = _best(lambda: features(x), inner=2000)
    print(f"vector field at one point: numpy forward pass {ours * 1e6:.1f} us "
          f"(basis functions {basis_only * 1e6:.1f} us of it), MLPRegressor.predict "
          f"{baseline * 1e6:.1f} us: {baseline / ours:.1f}x faster")

    times = run.extrapolated_times
    ann = _best(lambda: integrate_rk4(lambda y: net(features(y)), x, times))
    c0 = run.data_moments[run.settings.n_train - 1, :4]
    wellmixed = _best(lambda: integrate_mass_action(SEP_REACTIONS, run.wellmixed.rates, c0,
                                                    times, run.settings.N))
    print(f"extrapolation t = {times[0]:.2f}..{times[-1]:.2f}: ANN RK4 {ann * 1e3:.1f} ms "
          f"({times.size - 1} steps), well-mixed LSODA {wellmixed * 1e3:.1f} ms: "
          f"ratio {ann / wellmixed:.2f}")
    print(f"ANN training (L-BFGS, {net.info['iterations']} iterations): "
          f"{net.info['seconds']:.1f} s; well-mixed fit: {run.wellmixed.info['seconds']:.2f} s")


if __name__ == "__main__":
    main()
