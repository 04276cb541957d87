"""Feedback-alignment learning with a surrogate derivative (Hunsberger & Eliasmith 2017).

Hidden layer l (delta rule, thesis code's DeltaRule with the poster's derivative)::

    dW_ij = -eta dt (B_l^T e_l)_i f'(J_i) a_j

with e_l the decoded (population-coded, alpha-filtered) error that reaches layer l, B_l a fixed
random matrix (10 × 80), f' the surrogate derivative of :data:`~spiketeach.models.lif.SURROGATES`
at the neuron's own input current J_i (bias included), and a_j the pre-synaptic activity
low-passed 5 ms (``apre``).

Output weights (Nengo PES, hidden-2 neurons -> 10-D input of the output population)::

    dW_dj = -(eta / n_pre) dt e_d a_j

Both are the same synaptic code, ``w -= eta_w * dt * teach_post * apre_pre``, with the
post-synaptic factor ``teach`` computed once per neuron per step (not once per synapse), and
``learning_gate(t)`` (a TimedArray from the protocol) switching learning off in test windows.
``eta_w`` is a shared constant of each projection, so a standalone build can be re-run with
another learning rate through ``run_args``.

Two formulations of the same rule
---------------------------------
"reference" (:func:`add_learning`): every synapse applies ``WEIGHT_UPDATE`` every step —
O(synapses) per step (12 000 synapse updates per step for 30-80-80-10), although a weight is only
*used* when its pre-synaptic neuron spikes.

"fast" (:func:`learning_projection` with ``lazy=True``): the same sum, done exactly and only when
needed. Between two spikes of pre neuron j its trace decays deterministically,
apre_j(s) = c_j / E(s) with E(s) = exp(phase(s) dt / tau_pre) and c_j = apre_j E constant, so::

    sum_{s=m}^{n} teach_i(s) apre_j(s) = c_j [Q_i(n) - Q_i(m-1)],   Q_i(n) = sum_{s<=n} teach_i(s) / E(s)

Q_i is ONE accumulator per post-synaptic neuron (``Q += teach / E`` once per step, O(N_post)), and
each synapse remembers ``Qlast`` = Q_i when it was last brought up to date. A synapse catches up
(:data:`LAZY_CATCH_UP`) when its pre neuron spikes, just before ``w`` is used (synapses slot:
``apre`` has decayed to step n but not yet jumped, so ``apre E`` is the c_j of the interval just
ended), so the drive sees exactly the weights of the per-step rule. E grows within a flush period
(``lazy_flush``, ``flush_steps`` steps) and the accumulators would lose precision, so at the end of
every period, and of the last step of a run, the ``lazy_flush`` event of the post group brings every
synapse up to date (O(synapses) once per period) and the accumulators restart from 0 (E's phase
restarts at the same step). Equivalence with the reference is proved by a test (same spikes,
weights within 1e-9), not assumed: only the rounding differs.
"""

from __future__ import annotations

from spiketeach.models.alpha import ALPHA_ON_PRE

__all__ = ["HIDDEN_TEACHING", "OUTPUT_TEACHING", "FEEDBACK_SYNAPSE", "WEIGHT_UPDATE", "ETA_MODEL", "LAZY_E", "LAZY_STATE", "LAZY_EVENTS", "LAZY_CATCH_UP", "LAZY_ON_PRE", "LAZY_FLUSH", "RECORD_EVENT"]

#: State of a hidden layer that learns: fb = B^T e summed by the feedback synapses.
HIDDEN_TEACHING = """
fb : 1                 # (B_l^T e_l)_i, summed from the error value node
teach : 1              # gate * fb * f'(J), set once per step
"""

#: State of the output node (PES): err = e_d, summed one-to-one from the error value node.
OUTPUT_TEACHING = """
err : 1                # decoded output error e_d
teach : 1              # gate * err
"""

#: Fixed random feedback weights from the error value node (its ``s``) to a hidden layer.
FEEDBACK_SYNAPSE = """
B : 1 (constant)
fb_post = B * s_pre : 1 (summed)
"""

#: The weight update of every learning projection, run once per step after everything else.
WEIGHT_UPDATE = "w -= eta_w * dt * teach_post * apre_pre"

#: Learning rate of a projection, a shared constant (re-runs may set it through ``run_args``).
ETA_MODEL = "eta_w : 1/second (shared, constant)\n"

# --- the "fast" (lazy, exact) formulation ---------------------------------------------------------
#: Growth factor E(s) = exp(phase dt / tau_pre), phase = 1 .. flush_steps; the phase is flush_steps
#: at the steps that end a flush period (t_in_timesteps % flush_steps == 0).
LAZY_E = "exp(((t_in_timesteps + flush_steps - 1) % flush_steps + 1) * dt / tau_pre)"

#: Per-neuron accumulator of the post group of a lazily learning projection.
LAZY_STATE = """
Q : 1                  # sum of teach / E since the last flush (lazy weight updates)
"""

#: The post group's event that ends a flush period (and the run's last step).
LAZY_EVENTS = {"lazy_flush": "t_in_timesteps % flush_steps == 0 or t_in_timesteps == last_step"}

#: Bring w up to date: apply sum_s teach_post(s) apre_pre(s) since the synapse was last updated.
LAZY_CATCH_UP = f"w -= eta_w * dt * apre_pre * {LAZY_E} * (Q_post - Qlast)"

#: A pre-synaptic spike: catch up, remember where, then use the weight (the alpha kick).
LAZY_ON_PRE = f"{LAZY_CATCH_UP}\nQlast = Q_post\n{ALPHA_ON_PRE}"

#: End of a flush period (end slot, after ``Q`` has this step's term): every synapse catches up.
LAZY_FLUSH = f"{LAZY_CATCH_UP}\nQlast = 0"

#: Custom event that marks hidden spikes inside recording windows (rasters without storing
#: every spike of a 1000 s run).
RECORD_EVENT = "V > 1 and record_gate(t) > 0.5"
