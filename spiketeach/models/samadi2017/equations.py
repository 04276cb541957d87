"""The equations of Samadi, Lillicrap & Tweed (2017) as Brian2 strings: neurons, error
populations, synapses and plasticity.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578-602. Notes: docs/papers/samadi2017.md.

Dynamic LIF neuron of Samadi, Lillicrap & Tweed (2017), §2.1 and Table 1
--------------------------------------------------------------------------
Each cell has a drive ``v`` (eq. 2.1), an axon-hillock potential ``h`` that relaxes towards it
(eq. 2.2) and an output ``a`` that is 1 during a 1 ms pulse after ``h`` crosses ``h_th`` and 0
otherwise (eq. 2.3); during the pulse ``h`` is held at 0. Print or edit the strings below; the
builders of :mod:`spiketeach.models.samadi2017.layers` only add the threshold, reset and
refractory period and name the namespace.
"""

from __future__ import annotations

__all__ = ["DYNAMIC_LIF", "COUNTED_PULSE_LIF", "GRADED_INPUT", "TARGET_LIF", "THRESHOLD", "RESET", "COUNTED_THRESHOLD", "COUNTED_RESET", "PULSE_END_EVENT", "SIGNED_ERROR_NEURONS", "ERROR_CHANGE", "ERROR_CHANGE_EVENT", "ERROR_CHANGE_RESET", "ERROR_REMEMBER", "SLOPES", "FAST_SLOPES", "TEACHING_SIGNAL", "IOTA_UPDATE", "SLOPE_VARIABLE", "SLOPE_EVENT", "SLOPE_UPDATE", "WEIGHT_UPDATE", "BIAS_UPDATE", "FORWARD_SYNAPSE", "FEEDBACK_SYNAPSE", "EVENT_FEEDBACK_SYNAPSE", "EVENT_FEEDBACK_ON_CHANGE"]

#: Dynamic LIF neuron (Samadi et al. 2017, eqs. 2.1–2.3). ``v_ff`` is the summed input W·a_in
#: written by the forward synapses; ``b`` the bias.
DYNAMIC_LIF = """
v = v_ff + b : 1                               # drive, eq. 2.1: v = W a_in + b
dh/dt = (v - h) / tau : 1 (unless refractory)  # axon hillock, eq. 2.2; held at 0 during the pulse
a = 1.0 - int(not_refractory) : 1              # output, eq. 2.3: 1 during the pulse, 0 otherwise
v_ff : 1                                       # W a_in, summed by the forward synapses
b : 1                                          # bias
"""

#: The same neuron with its pulse timed by a step counter, as in the paper's own update (Table 1's
#: ``ref`` timer), instead of Brian2's ``refractory`` (which recomputes ``t - lastspike`` with a
#: division per cell and step). ``pulse_left`` is ``pulse_steps`` (t_ref/dt) after a spike,
#: counts down once per step and rests at −1. The hillock integrates again in the step in which
#: the pulse ends (``pulse_left`` 1 → 0), exactly as Brian2's refractory period releases it, so
#: spikes, ``a`` and ``h`` equal those of :data:`DYNAMIC_LIF` at every step
#: (tests/models/samadi2017/test_fast_input.py). Branch-free: ≈ 4× cheaper per step in cpp_standalone
#: (benchmarks/mnist_throughput.py, ``floor``). The fast formulation uses it.
COUNTED_PULSE_LIF = """
v = v_ff + b : 1                                     # drive, eq. 2.1: v = W a_in + b
dh/dt = int(pulse_left <= 1) * (v - h) / tau : 1     # axon hillock, eq. 2.2; held during the pulse
dpulse_left/dt = -int(pulse_left > -1) / dt : 1      # pulse steps left: one less per step, rests at -1
a = int(pulse_left > 0) : 1                          # output, eq. 2.3: 1 during the pulse, 0 otherwise
v_ff : 1                                             # W a_in, summed by the forward synapses
b : 1                                                # bias
"""

#: Graded (non-spiking) input layer: its activities are real numbers read from a TimedArray
#: ``stimulus(t, i)`` that holds one row per presentation.
GRADED_INPUT = """
a = stimulus(t, i) : 1                         # real-valued input activity
"""

