r"""Update rules of Algorithm 1, looked up by name in :data:`METHODS`.

Both see the learning problem only through a *batch*: the iteration's initial
conditions η with their true moments, evaluated at any grid values F by
``batch.evaluate(F, curvature)`` → action, gradient eq. 21 and (with ``curvature``) the
Gauss–Newton matrix below, all averaged over the batch.

``"gauss_newton"`` (default).  The action S(F) = mean_η ∫ KL(p̃_ν* || p̃_ν(t)) dt has the
gradient g = mean_η ∫ s(t)ᵀ (m(t) − m̃(ν(t))) dt (eq. 21, s = ∂ν/∂F from eq. 22) and,
because the Hessian of the KL in ν is the Fisher information I(ν) = −∂m̃/∂ν, the
generalised Gauss–Newton matrix H = mean_η ∫ s(t)ᵀ I(ν(t)) s(t) dt (exact up to the
second-order sensitivities).  Curvature accumulates over the redrawn batches: each
batch adds its local quadratic model, H_acc ← β H_acc + H_i and
c_acc ← β c_acc + g_i − H_i F_i, so that H_acc F + c_acc is the model gradient at any F
over all paths seen (forgetting factor β = ``memory``).  To the action is added the
smoothness prior ½ Σ_k α_k ‖D F_k‖², D the second differences along every grid axis
(null space: the multilinear functions, affine along each axis), with the stated rule

    α_k = ``smoothness`` × median of the diagonal of H_acc over the (g, k) it reaches,

so the prior is a fixed multiple (default 1) of the typical data curvature whatever
the rates, the grid or the number of paths; it fixes the values that the paths leave
under-determined (cells crossed along one direction, nodes never reached) without
noticeably biasing the others.  Levenberg–Marquardt step: solve
(H_acc + A + μ diag(H_acc + A)) δ = −(H_acc F + c_acc + A F), A the prior matrix;
accept if the batch's action plus prior decreases (μ ← μ/3), else μ ← 4μ and retry.
Converged when the first proposed step of an iteration changes no grid value by
more than ``tolerance`` × max |F|.

``"gradient"``: the paper's gradient descent F ← F − λ_i · step(g), λ_i =
``learning_rate`` · ``decay``^i, with ``step_rule`` ``"per_point_rms"`` (each grid value's
gradient divided by its own running RMS, β = 0.9, bias-corrected per point; points no
path reached stay unchanged) or ``"plain"``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from dynboltz.errors import OutOfDomain

__all__ = ["METHODS", "STEP_RULES", "Evaluation", "Step",
           "second_difference_penalty"]


@dataclass(frozen=True)
class Evaluation:
    """One batch evaluated at one F (all averaged over the batch's η)."""

    action: float
    actions: np.ndarray         # (n_initial,)
    gradient: np.ndarray        # grid_shape + (K,)
    occupation: np.ndarray      # grid_shape, summed over the batch
    curvature: sp.csr_matrix | None   # (P, P), P = F.size


@dataclass(frozen=True)
class Step:
    """What one iteration did: the new F, the evaluation at the old F, its bookkeeping."""

    F: np.ndarray
    evaluation: Evaluation
    evaluations: int
    converged: bool
    step_size: float


class _PerPointRMS:
    """Divide each grid value's gradient by its own running RMS (bias-corrected)."""

    def __init__(self, shape, beta=0.9):
        self._beta = beta
        self._mean_square = np.zeros(shape)
        self._count = np.zeros(shape)

    def __call__(self, grad):
        seen = grad != 0.0
        self._count[seen] += 1
        self._mean_square[seen] = (self._beta * self._mean_square[seen]
                                   + (1.0 - self._beta) * grad[seen] ** 2)
        step = np.zeros_like(grad)
        corrected = self._mean_square[seen] / (1.0 - self._beta ** self._count[seen])
        step[seen] = grad[seen] / np.sqrt(corrected)
        return step


def _plain_step(shape):
    """The paper's ordinary gradient descent: the step is the gradient itself."""
    return lambda grad: grad


STEP_RULES = {"per_point_rms": _PerPointRMS, "plain": _plain_step}
"""Step rule of the ``"gradient"`` method, by name."""


class _GradientDescent:
    """The paper's Algorithm 1 update, F ← F − λ_i step(grad)."""

    def __init__(self, settings, shape):
        self._rule = STEP_RULES[settings.step_rule](shape)
        self._rate, self._decay = settings.learning_rate, settings.decay

    def step(self, F, batch, iteration):
        evaluation = batch.start(F, curvature=False)
        rate = self._rate * self._decay ** iteration
        return Step(F - rate * self._rule(evaluation.gradient), evaluation, 1, False, rate)


def second_difference_penalty(shape: tuple[int, ...], K: int) -> list[sp.csr_matrix]:
    """Σ_l D_lᵀ D_l for the second differences D_l along each grid axis, per component.

    Parameters
    ----------
    shape : tuple of int
        Grid shape (nodes per axis).
    K : int
        Components of F; F is flattened in C order over ``shape + (K,)``.

    Returns
    -------
    list of K sparse (P, P) matrices, P = prod(shape) · K; entry k penalises F_k only.
    """
    total = sp.csr_matrix((int(np.prod(shape)),) * 2)
    for axis, n in enumerate(shape):
        if n < 3:
            continue
        second = sp.diags([np.ones(n - 2), -2.0 * np.ones(n - 2), np.ones(n - 2)],
                          [0, 1, 2], shape=(n - 2, n))
        factors = [sp.identity(m) for m in shape]
        factors[axis] = second
        D = factors[0]
        for factor in factors[1:]:
            D = sp.kron(D, factor)
        total = total + (D.T @ D)
    out = []
    for k in range(K):
        select = np.zeros((K, K))
        select[k, k] = 1.0
        out.append(sp.kron(total, sp.csr_matrix(select)).tocsr())
    return out


class _GaussNewton:
    """Levenberg–Marquardt on the grid values with accumulated curvature and a prior."""

    _MAX_TRIALS = 12

    def __init__(self, settings, shape):
        self._settings = settings
        self._penalties = second_difference_penalty(shape[:-1], shape[-1])
        P = int(np.prod(shape))
        self._H = sp.csr_matrix((P, P))
        self._c = np.zeros(P)
        self._damping = settings.damping

    def _prior(self):
        """Prior matrix A = Σ_k α_k (Σ_l D_lᵀD_l on component k), α_k by the stated rule."""
        diagonal = self._H.diagonal()
        K = len(self._penalties)
        prior = sp.csr_matrix(self._H.shape)
        for k, penalty in enumerate(self._penalties):
            reached = diagonal[k::K][diagonal[k::K] > 0]
            scale = np.median(reached) if reached.size else 1.0
            prior = prior + self._settings.smoothness * scale * penalty
        return prior.tocsr()

    def step(self, F, batch, iteration):
        evaluation = batch.start(F, curvature=True)
        x = F.ravel()
        H_i = evaluation.curvature
        memory = self._settings.memory
        self._H = (memory * self._H + H_i).tocsr()
        self._c = memory * self._c + evaluation.gradient.ravel() - H_i @ x
        A = self._prior()
        system = (self._H + A).tocsc()
        scaling = sp.diags(np.maximum(system.diagonal(), 1e-300))
        rhs = -(self._H @ x + self._c + A @ x)
        objective = evaluation.action + 0.5 * x @ (A @ x)
        evaluations = 1
        for trial_number in range(self._MAX_TRIALS):
            delta = spsolve((system + self._damping * scaling).tocsc(), rhs)
            if trial_number == 0:
                converged = np.abs(delta).max() <= self._settings.tolerance * max(
                    np.abs(x).max(), 1e-300)
            trial = x + delta
            try:
                value = batch.evaluate(trial.reshape(F.shape), curvature=False).action
            except OutOfDomain:
                value = np.inf
            evaluations += 1
            if value + 0.5 * trial @ (A @ trial) < objective:
                self._damping = max(self._damping / 3.0, 1e-12)
                return Step(trial.reshape(F.shape), evaluation, evaluations, converged,
                            self._damping)
            self._damping *= 4.0
        return Step(F.copy(), evaluation, evaluations, converged, self._damping)


METHODS = {"gauss_newton": _GaussNewton, "gradient": _GradientDescent}
"""Update method of Algorithm 1, by name (see the module docstring)."""
