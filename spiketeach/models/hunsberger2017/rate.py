"""Rate-LIF reference networks (numpy) for the Hunsberger & Eliasmith (2017) linear-map task.

The poster's non-spiking references (hunse/phd ``scripts/learn_linear/offline_linear.py``):
the same 30-80-80-10 network, input x fed directly, no biases, linear output layer, hidden
activation f(j) = 0.01 × LIF rate(j + 1) (tau_rc 50 ms, tau_ref 2 ms, i.e. gain 1 and bias 1 as
in the spiking hidden layers, amplitude 0.01), weights N(0, 0.1^2), squared error, plain SGD,
batch 1, eta = 0.05, one pass over fresh examples.

* ``"bp"``: backpropagation, delta_l = (W_{l+1}^T delta_{l+1}) * f'(j_l);
* ``"fa"``: direct feedback alignment (the poster's "our model"): delta_l = (B_l^T e) * f'(j_l)
  with B_l (10 × 80) random with orthonormal rows, rescaled so that the mean column norm is 1;
* ``"shallow"``: only the output weights learn.

f' is the refractory-IF surrogate (what the original used for both BP and FA: the true LIF
derivative is infinite at threshold) or, with ``derivative="true"``, the exact derivative of f
(so BP gradients can be checked against finite differences).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spiketeach.models.lif import lif_rate, lif_rate_derivative, surrogate_derivative

__all__ = ["RULES", "RateParams", "init_rate_weights", "feedback_matrices_fa", "RateNetwork", "nrmse", "train_online"]

RULES = ("bp", "fa", "shallow")

@dataclass(frozen=True)
class RateParams:
    """The original's rate-reference settings (offline_linear.py)."""

    sizes: tuple = (30, 80, 80, 10)
    tau_rc: float = 0.05
    tau_ref: float = 0.002
    amplitude: float = 0.01
    w_std: float = 0.1
    eta: float = 0.05
    derivative: str = "if"       # "if" (surrogate, original) or "true"

def init_rate_weights(sizes, std: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Weights (n_post × n_pre), i.i.d. N(0, std^2) — the same rule as the spiking network's
    :func:`~spiketeach.models.hunsberger2017.network.initial_weights` (whose std is 4.4e-4)."""
    return [rng.normal(0.0, std, size=(b, a)) for a, b in zip(sizes[:-1], sizes[1:])]

def feedback_matrices_fa(sizes, rng: np.random.Generator) -> list[np.ndarray]:
    """B_l (n_out × n_hidden_l): orthonormal rows, rescaled to mean column norm 1."""
    out = []
    n_out = sizes[-1]
    for n in sizes[1:-1]:
        Q, _ = np.linalg.qr(rng.standard_normal((n, n_out)))  # n × n_out, orthonormal columns
        B = Q.T
        out.append(B / np.mean(np.linalg.norm(B, axis=0)))
    return out

@dataclass
class RateNetwork:
    params: RateParams
    W: list[np.ndarray]
    B: list[np.ndarray] = field(default_factory=list)

    def f(self, j):
        p = self.params
        return p.amplitude * lif_rate(j + 1.0, p.tau_rc, p.tau_ref)

    def df(self, j):
        p = self.params
        if p.derivative == "true":
            return p.amplitude * lif_rate_derivative(j + 1.0, p.tau_rc, p.tau_ref)
        if p.derivative == "if":
            return surrogate_derivative(j + 1.0, p.tau_rc, p.tau_ref, p.amplitude)
        raise ValueError(f"unknown derivative {p.derivative!r}")

    def forward(self, x: np.ndarray):
        """Hidden input currents j_l, activities h_l and the output y for inputs x (points × n_in)."""
        h = np.atleast_2d(x)
        js, hs = [], [h]
        for W in self.W[:-1]:
            j = h @ W.T
            h = self.f(j)
            js.append(j)
            hs.append(h)
        return js, hs, h @ self.W[-1].T

    def predict(self, x):
        return self.forward(x)[2]

    def loss(self, x, ystar) -> float:
        """0.5 sum ||y - y*||^2 over points."""
        return 0.5 * float(np.sum((self.predict(x) - ystar) ** 2))

    def gradients(self, x, ystar, rule: str = "bp") -> list[np.ndarray]:
        """dLoss/dW (``"bp"``) or the FA / shallow update directions, summed over points."""
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}; choose one of {RULES}")
        js, hs, y = self.forward(x)
        e = y - np.atleast_2d(ystar)
        grads = [None] * len(self.W)
        grads[-1] = e.T @ hs[-1]
        delta = e
        for l in range(len(self.W) - 2, -1, -1):
            if rule == "bp":
                delta = (delta @ self.W[l + 1]) * self.df(js[l])
            elif rule == "fa":
                delta = (e @ self.B[l]) * self.df(js[l])
            else:
                grads[l] = np.zeros_like(self.W[l])
                continue
            grads[l] = delta.T @ hs[l]
        return grads

def nrmse(y, ystar) -> np.ndarray:
    """Per-point rms(y - y*) / mean over points of rms(y*)."""
    return np.sqrt(np.mean((y - ystar) ** 2, axis=1)) / np.mean(np.sqrt(np.mean(ystar ** 2, axis=1)))

def train_online(rule: str, task, n_examples: int, *, params: RateParams | None = None,
                 seed: int = 0, test_every: int = 100, n_test: int = 1000) -> dict:
    """Train one pass of fresh examples (batch 1); return the per-example training error and the
    test error (``n_test`` held-out points) every ``test_every`` examples."""
    p = params or RateParams()
    rng = np.random.default_rng([seed, 3])
    net = RateNetwork(p, init_rate_weights(p.sizes, p.w_std, rng), feedback_matrices_fa(p.sizes, rng))
    x_test, y_test = task.sample(n_test, np.random.default_rng([seed, 4]))
    data_rng = np.random.default_rng([seed, 5])
    train_err = np.empty(n_examples)
    test_at, test_err = [], []
    for k in range(n_examples):
        if k % test_every == 0:
            test_at.append(k)
            test_err.append(float(np.mean(nrmse(net.predict(x_test), y_test))))
        x, y = task.sample(1, data_rng)
        # the error before the update (the online training error of a fresh example)
        train_err[k] = float(np.sqrt(np.mean((net.predict(x) - y) ** 2)))
        grads = net.gradients(x, y, rule)
        for W, g in zip(net.W, grads):
            W -= p.eta * g
    test_at.append(n_examples)
    test_err.append(float(np.mean(nrmse(net.predict(x_test), y_test))))
    ref = float(np.mean(np.sqrt(np.mean(y_test ** 2, axis=1))))
    return {"rule": rule, "train_nrmse": train_err / ref, "test_at": np.array(test_at),
            "test_nrmse": np.array(test_err), "net": net}
