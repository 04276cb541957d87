"""Synaptic projections of the Samadi et al. (2017) network as Brian2 equation strings.

Forward synapses carry instantaneous activity: the drive of eq. 2.1 is v = Σ W a_in + b, so each
synapse adds ``w * a_pre`` to its target's ``v_ff`` every time step. Feedback synapses carry the
error pulses to the teaching-signal variable ``delta`` of each learning layer (eq. 2.7).
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, Synapses

__all__ = ["FORWARD_SYNAPSE", "FEEDBACK_SYNAPSE", "EVENT_FEEDBACK_SYNAPSE", "EVENT_FEEDBACK_ON_CHANGE", "forward_projection", "feedback_projection",
           "dense_indices", "check_weight_matrix"]

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
#: switches (its ``err_change`` event, :data:`spiketeach.models.errors.ERROR_CHANGE_EVENT`), so
#: delta = B err holds at every step, up to rounding, at a cost per switch instead of per step.
EVENT_FEEDBACK_SYNAPSE = """
B : 1 (constant)                 # fixed random feedback weight (eqs. A.5–A.6)
"""
EVENT_FEEDBACK_ON_CHANGE = "delta_post += B * (err_last_pre - err_sent_pre)"


def dense_indices(n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post indices of an all-to-all projection in the order used for weight arrays.

    A weight matrix ``W`` of shape (n_post, n_pre) maps to synapse values ``W[j, i]``, i.e.
    ``W.T.ravel()`` (pre-major order).
    """
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    return i.ravel(), j.ravel()


def check_weight_matrix(W, pre, post) -> np.ndarray:
    """``W`` as a float array of shape (len(post), len(pre)) with finite entries, or a clear error."""
    W = np.asarray(W, dtype=float)
    if W.shape != (len(post), len(pre)):
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} has shape {W.shape}; "
                         f"expected {(len(post), len(pre))}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} contains NaN or inf")
    return W


def forward_projection(pre: NeuronGroup, post: NeuronGroup, W: np.ndarray,
                       name: str | None = None, namespace: dict | None = None) -> Synapses:
    """All-to-all forward synapses with weights ``W`` (shape: len(post) × len(pre)).

    ``namespace`` holds the constants that plasticity code run by these synapses refers to.
    """
    W = check_weight_matrix(W, pre, post)
    # the synapses' own code (plasticity) must run on the layers' clock, not Brian2's default
    syn = Synapses(pre, post, FORWARD_SYNAPSE, clock=post.clock, name=name or "forward*",
                   namespace=namespace)
    i, j = dense_indices(len(pre), len(post))
    syn.connect(i=i, j=j)
    syn.w = W.T.ravel()
    return syn


def feedback_projection(error: NeuronGroup, post: NeuronGroup, B: np.ndarray,
                        name: str | None = None, *, event_driven: bool = False) -> Synapses:
    """Fixed feedback from the signed error populations to ``post``.

    ``B`` has shape (len(post), K) for K outputs; the synapses from the negative-error cells get −B.
    ``event_driven`` uses :data:`EVENT_FEEDBACK_SYNAPSE` (the error cells must emit
    ``err_change`` events) instead of the per-step sum :data:`FEEDBACK_SYNAPSE`.
    """
    B = np.asarray(B, dtype=float)
    k = len(error) // 2
    if B.shape != (len(post), k):
        raise ValueError(f"feedback matrix to {post.name} has shape {B.shape}; expected {(len(post), k)}")
    signed = np.hstack([B, -B])  # (n_post, 2K)
    if event_driven:
        if "err_change" not in error.events:
            raise ValueError(f"{error.name} emits no err_change events: build it with "
                             "signed_error_population(..., change_events=True)")
        syn = Synapses(error, post, EVENT_FEEDBACK_SYNAPSE, on_pre=EVENT_FEEDBACK_ON_CHANGE,
                       on_event="err_change", clock=post.clock, name=name or "feedback*")
    else:
        syn = Synapses(error, post, FEEDBACK_SYNAPSE, clock=post.clock, name=name or "feedback*")
    i, j = dense_indices(2 * k, len(post))
    syn.connect(i=i, j=j)
    syn.B = signed.T.ravel()
    return syn
