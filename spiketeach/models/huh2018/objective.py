"""The loss of a batch: readout error where the task scores it, plus a cost on spiking.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

With the readout o_n = O s_n, targets y_n and a non-negative score mask m_n (per trial and
step; 0 where the task does not score the output)::

    J = sum_n m_n |O s_n - y_n|^2 / (2 sum_n m_n)  +  rate_cost * mean_n,k s_n,k

s integrates to one per full sweep through the zone, so mean s is the mean firing rate (Hz) and
``rate_cost`` (seconds) prices one spike per second per neuron. The paper's loss weights are not
known (docs/papers/huh2018.md): this form and its cost are ours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spiketeach.core.checks import check_nonnegative

__all__ = ["Objective"]


@dataclass(frozen=True)
class Objective:
    """Targets ``y`` (batch x steps x n_out), ``mask`` (batch x steps, or steps; default all
    ones) and ``rate_cost`` (>= 0)."""

    y: np.ndarray
    mask: np.ndarray | None = None
    rate_cost: float = 0.0

    def __post_init__(self):
        y = np.asarray(self.y, dtype=float)
        if y.ndim == 2:
            y = y[None]
        if y.ndim != 3:
            raise ValueError(f"targets must be (batch x steps x n_out), got shape {y.shape}")
        mask = np.ones(y.shape[:2]) if self.mask is None else np.asarray(self.mask, float)
        mask = np.broadcast_to(mask, y.shape[:2]) if mask.ndim == 1 and \
            mask.shape[0] == y.shape[1] else mask
        if mask.shape != y.shape[:2]:
            raise ValueError(f"mask must be (batch x steps) = {y.shape[:2]} or (steps,), got "
                             f"shape {np.shape(self.mask)}")
        if np.any(mask < 0) or not np.any(mask > 0):
            raise ValueError("mask must be >= 0 and score at least one step")
        if not (np.all(np.isfinite(y)) and np.all(np.isfinite(mask))):
            raise ValueError("targets or mask contain NaN or inf")
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "mask", np.array(mask))
        object.__setattr__(self, "rate_cost", check_nonnegative("rate_cost", self.rate_cost))

    def check_fits(self, s: np.ndarray, O: np.ndarray) -> None:  # noqa: E741
        steps, batch, _ = s.shape
        if self.y.shape[:2] != (batch, steps) or self.y.shape[2] != O.shape[0]:
            raise ValueError(f"targets have shape {self.y.shape}; the run needs (batch x steps x "
                             f"n_out) = ({batch} x {steps} x {O.shape[0]})")

    def evaluate(self, s: np.ndarray, O: np.ndarray):  # noqa: E741
        """``(J, parts, dJ/ds, dJ/dO)`` for the time-major traces ``s`` (steps x batch x n);
        ``parts`` holds the two terms ("error", "rate_cost") and the mean rate in Hz."""
        self.check_fits(s, O)
        y = np.transpose(self.y, (1, 0, 2))
        m = self.mask.T[..., None] / self.mask.sum()       # steps x batch x 1
        err = s @ O.T - y
        error = 0.5 * float(np.sum(m * err * err))
        rate = float(s.mean())
        J = error + self.rate_cost * rate
        de = m * err
        ds = de @ O + self.rate_cost / s.size
        dO = np.tensordot(de, s, axes=([0, 1], [0, 1]))
        return J, {"error": error, "rate_cost": self.rate_cost * rate, "rate_hz": rate}, ds, dO
