"""Rate functions of the dynamic LIF neuron (Samadi et al. 2017, §2.4): the tanh fit of
eq. 2.10, its slope, and the exact mean output for a constant drive.
"""

from __future__ import annotations

import numpy as np
from brian2 import ms

__all__ = ["tanh_activation", "tanh_activation_slope", "closed_form_activity"]

def tanh_activation(v, c1: float = 0.82, c2: float = 0.08):
    """Rate approximation of the LIF neuron's mean output, E(a) = max(0, c1 tanh(c2 v)) (eq. 2.10)."""
    v = np.asarray(v, dtype=float)
    return np.maximum(0.0, c1 * np.tanh(c2 * v))

def tanh_activation_slope(v, c1: float = 0.82, c2: float = 0.08):
    """dE(a)/dv of :func:`tanh_activation`: c1 c2 sech²(c2 v) for v > 0, else 0."""
    v = np.asarray(v, dtype=float)
    return np.where(v > 0, c1 * c2 / np.cosh(c2 * v) ** 2, 0.0)

def closed_form_activity(v, tau=20 * ms, h_th: float = 0.4, t_ref=1 * ms):
    """Exact mean output of the continuous-time neuron for a constant drive v (§2.4).

    After a pulse h restarts at 0 and reaches h_th after tau log(v / (v - h_th)), so
    E(a) = t_ref / (t_ref + tau log(v / (v - h_th))) for v > h_th, and 0 otherwise.
    """
    v = np.asarray(v, dtype=float)
    tau_s, t_ref_s = float(tau), float(t_ref)
    out = np.zeros_like(v)
    above = v > h_th
    rise = tau_s * np.log(v[above] / (v[above] - h_th))
    out[above] = t_ref_s / (t_ref_s + rise)
    return out
