"""Training a rate network through soft LIF (with spike-variability noise) in numpy.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

The paper's recipe (docs/papers/hunsberger2015.md): train an ordinary network by backpropagation
whose hidden units are soft-LIF rate neurons, ``h = m r_gamma(a x + 1)``, adding Gaussian noise to
the rate of the units above threshold in the forward pass (the backward pass uses the noise-free
soft-LIF derivative), then run the same weights with spiking LIF neurons. ReLU is trained the
same way for comparison. Here the network is a multilayer perceptron (the paper's MNIST network
is convolutional: too slow for numpy on two cores); the output layer is linear and trained with
softmax cross-entropy, as the paper's.

Optimiser: minibatch SGD with momentum, the learning rate decaying exponentially
(the authors' MNIST schedule: momentum 0.9, rate decaying by a factor 100 over training).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spiketeach.models.hunsberger2015.network import check_layers
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params
from spiketeach.models.hunsberger2015.rates import soft_lif_rate, unit_derivative, unit_output

from .noise import NoiseModel

__all__ = ["TrainConfig", "RateNetwork", "init_network", "forward", "train", "accuracy",
           "VARIANTS"]

#: the three networks the paper compares: hidden kind and whether noise is added in training
VARIANTS = {"relu": ("relu", False), "softlif": ("softlif", False),
            "softlif noise": ("softlif", True)}


@dataclass(frozen=True)
class TrainConfig:
    """Training hyper-parameters (ours, except where the docstring of a field says otherwise)."""

    #: layer sizes, input first, classes last
    sizes: tuple = (784, 500, 200, 10)
    epochs: int = 20
    batch: int = 100
    #: initial learning rate (per example, averaged over the batch)
    lr: float = 0.02
    #: learning rate at the end is lr * lr_decay (authors' MNIST code: 1/100 over training)
    lr_decay: float = 0.01
    #: momentum (authors' code: 0.9)
    momentum: float = 0.9
    #: L2 weight decay on the weights (not biases)
    weight_decay: float = 1e-4
    #: initial weights N(0, init_scale^2 / fan_in)
    init_scale: float = 1.0
    #: bias of the hidden units at the start
    init_bias: float = 0.0

    def __post_init__(self):
        if len(self.sizes) < 3 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"sizes must list >= 3 positive layer sizes, got {self.sizes}")
        for name in ("epochs", "batch"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1")
        for name in ("lr", "lr_decay", "init_scale"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")
        if not 0 <= self.momentum < 1:
            raise ValueError("momentum must lie in [0, 1)")


@dataclass
class RateNetwork:
    """A trained network: ``h_{k+1} = f(h_k @ W_k + b_k)``, the last layer linear."""

    weights: list
    biases: list
    kind: str
    params: Hunsberger2015Params
    noise: dict | None = None
    history: list = field(default_factory=list)

    def predict(self, X, kind: str | None = None) -> np.ndarray:
        """Class of each row of ``X``; ``kind`` overrides the hidden unit (e.g. ``"lif"``: the
        hard LIF rates the spiking neurons fire at)."""
        return np.argmax(forward(self.weights, self.biases, X, kind or self.kind,
                                 self.params), axis=1)

    def save(self, path) -> None:
        arrays = {f"W{k}": w for k, w in enumerate(self.weights)}
        arrays |= {f"b{k}": b for k, b in enumerate(self.biases)}
        np.savez(path, kind=self.kind, **arrays)

    @classmethod
    def load(cls, path, params: Hunsberger2015Params | None = None) -> "RateNetwork":
        data = np.load(path)
        n = sum(1 for k in data.files if k.startswith("W"))
        return cls([data[f"W{k}"] for k in range(n)], [data[f"b{k}"] for k in range(n)],
                   str(data["kind"]), params or Hunsberger2015Params())


def init_network(sizes, rng: np.random.Generator, scale: float = 1.0, bias: float = 0.0):
    """Weights N(0, scale^2 / fan_in), hidden biases ``bias``, output biases 0."""
    weights = [rng.standard_normal((a, b)) * scale / np.sqrt(a) for a, b in zip(sizes, sizes[1:])]
    biases = [np.full(b, bias if k < len(sizes) - 2 else 0.0) for k, b in enumerate(sizes[1:])]
    return weights, biases


def forward(weights, biases, X, kind: str, params: Hunsberger2015Params, *,
            noise: NoiseModel | None = None, rng: np.random.Generator | None = None,
            cache: list | None = None) -> np.ndarray:
    """Output scores (before softmax). ``noise``: add rate noise to the soft-LIF units (training);
    ``cache``: appended (input, net input) per layer for :func:`_backward`."""
    h = np.asarray(X, dtype=float)
    for k, (w, b) in enumerate(zip(weights, biases)):
        x = h @ w + b
        if cache is not None:
            cache.append((h, x))
        if k == len(weights) - 1:
            return x
        if noise is not None and kind == "softlif":
            j = params.gain * x + 1.0
            r = soft_lif_rate(j, params.tau_rc, params.tau_ref, params.gamma)
            h = params.amplitude * noise.apply(r, j, rng)
        else:
            h = unit_output(x, params, kind)
    raise AssertionError("unreachable")


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _backward(weights, cache, scores, y, kind, params):
    """Gradients of the mean cross-entropy; hidden derivatives noise-free (straight-through)."""
    n = len(y)
    delta = _softmax(scores)
    delta[np.arange(n), y] -= 1.0
    delta /= n
    grads_w, grads_b = [None] * len(weights), [None] * len(weights)
    for k in range(len(weights) - 1, -1, -1):
        h, _ = cache[k]
        grads_w[k] = h.T @ delta
        grads_b[k] = delta.sum(axis=0)
        if k:
            delta = (delta @ weights[k].T) * unit_derivative(cache[k - 1][1], params, kind)
    return grads_w, grads_b


def accuracy(net: RateNetwork, X, y, kind: str | None = None, batch: int = 2000) -> float:
    """Fraction of rows of ``X`` classified as ``y``."""
    pred = np.concatenate([net.predict(X[i:i + batch], kind) for i in range(0, len(X), batch)])
    return float(np.mean(pred == np.asarray(y)))


def train(X, y, variant: str, config: TrainConfig | None = None,
          params: Hunsberger2015Params | None = None, *, noise: NoiseModel | None = None,
          seed: int = 0, X_val=None, y_val=None, log=None) -> RateNetwork:
    """Train one of :data:`VARIANTS` (``"relu"``, ``"softlif"``, ``"softlif noise"``).

    ``noise`` is the training noise of the noisy variant (default: the authors' constant
    ``params.noise_sigma``). ``log(str)`` receives one line per epoch.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {sorted(VARIANTS)}, got {variant!r}")
    config = config or TrainConfig()
    params = params or Hunsberger2015Params()
    kind, noisy = VARIANTS[variant]
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=int)
    if X.ndim != 2 or X.shape[1] != config.sizes[0]:
        raise ValueError(f"X must be (n, {config.sizes[0]}), got {X.shape}")
    if y.shape != (len(X),) or y.min() < 0 or y.max() >= config.sizes[-1]:
        raise ValueError("y must hold one class in [0, sizes[-1]) per row of X")
    if noisy and noise is None:
        noise = NoiseModel.constant(params.noise_sigma)
    rng = np.random.default_rng(seed)
    weights, biases = init_network(config.sizes, rng, config.init_scale, config.init_bias)
    vel_w = [np.zeros_like(w) for w in weights]
    vel_b = [np.zeros_like(b) for b in biases]
    net = RateNetwork(weights, biases, kind, params, noise.as_dict() if noisy else None)
    for epoch in range(config.epochs):
        start = time.perf_counter()
        lr = config.lr * config.lr_decay ** (epoch / max(config.epochs - 1, 1))
        order = rng.permutation(len(X))
        loss = 0.0
        for i in range(0, len(X), config.batch):
            idx = order[i:i + config.batch]
            cache = []
            scores = forward(weights, biases, X[idx], kind, params,
                             noise=noise if noisy else None, rng=rng, cache=cache)
            p = _softmax(scores)
            loss += -np.sum(np.log(p[np.arange(len(idx)), y[idx]] + 1e-12))
            gw, gb = _backward(weights, cache, scores, y[idx], kind, params)
            for k in range(len(weights)):
                step = gw[k] + config.weight_decay * weights[k]
                vel_w[k] = config.momentum * vel_w[k] - lr * step
                vel_b[k] = config.momentum * vel_b[k] - lr * gb[k]
                weights[k] += vel_w[k]
                biases[k] += vel_b[k]
        if not all(np.all(np.isfinite(w)) for w in weights):
            raise FloatingPointError(f"{variant}: weights diverged in epoch {epoch}; lower lr")
        entry = {"epoch": epoch + 1, "lr": lr, "loss": loss / len(X),
                 "train_s": time.perf_counter() - start}
        if X_val is not None:
            entry["val_error"] = 1.0 - accuracy(net, X_val, y_val)
        net.history.append(entry)
        if log:
            log(f"{variant}: epoch {epoch + 1}/{config.epochs} loss {entry['loss']:.4f}"
                + (f" val error {100 * entry['val_error']:.2f} %" if "val_error" in entry else "")
                + f" ({entry['train_s']:.1f} s)")
    check_layers(weights, biases, config.sizes[0])
    return net
