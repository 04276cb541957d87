"""Initialisation of Samadi, Lillicrap & Tweed (2017), Appendix B (eqs. A.1–A.6).

Forward weights (eqs. A.1–A.4)
------------------------------
Under the linear approximation a = alpha v (eq. A.1, alpha = c1 c2), a layer whose inputs have
mean alpha v̄ and s.d. alpha sigma_v passes on drives with the same mean v̄ and s.d. sigma_v when
every bias is b̄ and the n weights into a cell are drawn i.i.d. with

    mean  w̄   = (v̄ − b̄) / (n alpha v̄)                                           (A.2)
    var   σ_w² = (sigma_v² / (n alpha²) − w̄² sigma_v²) / (v̄² + sigma_v²)          (A.3)

(E[v] = n w̄ E[a] + b̄ and Var[v] = n (σ_w² E[a²] + w̄² Var[a]); solve for w̄, σ_w²). Drawn
normally. With the real, sublinear activation the drives shrink with depth (Appendix B).

Feedback weights (eqs. A.5–A.6), with gamma = alpha (the simple choice of Appendix A)
-------------------------------------------------------------------------------------
Feedback alignment (A.5): the matrix B_l that replaces W_lᵀ has i.i.d. N(0, E[W_l²]) entries,
the same scale as the forward weights it stands in for.

Broadcast alignment (A.6): B_l sends the output error straight to layer l. It is scaled so
that delta_l = B_l e has the variance backprop's delta_l would have if every cell on the way had
slope gamma: each hidden-to-hidden link multiplies the variance by n_m gamma² E[W_m²], and the
link into the output layer (whose c1 c2 is absorbed into eta, §2.6) by E[W_L²]::

    Var(B_l) = E[W_L²] · Π_{m=l+1}^{L-1} n_m gamma² E[W_m²]

where n_m is the number of cells in layer m. For the last hidden layer this equals A.5.
"""

from __future__ import annotations

import numpy as np
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["forward_weight_moments", "init_forward", "init_feedback_alignment", "init_broadcast_alignment"]

def forward_weight_moments(fan_in: int, params: SamadiParams) -> tuple[float, float]:
    """(w̄, σ_w) of eqs. A.2–A.3 for a cell with ``fan_in`` inputs."""
    if fan_in < 1:
        raise ValueError(f"fan_in must be >= 1, got {fan_in}")
    alpha, vb, sv, bb = params.alpha, params.v_bar, params.sigma_v, params.b_bar
    w_mean = (vb - bb) / (fan_in * alpha * vb)
    var = (sv**2 / (fan_in * alpha**2) - w_mean**2 * sv**2) / (vb**2 + sv**2)
    if var <= 0:
        raise ValueError(f"Appendix-B weight variance is not positive for fan_in={fan_in}")
    return w_mean, float(np.sqrt(var))

def init_forward(layer_sizes: list[int], params: SamadiParams, rng: np.random.Generator):
    """Weights (n_out × n_in matrices) and biases of every forward layer (eqs. A.1–A.4)."""
    weights, biases = [], []
    for n_in, n_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        w_mean, w_sd = forward_weight_moments(n_in, params)
        weights.append(rng.normal(w_mean, w_sd, size=(n_out, n_in)))
        biases.append(np.full(n_out, params.b_bar))
    return weights, biases

def _second_moment(fan_in: int, params: SamadiParams) -> float:
    w_mean, w_sd = forward_weight_moments(fan_in, params)
    return w_mean**2 + w_sd**2

def init_feedback_alignment(layer_sizes: list[int], params: SamadiParams,
                            rng: np.random.Generator) -> list[np.ndarray]:
    """Layer-wise FA matrices (eq. A.5): B_l of shape (n_{l-1}, n_l) replaces W_lᵀ, l = 2..L."""
    mats = []
    for n_in, n_out in zip(layer_sizes[1:-1], layer_sizes[2:]):
        mats.append(rng.normal(0.0, np.sqrt(_second_moment(n_in, params)), size=(n_in, n_out)))
    return mats

def init_broadcast_alignment(layer_sizes: list[int], params: SamadiParams,
                             rng: np.random.Generator) -> list[np.ndarray]:
    """BA matrices (eq. A.6) from the output error to every hidden layer, shapes (n_l, K).

    ``layer_sizes`` = [n_input, n_hidden_1, ..., n_output]; returns one matrix per hidden layer.
    """
    sizes = list(layer_sizes)
    n_layers = len(sizes) - 1            # weight layers W_1..W_L
    gamma = params.feedback_gamma
    second = [_second_moment(sizes[m - 1], params) for m in range(1, n_layers + 1)]  # E[W_m²]
    mats = []
    for l in range(1, n_layers):         # hidden layer l (cells sizes[l])
        var = second[n_layers - 1]       # link into the output layer
        for m in range(l + 1, n_layers):  # hidden-to-hidden links W_m, m = l+1..L-1
            var *= sizes[m] * gamma**2 * second[m - 1]
        mats.append(rng.normal(0.0, np.sqrt(var), size=(sizes[l], sizes[-1])))
    return mats