#: Target cells: the same dynamic LIF neuron with its drive given by a TimedArray
#: ``target_drive(t, i)``, so that the target y* is a spike train like the output y (§2.5).
TARGET_LIF = """
v = target_drive(t, i) : 1                     # drive: high for the correct output, 0 otherwise
dh/dt = (v - h) / tau : 1 (unless refractory)  # eq. 2.2
a = 1.0 - int(not_refractory) : 1              # eq. 2.3
"""

#: threshold and reset of eq. 2.3
THRESHOLD = "h > h_th"

RESET = "h = 0"

#: the same for :data:`COUNTED_PULSE_LIF`: no spike during a pulse; the pulse lasts pulse_steps
COUNTED_THRESHOLD = "h > h_th and pulse_left <= 0"

COUNTED_RESET = """
h = 0
pulse_left = pulse_steps
"""

#: custom event of :data:`COUNTED_PULSE_LIF` in the step its pulse ends (a: 1 -> 0); the
#: event-driven projections of :mod:`spiketeach.models.samadi2017.fast_pulse` switch the pulse off then
PULSE_END_EVENT = {"pulse_end": "pulse_left == 0"}

#: Two populations of 0/1 error cells in one group: ``polarity`` = +1 for the first K cells
#: (positive errors), −1 for the last K (negative errors).
SIGNED_ERROR_NEURONS = """
y : 1                                            # output pulse a_k, summed from the output layer
y_target : 1                                     # target pulse a*_k, summed from the target cells
err = clip(polarity * (y - y_target), 0, 1) : 1  # e± (§2.5): 1 while y − y* has this cell's sign
polarity : 1 (constant)                          # +1: positive-error cell, −1: negative-error cell
"""

#: Event-driven error signalling. The per-step feedback sum (FEEDBACK_SYNAPSE) reads the error
#: of the previous step (summed variables are updated before the error cells' own inputs), so
#: the event-driven form passes on ``err_last``, the err at the end of the previous step. An error
#: cell emits an ``err_change`` event in each step in which ``err_last`` differs from the value
#: it last passed on; feedback synapses then update the teaching input by B (err_last − err_sent)
#: only when an error cell switches on or off (a few times per presentation) instead of
#: re-summing B·err over every synapse every step.
ERROR_CHANGE = """
err_last : 1                                     # err at the end of the previous step
err_sent : 1                                     # err_last as last passed on to feedback synapses
"""

ERROR_CHANGE_EVENT = "err_last != err_sent"

ERROR_CHANGE_RESET = "err_sent = err_last"

ERROR_REMEMBER = "err_last = err"

#: The cell's own slope factor in eq. 2.11: sech²(c2 v) (the derivative of tanh up to c1 c2, which
#: is absorbed into eta), or 1 for derivative-free learning.
SLOPES = {"sech2": "1/cosh(c2*v)**2", "none": "1"}

#: The same sech² written with one exp, for the fast formulation: sech²(x) = 4y/(1 + y)² with
#: y = e^(−2|x|) (never overflows). glibc's cosh costs about two exps, and this is the costliest
#: per-cell work of a learning step; equal to SLOPES["sech2"] within a few ulp
#: (tests/models/samadi2017/test_network.py).
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

#: Forward synapse: instantaneous contribution to the drive (eq. 2.1). ``DW`` is the momentum
#: of eq. 2.13 (zero and unused where the projection does not learn).
FORWARD_SYNAPSE = """
w : 1                            # forward weight W_ij
DW : 1                           # last weight change (momentum term of eq. 2.13)
v_ff_post = w * a_pre : 1 (summed)
"""

#: Feedback synapse from the error populations: delta = B err (eq. 2.7). The weights onto the
#: negative-error cells are −B, so delta = B (err_pos − err_neg) = B (y − y*).
FEEDBACK_SYNAPSE = """
B : 1 (constant)                 # fixed random feedback weight (eqs. A.5–A.6)
delta_post = B * err_pre : 1 (summed)
"""

#: The same feedback, event-driven: delta changes by B (err_last − err_sent) when an error cell
#: switches (its ``err_change`` event, :data:`spiketeach.models.samadi2017.equations.ERROR_CHANGE_EVENT`), so
#: delta = B err holds at every step, up to rounding, at a cost per switch instead of per step.
EVENT_FEEDBACK_SYNAPSE = """
B : 1 (constant)                 # fixed random feedback weight (eqs. A.5–A.6)
"""

EVENT_FEEDBACK_ON_CHANGE = "delta_post += B * (err_last_pre - err_sent_pre)"
