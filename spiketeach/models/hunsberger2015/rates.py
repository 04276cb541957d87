"""LIF and soft-LIF rate functions with their analytic derivatives (numpy, vectorised).

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons.
arXiv:1510.08829. (Fig. 1; rate equations as in the first author's thesis;
docs/papers/hunsberger2015.md.)

Input current ``j`` is normalised so that the LIF threshold is j = 1 (V_th = 1, reset 0)::

    LIF rate     r(j)    = 1 / (tau_ref + tau_rc log(1 + 1/rho(j - 1))),   rho(x) = max(x, 0)
    soft LIF     r_g(j)  = 1 / (tau_ref + tau_rc log(1 + 1/rho_g(j - 1))),
                 rho_g(x) = g log(1 + e^{x/g})                        (g: gamma, the smoothing)
    derivatives  r'(j)   = tau_rc r(j)^2 / ((j - 1) j)     j > 1, else 0 (unbounded at 1+)
                    r_g'(j) = tau_rc r_g(j)^2 sigmoid((j-1)/g) / (p (1 + p)),   p = rho_g(j - 1)

As j -> 1 from below the soft-LIF derivative tends to tau_rc r_g^2 / g (p ~ g e^{(j-1)/g} and
sigmoid ~ e^{(j-1)/g}), so it is bounded everywhere; as g -> 0, r_g -> r. A network unit with
net input x (weights x inputs + bias) has j = gain x + 1 and outputs amplitude x r(j):
:func:`unit_output`.

Numerical safety (no overflow, no NaN, no division by zero at j = 1):

* softplus is ``np.logaddexp(0, z)``;
* where z = (j - 1)/g < -30, log(1 + 1/p) is replaced by its asymptote -log(g) - z, which is
  exact to e^{-30}; the rate then decays smoothly to 0 instead of dividing by an underflowed p;
* r_g' uses sigmoid(z)/p -> 1/g there for the same reason.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from ..lif import lif_rate as _lif_rate
from ..lif import lif_rate_derivative as _lif_rate_derivative
from .params import Hunsberger2015Params, check_nonnegative, check_positive

__all__ = ["lif_rate", "lif_rate_derivative", "soft_lif_rate", "soft_lif_rate_derivative",
           "softplus", "relu", "relu_derivative", "unit_output", "unit_derivative", "KINDS"]

#: below z = (j - 1)/gamma = _ASYMPTOTE, log(1 + 1/p) is evaluated by its asymptote
_ASYMPTOTE = -30.0

#: network unit types: "relu", "lif" (hard LIF rate, what spiking neurons fire at) and "softlif"
KINDS = ("relu", "lif", "softlif")


def _checked(tau_rc, tau_ref, gamma=None):
    tau_rc = check_positive("tau_rc", tau_rc)
    tau_ref = check_nonnegative("tau_ref", tau_ref)
    if gamma is None:
        return tau_rc, tau_ref
    return tau_rc, tau_ref, check_positive("gamma", gamma)


def softplus(z):
    """log(1 + e^z), without overflow for large z."""
    return np.logaddexp(0.0, z)


def lif_rate(j, tau_rc=0.022, tau_ref=0.002):
    """LIF firing rate (Hz) for constant current ``j`` (threshold 1); 0 for j <= 1.

    Wraps :func:`spiketeach.models.lif.lif_rate` (the same closed form) with parameter checks;
    j just above 1 gives a rate that tends to 0, never a division error.
    """
    tau_rc, tau_ref = _checked(tau_rc, tau_ref)
    with np.errstate(divide="ignore", over="ignore"):
        return _lif_rate(j, tau_rc, tau_ref)


def lif_rate_derivative(j, tau_rc=0.022, tau_ref=0.002):
    """dr/dj of :func:`lif_rate` (Hz per unit current); 0 for j <= 1, unbounded as j -> 1+."""
    tau_rc, tau_ref = _checked(tau_rc, tau_ref)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        out = _lif_rate_derivative(j, tau_rc, tau_ref)
    return np.nan_to_num(out, nan=0.0, posinf=np.inf)


def _soft_parts(j, gamma):
    """z = (j - 1)/gamma, p = rho_gamma(j - 1) and L = log(1 + 1/p), safely."""
    j = np.asarray(j, dtype=float)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        z = (j - 1.0) / gamma
        p = gamma * softplus(z)
        far = z < _ASYMPTOTE
        L = np.where(far, -np.log(gamma) - z, np.log1p(1.0 / np.where(far, 1.0, p)))
    return z, p, L, far


def soft_lif_rate(j, tau_rc=0.022, tau_ref=0.002, gamma=0.02):
    """Soft-LIF rate (Hz): the LIF rate with max(j - 1, 0) replaced by gamma softplus((j-1)/gamma).

    Positive for every finite j (it tends to 0 as j -> -inf), equal to 1/tau_ref at j = +inf.
    """
    tau_rc, tau_ref, gamma = _checked(tau_rc, tau_ref, gamma)
    _, _, L, _ = _soft_parts(j, gamma)
    with np.errstate(divide="ignore"):
        return 1.0 / (tau_ref + tau_rc * L)


def soft_lif_rate_derivative(j, tau_rc=0.022, tau_ref=0.002, gamma=0.02):
    """d r_gamma / dj (Hz per unit current): continuous, bounded, finite for every j."""
    tau_rc, tau_ref, gamma = _checked(tau_rc, tau_ref, gamma)
    z, p, L, far = _soft_parts(j, gamma)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        r = 1.0 / (tau_ref + tau_rc * L)
        sig = expit(z)                                          # sigmoid(z), accurate for z << 0
        # sigmoid(z) / p, with its limit 1/gamma where p underflows
        s_over_p = np.where(far, 1.0 / gamma, sig / np.where(far, 1.0, p))
        out = tau_rc * r * r * s_over_p / (1.0 + p)
    # j = +inf: r = 1/tau_ref, p = inf -> the derivative is 0
    return np.where(np.isposinf(p), 0.0, out)


def relu(x):
    """max(x, 0)."""
    return np.maximum(x, 0.0)


def relu_derivative(x):
    """1 where x > 0, else 0."""
    return (np.asarray(x) > 0).astype(float)


def unit_output(x, params: Hunsberger2015Params, kind: str = "softlif"):
    """Output of a network unit with net input ``x``: amplitude x rate(gain x + 1), or ReLU.

    ``kind`` is one of :data:`KINDS`. ReLU ignores the neuron parameters.
    """
    if kind == "relu":
        return relu(x)
    j = params.gain * np.asarray(x, dtype=float) + 1.0
    if kind == "softlif":
        return params.amplitude * soft_lif_rate(j, params.tau_rc, params.tau_ref, params.gamma)
    if kind == "lif":
        return params.amplitude * lif_rate(j, params.tau_rc, params.tau_ref)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def unit_derivative(x, params: Hunsberger2015Params, kind: str = "softlif"):
    """d unit_output / dx (amplitude x gain x dr/dj for the LIF kinds)."""
    if kind == "relu":
        return relu_derivative(x)
    j = params.gain * np.asarray(x, dtype=float) + 1.0
    scale = params.amplitude * params.gain
    if kind == "softlif":
        return scale * soft_lif_rate_derivative(j, params.tau_rc, params.tau_ref, params.gamma)
    if kind == "lif":
        return scale * lif_rate_derivative(j, params.tau_rc, params.tau_ref)
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
