"""An exact, event-driven formulation of a learning projection from a layer of pulsing cells.

Between hidden layers and onto the output layer the presynaptic activity a_j is a 0/1 pulse train
(1 for the 1 ms after each spike, eq. 2.3). The straightforward formulation
(:data:`~spiketeach.models.samadi2017.equations.FORWARD_SYNAPSE` with
:data:`~spiketeach.models.samadi2017.equations.WEIGHT_UPDATE`) re-sums the drive Σ_j W_ij a_j and updates every
weight (DW ← mu DW − iota_i a_j, W ← W + DW, eq. 2.13) every 0.25 ms step: two passes over
N_pre·N_post synapses per step. Here a synapse is touched only when its presynaptic pulse switches
on or off (twice per spike), and once per presentation.

Per postsynaptic cell i the layer keeps, from the start of the presentation (step 0),

    m_i(t) = mu m_i(t−1) + iota_i(t)      M_i(t) = M_i(t−1) + m_i(t)      P(t) = mu^t

(m_i = M_i = 0, P = 1 at step 0). While a_j keeps one value c, eq. 2.13 gives, for constants
Q_ij and X_ij (κ = mu / (1 − mu)),

    DW_ij(t) = P(t) Q_ij − c m_i(t)
    W_ij(t)  = X_ij − κ P(t) Q_ij − c M_i(t)

(check: the right-hand sides satisfy DW(t) = mu DW(t−1) − c iota(t), W(t) = W(t−1) + DW(t)).
Each synapse stores just these two constants, ``X`` and ``Q`` (at the presentation's start
X = W + κ DW, Q = DW). When a_j switches on (c: 0 → 1) DW and W must not jump, which gives
Q += m_i / P, X += κ m_i + M_i (:data:`PULSE_ON`); switching off is the same with the signs
reversed (:data:`PULSE_OFF`). The layer computes these two per-cell changes (``dX``, ``dQ``)
once per step, so an event costs two additions per synapse and three to the sums below: no
powers, no divisions, no per-step work per synapse, and two numbers per synapse to read and
write (an earlier version kept W and DW at the presentation's start and the changes since
apart: four arrays, ≈ 2× the memory traffic of the events).

The drive sums the synapses whose pulse is on:

    v_ff,i(t + 1) = Σ_{j on} W_ij(t) = CX_i − κ P(t) CQ_i − n_i M_i(t),

with CX_i = Σ_{j on} X_ij, CQ_i = Σ_{j on} Q_ij and n_i the number of pulses on, changed by the
on/off events; the layer evaluates it every step after its accumulators (:data:`PULSE_ACCUMULATE`),
O(N_post) per step. Timing, as in the straightforward formulation: a pulse that starts in step t
(thresholder) enters eq. 2.13 at the end of step t and the drive from step t + 1 on; it ends four
steps (t_ref) later, in the state update of that step. The ``on`` pathway runs on the spike, the
``off`` pathway on the presynaptic layer's ``pulse_end`` event (a layer of
:data:`~spiketeach.models.samadi2017.equations.COUNTED_PULSE_LIF` cells with
:data:`~spiketeach.models.samadi2017.equations.PULSE_END_EVENT`), both in the synapses slot of their step,
before the end-of-step learning, with the accumulators still at the previous step. (An earlier
version sent ``off`` as the spike delayed by t_ref, through a spike queue: the same steps, a
third more time per step.)

Once per presentation (start slot, on the pre cells' ``pstart`` event, :data:`PULSE_FOLD`) every synapse re-expresses X and Q for
accumulators that restart (m = M = 0, P = 1): Q' = DW = P Q − c m and X' = W + κ DW =
X − c (M + κ m); the event sums CX, CQ are re-summed, and P = mu^t stays above 1e-19, so
rounding cannot build up. At the end of a block :func:`fold_pulse_projection` computes W and DW
in numpy, so blocks chain through the ordinary (W, DW) state (:func:`pulse_state` converts
back), and a fresh block starts with every pulse off, as in the straightforward formulation,
whose cells leave their pulses at a block boundary.
tests/models/samadi2017/test_fast_input.py checks identical spikes and weights against eq. 2.13 per step.
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, Synapses

from spiketeach.core.batch import TrialBatch
from spiketeach.core.connectivity import check_weight_matrix
from spiketeach.models.samadi2017.fast_input import presentation_events

__all__ = ["PULSE_TRACES", "PULSE_ACCUMULATE", "PULSE_SYNAPSE", "PULSE_ON", "PULSE_OFF", "PULSE_CLEAR_SUMS", "PULSE_FOLD", "PULSE_RESTART", "pulse_projection", "fold_pulse_projection", "pulse_state"]

#: Added to the postsynaptic layer's equations (its ``v_ff : 1`` stays a stored value, set by
#: :data:`PULSE_ACCUMULATE`).
PULSE_TRACES = """
m : 1                            # mu m + iota since the presentation's start
M : 1                            # Σ m since the presentation's start
P : 1                            # mu^t since the presentation's start
CX : 1                           # Σ X over the presynaptic pulses that are on
CQ : 1                           # Σ Q over the presynaptic pulses that are on
n_on : 1                         # number of presynaptic pulses on
dX : 1                           # κ m + M: what X changes by when a pulse switches (per cell)
dQ : 1                           # m / P: what Q changes by when a pulse switches
"""

#: Run by the postsynaptic layer every step in its learning pass, after iota (where the
#: straightforward formulation runs eq. 2.13 per synapse); then the drive of the next step.
PULSE_ACCUMULATE = """
m = mu*m + iota
M += m
P = mu*P
v_ff = CX - mu/(1 - mu)*P*CQ - n_on*M
dX = mu/(1 - mu)*m + M
dQ = m/P
"""

#: The synapses: the two constants of W(t) and DW(t) while the presynaptic pulse keeps its value.
PULSE_SYNAPSE = """
X : 1                            # W = X - κ P Q - c M   (X = W + κ DW at the presentation's start)
Q : 1                            # DW = P Q - c m        (Q = DW at the presentation's start)
"""

#: The presynaptic pulse switches on: W and DW unchanged (c: 0 → 1), then counted in the drive.
PULSE_ON = """
X += dX_post
Q += dQ_post
CX_post += X
CQ_post += Q
n_on_post += 1
"""

#: One pulse (t_ref) after the spike: no longer counted in the drive, then switched off (1 → 0).
PULSE_OFF = """
CX_post -= X
CQ_post -= Q
n_on_post -= 1
X -= dX_post
Q -= dQ_post
"""

#: At each presentation boundary (start slot): clear the event sums before the fold re-sums them.
PULSE_CLEAR_SUMS = """
CX = 0
CQ = 0
n_on = 0
"""

#: X and Q for accumulators that restart (a_pre: the pulse as in the step that ended), then
#: re-sum the drive terms of the pulses that are on.
PULSE_FOLD = """
X -= a_pre*(M_post + mu/(1 - mu)*m_post)
Q = P_post*Q - a_pre*m_post
CX_post += a_pre*X
CQ_post += a_pre*Q
n_on_post += a_pre
"""

#: After the fold: the accumulators restart (the drive v_ff is unchanged).
PULSE_RESTART = """
m = 0
M = 0
P = 1
dX = 0
dQ = 0
"""

def pulse_projection(pre: NeuronGroup, post: NeuronGroup, W: np.ndarray,
                     namespace: dict, name: str, trials: int = 1) -> Synapses:
    """Event-driven learning synapses from the pulsing layer ``pre`` (with a ``pulse_end``
    event, :data:`~spiketeach.models.samadi2017.equations.PULSE_END_EVENT`, and ``pstart``) to
    ``post`` (built with :data:`PULSE_TRACES` and the events ``pstart``, ``prestart`` of
    :mod:`~spiketeach.models.samadi2017.fast_input`; it must run :data:`PULSE_ACCUMULATE` every
    step after its teaching signal). The fold runs at each presentation boundary, on the
    pre cells' ``pstart`` event (every cell, on the network's one clock)."""
    W = check_weight_matrix(W, pre, post, trials)
    batch = TrialBatch(trials)  # (every block gets W: trials x the groups' cells per trial)
    if "pulse_end" not in pre.events:
        raise ValueError(f"{pre.name} has no 'pulse_end' event: build it with "
                         "neurons.COUNTED_PULSE_LIF, pulse='counter' and "
                         "events=neurons.PULSE_END_EVENT")
    presentation_events(pre, restart="prestart" in pre.events)
    presentation_events(post)
    syn = Synapses(pre, post, PULSE_SYNAPSE,
                   on_pre={"on": PULSE_ON, "off": PULSE_OFF, "fold": PULSE_FOLD},
                   on_event={"on": "spike", "off": "pulse_end", "fold": "pstart"},
                   clock=post.clock, namespace=namespace, name=name)
    i, j = batch.dense_indices(W.shape[1], W.shape[0])
    syn.connect(i=i, j=j)
    syn.X = batch.tile(W.T.ravel())  # DW = 0: Q = 0
    # a cell may fire again in the step its pulse ends: switch the old pulse off first
    syn.off.order = -1
    # boundary order in the 'start' slot: clear the sums (1), fold (2), restart (3)
    post.run_on_event("pstart", PULSE_CLEAR_SUMS, when="start", order=1)
    syn.fold.when = "start"
    syn.fold.order = 2
    post.run_on_event("prestart", PULSE_RESTART, when="start", order=3)
    post.P = 1.0
    return syn

def fold_pulse_projection(X, Q, a_pre, m, M, P, mu: float):
    """W and DW (synapse order, pre-major) of a pulse projection as of the last step, in numpy,
    from its synapses' ``X`` and ``Q``, the presynaptic pulses ``a_pre`` (0/1) and the
    postsynaptic accumulators ``m``, ``M``, ``P``."""
    n_post = len(m)
    X, Q = (np.asarray(v, dtype=float).reshape(-1, n_post) for v in (X, Q))
    a = np.asarray(a_pre, dtype=float)[:, None]
    m, M, P = (np.asarray(v, dtype=float)[None, :] for v in (m, M, P))
    W_now = X - mu / (1 - mu) * P * Q - a * M
    DW_now = P * Q - a * m
    return W_now.ravel(), DW_now.ravel()

def pulse_state(W, DW, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``Q`` of a pulse projection's synapses that start a block (every pulse off,
    accumulators at rest) from its weights W and last changes DW (synapse order)."""
    DW = np.asarray(DW, dtype=float)
    return np.asarray(W, dtype=float) + mu / (1 - mu) * DW, DW.copy()
