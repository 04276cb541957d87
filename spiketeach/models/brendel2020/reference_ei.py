"""The E/I network's step in plain numpy, the authors' loop (``Figure4/Learning.m``,
``runnet.m``) in the order of the Brian2 network of :mod:`.layers`.

Per step: Euler leak, feedforward drive and voltage noise; the jumps of last step's E and I
spikes; the E choice (largest V - T - noise fires if >= 0 and not refractory; ties to the lower
index); this step's E spike jumps onto I; the I choice; the five rules with this step's voltages,
clipped for Dale's law; then r += 1. The tests prove it equal to the Brian2 network with the noise
off; it evaluates frozen weight snapshots quickly.
"""

from __future__ import annotations

import numpy as np

from spiketeach.models import spike_coding as sc

from .layers import EIWeights, check_ei_weights
from .params import Brendel2020EIParams

__all__ = ["simulate_ei"]


def _choose(V, T, sigma, rng, last, t, ref):
    """The one spike of a population (:func:`~spiketeach.models.spike_coding.choose_spike`)
    unless that neuron fired within ``ref`` steps of step ``t`` (``last``: its last spikes)."""
    k = sc.choose_spike(V, T, sigma, rng)
    return k if k >= 0 and t - last[k] > ref else -1


def simulate_ei(weights: EIWeights, stimulus, params: Brendel2020EIParams, *, learn: bool = False,
                rng: np.random.Generator | None = None, record: bool = True) -> dict:
    """Run ``stimulus`` (steps x J, 1/s); returns ``spikes_e``, ``spikes_i`` (steps x n),
    ``V_e``, ``r_e``, ``V_i``, ``r_i`` (end of each step; if ``record``), ``x`` (steps x J) and
    the final ``weights``. Noise from ``rng`` (none if None)."""
    p = params
    w = check_ei_weights(weights, p.n_inputs).copy()
    F, ee, ei, ie, ii = w.as_tuple()
    n_e, n_i = ee.shape[0], ii.shape[0]
    c = sc.check_stimulus(stimulus, p.n_inputs)
    dt, lam = p.dt, p.lam
    eps_rec, eps_ff = (p.eps_rec, p.eps_ff) if learn else (0.0, 0.0)
    noisy = rng is not None
    sve, svi = (p.sigma_v_e, p.sigma_v_i) if noisy else (0.0, 0.0)
    st = p.sigma_threshold if noisy else 0.0
    steps = c.shape[0]
    Ve, re, rei, Vi, ri = (np.zeros(n_e), np.zeros(n_e), np.zeros(n_e), np.zeros(n_i),
                           np.zeros(n_i))
    x, x_ff = np.zeros(p.n_inputs), np.zeros(p.n_inputs)
    last_e, last_i = np.full(n_e, -10 ** 9), np.full(n_i, -10 ** 9)
    Se, Si = np.zeros((steps, n_e)), np.zeros((steps, n_i))
    rec = {k: np.zeros((steps, n)) for k, n in (("V_e", n_e), ("r_e", n_e), ("V_i", n_i),
                                                ("r_i", n_i))} if record else {}
    xs = np.zeros((steps, p.n_inputs))
    auto = -p.w_ee_autapse_abs
    ke = ki = -1
    for t in range(steps):
        ct = c[t]
        x = x + dt * (-lam * x + ct)
        x_ff = x_ff + dt * (-p.lam_ff * x_ff + ct)
        Ve = Ve + dt * (-lam * Ve + F @ ct)
        Vi = Vi - dt * lam * Vi
        if sve:
            Ve = Ve + sve * rng.standard_normal(n_e)
        if svi:
            Vi = Vi + svi * rng.standard_normal(n_i)
        re, ri = re * (1 - dt * lam), ri * (1 - dt * lam)
        rei = rei * (1 - dt * p.lam_ei)
        if ke >= 0:
            Ve = Ve + ee[:, ke]
        if ki >= 0:
            Ve = Ve + ie[:, ki]
            Vi = Vi + ii[:, ki]
        ke = _choose(Ve, p.threshold_e, st, rng, last_e, t, p.refractory_steps)
        if ke >= 0:
            Vi = Vi + ei[:, ke]
        ki = _choose(Vi, p.threshold_i, st, rng, last_i, t, p.refractory_steps)
        if ke >= 0 and (eps_rec or eps_ff):
            F[ke] += eps_ff * (p.alpha * x_ff - F[ke])
            ee[:, ke] = np.maximum(ee[:, ke] - eps_rec * (p.beta * (Ve + p.mu_e * re)
                                                          + ee[:, ke]), 0.0)
            ee[ke, ke] = auto
        if ki >= 0 and (eps_rec or eps_ff):
            ei[ki] = np.maximum(ei[ki] + eps_ff * (rei - ei[ki]), 0.0)
            d = p.beta * (Vi + p.mu_i * ri) + ii[:, ki]
            d[ki] += p.mu_i
            ii[:, ki] = np.minimum(ii[:, ki] - eps_rec * d, 0.0)
            ie[:, ki] = np.minimum(ie[:, ki] - eps_rec * (p.beta * (Ve + p.mu_e * re)
                                                          + ie[:, ki]), 0.0)
        if ke >= 0:
            Se[t, ke] = 1
            re[ke] += 1
            rei[ke] += 1
            last_e[ke] = t
        if ki >= 0:
            Si[t, ki] = 1
            ri[ki] += 1
            last_i[ki] = t
        xs[t] = x
        if record:
            rec["V_e"][t], rec["r_e"][t], rec["V_i"][t], rec["r_i"][t] = Ve, re, Vi, ri
    return {"spikes_e": Se, "spikes_i": Si, "x": xs, **rec,
            "weights": EIWeights(F, ee, ei, ie, ii)}
