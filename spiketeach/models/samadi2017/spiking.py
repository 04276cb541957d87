"""Assembling the "reference" and "fast" formulations of the broadcast-alignment network of dynamic LIF cells (Samadi et al. 2017).

:func:`build_ba_network` puts together, from the pieces in this package,

* a graded input layer (:data:`~spiketeach.models.samadi2017.equations.GRADED_INPUT`),
* hidden and output layers of dynamic LIF cells (:data:`~spiketeach.models.samadi2017.equations.DYNAMIC_LIF`),
* target cells (:data:`~spiketeach.models.samadi2017.equations.TARGET_LIF`) and the two error populations
  (:data:`~spiketeach.models.samadi2017.equations.SIGNED_ERROR_NEURONS`),
* forward synapses (:data:`~spiketeach.models.samadi2017.equations.FORWARD_SYNAPSE`) and fixed feedback
  synapses from the error cells (:data:`~spiketeach.models.samadi2017.equations.FEEDBACK_SYNAPSE`),
* the teaching signal and the weight/bias updates (:mod:`spiketeach.models.samadi2017.layers`).

It never reads files or parses arguments; a protocol supplies the stimuli and schedule.
"""

from __future__ import annotations

import numpy as np
from brian2 import Network, SpikeMonitor

from spiketeach.core.batch import TrialBatch
from spiketeach.core.clocks import step_clock
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models.samadi2017.equations import (
    COUNTED_PULSE_LIF,
    DYNAMIC_LIF,
    PULSE_END_EVENT,
    SLOPE_VARIABLE,
    TEACHING_SIGNAL,
)
from spiketeach.models.samadi2017.fast_input import (
    FAST_ACCUMULATE,
    PRESENTATION_RESTART,
    PRESENTATION_START,
    fast_input_projection,
    loaded_input_group,
    with_fast_drive,
)
from spiketeach.models.samadi2017.fast_pulse import PULSE_ACCUMULATE, PULSE_TRACES, pulse_projection
from spiketeach.models.samadi2017.layers import (
    add_bias_learning,
    add_learning_pass,
    add_slope_update,
    add_teaching_signal,
    add_weight_learning,
    connect_to_error_population,
    dynamic_lif_group,
    feedback_projection,
    forward_projection,
    graded_input_group,
    samadi_namespace,
    signed_error_population,
    slope_event,
    target_group,
    teaching_signal_code,
)
from spiketeach.models.samadi2017.network import BANetwork, _feedback_matrix, network_arguments
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["PLASTICITY_FORMS", "build_ba_network"]

PLASTICITY_FORMS = ("reference", "fast")

