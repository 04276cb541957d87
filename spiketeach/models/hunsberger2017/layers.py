"""Builders of the spiking FA network's learning pieces from the strings of
:mod:`spiketeach.models.hunsberger2017.equations`: teaching signals, learning projections and
the error pathways.
"""

from __future__ import annotations

from brian2 import NeuronGroup, Synapses

from spiketeach.core.batch import TrialBatch
from spiketeach.models.alpha import alpha_projection
from spiketeach.models.hunsberger2017.equations import (
    ETA_MODEL,
    FEEDBACK_SYNAPSE,
    LAZY_E,
    LAZY_FLUSH,
    LAZY_ON_PRE,
    WEIGHT_UPDATE,
)
from spiketeach.models.lif import SURROGATES

__all__ = ["teach_code", "add_teaching", "add_learning", "learning_projection", "connect_error_signals"]

def teach_code(kind: str) -> str:
    """Per-neuron teaching signal: "if"/"step" (hidden layers, surrogate f') or "pes" (output)."""
    if kind == "pes":
        return "teach = learning_gate(t) * err"
    if kind not in SURROGATES:
        raise ValueError(f"unknown surrogate {kind!r}; choose one of {sorted(SURROGATES)}")
    return f"teach = learning_gate(t) * fb * ({SURROGATES[kind]})"

def add_teaching(group: NeuronGroup, kind: str, lazy: bool = False) -> None:
    """Compute ``teach`` once per step, at the end of the step before the weight updates.

    ``lazy``: the group (with :data:`LAZY_STATE` and :data:`LAZY_EVENTS`) also accumulates
    ``Q += teach / E`` and restarts it after each flush.
    """
    code = teach_code(kind)
    if lazy:
        code += f"\nQ += teach / {LAZY_E}"
        group.run_on_event("lazy_flush", "Q = 0", when="end", order=2)
    group.run_regularly(code, when="end", order=0, name=f"{group.name}_teach")

def add_learning(projection: Synapses, eta_w) -> None:
    """Make ``projection`` (an :func:`~spiketeach.models.alpha.alpha_projection` built with
    ``extra_model="eta_w : 1/second (shared, constant)"``) learn with rate ``eta_w``."""
    projection.eta_w = eta_w
    projection.run_regularly(WEIGHT_UPDATE, when="end", order=1,
                             name=f"{projection.name}_weight_update")

def learning_projection(pre: NeuronGroup, post: NeuronGroup, W, eta_w, *,
                        lazy: bool, namespace: dict, name: str, trials: int = 1) -> Synapses:
    """Alpha-synapse projection ``pre -> post`` (``pre`` with the activity trace ``apre``) that
    learns with ``w -= eta_w dt teach_post apre_pre``: every step (``lazy=False``, the reference)
    or exactly the same updates applied lazily (``lazy=True``; ``post`` needs :data:`LAZY_STATE`,
    :data:`LAZY_EVENTS` and ``add_teaching(..., lazy=True)``, and ``namespace`` the integers
    ``flush_steps`` and ``last_step``). ``trials`` > 1: a batch, ``W`` one matrix per trial
    (:func:`~spiketeach.models.alpha.alpha_projection`)."""
    if not lazy:
        syn = alpha_projection(pre, post, W, extra_model=ETA_MODEL, namespace=namespace,
                               name=name, trials=trials)
        add_learning(syn, eta_w)
        return syn
    syn = alpha_projection(pre, post, W, extra_model=ETA_MODEL + "Qlast : 1\n",
                           namespace=namespace, name=name, on_pre=LAZY_ON_PRE,
                           on_post={"lazy_flush": LAZY_FLUSH},
                           on_event={"pre": "spike", "lazy_flush": "lazy_flush"},
                           trials=trials)
    syn.eta_w = eta_w
    syn.lazy_flush.when, syn.lazy_flush.order = "end", 1  # after teach (0), before Q = 0 (2)
    return syn

def connect_error_signals(error_nodes, out_node, hidden, B0, routing: str, clock, ns,
                          trials: int = 1):
    """The decoded error's two uses: the output's PES error (``err`` of ``out_node``, from the
    first error node) and the fixed random feedback B_k to each hidden layer. Layerwise routing:
    the last hidden layer hears E2 (error node 1), the first E1 (the last node); direct: every
    layer hears the first error node. Returns (the PES synapses, the feedback synapses).

    ``trials`` > 1: a batch (:mod:`spiketeach.core.batch`), ``B0`` one list of matrices per
    trial; each trial's error feeds back to its own cells only."""
    batch = TrialBatch(trials)
    per_trial = [B0] if trials == 1 else list(B0)
    if len(per_trial) != trials:
        raise ValueError(f"{trials} trials need {trials} lists of feedback matrices, got "
                         f"{len(per_trial)}")
    to_pes = Synapses(error_nodes[0], out_node, "err_post = s_pre : 1 (summed)", clock=clock,
                      namespace=ns, name="error_to_pes")
    to_pes.connect(j="i")  # (one-to-one: trial k's error to trial k's output)
    n_err = len(error_nodes)
    n_out = batch.per_trial(len(error_nodes[0]), error_nodes[0].name)
    feedback = []
    for k, layer in enumerate(hidden):
        node = error_nodes[n_err - 1 - k] if routing == "layerwise" else error_nodes[0]
        fb = Synapses(node, layer, FEEDBACK_SYNAPSE, clock=clock, namespace=ns,
                      name=f"feedback{k}")
        i, j = batch.dense_indices(n_out, batch.per_trial(len(layer), layer.name))
        fb.connect(i=i, j=j)
        # B_k is (n_out × n_hidden): pre-major order is its row-major ravel
        fb.B = batch.stack([B[k].ravel() for B in per_trial])
        feedback.append(fb)
    return to_pes, feedback
