"""Standard LIF neuron of Hunsberger & Eliasmith (COSYNE 2017 poster), its rate and derivatives.

Hunsberger E, Eliasmith C (2017). Biologically realistic supervised deep learning in spiking LIF
neurons. COSYNE 2017 poster (source: github.com/hunse/phd, ``cosyne_poster/poster.tex``; thesis
code ``hunse_thesis/{online_learning,neurons}.py``; facts in docs/papers/hunsberger2017.md).

Neuron (poster's LIF equations)::

    tau_rc dV/dt = -V + J(t),   spike when V > 1, then V = 0 for t_ref,   J = gain * s + bias

Two Brian2 forms of the same neuron are given:

* :data:`LIF_ODE` — the ODE as written, integrated exactly by Brian2 between steps, with Brian2's
  own refractoriness. Spike times are whole steps, so the rate is quantised at coarse dt
  (at dt = 1 ms and 500 Hz, every inter-spike interval is rounded up to a step).
* :data:`LIF_SUBSTEP` (the networks' default) — the same ODE solved exactly *within* each step,
  with the spike time located inside the step (V crosses 1 at dt + tau_rc log1p(-(V-1)/(J-1))) and
  the refractory period counted from that instant. This is what Nengo's reference simulator does
  (the original code's simulator), so a constant current gives the closed-form rate at any dt.

Each spike is a delta of area ``amplitude`` (Nengo's convention: a filtered spike train is
``amplitude × rate``; 0.024 in the original). In Brian2's dimensionless variables this area is
``area = amplitude * second``.

Rate and derivatives (poster panel "LIF derivative")::

    r(j)   = 1 / (t_ref + tau_rc log(1 + 1/max(j-1, 0)))                       LIF rate
    r'(j)  = tau_rc r(j)^2 / ((j-1) j)                                          diverges at j -> 1+
    rIF(j) = 1 / (t_ref + tau_rc / max(j-1, 0))                                 refractory IF rate
    f'(j)  = amplitude * tau_rc / (t_ref (j-1) + tau_rc)^2,   j > 1, else 0     the surrogate used
    step:  f'(j) = d * amplitude / tau_rc * [j > 1]                             "plain IF also works"
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Clock, NeuronGroup, ms, second

from spiketeach.core.fields import quantity

__all__ = ["LIFParams", "lif_rate", "lif_rate_derivative", "if_rate", "surrogate_derivative", "step_derivative", "gain_bias", "LIF_ODE", "LIF_SUBSTEP", "LIF_SUBSTEP_UPDATE", "LIF_SUBSTEP_RESET", "ACTIVITY_TRACE", "SURROGATES", "lif_namespace", "lif_group"]

@dataclass(frozen=True)
class LIFParams:
    """The constants the LIF population equations of this module read.

    Defaults: Nengo's LIF with the constants of Hunsberger & Eliasmith's poster code (a family's
    parameter class hands its own values over, e.g. ``HunsbergerParams.lif``).
    """

    #: membrane time constant
    tau_rc: object = quantity(50 * ms)
    #: refractory period
    tau_ref: object = quantity(2 * ms)
    #: area of one spike: a filtered spike train is ``amplitude x rate``
    amplitude: float = 0.024
    #: locate spikes inside the step (Nengo's LIF; False: Brian2 ODE + refractoriness)
    substep_spikes: bool = True
    #: alpha synapse time constant (read by the alpha synapse equations)
    tau_s: object = quantity(3 * ms)
    #: low-pass of the pre-synaptic activity (``ACTIVITY_TRACE``)
    tau_pre: object = quantity(5 * ms)
    #: height of the step surrogate derivative relative to amplitude/tau_rc
    step_height: float = 0.33

# ----------------------------------------------------------------------------- rate functions
def lif_rate(j, tau_rc=0.05, tau_ref=0.002):
    """Closed-form LIF rate (Hz) for constant input current ``j`` (times in seconds)."""
    j = np.asarray(j, dtype=float)
    out = np.zeros_like(j)
    above = j > 1
    out[above] = 1.0 / (tau_ref + tau_rc * np.log1p(1.0 / (j[above] - 1.0)))
    return out

def lif_rate_derivative(j, tau_rc=0.05, tau_ref=0.002):
    """dr/dj of :func:`lif_rate` (Hz per unit current); diverges as j -> 1+ (figure only)."""
    j = np.asarray(j, dtype=float)
    out = np.zeros_like(j)
    above = j > 1
    r = lif_rate(j[above], tau_rc, tau_ref)
    out[above] = tau_rc * r ** 2 / ((j[above] - 1.0) * j[above])
    return out

def if_rate(j, tau_rc=0.05, tau_ref=0.002):
    """Rate of the refractory integrate-and-fire neuron, 1 / (t_ref + tau_rc / (j - 1))."""
    j = np.asarray(j, dtype=float)
    out = np.zeros_like(j)
    above = j > 1
    out[above] = 1.0 / (tau_ref + tau_rc / (j[above] - 1.0))
    return out

def surrogate_derivative(j, tau_rc=0.05, tau_ref=0.002, amplitude=1.0):
    """amplitude × d rIF/dj = amplitude tau_rc / (tau_ref (j-1) + tau_rc)^2 for j > 1, else 0.

    Peak amplitude/tau_rc at threshold (0.48 with the code's 0.024 and 50 ms).
    """
    j = np.asarray(j, dtype=float)
    return np.where(j > 1, amplitude * tau_rc / (tau_ref * np.maximum(j - 1, 0) + tau_rc) ** 2, 0.0)

def step_derivative(j, tau_rc=0.05, amplitude=1.0, height=0.33):
    """The plain IF (step) derivative: height × amplitude / tau_rc where j > 1."""
    j = np.asarray(j, dtype=float)
    return np.where(j > 1, height * amplitude / tau_rc, 0.0)

def gain_bias(max_rates, intercepts, tau_rc=0.05, tau_ref=0.002):
    """Gain and bias that make a LIF neuron start firing at ``intercepts`` and fire at
    ``max_rates`` for a unit input along its encoder (Nengo's LIF.gain_bias)."""
    max_rates = np.asarray(max_rates, dtype=float)
    intercepts = np.asarray(intercepts, dtype=float)
    if np.any(max_rates >= 1.0 / tau_ref):
        raise ValueError(f"max rates must stay below 1/tau_ref = {1 / tau_ref:g} Hz")
    if np.any(intercepts >= 1.0):
        raise ValueError("intercepts must be < 1")
    x = 1.0 / (1.0 - np.exp((tau_ref - 1.0 / max_rates) / tau_rc))
    gain = (1.0 - x) / (intercepts - 1.0)
    bias = 1.0 - gain * intercepts
    return gain, bias

# ----------------------------------------------------------------------------- Brian2 equations
#: LIF as an ODE (poster): Brian2 integrates it exactly; refractory via Brian2 (``unless refractory``).
#: ``s`` (the input, e.g. alpha-filtered synaptic current) is defined by the extra equations.
LIF_ODE = """
dV/dt = (J - V) / tau_rc : 1 (unless refractory)   # tau_rc dV/dt = -V + J (poster)
J = bias + gain * s : 1                           # input current
gain : 1 (constant)
bias : 1 (constant)
"""

#: LIF with spike times inside the step (Nengo's update): the state; V is advanced by
#: :data:`LIF_SUBSTEP_UPDATE` every step and reset by :data:`LIF_SUBSTEP_RESET`.
LIF_SUBSTEP = """
V : 1                                             # membrane potential
ref : second                                      # refractory time left (counted from the spike)
J = bias + gain * s : 1                           # input current
gain : 1 (constant)
bias : 1 (constant)
"""

#: Exact solution of tau_rc dV/dt = -V + J over the part of the step that is not refractory.
#: 1 - exp(-x) is written as its Taylor series: x <= dt/tau_rc = 0.02 at dt = 1 ms, so the
#: truncation error (x^4/24 < 7e-9) is far below float32, and no exp() per neuron per step.
LIF_SUBSTEP_UPDATE = """
ref = ref - dt
x_free = clip(dt - ref, 0*second, dt) / tau_rc
V = V + (J - V) * x_free * (1 - x_free/2 + x_free*x_free/6 - x_free*x_free*x_free/24)
"""

#: Spike at V > 1: the spike happened at dt + tau_rc log1p(-(V-1)/(J-1)) after the step began,
#: and the refractory period starts there (so the next step's ``ref - dt`` leaves t_ref - overshoot).
LIF_SUBSTEP_RESET = """
ref = tau_ref + dt + tau_rc * log1p(-(V - 1) / (J - 1))
V = 0
"""

#: Low-passed activity used as the pre-synaptic factor of the learning rules (code: 5 ms);
#: its mean is amplitude × rate.
ACTIVITY_TRACE = """
dapre/dt = -apre / tau_pre : 1                    # low-passed spikes (area amplitude each)
"""

#: Surrogate derivatives f'(J) of the hidden neurons, as Brian2 expressions (dimensionless:
#: ``area/tau_rc`` = amplitude / (tau_rc in s)).
SURROGATES = {
    "if": "area * tau_rc / (tau_ref * (J - 1) + tau_rc)**2 * int(J > 1)",
    "step": "step_height * area / tau_rc * int(J > 1)",
}

def lif_namespace(params: LIFParams) -> dict:
    """Constants of the LIF, synapse and learning equations."""
    return {
        "tau_rc": params.tau_rc,
        "tau_ref": params.tau_ref,
        "tau_s": params.tau_s,
        "tau_pre": params.tau_pre,
        "area": params.amplitude * second,
        "step_height": params.step_height,
    }

def lif_group(n: int, params: LIFParams, clock: Clock, *, extra_equations: str = "",
              namespace: dict | None = None, trace: bool = False, name: str | None = None,
              method: str = "exact", events: dict | None = None) -> NeuronGroup:
    """A population of ``n`` LIF neurons (threshold 1, reset 0, refractory ``tau_ref``).

    Parameters
    ----------
    extra_equations : str
        Must define the input ``s`` (e.g. the alpha synapse of
        :mod:`spiketeach.models.alpha`, or ``s = stimulus(t, i) : 1``).
    trace : bool
        Add the 5 ms low-passed activity ``apre`` used by the learning rules.
    method : str
        Integration method of the extra (linear) equations.
    events : dict, optional
        Custom events (e.g. spikes inside recording windows).
    """
    ns = lif_namespace(params) | (namespace or {})
    eqs = (LIF_SUBSTEP if params.substep_spikes else LIF_ODE) + extra_equations
    reset = LIF_SUBSTEP_RESET if params.substep_spikes else "V = 0"
    if trace:
        eqs += ACTIVITY_TRACE
        reset += "\napre += area / tau_pre"
    kwargs = {} if params.substep_spikes else {"refractory": params.tau_ref}
    group = NeuronGroup(n, eqs, threshold="V > 1", reset=reset, method=method, namespace=ns,
                        clock=clock, name=name or "lif*", events=dict(events or {}), **kwargs)
    if params.substep_spikes:
        # after the linear ODEs of the group (its state updater, order 0) and before thresholds
        group.run_regularly(LIF_SUBSTEP_UPDATE, when="groups", order=1, name=f"{group.name}_lif")
    return group
