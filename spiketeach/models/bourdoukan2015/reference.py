"""The step of :mod:`.network` in plain numpy, in the same order (the tests prove the two equal
with the noise off): readout x_hat = D r and A x from the last step; the currents (feedforward,
slow W r, fed-back error K F (x - x_hat)); Euler steps of the target x and of V, r's leak; the
slow rule; the one spike (largest V - T - noise, if >= 0; ties to the lower index) with the fast
rule and its jumps from the values before it; r += 1. Used to evaluate frozen weights quickly.
"""

from __future__ import annotations

import numpy as np

from spiketeach.models import spike_coding as sc

from .network import Weights, check_weights, thresholds
from .params import Bourdoukan2015Params

__all__ = ["simulate"]


def simulate(weights: Weights, stimulus, params: Bourdoukan2015Params, *, learn: bool = False,
             feedback: bool = True, rng: np.random.Generator | None = None,
             record: bool = True) -> dict:
    """Run ``stimulus`` (steps x J, 1/s). Returns ``spikes`` (steps x N), ``x`` (steps x J),
    ``r``, ``V``, ``I_err`` (steps x N, end of step; if ``record``) and the final ``weights``."""
    p = params
    w = check_weights(weights, p).copy()
    D, fast, slow = w.D, w.fast, w.slow
    F = D.T
    N, J = p.n_neurons, p.n_inputs
    c = sc.check_stimulus(stimulus, J)
    A = np.asarray(p.A, dtype=float)
    T = thresholds(D, p.mu)
    K = p.feedback_gain if feedback else 0.0
    eps_f, eps_s = (p.eps_fast, p.eps_slow) if learn else (0.0, 0.0)
    sv = p.sigma_v if rng is not None else 0.0
    st = p.sigma_threshold if rng is not None else 0.0
    dt, lam = p.dt, p.lam
    steps = c.shape[0]
    x, V, r = np.zeros(J), np.zeros(N), np.zeros(N)
    S = np.zeros((steps, N))
    xs = np.zeros((steps, J))
    rec = {k: np.zeros((steps, N)) for k in ("V", "r", "I_err")} if record else {}
    for t in range(steps):
        xhat = D @ r
        Ax = A @ x
        I_ff = F @ c[t]
        I_err = K * (F @ (x - xhat))
        I_slow = slow @ r
        x = x + dt * (Ax + c[t])
        V = V + dt * (-lam * V + I_ff + I_slow + I_err)
        if sv:
            V = V + sv * rng.standard_normal(N)
        r = r * (1 - lam * dt)
        if eps_s:
            slow += eps_s * dt * np.outer(I_err, r)
        k = sc.choose_spike(V, T, st, rng)
        if k >= 0:
            col = fast[:, k].copy()
            if eps_f:
                fast[:, k] = sc.voltage_rule(col, V, r, k, eps_f, p.beta, p.mu)
            V = V + col
            r[k] += 1
            S[t, k] = 1
        xs[t] = x
        if record:
            rec["V"][t], rec["r"][t], rec["I_err"][t] = V, r, I_err
    return {"spikes": S, "x": xs, **rec, "weights": Weights(D, fast, slow)}
