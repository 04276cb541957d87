"""The network's step in plain numpy, as the authors' Matlab loop (runnet.m / Learning.m) writes it.

Same order and discretisation as the Brian2 network of :mod:`.network` (the tests prove the two
give the same spikes, voltages and weights with the noise off): Euler leak and feedforward drive;
the neuron with the largest V - T - noise fires if that margin is >= 0 (one spike per step, ties
to the lower index); its recurrent jumps and both learning rules use the values from just before
the spike; then its filtered rate r += 1. Used to evaluate frozen weight snapshots quickly.
"""

from __future__ import annotations

import numpy as np

from spiketeach.models import spike_coding as sc

from .network import check_weights
from .params import Brendel2020Params

__all__ = ["simulate"]


def simulate(F, omega, stimulus, params: Brendel2020Params, *, thresholds=None,
             learn: bool = False, rng: np.random.Generator | None = None,
             record: bool = True) -> dict:
    """Run ``stimulus`` (steps x J, 1/s) through the network; returns a dict with ``spikes``
    (steps x N), ``V`` and ``r`` (steps x N, end of each step), ``x`` (steps x J) and the final
    ``F`` and ``omega``. Noise is drawn from ``rng`` (none if ``rng`` is None)."""
    F, omega = check_weights(F, omega)
    F, omega = F.copy(), omega.copy()
    N, J = F.shape
    c = sc.check_stimulus(stimulus, J)
    T = np.full(N, params.threshold) if thresholds is None else np.asarray(thresholds, float)
    dt, lam, lam_ff = params.dt, params.lam, params.lam_ff
    eps_rec, eps_ff = (params.eps_rec, params.eps_ff) if learn else (0.0, 0.0)
    beta, mu, alpha = params.beta, params.mu, params.alpha
    sv = params.sigma_v if rng is not None else 0.0
    st = params.sigma_threshold if rng is not None else 0.0
    steps = c.shape[0]
    V, r, x, x_ff = np.zeros(N), np.zeros(N), np.zeros(J), np.zeros(J)
    spikes = np.zeros((steps, N))
    Vs, rs, xs = (np.zeros((steps, N)), np.zeros((steps, N)), np.zeros((steps, J))) if record \
        else (None, None, None)
    for t in range(steps):
        ct = c[t]
        x = x + dt * (-lam * x + ct)
        x_ff = x_ff + dt * (-lam_ff * x_ff + ct)
        V = V + dt * (-lam * V + F @ ct)
        if sv:
            V = V + sv * rng.standard_normal(N)
        r = r + dt * (-lam * r)
        k = sc.choose_spike(V, T, st, rng)
        if k >= 0:
            spikes[t, k] = 1
            col = omega[:, k].copy()
            if eps_rec:
                omega[:, k] = sc.voltage_rule(col, V, r, k, eps_rec, beta, mu)
            V = V + col
            if eps_ff:
                F[k] += eps_ff * (alpha * x_ff - F[k])
            r[k] += 1
        if record:
            Vs[t], rs[t], xs[t] = V, r, x
    return {"spikes": spikes, "V": Vs, "r": rs, "x": xs, "F": F, "omega": omega}
