"""Non-spiking references of Samadi, Lillicrap & Tweed (2017): BP, FA, BA and DF in numpy.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602, §2.5–2.6 and §3.1.

Every cell computes v = W a_pre + b and a = E(v) = max(0, c1 tanh(c2 v)) (eq. 2.10, the tanh fit of
the LIF neuron, shared with :mod:`spiketeach.models.samadi2017.params`). The output error is e = y − y*.
Each learning layer k gets a teaching signal u_k and changes, with momentum μ = 0.9 (eq. 2.13),

    ΔW_k ← μ ΔW_k − η_k Σ_examples u_k a_{k−1}ᵀ ,  W_k ← W_k + ΔW_k
    Δb_k ← μ Δb_k − η_k Σ_examples u_k        ,  b_k ← b_k + Δb_k,     η_k = 1 / fan-in

(η applies per example, i.e. to the SUM over a minibatch; docs/papers/samadi2017.md), ONE η rule
for every algorithm (§2.6). Writing s_k = sech²(c2 v_k) for the slope without its constant c1 c2
(eq. 2.11: the cell's own c1 c2 is absorbed into η) and g_k = [v_k > 0]:

* **BP** (eqs. 2.4–2.5): u_L = s_L e;  u_k = s_k g_k ⊙ W_{k+1}ᵀ (c1 c2 · u_{k+1}): every
  downstream da/dv keeps its c1 c2, the one of the output layer included (A.6's D counts the
  output layer), so every u_k is the exact gradient / (c1 c2) (:func:`gradient_scale`).
* **FA** (eq. 2.6): BP with W_{k+1}ᵀ replaced by a fixed random B_{k+1} (eq. A.5).
* **BA** (eqs. 2.7–2.9): u_L = s_L e;  u_k = s_k g_k ⊙ B_k e, B_k = γ^D Π B_FA (eq. A.6).
* **DF** (derivative-free, §2.3: eq. 2.7 with eq. 2.4): u_L = e;  u_k = B_k e — BA without
  da/dv, its v > 0 gate included (the literal rule).
* **DF-gated**: u_L = e;  u_k = g_k ⊙ B_k e — the slope dropped but the gate kept (the "DF" of
  the "session7" variant; closer to the paper's MNIST DF number, docs/papers/samadi2017.md).

Where the text fails literally (docs/families/samadi2017.md): the output slope is NOT gated to
v > 0 by default (``SamadiParams.gate_output``; gating it can push every output below 0 for good).
``SamadiParams.preset("session7")`` restores main's earlier convention (no c1 c2 on the link from
the output layer: hidden u_k = gradient / (c1 c2)²).
Depth-k learning (§3.1): only the last k weight layers (and their biases) change.

Everything is vectorised over a leading *trial* axis, so hundreds of independent learners
(different teachers, initial weights, data) train in one numpy loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spiketeach.models.samadi2017.initialisation import (
    init_broadcast_alignment,
    init_feedback_alignment,
    init_forward,
)
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["ALGORITHMS", "BROADCAST", "activation", "slope", "RateNetwork", "init_rate_network", "forward", "output_error", "teaching_signals", "gradient_scale", "weight_updates", "loss_gradients", "apply_updates", "train_step"]

#: backpropagation, feedback alignment, broadcast alignment, derivative-free (BA without da/dv,
#: gate included: the paper's), and derivative-free that keeps the v > 0 gate
ALGORITHMS = ("BP", "FA", "BA", "DF", "DF-gated")

#: the algorithms that broadcast the output error through fixed matrices B_k (eq. A.6)
BROADCAST = ("BA", "DF", "DF-gated")

def activation(v: np.ndarray, params: SamadiParams) -> np.ndarray:
    """E(v) = max(0, c1 tanh(c2 v)) (eq. 2.10)."""
    return np.maximum(0.0, params.c1 * np.tanh(params.c2 * v))

def slope(v: np.ndarray, params: SamadiParams) -> np.ndarray:
    """sech²(c2 v): dE/dv for v > 0 without its constant factor c1 c2 (absorbed into η).

    Computed as 1 − tanh²(c2 v) (one transcendental instead of cosh, a power and a division).
    """
    th = np.tanh(params.c2 * v)
    return 1.0 - th * th

@dataclass
class RateNetwork:
    """A batch of independent learners of one shape, all trained by one algorithm.

    Arrays carry a leading trial axis T: ``weights[k]`` is (T, n_{k+1}, n_k), ``biases[k]``
    (T, n_{k+1}). ``feedback`` holds the fixed matrices of FA (``feedback[k]`` replaces
    W_{k+1}ᵀ, shape (T, n_{k+1}, n_{k+2})) or BA/DF (``feedback[k]`` sends e to hidden layer k,
    shape (T, n_{k+1}, K)); empty for BP.
    """

    layer_sizes: list[int]
    algorithm: str
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    feedback: list[np.ndarray]
    params: SamadiParams = field(default_factory=SamadiParams)
    depth: int | None = None
    #: None: ``params.gate_output``
    gate_output: bool | None = None
    eta_scale: float = 1.0
    dW: list[np.ndarray] = field(default_factory=list)
    db: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self):
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; choose one of {ALGORITHMS}")
        if self.gate_output is None:
            self.gate_output = bool(self.params.gate_output)
        L = self.n_weight_layers
        self.depth = L if self.depth is None else int(self.depth)
        if not 1 <= self.depth <= L:
            raise ValueError(f"depth must be in 1..{L}, got {self.depth}")
        if not self.dW:
            self.dW = [np.zeros_like(w) for w in self.weights]
            self.db = [np.zeros_like(b) for b in self.biases]

    @property
    def n_weight_layers(self) -> int:
        return len(self.layer_sizes) - 1

    @property
    def n_trials(self) -> int:
        return self.weights[0].shape[0]

    @property
    def learning_layers(self) -> list[int]:
        """Indices of the weight layers that learn: the last ``depth`` (§3.1)."""
        L = self.n_weight_layers
        return list(range(L - self.depth, L))

    @property
    def eta(self) -> list[float]:
        """Per-example learning rate of each weight layer, eta_scale / fan-in (§2.6)."""
        return [self.eta_scale / n for n in self.layer_sizes[:-1]]

    def copy(self) -> "RateNetwork":
        cp = lambda xs: [x.copy() for x in xs]  # noqa: E731
        return RateNetwork(list(self.layer_sizes), self.algorithm, cp(self.weights),
                           cp(self.biases), cp(self.feedback), self.params, self.depth,
                           self.gate_output, self.eta_scale, cp(self.dW), cp(self.db))

def init_rate_network(layer_sizes: list[int], algorithm: str, seeds, *,
                      params: SamadiParams | None = None, depth: int | None = None,
                      gate_output: bool | None = None, eta_scale: float = 1.0) -> RateNetwork:
    """Appendix-B initialisation (eqs. A.1–A.6) of one learner per seed.

    For each seed the forward weights and biases come from ``np.random.default_rng(seed)`` exactly
    as for the spiking network (:func:`spiketeach.models.samadi2017.network.initial_values`), so all four
    algorithms and the spiking learner of a seed start from the same forward weights; the same
    generator then draws the FA (A.5) or BA/DF (A.6) feedback matrices.
    """
    params = params or SamadiParams()
    sizes = [int(n) for n in layer_sizes]
    Ws, bs, Bs = [], [], []
    for seed in np.atleast_1d(seeds):
        rng = np.random.default_rng(int(seed))
        W, b = init_forward(sizes, params, rng)
        if algorithm == "FA":
            B = init_feedback_alignment(sizes, params, rng)
        elif algorithm in BROADCAST:
            B = init_broadcast_alignment(sizes, params, rng)
        else:
            B = []
        Ws.append(W), bs.append(b), Bs.append(B)
    stack = lambda lists: [np.stack(z) for z in zip(*lists)]  # noqa: E731
    return RateNetwork(sizes, algorithm, stack(Ws), stack(bs), stack(Bs) if Bs[0] else [],
                       params, depth, gate_output, eta_scale)

def forward(net: RateNetwork, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Drives v_k and activities a_k of every layer for inputs ``x`` of shape (T, B, n_in)."""
    vs, acts = [], []
    a = np.asarray(x, dtype=float)
    for W, b in zip(net.weights, net.biases):
        v = np.matmul(a, W.transpose(0, 2, 1)) + b[:, None, :]
        a = activation(v, net.params)
        vs.append(v)
        acts.append(a)
    return vs, acts

