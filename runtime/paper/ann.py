"""An ANN vector field on basis-function inputs and its forward integration (Sec. III D).

The reduced model of Sec. III D is dx/dt = ANN(B(x)): B(x) are basis functions F̃ of
single reaction processes (eq. 49) evaluated at the Boltzmann parameters x, the ANN a
multilayer perceptron with tanh hidden layers and one output per parameter. Training
(`train_vector_field`) uses scikit-learn's ``MLPRegressor`` on scaled inputs
(`INPUT_SCALINGS`) and standardised outputs; the trained weights are then copied into
`VectorFieldNet`, a plain numpy forward pass, so the integrator (`integrate_rk4`)
calls no scikit-learn code per step.

`BasisFeatures` builds B(x) for a large motif out of the compiled libraries of small
ones: each `FeatureBlock` picks the sub-vector of x that a small motif's parameters
correspond to, evaluates one of its processes' basis functions there and keeps some of
their components. `sep_features` is the SEP input layer of the paper (35 inputs); the
exact mapping is listed in ``docs/sep_ann.md``.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from dynboltz.runtime.common.results import Trajectory
from dynboltz.runtime.common.validation import check_choice, check_integer, check_real, invalid

__all__ = ["FeatureBlock", "BasisFeatures", "sep_features", "VectorFieldNet",
           "train_vector_field", "integrate_rk4", "ANN_DEFAULTS", "INPUT_SCALINGS"]

ANN_DEFAULTS = {"hidden": (40, 40), "alpha": 1e-4, "max_iter": 5000, "tol": 1e-10,
                "input_scaling": "global"}
"""Paper architecture (two tanh layers of 40), the L-BFGS training settings and the
input scaling (`INPUT_SCALINGS`)."""


@dataclass(frozen=True)
class FeatureBlock:
    """Basis functions of one process of a small motif, read off a larger motif's x.

    Attributes
    ----------
    library : compiled motif library
        The small motif (e.g. ``library.trivalent``).
    process : str
        One of ``library.process_names``.
    indices : tuple of int
        For each parameter of ``library`` (in its order) the index of the larger
        motif's parameter it stands for.
    label : str
        What the block is, e.g. ``"bind S+E->C"``.
    """

    library: object
    process: str
    indices: tuple[int, ...]
    label: str


class BasisFeatures:
    """B(x): the concatenated basis-function values of several `FeatureBlock` s.

    Blocks on the same library are evaluated in one vectorised call.

    Parameters
    ----------
    blocks : sequence of FeatureBlock
    n_params : int
        L of the larger motif (length of x).
    param_names : sequence of str
        Its parameter names (for `names`).
    """

    def __init__(self, blocks: Sequence[FeatureBlock], n_params: int,
                 param_names: Sequence[str]) -> None:
        self.blocks = tuple(blocks)
        self.n_params = int(n_params)
        self.param_names = tuple(param_names)
        for block in self.blocks:
            if block.process not in block.library.process_names \
                    or len(block.indices) != block.library.n_params \
                    or not all(0 <= i < self.n_params for i in block.indices):
                raise invalid("blocks", "BasisFeatures", "blocks naming a process of their "
                              f"library and one index in 0..{self.n_params - 1} per "
                              "library parameter", block)
        # Per library: its blocks' parameter indices stacked, and their process rows, so
        # one compiled call evaluates all blocks of that library.
        groups = {}
        for k, block in enumerate(self.blocks):
            groups.setdefault(id(block.library), []).append(k)
        self._groups = [(self.blocks[m[0]].library, m,
                         np.array([self.blocks[k].indices for k in m]),
                         np.array([self.blocks[k].library.process_names
                                   .index(self.blocks[k].process) for k in m]))
                        for m in groups.values()]

    @property
    def n_features(self) -> int:
        """Number of inputs: Σ over blocks of the small library's L."""
        return sum(block.library.n_params for block in self.blocks)

    def names(self) -> list[str]:
        """One name per feature: ``"<label>: F[<parameter of x it drives>]"``."""
        return [f"{block.label}: F[{self.param_names[index]}]"
                for block in self.blocks for index in block.indices]

    def covered(self) -> list[int]:
        """Indices of x that some feature depends on (sorted)."""
        return sorted({i for block in self.blocks for i in block.indices})

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """B(x).

        Parameters
        ----------
        x : array_like, shape (L,) or (n, L)

        Returns
        -------
        ndarray, shape (n_features,) or (n, n_features)
        """
        x = np.asarray(x, dtype=float)
        single = x.ndim == 1
        points = np.atleast_2d(x)
        n = len(points)
        parts = [None] * len(self.blocks)
        for library, members, indices, rows in self._groups:
            # (blocks, n, small L) -> one call on blocks × n points.
            stacked = points[:, indices].transpose(1, 0, 2).reshape(-1, indices.shape[1])
            basis = np.asarray(library.basis(stacked)).reshape(len(members), n, -1,
                                                                indices.shape[1])
            for j, k in enumerate(members):
                parts[k] = basis[j, :, rows[j]]
        features = np.concatenate(parts, axis=1)
        return features[0] if single else features