def build_ba_network(layer_sizes: list[int], schedule: PresentationSchedule, *,
                     params: SamadiParams | None = None, seed=0,
                     feedback: str = "broadcast", depth: int | None = None,
                     weights: list[np.ndarray] | None = None,
                     biases: list[np.ndarray] | None = None,
                     feedback_weights: list[np.ndarray] | None = None,
                     target_drive_high: float = 20.0,
                     plasticity: str = "reference",
                     record_layers: bool = False) -> BANetwork:
    """Build a spiking network trained by broadcast alignment.

    Parameters
    ----------
    layer_sizes : list of int
        [n_input, n_hidden_1, ..., n_output], e.g. [784, 1000, 10].
    schedule : PresentationSchedule
        Presentations per block and their timing; the stimulus, target and learning-gate
        TimedArrays are built for it (all zeros until a protocol passes real values).
    params : SamadiParams
        Model parameters (paper defaults).
    seed : int or sequence of int
        Seeds the Appendix-B initialisation of forward and feedback weights. A sequence builds
        a batch (:mod:`spiketeach.core.batch`): one independent copy of the network per seed in
        the same groups (N × n cells, block-diagonal synapses, one column block per trial in
        the stimulus and target TimedArrays; the learning gate, ``depth`` and the learning
        rates are shared), each trial identical to the network built with its seed alone
        (tests/models/samadi2017/test_batch.py).
    feedback : {"broadcast", "derivative_free"}
        BA with the cell's own slope (eq. 2.11), or DF (no slope, gate kept).
    depth : int, optional
        Depth-k learning (§3.1): only the last ``depth`` weight layers learn. All by default.
    weights, biases, feedback_weights : lists of arrays, optional
        Explicit initial values (else Appendix B with ``seed``).
    target_drive_high : float
        Drive of the target cell of the correct output (20: closed-form E(a) ≈ 0.71, ≈ 0.8 at
        dt = 0.25 ms); the other target cells get drive 0 and stay silent.
    plasticity : {"reference", "fast"}
        "reference": every projection updates every synapse every step (eqs. 2.1, 2.13
        literally). "fast": the first projection, whose input is constant per presentation, in
        the exact per-presentation form of :mod:`spiketeach.models.samadi2017.fast_input`
        (O(N_out) per step instead of O(N_in N_out)); the learning projections from pulsing
        layers event-driven (:mod:`spiketeach.models.samadi2017.fast_pulse`: synapses change only
        when their presynaptic pulse switches on or off, the drive from per-cell sums); each
        learning layer's teaching signal, bias update and accumulators in one pass per step;
        and event-driven feedback: the error cells signal when they switch
        (:data:`~spiketeach.models.samadi2017.equations.ERROR_CHANGE_EVENT`) and delta = B err is updated only
        then (:data:`~spiketeach.models.samadi2017.equations.EVENT_FEEDBACK_SYNAPSE`) instead of re-summed
        over every feedback synapse every step; the cells' pulses timed by a step counter
        (:data:`~spiketeach.models.samadi2017.equations.COUNTED_PULSE_LIF`) instead of Brian2's refractory
        period. Same spikes, weights equal to rounding (tests/models/samadi2017/test_fast_input.py).
    record_layers : bool
        Also record the spikes of every layer (for tests and figures).
    """
    if plasticity not in PLASTICITY_FORMS:
        raise ValueError(f"unknown plasticity {plasticity!r}; choose one of {PLASTICITY_FORMS}")
    params = params or SamadiParams()
    seeds = None if np.ndim(seed) == 0 else [int(s) for s in seed]
    if seeds is not None and (weights, biases, feedback_weights) != (None, None, None):
        raise ValueError("a batch (a sequence of seeds) draws each trial's initial values from "
                         "its seed: set other values as state (state_pairs) instead")
    trials = len(seeds) if seeds is not None else 1
    batch = TrialBatch(trials)
    # a batch is built with its first trial's values everywhere, then given each trial's
    sizes, W0, b0, B0, learning, derivative = network_arguments(
        layer_sizes, params, seeds[0] if seeds else seed, feedback, depth, weights, biases,
        feedback_weights)
    n_weight_layers = len(sizes) - 1

    clock = step_clock(params.dt, "samadi_clock")
    n_in, n_out = sizes[0], sizes[-1]
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, batch.cells(n_in))), "stimulus")
    target_drive = schedule.stimulus_array(np.zeros((schedule.n, batch.cells(n_out))),
                                           "target_drive")
    gate = schedule.gate_array(np.ones(schedule.n))
    # one namespace for every object: synapses resolve the pre/post subexpressions they read
    # (a = stimulus(t, i), iota = learning_gate(t) ...) in their own namespace
    steps = round(float(params.presentation / params.dt))  # steps per presentation
    ns = samadi_namespace(params) | {"stimulus": stimulus, "target_drive": target_drive,
                                     "learning_gate": gate, "presentation_steps": steps}

    # the input is constant per presentation whether or not the first layer learns
    fast = plasticity == "fast"
    decay = params.mu ** steps  # DW's shrink per image
    inp = (loaded_input_group(stimulus, clock, steps, presentation_decay=decay) if fast
           else graded_input_group(stimulus, clock))
    layers, forward = [], []
    pre = inp
    # learning projections from pulsing layers: event-driven in the fast form
    pulsed = [k for k in learning if k > 0] if fast else []
    for k, n in enumerate(sizes[1:]):
        is_output = k == n_weight_layers - 1
        extra = TEACHING_SIGNAL if k in learning else ""
        extra += PULSE_TRACES if k in pulsed else ""
        gated = params.gate_output or not is_output  # eq. 2.11's v > 0 gate
        # fast: the sech² slope only where iota is not zero anyway (plasticity.SLOPE_EVENT)
        events = slope_event(derivative, gated) if fast and k in learning else {}
        extra += SLOPE_VARIABLE if events else ""
        if k + 1 in pulsed:  # its pulses drive an event-driven projection: on, off, fold
            events |= PULSE_END_EVENT | PRESENTATION_START
        if fast and (k == 0 or k in pulsed):  # post of a folded projection: clear, restart
            events |= PRESENTATION_START | PRESENTATION_RESTART
        # fast: the pulse timed by a step counter (same spikes as Brian2's refractoriness)
        eqs = COUNTED_PULSE_LIF if fast else DYNAMIC_LIF
        group = dynamic_lif_group(batch.cells(n), params, clock, extra_equations=extra, namespace=ns,
                                  name="output" if is_output else f"hidden{k}",
                                  equations=with_fast_drive(eqs) if fast and k == 0 else eqs,
                                  events=events, pulse="counter" if fast else "refractory")
        group.b = batch.tile(b0[k])
        if fast and k == 0:
            syn = fast_input_projection(pre, group, W0[k], ns, name=f"forward{k}", trials=trials)
        elif k in pulsed:
            syn = pulse_projection(pre, group, W0[k], ns, name=f"forward{k}", trials=trials)
        else:
            syn = forward_projection(pre, group, W0[k], name=f"forward{k}", namespace=ns,
                                     trials=trials)
        if k in learning:
            group.eta = params.eta_scale / sizes[k] * float(params.dt / params.learning_window)
            if fast:  # teaching signal, bias (and accumulators) in one pass over the cells
                iota = teaching_signal_code(derivative, gated,
                                            slope=add_slope_update(group, derivative))
                add_learning_pass(group, iota, FAST_ACCUMULATE if k == 0 else PULSE_ACCUMULATE)
            else:
                add_teaching_signal(group, teaching_signal_code(derivative, gated))
                add_bias_learning(group)
                add_weight_learning(syn)
        layers.append(group)
        forward.append(syn)
        pre = group

    target = target_group(target_drive, params, clock)
    error = signed_error_population(n_out, clock, change_events=plasticity == "fast",
                                    trials=trials)
    to_error = [connect_to_error_population(layers[-1], error, "y", name="output_to_error",
                                            trials=trials),
                connect_to_error_population(target, error, "y_target", name="target_to_error",
                                            trials=trials)]
    feedback_syn = {}
    for k in learning:
        feedback_syn[k] = feedback_projection(error, layers[k], _feedback_matrix(k, sizes, B0),
                                              name=f"feedback{k}",
                                              event_driven=plasticity == "fast", trials=trials)

    out_mon = SpikeMonitor(layers[-1], name="output_spikes")
    layer_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes") for g in layers[:-1]]
                  if record_layers else [])
    # one clock for everything (a second clock's ticks do not line up with the steps on
    # cpp_standalone: see "One clock" in fast_input)
    _check_clocks([inp, *layers, *forward, target, error, *to_error,
                   *feedback_syn.values(), out_mon, *layer_mons], {clock})
    net = Network(inp, *layers, *forward, target, error, *to_error,
                  *feedback_syn.values(), out_mon, *layer_mons)
    ban = BANetwork(net=net, params=params, schedule=schedule, layer_sizes=sizes, input=inp,
                    layers=layers, target=target, error=error, forward=forward,
                    feedback=feedback_syn, output_spikes=out_mon,
                    layer_spikes=layer_mons + [out_mon] if record_layers else [],
                    stimulus=stimulus, target_drive=target_drive, learning_gate=gate,
                    learning_layers=learning, target_drive_high=target_drive_high,
                    fast_input=fast, pulse_projections=pulsed, trials=trials)
    if seeds is not None and len(set(seeds)) > 1:  # each trial from its own seed
        for view, value in ban.state_pairs(ban.initial_state(seeds)):
            view[:] = value
    return ban

def _check_clocks(objects, clocks) -> None:
    """Every object (and the code it contains) runs on one of the network's own clocks."""
    for obj in objects:
        for o in [obj, *getattr(obj, "contained_objects", [])]:
            if o.clock not in clocks:
                raise RuntimeError(f"{o.name} runs on {o.clock.name}, not on "
                                   f"{', '.join(c.name for c in clocks)}")



