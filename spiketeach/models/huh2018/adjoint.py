"""The exact gradient of the discretised network: adjoint (backward) dynamics in numpy.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31. The paper
derives the gradient from adjoint state variables (p_v in its eqs. 5-6); its text could not be
read, so this is our derivation, for the forward-Euler system of :mod:`.discrete` (the same
steps Brian2 takes), and it is **exact for that discretised system**: the tests match it to
central finite differences to 1e-4 relative for every weight matrix and the bias.

Forward step (per trial; a, c, g from :mod:`.dynamics`, k = dt / tau_s)::

    I_n = U x_n + W s_n + b,    F_n = a(v_n) + c(v_n) I_n
    v_n+1 = v_n + dt F_n,       s_n+1 = (1 - k) s_n + k g(v_n) F_n

With lam_v, lam_s the adjoints (total derivatives of J with respect to v_n, s_n; zero after the
last step), e_n = dJ/ds_n from the loss, F'_n = a'(v_n) + c'(v_n) I_n and A = lam_v,n+1 (set to 0
at a QIF reset, whose new v depends on nothing), backwards from n = T - 1 to 0::

    q_n      = c(v_n) (A + g(v_n) lam_s,n+1 / tau_s)              (dJ/dI_n = dt q_n)
    lam_s,n  = e_n + (1 - k) lam_s,n+1 + dt W^T q_n
    lam_v,n  = A + dt [F'_n (A + g(v_n) lam_s,n+1 / tau_s) + g'(v_n) F_n lam_s,n+1 / tau_s]

and the gradients are sums over steps and trials::

    dJ/dW = dt sum_n q_n s_n^T,   dJ/dU = dt sum_n q_n x_n^T,   dJ/db = dt sum_n q_n,
    dJ/dO from the loss (:class:`.objective.Objective`).

This is the facts sheet's continuous adjoint (docs/papers/huh2018.md, section 3) taken at the
start of each step: there, q = p_v + g p_s / tau and g' cancels; in the discrete system g'
stays, as a term of order dt. q is the "postsynaptic, gate-weighted" factor and s the
presynaptic one of the paper's STDP-like form. Boxcar gate: g' = 0 except on the zone's edges,
where the discretised loss jumps by k F / Delta (a step starting just inside vs just outside);
the gradient is exact between those jumps (a smooth gate has none).

Only the time recursion is a Python loop; everything else is done for all steps at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .discrete import Trajectory, currents, simulate
from .dynamics import drive_terms, gate
from .objective import Objective
from .params import Huh2018Params
from .weights import NAMES, Weights, check_inputs

__all__ = ["Gradient", "backward", "loss_and_gradient"]


@dataclass(frozen=True)
class Gradient:
    """dJ/d(U, W, b, O) (shapes of :class:`.Weights`), the loss J and its parts."""

    U: np.ndarray
    W: np.ndarray
    b: np.ndarray
    O: np.ndarray  # noqa: E741
    loss: float
    parts: dict

    def as_dict(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in NAMES}

    def norm(self) -> float:
        return float(np.sqrt(sum(np.sum(g * g) for g in self.as_dict().values())))


def backward(weights: Weights, x, trajectory: Trajectory, objective: Objective,
             params: Huh2018Params) -> Gradient:
    """The gradient of ``objective`` over the recorded ``trajectory`` of inputs ``x`` (from
    :func:`.discrete.simulate`, or Brian2's recordings of the same network)."""
    p = params
    x = check_inputs(x, weights)
    v, s = trajectory.v, trajectory.s
    steps, batch, n = v.shape
    if x.shape[:2] != (batch, steps) or s.shape != v.shape or n != weights.n:
        raise ValueError(f"the trajectory ({steps} steps x {batch} trials x {n} neurons) does "
                         f"not fit the inputs {x.shape} and weights (n = {weights.n})")
    J, parts, E, dO = objective.evaluate(s, weights.O)
    x_tm = np.transpose(x, (1, 0, 2))
    current = currents(weights, x_tm, s)
    a, c, da, dc = drive_terms(v, p)
    F = a + c * current
    dF = da + dc * current
    g, dg = gate(v, p)
    keep = None if trajectory.reset is None else ~trajectory.reset
    k = p.dt / p.tau_s
    Q = np.empty_like(v)
    lam_v = np.zeros((batch, n))
    lam_s = np.zeros((batch, n))
    W = weights.W
    for step in range(steps - 1, -1, -1):
        A = lam_v if keep is None else lam_v * keep[step]
        Bs = lam_s / p.tau_s
        through = A + g[step] * Bs
        q = c[step] * through
        Q[step] = q
        lam_v = A + p.dt * (dF[step] * through + dg[step] * F[step] * Bs)
        lam_s = E[step] + (1.0 - k) * lam_s + p.dt * (q @ W)
    dW = p.dt * np.tensordot(Q, s, axes=([0, 1], [0, 1]))
    dU = p.dt * np.tensordot(Q, x_tm, axes=([0, 1], [0, 1]))
    db = p.dt * Q.sum(axis=(0, 1))
    return Gradient(dU, dW, db, dO, J, parts)


def loss_and_gradient(weights: Weights, x, objective: Objective, params: Huh2018Params,
                      v0=None) -> tuple[Gradient, Trajectory]:
    """Forward (:func:`.discrete.simulate`) then :func:`backward`: the gradient and the run."""
    trajectory = simulate(weights, x, params, v0=v0)
    return backward(weights, x, trajectory, objective, params), trajectory