def output_error(y: np.ndarray, target: np.ndarray) -> np.ndarray:
    """e = y − y* (the loss is ½|e|²)."""
    return y - target

def teaching_signals(net: RateNetwork, vs: list[np.ndarray], e: np.ndarray,
                     algorithm: str | None = None, feedback: list[np.ndarray] | None = None,
                     layers: list[int] | None = None) -> dict[int, np.ndarray]:
    """The teaching signal u_k (T, B, n_{k+1}) of each learning weight layer k (see module doc).

    ``algorithm`` and ``feedback`` default to the network's own; ``layers`` to its learning layers.
    """
    alg = algorithm or net.algorithm
    B = net.feedback if feedback is None else feedback
    p = net.params
    L = net.n_weight_layers
    layers = net.learning_layers if layers is None else sorted(layers)
    if not layers:
        return {}
    out_gate = (vs[-1] > 0) if net.gate_output else 1.0
    u = {}
    if alg == "DF":
        u[L - 1] = e
    elif alg == "DF-gated":
        u[L - 1] = e * out_gate
    else:
        u[L - 1] = slope(vs[-1], p) * out_gate * e
    if alg in BROADCAST:
        for k in layers:
            if k == L - 1:
                continue
            back = np.matmul(e, B[k].transpose(0, 2, 1))
            if alg == "BA":
                u[k] = slope(vs[k], p) * (vs[k] > 0) * back
            elif alg == "DF-gated":
                u[k] = (vs[k] > 0) * back
            else:
                u[k] = back
    else:  # BP and FA propagate layer by layer down to the first learning layer
        alpha = p.c1 * p.c2
        for k in range(L - 2, layers[0] - 1, -1):
            back = net.weights[k + 1] if alg == "BP" else B[k].transpose(0, 2, 1)
            # c1 c2 of every downstream da/dv; the session7 variant drops it from the output's
            c = alpha if (p.c1c2_on_output_link or k + 1 != L - 1) else 1.0
            u[k] = slope(vs[k], p) * (vs[k] > 0) * np.matmul(c * u[k + 1], back)
    return {k: u[k] for k in layers}

