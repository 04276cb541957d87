"""Adam (Kingma & Ba 2015) over the network's weights, with a state that checkpoints exactly.

The paper's optimiser and learning rate are not known (docs/papers/huh2018.md); Adam is ours.
An optional bound on the gradient's norm guards against the rare large gradients of long
backward passes through recurrent dynamics.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spiketeach.core.checks import check_positive

from .adjoint import Gradient
from .weights import NAMES, Weights

__all__ = ["Adam"]


@dataclass
class Adam:
    """Adam with learning rate ``lr`` and decay rates ``beta1``, ``beta2``; ``clip`` (> 0 or
    None) rescales a gradient whose norm exceeds it. ``frozen`` names weights left unchanged.

    ``scale`` multiplies the step of each named weight: Adam's steps are of size ~ lr in the
    weight's own units, and W and O (seconds) act on s, a rate, so their natural size is tau_s
    times that of U and b; :meth:`for_params` sets ``scale = {"W": tau_s, "O": tau_s}``.
    """

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    clip: float | None = None
    frozen: tuple[str, ...] = ()
    scale: dict = field(default_factory=dict)
    m: dict = field(default_factory=dict)
    v: dict = field(default_factory=dict)
    t: int = 0

    def __post_init__(self):
        check_positive("lr", self.lr)
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {value!r}")
        if self.clip is not None:
            check_positive("clip", self.clip)
        for what, names in (("frozen", self.frozen), ("scale", self.scale)):
            unknown = set(names) - set(NAMES)
            if unknown:
                raise ValueError(f"{what} names unknown weights {sorted(unknown)}; choose from "
                                 f"{NAMES}")
        for name, value in self.scale.items():
            check_positive(f"scale[{name!r}]", value)

    @classmethod
    def for_params(cls, tau_s: float, **kwargs) -> "Adam":
        """Adam whose W and O steps are scaled by ``tau_s`` (see the class docstring)."""
        return cls(scale={"W": tau_s, "O": tau_s}, **kwargs)

    def step(self, weights: Weights, gradient: Gradient) -> Weights:
        """The weights after one update with ``gradient``."""
        grads = gradient.as_dict()
        scale = 1.0
        if self.clip is not None:
            norm = gradient.norm()
            if norm > self.clip:
                scale = self.clip / norm
        self.t += 1
        new = {}
        for name in NAMES:
            w = getattr(weights, name)
            if name in self.frozen:
                new[name] = w
                continue
            g = scale * grads[name]
            m = self.m.get(name, np.zeros_like(w))
            v = self.v.get(name, np.zeros_like(w))
            m = self.beta1 * m + (1 - self.beta1) * g
            v = self.beta2 * v + (1 - self.beta2) * g * g
            self.m[name], self.v[name] = m, v
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            new[name] = w - self.lr * self.scale.get(name, 1.0) * m_hat / (np.sqrt(v_hat) + self.eps)
        return Weights(**new)

    def state(self, weights: Weights) -> dict[str, np.ndarray]:
        """Moments and step count as flat arrays (zeros before the first step)."""
        out = {"adam.t": np.array([float(self.t)])}
        for name in NAMES:
            w = getattr(weights, name)
            out[f"adam.m.{name}"] = np.ravel(self.m.get(name, np.zeros_like(w)))
            out[f"adam.v.{name}"] = np.ravel(self.v.get(name, np.zeros_like(w)))
        return out

    def load(self, state: dict[str, np.ndarray], weights: Weights) -> None:
        """Take back :meth:`state` (shapes from ``weights``)."""
        self.t = int(np.ravel(state["adam.t"])[0])
        for name in NAMES:
            shape = np.shape(getattr(weights, name))
            self.m[name] = np.reshape(state[f"adam.m.{name}"], shape).copy()
            self.v[name] = np.reshape(state[f"adam.v.{name}"], shape).copy()
