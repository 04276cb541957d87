"""The forward-Euler network in numpy: the discretised system the adjoint differentiates.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

One step n -> n + 1 (dt), for every trial of a batch at once, with every right-hand side taken
at the start of the step (Brian2's ``euler``, the same system as :mod:`.spiking`; the tests
compare them)::

    I_n     = U x_n + W s_n + b
    vdot_n  = a(v_n) + c(v_n) I_n                      (the neuron, :func:`.dynamics.drive_terms`)
    v_n+1   = v_n + dt vdot_n                          (QIF: then v_n+1 = v_reset if > v_peak)
    s_n+1   = s_n + dt / tau_s (-s_n + g(v_n) vdot_n)  (eq. 2)

The trajectory holds (v_n, s_n) for n = 0 .. T-1, the state at the start of each input step
(what Brian2 records with a StateMonitor at ``when="start"``), and for the QIF which steps reset.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dynamics import drive_terms, gate
from .params import Huh2018Params
from .weights import Weights, check_inputs

__all__ = ["Trajectory", "simulate", "currents"]


@dataclass(frozen=True)
class Trajectory:
    """States at the start of each step, time-major: ``v``, ``s`` (steps x batch x n);
    ``reset`` (same shape, bool) marks steps whose end was a QIF reset (None: theta neuron)."""

    v: np.ndarray
    s: np.ndarray
    reset: np.ndarray | None
    dt: float

    @property
    def steps(self) -> int:
        return self.v.shape[0]

    def spike_counts(self) -> np.ndarray:
        """Full sweeps through the spike per trial and neuron (batch x n): passes of theta
        through pi (mod 2 pi), or QIF resets."""
        if self.reset is not None:
            return self.reset.sum(axis=0)
        turns = np.floor((self.v - np.pi) / (2 * np.pi))
        return (turns[-1] - turns[0]).astype(int)

    def spike_steps(self, trial: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(step, neuron) of each spike of one trial: the step whose end lies past the spike."""
        if self.reset is not None:
            return np.nonzero(self.reset[:, trial])
        turns = np.floor((self.v[:, trial] - np.pi) / (2 * np.pi))
        step, neuron = np.nonzero(np.diff(turns, axis=0) > 0)
        return step, neuron


def currents(weights: Weights, x_tm: np.ndarray, s: np.ndarray) -> np.ndarray:
    """I_n for every recorded step at once (steps x batch x n); ``x_tm`` is time-major."""
    return x_tm @ weights.U.T + s @ weights.W.T + weights.b


def simulate(weights: Weights, x, params: Huh2018Params, v0=None) -> Trajectory:
    """Run the network on inputs ``x`` (batch x steps x n_in, or steps x n_in for one trial).

    ``v0``: initial voltage (scalar, n, or batch x n; default ``params.theta0``); s starts at 0.
    Plain per-step numpy: the baseline the benchmark compares the Brian2 forward pass with.
    """
    p = params
    x = check_inputs(x, weights)
    batch, steps, _ = x.shape
    n = weights.n
    v = np.broadcast_to(p.theta0 if v0 is None else np.asarray(v0, float), (batch, n)).copy()
    s = np.zeros((batch, n))
    ux = np.transpose(x, (1, 0, 2)) @ weights.U.T + weights.b  # steps x batch x n
    WT = weights.W.T
    V = np.empty((steps, batch, n))
    S = np.empty((steps, batch, n))
    R = np.zeros((steps, batch, n), dtype=bool) if p.neuron == "qif" else None
    k = p.dt / p.tau_s
    for step in range(steps):
        V[step], S[step] = v, s
        current = ux[step] + s @ WT
        a, c, _, _ = drive_terms(v, p)
        vdot = a + c * current
        g, _ = gate(v, p)
        s = s + k * (g * vdot - s)
        v = v + p.dt * vdot
        if R is not None:
            fired = v > p.v_peak
            v[fired] = p.v_reset
            R[step] = fired
    return Trajectory(V, S, R, p.dt)