def _indices(species_map, small, large_names):
    """Indices into the large parameter vector of the small library's parameters."""
    def rename(name):
        kind, pair = name.split("_", 1)
        large = [species_map[s] for s in pair]
        if kind == "J":
            candidates = (f"J_{''.join(large)}", f"J_{''.join(reversed(large))}")
            return next(c for c in candidates if c in large_names)
        return f"h_{large[0]}"
    return tuple(large_names.index(rename(name)) for name in small.param_names)


def sep_features() -> BasisFeatures:
    """The 35 ANN inputs of the SEP system (paper Sec. III D).

    bind (S+E→C) and unbind (C→S+E) of the trivalent motif (A, B, C) = (S, E, C),
    catalysis as its unbind with (A, B, C) = (P, E, C): 9 components each, in the
    9 parameters of that species triple; diffusion of S, E, C, P from the
    single-species diffusion library at (h_X, J_XX): 2 components each. No input
    depends on J_SP.

    Returns
    -------
    BasisFeatures
        On ``library.sep``'s 14 parameters.
    """
    from dynboltz.generated import library

    sep, trivalent, diffusion = library.sep, library.trivalent, library.diffusion_A
    names = list(sep.param_names)
    sec = _indices({"A": "S", "B": "E", "C": "C"}, trivalent, names)
    pec = _indices({"A": "P", "B": "E", "C": "C"}, trivalent, names)
    blocks = [FeatureBlock(trivalent, "bind", sec, "bind S+E->C"),
              FeatureBlock(trivalent, "unbind", sec, "unbind C->S+E"),
              FeatureBlock(trivalent, "unbind", pec, "catalysis C->P+E")]
    blocks += [FeatureBlock(diffusion, "diffusion", _indices({"A": s}, diffusion, names),
                            f"diffusion {s}") for s in sep.species]
    return BasisFeatures(blocks, sep.n_params, names)


