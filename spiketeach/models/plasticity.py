"""Broadcast-alignment plasticity of Samadi, Lillicrap & Tweed (2017), §2.5–2.7.

Every learning cell computes an intracellular teaching signal from its own drive and the error
broadcast to it (eq. 2.11)::

    iota = eta * sech²(c2 v) * delta   for v > 0, else 0,    delta = B e   (eq. 2.7)

and its synapses and bias change with momentum every time step (eqs. 2.12–2.13)::

    DW <- mu DW - iota a_pre ;  W <- W + DW
    Db <- mu Db - iota       ;  b <- b + Db

``learning_gate(t)`` (a TimedArray from the presentation protocol) is 0 during the first 20 ms of
each presentation and during test presentations (§2.7). Derivative-free learning (DF, §3) drops
the sech² factor but keeps the v > 0 gate (see ../shared/papers/samadi2017.md).
"""

from __future__ import annotations

from brian2 import NeuronGroup, Synapses

__all__ = ["TEACHING_SIGNAL", "IOTA_UPDATE", "SLOPES", "FAST_SLOPES", "WEIGHT_UPDATE",
           "BIAS_UPDATE", "teaching_signal_code", "add_teaching_signal", "add_bias_learning",
           "add_weight_learning", "add_learning_pass", "SLOPE_VARIABLE", "SLOPE_EVENT", "SLOPE_UPDATE",
           "slope_event", "add_slope_update"]

#: The cell's own slope factor in eq. 2.11: sech²(c2 v) (the derivative of tanh up to c1 c2, which
#: is absorbed into eta), or 1 for derivative-free learning.
SLOPES = {"sech2": "1/cosh(c2*v)**2", "none": "1"}

#: The same sech² written with one exp, for the fast formulation: sech²(x) = 4y/(1 + y)² with
#: y = e^(−2|x|) (never overflows). glibc's cosh costs about two exps, and this is the costliest
#: per-cell work of a learning step; equal to SLOPES["sech2"] within a few ulp
#: (tests/test_network.py).
FAST_SLOPES = {"sech2": "4*exp(-2*c2*abs(v))/(1 + exp(-2*c2*abs(v)))**2", "none": "1"}

#: Variables of a learning layer.
TEACHING_SIGNAL = """
delta : 1                        # B e, summed from the error cells (eq. 2.7)
iota : 1                         # teaching signal (eq. 2.11), set once per step by IOTA_UPDATE
eta : 1 (shared, constant)       # per-step rate: (1/fan-in) dt / learning window
Db : 1                           # last bias change (momentum)
"""

#: eq. 2.11, computed once per step at the end of the step, before any weight or bias changes
#: (so every update of the step sees the same iota and the drive the cell integrated).
#: ``{slope}`` and ``{gate}`` are filled in by :func:`teaching_signal_code`.
IOTA_UPDATE = "iota = learning_gate(t) * eta * {slope} * delta{gate}"

#: Fast formulation: the slope factor of eq. 2.11 (a cosh per cell and step, the costliest per-cell
#: work of a step) is computed only for the cells whose teaching signal is not zero anyway, in
#: the ``teach`` event (:data:`SLOPE_EVENT`: learning on, delta ≠ 0 and, where gated, v > 0), and
#: kept in ``slope``; eq. 2.11 then reads ``slope`` in place of the expression. Where the event
#: did not occur ``slope`` is out of date but finite and multiplied by 0, so iota is the same.
SLOPE_VARIABLE = """
slope : 1                        # sech²(c2 v), computed in the teach event only
"""
SLOPE_EVENT = "learning_gate(t) * delta{gate} != 0"
SLOPE_UPDATE = "slope = {slope}"

#: eq. 2.13, run by the forward synapses every time step
WEIGHT_UPDATE = """
DW = mu * DW - iota_post * a_pre
w += DW
"""

#: eq. 2.12 with the same momentum as the weights (the bias is a weight from a constant input)
BIAS_UPDATE = """
Db = mu * Db - iota
b += Db
"""


def teaching_signal_code(derivative: str = "sech2", gate_positive_drive: bool = True,
                         slope: str | None = None) -> str:
    """Eq. 2.11 with the chosen slope factor and v > 0 gate.

    Parameters
    ----------
    derivative : {"sech2", "none"}
        "sech2" for broadcast alignment with the cell's own slope; "none" for derivative-free.
    gate_positive_drive : bool
        Multiply by ``int(v > 0)`` (eq. 2.11). Off for the output layer by default.
    slope : str, optional
        The slope expression to use instead of the derivative's (the fast formulation's
        stored ``slope``, :func:`add_slope_update`).
    """
    if derivative not in SLOPES:
        raise ValueError(f"unknown derivative {derivative!r}; choose one of {sorted(SLOPES)}")
    return IOTA_UPDATE.format(slope=slope or SLOPES[derivative],
                              gate=" * int(v > 0)" if gate_positive_drive else "")


def slope_event(derivative: str = "sech2", gate_positive_drive: bool = True) -> dict:
    """``events`` for a layer of the fast formulation: ``{"teach": condition}`` for the sech²
    slope (:data:`SLOPE_EVENT`), none for derivative-free learning (its slope is 1)."""
    if derivative == "none":
        return {}
    return {"teach": SLOPE_EVENT.format(gate=" * int(v > 0)" if gate_positive_drive else "")}


def add_slope_update(layer: NeuronGroup, derivative: str = "sech2") -> str:
    """Fast formulation: compute the slope at the end of the step in the cells with a ``teach``
    event (the layer is built with :func:`slope_event` and :data:`SLOPE_VARIABLE`), before the
    learning pass; returns the slope expression eq. 2.11 then uses (``slope`` or ``1``)."""
    if derivative == "none":
        return SLOPES["none"]
    layer.thresholder["teach"].when = "end"
    layer.thresholder["teach"].order = -3
    layer.run_on_event("teach", SLOPE_UPDATE.format(slope=FAST_SLOPES[derivative]), when="end",
                       order=-2)
    return "slope"


def add_teaching_signal(layer: NeuronGroup, code: str) -> None:
    """Compute iota (eq. 2.11) at the end of every step, before the updates that use it."""
    layer.run_regularly(code, when="end", order=-1, name=f"{layer.name}_teaching_signal")


def add_bias_learning(layer: NeuronGroup) -> None:
    """Run eq. 2.12 every step at the end of the time step."""
    layer.run_regularly(BIAS_UPDATE, when="end", name=f"{layer.name}_bias_update")


def add_weight_learning(projection: Synapses) -> None:
    """Run eq. 2.13 every step at the end of the time step."""
    projection.run_regularly(WEIGHT_UPDATE, when="end", name=f"{projection.name}_weight_update")


def add_learning_pass(layer: NeuronGroup, teaching_code: str, extra: str = "") -> None:
    """Fast formulation: eq. 2.11, eq. 2.12 and ``extra`` (per-cell code that needs iota) in ONE
    pass over the layer at the end of every step, instead of one pass each. Same order and
    values as :func:`add_teaching_signal` then :func:`add_bias_learning`: iota is computed from
    the drive the cell integrated, before the bias changes; nothing else reads the layer's iota,
    b or Db in between."""
    code = "\n".join(part.strip("\n") for part in (teaching_code, BIAS_UPDATE, extra) if part)
    layer.run_regularly(code, when="end", order=-1, name=f"{layer.name}_learning")
