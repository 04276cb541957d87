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
"""

from __future__ import annotations

from brian2 import NeuronGroup, Synapses

from .lif import SURROGATES

__all__ = ["HIDDEN_TEACHING", "OUTPUT_TEACHING", "FEEDBACK_SYNAPSE", "WEIGHT_UPDATE",
           "teach_code", "add_teaching", "add_learning"]

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


def teach_code(kind: str) -> str:
    """Per-neuron teaching signal: "if"/"step" (hidden layers, surrogate f') or "pes" (output)."""
    if kind == "pes":
        return "teach = learning_gate(t) * err"
    if kind not in SURROGATES:
        raise ValueError(f"unknown surrogate {kind!r}; choose one of {sorted(SURROGATES)}")
    return f"teach = learning_gate(t) * fb * ({SURROGATES[kind]})"


def add_teaching(group: NeuronGroup, kind: str) -> None:
    """Compute ``teach`` once per step, at the end of the step before the weight updates."""
    group.run_regularly(teach_code(kind), when="end", order=0, name=f"{group.name}_teach")


def add_learning(projection: Synapses, eta_w) -> None:
    """Make ``projection`` (an :func:`~spiketeach.models.alpha.alpha_projection` built with
    ``extra_model="eta_w : 1/second (shared, constant)"``) learn with rate ``eta_w``."""
    projection.eta_w = eta_w
    projection.run_regularly(WEIGHT_UPDATE, when="end", order=1,
                             name=f"{projection.name}_weight_update")