@dataclass(frozen=True)
class VectorFieldNet:
    """A trained tanh MLP as a numpy forward pass, in the data's units.

    ``y = output_mean + output_scale ⊙ (W_K tanh(… tanh(W_1 z + b_1) …) + b_K)`` with
    ``z = (inputs − input_mean) / input_scale``.

    Attributes
    ----------
    weights, biases : tuple of ndarray
        Layer k maps (n, d_k) to (n, d_{k+1}) as ``a @ weights[k] + biases[k]``.
    input_mean, input_scale : ndarray, shape (d_in,)
    output_mean, output_scale : ndarray, shape (d_out,)
    info : dict
        Training statistics: ``iterations``, ``loss`` (scaled), ``seconds``,
        ``train_rmse`` (in output units, per output), ``converged`` and ``message``
        (L-BFGS reached ``tol``, or why it stopped).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    input_mean: np.ndarray
    input_scale: np.ndarray
    output_mean: np.ndarray
    output_scale: np.ndarray
    info: dict

    def __call__(self, inputs: ArrayLike) -> np.ndarray:
        """Network output at ``inputs`` of shape (d_in,) or (n, d_in)."""
        a = (np.asarray(inputs, dtype=float) - self.input_mean) / self.input_scale
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            a = np.tanh(a @ w + b)
        return self.output_mean + self.output_scale * (a @ self.weights[-1] + self.biases[-1])


def _scale(values):
    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    # A constant input or output carries no information; unit scale keeps it finite.
    return mean, np.where(scale > 1e-12 * np.maximum(1.0, np.abs(mean)), scale, 1.0)


def _global_scale(values):
    """No centring; every column divided by one number, the RMS of all values."""
    rms = float(np.sqrt(np.mean(values ** 2)))
    return np.zeros(values.shape[1]), np.full(values.shape[1], rms if rms > 0 else 1.0)


INPUT_SCALINGS = {"global": _global_scale, "standard": _scale}
"""How `train_vector_field` maps inputs to the network's z = (inputs − mean) / scale.

``"global"`` (default): mean 0 and one scale for all columns, the root mean square of
all training inputs, so z keeps the inputs' own geometry: a column that hardly moves
in training stays nearly constant in z wherever it goes later. ``"standard"``:
per-column mean and standard deviation of the training window (scikit-learn's usual
advice). Along one training curve some SEP inputs vary by ~0.5 % of their size, and
per-column standardisation turns the later, ordinary drift of such an input into
|z| of several hundred, far outside anything the network saw; see
``docs/sep_ann.md``."""


def train_vector_field(inputs: ArrayLike, outputs: ArrayLike, seed: int = 0,
                       hidden: Sequence[int] = ANN_DEFAULTS["hidden"],
                       alpha: float = ANN_DEFAULTS["alpha"],
                       max_iter: int = ANN_DEFAULTS["max_iter"],
                       tol: float = ANN_DEFAULTS["tol"],
                       input_scaling: str = ANN_DEFAULTS["input_scaling"]
                       ) -> VectorFieldNet:
    """Fit a tanh MLP outputs ≈ ANN(inputs) (Sec. III D), returned as `VectorFieldNet`.

    Inputs are scaled as ``input_scaling`` says, outputs standardised (mean 0,
    standard deviation 1 per column: they are targets, never extrapolated);
    ``sklearn.neural_network.MLPRegressor`` with L-BFGS (suited to the few hundred
    samples of a time series) minimises the squared error plus ``alpha`` × ‖W‖²/2.

    Parameters
    ----------
    inputs : array_like, shape (n, d_in)
        E.g. `BasisFeatures` along a trajectory.
    outputs : array_like, shape (n, d_out)
        E.g. the filtered dx/dt at the same points.
    seed : int
        ``random_state`` of the weight initialisation.
    hidden : sequence of int
        Units per tanh hidden layer (the paper: 40, 40).
    alpha : float
        >= 0, L2 penalty on the weights (in scaled units).
    max_iter : int
        >= 1, L-BFGS iterations.
    tol : float
        > 0, stopping tolerance on the loss.
    input_scaling : {"global", "standard"}
        `INPUT_SCALINGS` entry.

    Returns
    -------
    VectorFieldNet
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    inputs, outputs = np.asarray(inputs, dtype=float), np.asarray(outputs, dtype=float)
    if inputs.ndim != 2 or outputs.ndim != 2 or inputs.shape[0] != outputs.shape[0] \
            or inputs.shape[0] < 2 or not (np.all(np.isfinite(inputs))
                                           and np.all(np.isfinite(outputs))):
        raise invalid("inputs, outputs", "train_vector_field", "finite arrays of shapes "
                      "(n, d_in) and (n, d_out), n >= 2",
                      f"shapes {inputs.shape}, {outputs.shape}")
    hidden = tuple(check_integer(h, "hidden", "train_vector_field", 1) for h in hidden)
    seed = check_integer(seed, "seed", "train_vector_field", 0)
    alpha = check_real(alpha, "alpha", "train_vector_field", 0.0)
    check_choice(input_scaling, "input_scaling", INPUT_SCALINGS, "train_vector_field")
    model = MLPRegressor(hidden_layer_sizes=hidden, activation="tanh", solver="lbfgs",
                         alpha=alpha, max_iter=check_integer(max_iter, "max_iter",
                                                             "train_vector_field", 1),
                         tol=check_real(tol, "tol", "train_vector_field", 0.0, True),
                         random_state=seed)
    in_mean, in_scale = INPUT_SCALINGS[input_scaling](inputs)
    out_mean, out_scale = _scale(outputs)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        # L-BFGS stopping at max_iter or on a line-search failure is reported in info.
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit((inputs - in_mean) / in_scale, (outputs - out_mean) / out_scale)
    seconds = time.perf_counter() - start
    stopped = [str(w.message).split("\n")[0] for w in caught
               if issubclass(w.category, ConvergenceWarning)]
    net = VectorFieldNet(tuple(np.array(w) for w in model.coefs_),
                         tuple(np.array(b) for b in model.intercepts_),
                         in_mean, in_scale, out_mean, out_scale, {})
    rmse = np.sqrt(np.mean((net(inputs) - outputs) ** 2, axis=0))
    net.info.update(iterations=int(model.n_iter_), loss=float(model.loss_),
                    seconds=seconds, train_rmse=rmse, converged=not stopped,
                    message=stopped[0] if stopped else "converged")
    return net


