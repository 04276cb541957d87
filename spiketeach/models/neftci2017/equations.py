"""Event-driven random back-propagation (eRBP) of Neftci et al. (2017), as Brian2 equation strings.

Neftci EO, Augustine C, Paul S, Detorakis G (2017). Event-driven random back-propagation:
enabling neuromorphic deep learning machines. Front. Neurosci. 11:324.

The paper body could not be read: equation numbers are not available, and the equations below
are the authors' Auryn code (SIFGroup, LinGroup, SRM0Group, peRBPConnection) written as
continuous-time Brian2 models (docs/papers/neftci2017.md). Potentials are dimensionless
(threshold 0.1 = the code's "100 mV").

Cells:

* **two-compartment I&F cell** (hidden and output layers): the soma ``v`` follows the synaptic
  current ``g`` (τ_m = 1 ms ≪ τ_syn = 4 ms, so v ≈ g between spikes), spikes at ``v_th`` and is
  held at ``v_reset`` for the refractory period; the dendrite ``U`` integrates the error spikes
  through fixed random feedback weights and decays with τ_dend. U never drives v.
* **error neurons** in ± pairs per class (one group of 2 × n_classes cells, E+ first): non-leaky
  integrators, spike when v > err_th, then v −= err_th (subtractive reset), floored at 0.
  Label spikes add ±w_err, output spikes ∓w_err (E+ gets label − output, E− the opposite).
* **input units**: escape noise with an exponential hazard and a dead time (code), or Poisson.
  The label units are built the same way and drive only the error neurons.

The rule, "one addition and two comparisons": at each presynaptic spike, for the synapse j → i,
``w += η U_i`` if b_lo < g_i < b_hi, else nothing — the ``learn`` pathway of the forward synapses
(:data:`ERBP_LEARN`). It runs before any transmission of the same step (pathway order −2; Brian2 gives every other pathway −1), so the
gate and the dendrite are read as they were at the start of the step's synaptic phase.
"""

from __future__ import annotations

__all__ = ["TWO_COMPARTMENT", "TC_THRESHOLD", "TC_RESET", "NOISE_TARGET",
           "ERROR_NEURON", "ERROR_THRESHOLD", "ERROR_RESET", "ERROR_INPUT", "ERROR_FLOOR_EVENT",
           "ERROR_FLOOR",
           "ESCAPE_INPUT", "POISSON_INPUT", "INPUT_THRESHOLD", "DRAWN_INPUT_THRESHOLD",
           "FORWARD_MODEL", "ERBP_LEARN", "TRANSMIT", "PER_STEP_LEARN", "PERBP_MODEL", "PERBP_LEARN", "PERBP_TRANSMIT",
           "FEEDBACK_MODEL", "FEEDBACK_ON_PRE"]

# --------------------------------------------------------------------------------------------
# Two-compartment I&F cell (code: SIFGroup.cpp)
# --------------------------------------------------------------------------------------------
TWO_COMPARTMENT = """
dv/dt = (g - v) / tau_m : 1 (unless refractory)   # soma, driven by the synaptic current only
dg/dt = -g / tau_syn : 1                           # forward synaptic current (the boxcar's variable)
dU/dt = -U / tau_dend : 1                          # dendrite: the error through feedback weights
"""
TC_THRESHOLD = "v > v_th"
TC_RESET = "v = v_reset"
#: the code's PoissonStimulator adds its events to the soma (state "mem")
NOISE_TARGET = "v"

# --------------------------------------------------------------------------------------------
# Error neurons (code: LinGroup.cpp; wiring exp_rbp_dual.cpp)
# --------------------------------------------------------------------------------------------
ERROR_NEURON = """
v : 1                     # non-leaky integrator
side : 1 (constant)       # +1 for E+ (cells 0 .. n-1), -1 for E- (cells n .. 2n-1)
"""
ERROR_THRESHOLD = "v > err_th"
ERROR_RESET = "v -= err_th"
#: a label or output spike onto an error neuron (w = ±w_err)
ERROR_INPUT = "v_post += w"
#: the floor at 0: a custom event at each step's threshold check (code: LinGroup clips every step)
ERROR_FLOOR_EVENT = "v < 0"
ERROR_FLOOR = "v = 0"

# --------------------------------------------------------------------------------------------
# Input units (code: SRM0Group.cpp escape noise; or Poisson)
# --------------------------------------------------------------------------------------------
#: ``drive(t, i)``: the unit's input current I, one row per sample (a TimedArray)
ESCAPE_INPUT = """
hazard = hazard0 * exp((drive(t, i) - in_th) / in_delta) : Hz
"""
#: ``drive(t, i)``: the pixel in [0, 1]
POISSON_INPUT = """
hazard = poisson_rate * drive(t, i) : Hz
"""
#: the dead time is the group's refractory period (Brian2 checks not_refractory itself)
INPUT_THRESHOLD = "rand() < hazard * dt"
#: the same comparison in a batch of trials: ``u_drawn(t, i)`` is the number the trial alone
#: draws with ``rand()`` at this step for this cell, drawn in numpy
#: (:mod:`~spiketeach.models.neftci2017.draws`; a batch's one ``rand()`` stream would not give it)
DRAWN_INPUT_THRESHOLD = "u_drawn(t, i) < hazard * dt"

# --------------------------------------------------------------------------------------------
# Forward synapses and the eRBP rule (code: peRBPConnection.cpp)
# --------------------------------------------------------------------------------------------
#: ``learn_on(t)``: 1 while learning (not in the first ``no_learning`` of a sample, and η > 0
#: for the sample), else 0 (a TimedArray)
FORWARD_MODEL = """
w : 1                     # forward weight
b_lo : 1 (shared, constant)
b_hi : 1 (shared, constant)
"""
#: eRBP, at each presynaptic spike: one addition (w += η U) and two comparisons (the boxcar)
ERBP_LEARN = "w += eta * learn_on(t) * U_post * int(g_post > b_lo) * int(g_post < b_hi)"
TRANSMIT = "g_post += w"
#: the same rule checked at EVERY step for every synapse (the "reference" formulation): the
#: update applies only in a step where the presynaptic cell spiked (``lastspike_pre == t``)
PER_STEP_LEARN = ("w += eta * learn_on(t) * U_post * int(g_post > b_lo) * int(g_post < b_hi)"
                  " * int(lastspike_pre == t)")
PERBP_MODEL = "passed : 1   # 1 if the last presynaptic spike got through (peRBP)"
#: peRBP: the spike reaches the synapse with probability p_transmit; only then does it update
#: and transmit (code, Apr 2017 order: update, then transmit the updated weight)
PERBP_LEARN = """
passed = int(rand() < p_transmit)
w += passed * eta * learn_on(t) * U_post * int(g_post > b_lo) * int(g_post < b_hi)
"""
PERBP_TRANSMIT = "g_post += passed * w"

# --------------------------------------------------------------------------------------------
# Fixed random feedback onto the dendrites (code: SparseConnection ... DEND)
# --------------------------------------------------------------------------------------------
FEEDBACK_MODEL = "B : 1 (constant)   # fixed random feedback weight (same for E+ and E-)"
FEEDBACK_ON_PRE = "U_post += side_pre * B"
