"""The right-hand sides of :mod:`.equations` as vectorised numpy, with their derivatives.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

The neuron's right-hand side is affine in the current, dv/dt = a(v) + c(v) I, and the gate is
g(v); the adjoint (:mod:`.adjoint`) needs a', c' and g' too. These are the same expressions as
the Brian2 strings (tests/models/huh2018/test_network.py runs both and compares).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import i0e

from .params import Huh2018Params

__all__ = ["drive_terms", "gate", "gate_integral"]


def drive_terms(v, p: Huh2018Params):
    """``(a, c, a', c')`` with dv/dt = a(v) + c(v) I (units 1/s), elementwise over ``v``."""
    v = np.asarray(v, dtype=float)
    if p.neuron == "theta":
        cos, sin = np.cos(v), np.sin(v)
        return (1.0 - cos) / p.tau_v, (1.0 + cos) / p.tau_v, sin / p.tau_v, -sin / p.tau_v
    inv = 1.0 / p.tau_v
    return v * v * inv, np.full_like(v, inv), 2.0 * v * inv, np.zeros_like(v)


def gate(v, p: Huh2018Params):
    """``(g, g')`` of the gate over the voltage ``v``; g integrates to 1 over the zone.

    The boxcar's derivative is 0 wherever it is defined (its edges are a set of measure zero,
    where the discretised loss jumps; see :mod:`.adjoint`).
    """
    v = np.asarray(v, dtype=float)
    if p.neuron == "theta":
        if p.gate == "boxcar":
            g = (-np.cos(v) > math.cos(p.delta / 2)).astype(float) / p.delta
            return g, np.zeros_like(v)
        kappa = p.kappa
        g = np.exp(-kappa * (1.0 + np.cos(v))) / (2 * math.pi * i0e(kappa))
        return g, kappa * np.sin(v) * g
    if p.gate == "boxcar":
        g = (np.abs(v - p.v_gate) < p.delta / 2).astype(float) / p.delta
        return g, np.zeros_like(v)
    sig = p.sigma_gate
    z = (v - p.v_gate) / sig
    g = np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * sig)
    return g, -z / sig * g


def gate_integral(p: Huh2018Params, n: int = 200_001) -> float:
    """int g dv over one period (theta) or the real line (QIF), by the trapezoid rule: 1."""
    if p.neuron == "theta":
        v = np.linspace(0.0, 2 * math.pi, n)
    else:
        v = np.linspace(p.v_reset, p.v_peak, n)
    return float(np.trapezoid(gate(v, p)[0], v))