def integrate_rk4(field: Callable[[np.ndarray], np.ndarray], x0: ArrayLike,
                  times: ArrayLike, substeps: int = 1, progress: bool = False) -> Trajectory:
    """Fixed-step classical Runge–Kutta for dx/dt = field(x), recorded at ``times``.

    Parameters
    ----------
    field : callable
        (L,) -> (L,), e.g. ``lambda x: net(features(x))``.
    x0 : array_like, shape (L,)
        State at ``times[0]``.
    times : array_like, shape (T,)
        Ascending; each interval is split into ``substeps`` equal steps.
    substeps : int
        >= 1.
    progress : bool
        Show a tqdm bar over the intervals.

    Returns
    -------
    Trajectory
        ``x`` (T, L); ``method`` ``"rk4"``; ``info``: ``steps``, ``evaluations``,
        ``seconds`` (wall time), ``diverged_at`` (the first time whose state is not
        finite, or None; x is NaN from there on).
    """
    x = np.array(x0, dtype=float)
    times = np.asarray(times, dtype=float)
    if x.ndim != 1 or not np.all(np.isfinite(x)):
        raise invalid("x0", "integrate_rk4", "a finite 1-D array", x0)
    if times.ndim != 1 or times.size < 1 or np.any(np.diff(times) <= 0) \
            or not np.all(np.isfinite(times)):
        raise invalid("times", "integrate_rk4", "finite, strictly ascending times", times)
    substeps = check_integer(substeps, "substeps", "integrate_rk4", 1)
    path = np.full((times.size, x.size), np.nan)
    path[0] = x
    diverged, steps, start = None, 0, time.perf_counter()
    with np.errstate(all="ignore"):
        for k in tqdm(range(1, times.size), desc="ANN integration", disable=not progress):
            h = (times[k] - times[k - 1]) / substeps
            for _ in range(substeps):
                k1 = field(x)
                k2 = field(x + 0.5 * h * k1)
                k3 = field(x + 0.5 * h * k2)
                k4 = field(x + h * k3)
                x = x + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
                steps += 1
            if not np.all(np.isfinite(x)):
                diverged = float(times[k])
                break
            path[k] = x
    info = {"steps": steps, "evaluations": 4 * steps,
            "seconds": time.perf_counter() - start, "diverged_at": diverged}
    return Trajectory(times, path, None, "rk4", info)