def gradient_scale(net: RateNetwork, k: int) -> float:
    """BP's u_k a_{k−1}ᵀ times this is the exact gradient of ½|e|² (c1 c2 absorbed into η):
    c1 c2 for every layer; (c1 c2)² for hidden layers in the "session7" convention."""
    alpha = net.params.c1 * net.params.c2
    if net.params.c1c2_on_output_link or k == net.n_weight_layers - 1:
        return alpha
    return alpha**2

def weight_updates(net: RateNetwork, x: np.ndarray, u: dict[int, np.ndarray],
                   acts: list[np.ndarray]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Σ over the minibatch of u_k a_{k−1}ᵀ and of u_k, per learning layer k."""
    out = {}
    for k, uk in u.items():
        pre = x if k == 0 else acts[k - 1]
        out[k] = (np.matmul(uk.transpose(0, 2, 1), pre), uk.sum(axis=1))
    return out

def loss_gradients(net: RateNetwork, x: np.ndarray, target: np.ndarray,
                   layers: list[int] | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Exact gradients of L = ½ Σ_examples |y − y*|² w.r.t. (W_k, b_k), by backpropagation.

    The exact derivative of max(0, c1 tanh(c2 v)) is gated at v ≤ 0 at the output too.
    """
    ref = RateNetwork(net.layer_sizes, "BP", net.weights, net.biases, [], net.params,
                      None, True, net.eta_scale, net.dW, net.db)
    vs, acts = forward(ref, x)
    e = output_error(acts[-1], target)
    layers = list(range(net.n_weight_layers)) if layers is None else layers
    u = teaching_signals(ref, vs, e, layers=layers)
    grads = weight_updates(ref, x, u, acts)
    return {k: (gradient_scale(ref, k) * gw, gradient_scale(ref, k) * gb)
            for k, (gw, gb) in grads.items()}

def apply_updates(net: RateNetwork, grads: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
    """Momentum step of eqs. 2.12–2.13 for every learning layer (in place; ``grads`` is consumed)."""
    mu = net.params.mu
    eta = net.eta
    for k, (gw, gb) in grads.items():
        net.dW[k] *= mu
        gw *= eta[k]                  # in place: the summed update is not needed afterwards
        net.dW[k] -= gw
        net.db[k] *= mu
        net.db[k] -= eta[k] * gb
        net.weights[k] += net.dW[k]
        net.biases[k] += net.db[k]

def train_step(net: RateNetwork, x: np.ndarray, target: np.ndarray) -> np.ndarray:
    """One learning step on a minibatch x (T, B, n_in), targets (T, B, K); returns the outputs."""
    vs, acts = forward(net, x)
    e = output_error(acts[-1], target)
    u = teaching_signals(net, vs, e)
    apply_updates(net, weight_updates(net, x, u, acts))
    return acts[-1]

__all__.append("train_step")


def own_and_true_updates(net: RateNetwork, x: np.ndarray, target: np.ndarray):
    """``(own, true)``: per learning layer, ``net``'s own weight update and the true BP gradient.

    ``x`` (T, B, n_in) and ``target`` (T, B, K) are a minibatch; both directions are
    Σ u_k a_{k−1}ᵀ over it, so their angle (:func:`spiketeach.analysis.alignment.layer_angles`)
    does not depend on η or on the c1 c2 factors absorbed into it.
    """
    vs, acts = forward(net, x)
    e = output_error(acts[-1], target)
    own = weight_updates(net, x, teaching_signals(net, vs, e), acts)
    true = loss_gradients(net, x, target, layers=net.learning_layers)
    return {k: w for k, (w, _) in own.items()}, {k: w for k, (w, _) in true.items()}
