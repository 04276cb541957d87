"""The rate network equivalent to an EMSTDP network (Shrestha et al. 2019, §3.2–3.3, Figs. 2, 3, 6).

An IF cell of eq. 1 with reset to 0 and no leak, driven by input rates r_pre (spikes per step),
fires at about a = clip(W r_pre / θ, 0, 1) spikes per step: a ReLU scaled by its threshold and
saturating at one spike per step. This module is that ANN in vectorised numpy, with the SNN's
initialisation (:func:`~spiketeach.models.shrestha2019.network.initial_weights`, thresholds), and trained by
back-propagation ("symmetric", SW) or direct feedback alignment ("dfa") — the MLP counterparts
of Fig. 6 — with the output error e = target − a and the gradient of the squared error.

:func:`forward_rates` and :func:`backward_errors` give the activations and error signals that
Figs. 2b and 3b compare with the SNN's hidden spike counts and error-neuron counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spiketeach.models.shrestha2019.network import feedback_matrices, initial_weights, thresholds
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["forward_rates", "backward_errors", "RateMLP", "init_rate_mlp", "train_rate_mlp", "accuracy"]

def forward_rates(W: list[np.ndarray], theta: list[float], x: np.ndarray) -> list[np.ndarray]:
    """Rates (spikes per step) of every layer for input rates ``x`` (samples × inputs)."""
    a = [np.asarray(x, dtype=float)]
    for w, th in zip(W, theta):
        a.append(np.clip(a[-1] @ w.T / th, 0.0, 1.0))
    return a

def backward_errors(W, rates, e_out, *, feedback: str = "symmetric", B=None,
                    gate: bool = True) -> list[np.ndarray]:
    """Error signals of the hidden layers (samples × cells), top-down: δ_L = e_out;
    δ_m = g_m ⊙ W_{m+1}ᵀ δ_{m+1} (symmetric), g_m ⊙ B_m δ_{m+1} (FA) or g_m ⊙ B_m e_out (DFA),
    with g_m = [a_m > 0] when ``gate`` (the derivative of the ReLU)."""
    L = len(W) - 1
    deltas = [None] * L + [np.asarray(e_out, dtype=float)]
    for m in range(L - 1, -1, -1):
        if feedback == "symmetric":
            d = deltas[m + 1] @ W[m + 1]
        elif feedback == "fa":
            d = deltas[m + 1] @ B[m].T
        else:
            d = deltas[-1] @ B[m].T
        if gate:
            d = d * (rates[m + 1] > 0)
        deltas[m] = d
    return deltas

@dataclass
class RateMLP:
    W: list[np.ndarray]
    theta: list[float]
    feedback: str
    B: list[np.ndarray] = field(default_factory=list)
    eta: float = 0.1

def init_rate_mlp(sizes, feedback: str = "symmetric", seed: int = 0,
                  params: EMSTDPParams | None = None, eta: float = 0.1) -> RateMLP:
    params = params or EMSTDPParams()
    rng = np.random.default_rng(seed)
    W = initial_weights(sizes, params, rng)
    B = feedback_matrices(sizes, feedback, rng)
    return RateMLP(W, thresholds(sizes, params), feedback, B, eta)

def train_rate_mlp(net: RateMLP, x: np.ndarray, y: np.ndarray, *, batch: int = 10,
                   target_rate: float = 1.0) -> None:
    """One pass of minibatch SGD on (x, y) with the squared error of rates against
    ``target_rate`` × one-hot. Updates W in place (η / batch per example, scaled by 1/θ as the
    derivative of a = W r / θ)."""
    n_out = net.W[-1].shape[0]
    for s in range(0, len(y), batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        a = forward_rates(net.W, net.theta, xb)
        target = target_rate * np.eye(n_out)[yb]
        e = target - a[-1]          # output straight through (no ReLU gate: no dead outputs)
        deltas = backward_errors(net.W, a, e, feedback=net.feedback, B=net.B, gate=True)
        for m in range(len(net.W)):
            net.W[m] += net.eta / len(yb) * deltas[m].T @ a[m] / net.theta[m]

def accuracy(net: RateMLP, x: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(forward_rates(net.W, net.theta, x)[-1], axis=1) == y))
