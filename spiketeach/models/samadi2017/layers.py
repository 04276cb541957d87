"""Builders of the Samadi network's groups and synapses from the strings of
:mod:`spiketeach.models.samadi2017.equations`: dynamic LIF layers, graded input and target
cells, the signed error populations, forward and feedback projections, teaching signal and
weight/bias learning. Every formulation uses them.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, TimedArray

from spiketeach.core.batch import TrialBatch
from spiketeach.core.connectivity import check_weight_matrix
from spiketeach.models.samadi2017.equations import (
    BIAS_UPDATE,
    COUNTED_RESET,
    COUNTED_THRESHOLD,
    DYNAMIC_LIF,
    ERROR_CHANGE,
    ERROR_CHANGE_EVENT,
    ERROR_CHANGE_RESET,
    ERROR_REMEMBER,
    EVENT_FEEDBACK_ON_CHANGE,
    EVENT_FEEDBACK_SYNAPSE,
    FAST_SLOPES,
    FEEDBACK_SYNAPSE,
    FORWARD_SYNAPSE,
    GRADED_INPUT,
    IOTA_UPDATE,
    RESET,
    SIGNED_ERROR_NEURONS,
    SLOPE_EVENT,
    SLOPE_UPDATE,
    SLOPES,
    TARGET_LIF,
    THRESHOLD,
    WEIGHT_UPDATE,
)
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["pulse_steps", "samadi_namespace", "dynamic_lif_group", "graded_input_group", "target_group", "signed_error_population", "connect_to_error_population", "teaching_signal_code", "slope_event", "add_slope_update", "add_teaching_signal", "add_bias_learning", "add_weight_learning", "add_learning_pass", "forward_projection", "feedback_projection"]

def pulse_steps(params: SamadiParams) -> int:
    """Steps a pulse lasts: t_ref in whole steps, rounded as Brian2 rounds ``refractory``."""
    return int((float(params.t_ref) + 1e-3 * float(params.dt)) / float(params.dt))

def samadi_namespace(params: SamadiParams) -> dict:
    """Constants of the neuron and plasticity equations (compiled in as constants in standalone)."""
    return {
        "tau": params.tau,
        "h_th": params.h_th,
        "c2": params.c2,
        "mu": params.mu,
    }

def dynamic_lif_group(n: int, params: SamadiParams, clock: Clock, *, extra_equations: str = "",
                      namespace: dict | None = None, name: str | None = None,
                      equations: str = DYNAMIC_LIF, events: dict | None = None,
                      pulse: str = "refractory") -> NeuronGroup:
    """A layer of ``n`` dynamic LIF cells (eqs. 2.1–2.3), Euler-integrated at ``params.dt``.

    Parameters
    ----------
    n : int
        Number of cells.
    params : SamadiParams
        Neuron constants.
    clock : Clock
        The network's one clock (dt = ``params.dt``); one shared clock keeps the network
        expressible for Brian2GeNN.
    extra_equations : str, optional
        Appended to :data:`DYNAMIC_LIF` (e.g. the teaching signal of
        :mod:`spiketeach.models.samadi2017.layers`).
    namespace : dict, optional
        Further names the equations use (e.g. the TimedArray ``learning_gate``).
    name : str, optional
        Brian2 name of the group.
    equations : str, optional
        The neuron's equations, :data:`DYNAMIC_LIF` by default.
    events : dict, optional
        Custom events besides the spike (name -> condition).
    pulse : {"refractory", "counter"}
        How the 1 ms pulse is timed: Brian2's ``refractory`` (:data:`DYNAMIC_LIF`), or a step
        counter (:data:`COUNTED_PULSE_LIF`, same spikes, cheaper; pass its equations, or ones
        built from them, as ``equations``).
    """
    # (a copy of events: NeuronGroup adds its 'spike' event to the dict it is given)
    if pulse == "refractory":
        return NeuronGroup(n, equations + extra_equations, threshold=THRESHOLD, reset=RESET,
                           refractory=params.t_ref, method="euler",
                           namespace=samadi_namespace(params) | (namespace or {}),
                           clock=clock, name=name or "layer*", events=dict(events) if events else None)
    if pulse != "counter":
        raise ValueError(f"unknown pulse timing {pulse!r}; choose 'refractory' or 'counter'")
    if "pulse_left" not in equations:
        raise ValueError("pulse='counter' needs equations with the pulse counter "
                         "(COUNTED_PULSE_LIF)")
    group = NeuronGroup(n, equations + extra_equations, threshold=COUNTED_THRESHOLD,
                        reset=COUNTED_RESET, method="euler",
                        namespace=samadi_namespace(params) | {"pulse_steps": pulse_steps(params)}
                        | (namespace or {}),
                        clock=clock, name=name or "layer*", events=dict(events) if events else None)
    group.pulse_left = -1  # no pulse running
    return group

def graded_input_group(stimulus: TimedArray, clock: Clock, name: str = "input") -> NeuronGroup:
    """The graded input layer; ``stimulus`` is a 2-D TimedArray (presentations × inputs).

    Synapses that read ``a_pre`` from it need ``stimulus`` in their namespace too.
    """
    n = stimulus.values.shape[1]
    return NeuronGroup(n, GRADED_INPUT, namespace={"stimulus": stimulus}, clock=clock, name=name)

def target_group(target_drive: TimedArray, params: SamadiParams, clock: Clock,
                 name: str = "target") -> NeuronGroup:
    """Target cells whose pulses are the target y* (one per output)."""
    n = target_drive.values.shape[1]
    ns = samadi_namespace(params) | {"target_drive": target_drive}
    return NeuronGroup(n, TARGET_LIF, threshold=THRESHOLD, reset=RESET, refractory=params.t_ref,
                       method="euler", namespace=ns, clock=clock, name=name)

def signed_error_population(n_outputs: int, clock: Clock, name: str = "error", *,
                            change_events: bool = False, trials: int = 1) -> NeuronGroup:
    """The two error populations (positive, then negative) for ``n_outputs`` outputs.

    Use ``group[:n_outputs]`` and ``group[n_outputs:]`` for the positive and negative populations.
    With ``change_events`` the cells also emit the ``err_change`` event
    (:data:`ERROR_CHANGE_EVENT`) for event-driven feedback synapses. ``trials``: that many
    independent copies (:mod:`spiketeach.core.batch`), each laid out as above.
    """
    n_cells = TrialBatch(trials).cells(2 * n_outputs)
    if change_events:
        group = NeuronGroup(n_cells, SIGNED_ERROR_NEURONS + ERROR_CHANGE, clock=clock,
                            name=name, events={"err_change": ERROR_CHANGE_EVENT})
        # resets run after the synapses (which read err_sent) within the same step
        group.run_on_event("err_change", ERROR_CHANGE_RESET)
        group.run_regularly(ERROR_REMEMBER, when="end", name=f"{name}_remember")
    else:
        group = NeuronGroup(n_cells, SIGNED_ERROR_NEURONS, clock=clock, name=name)
    group.polarity = TrialBatch(trials).tile(np.r_[np.ones(n_outputs), -np.ones(n_outputs)])
    return group

def connect_to_error_population(source: NeuronGroup, error: NeuronGroup, variable: str,
                                name: str | None = None, trials: int = 1) -> Synapses:
    """One-to-one copies of ``source.a`` into ``error.<variable>`` of both error cells of each
    output (of each of ``trials`` copies)."""
    if len(error) != 2 * len(source):
        raise ValueError(f"error population has {len(error)} cells; expected 2 x {len(source)} outputs")
    batch = TrialBatch(trials)
    k = batch.per_trial(len(source), source.name)
    syn = Synapses(source, error, f"{variable}_post = a_pre : 1 (summed)", clock=error.clock,
                   name=name or "to_error*")
    i, j = batch.block_indices(np.r_[np.arange(k), np.arange(k)], np.arange(2 * k), k, 2 * k)
    syn.connect(i=i, j=j)
    return syn

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

def forward_projection(pre: NeuronGroup, post: NeuronGroup, W: np.ndarray,
                       name: str | None = None, namespace: dict | None = None,
                       trials: int = 1) -> Synapses:
    """All-to-all forward synapses with weights ``W`` (shape: len(post) × len(pre)).

    ``namespace`` holds the constants that plasticity code run by these synapses refers to.
    ``trials``: the groups hold that many copies; each copy's block gets ``W`` (one trial's
    shape), none connects to another.
    """
    W = check_weight_matrix(W, pre, post, trials)
    batch = TrialBatch(trials)
    # the synapses' own code (plasticity) must run on the layers' clock, not Brian2's default
    syn = Synapses(pre, post, FORWARD_SYNAPSE, clock=post.clock, name=name or "forward*",
                   namespace=namespace)
    i, j = batch.dense_indices(W.shape[1], W.shape[0])
    syn.connect(i=i, j=j)
    syn.w = batch.tile(W.T.ravel())
    return syn

def feedback_projection(error: NeuronGroup, post: NeuronGroup, B: np.ndarray,
                        name: str | None = None, *, event_driven: bool = False,
                        trials: int = 1) -> Synapses:
    """Fixed feedback from the signed error populations to ``post``.

    ``B`` has shape (len(post), K) for K outputs; the synapses from the negative-error cells get −B.
    ``event_driven`` uses :data:`EVENT_FEEDBACK_SYNAPSE` (the error cells must emit
    ``err_change`` events) instead of the per-step sum :data:`FEEDBACK_SYNAPSE`.
    """
    B = np.asarray(B, dtype=float)
    batch = TrialBatch(trials)
    k, n_post = len(error) // 2 // trials, len(post) // trials
    if B.shape != (n_post, k):
        raise ValueError(f"feedback matrix to {post.name} has shape {B.shape}; expected {(n_post, k)}")
    signed = np.hstack([B, -B])  # (n_post, 2K)
    if event_driven:
        if "err_change" not in error.events:
            raise ValueError(f"{error.name} emits no err_change events: build it with "
                             "signed_error_population(..., change_events=True)")
        syn = Synapses(error, post, EVENT_FEEDBACK_SYNAPSE, on_pre=EVENT_FEEDBACK_ON_CHANGE,
                       on_event="err_change", clock=post.clock, name=name or "feedback*")
    else:
        syn = Synapses(error, post, FEEDBACK_SYNAPSE, clock=post.clock, name=name or "feedback*")
    i, j = batch.dense_indices(2 * k, n_post)
    syn.connect(i=i, j=j)
    syn.B = batch.tile(signed.T.ravel())
    return syn
