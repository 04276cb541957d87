"""Assembling the spiking feedback-alignment network of Hunsberger & Eliasmith (2017).

:func:`build_fa_network` puts together, from the pieces in this package,

* an on/off input encoder: neuron i gets +x_i, neuron 30+i gets -x_i straight into its current
  (:mod:`spiketeach.models.lif`, intercept 0, max rates U(100, 120) Hz);
* hidden LIF layers with gain 1 and bias 1 (J = 1 + sum_j W_ij a_j), fed through alpha synapses
  (:mod:`spiketeach.models.alpha`) and learning by feedback alignment with a surrogate derivative
  (:mod:`spiketeach.models.hunsberger2017.layers`);
* the output: the last hidden layer's spikes drive the 10-D input of a 400-neuron output
  population through learned (PES) weights; its decoded value is the network's output y;
* population-coded errors (:mod:`spiketeach.models.nef`): the error population encodes
  y - y* (alpha-filtered target); "layerwise" chains two more error populations (E2, E1) with
  identity decoded connections and feeds hidden layer l from its own, "direct" feeds every hidden
  layer from the first;
* fixed random feedback weights B_l (10 × 80, N(0, 1.7^2)) from the decoded errors.

Everything runs on ONE clock (monitors aside) and one namespace. The model never reads files;
:mod:`spiketeach.protocols.hunsberger2017.linear_map` supplies stimuli, targets and the learning gate.

Two formulations (``HunsbergerParams.formulation``), one model
-------------------------------------------------------------
Per step, "reference" does O(synapses) work in the weight updates (4800 + 6400 + 800 synapses,
every step) and copies every population's input through summed synapses (4 × 400 + 10). "fast"
does the same arithmetic where it is needed: the learning projections catch up lazily and exactly
(:mod:`spiketeach.models.hunsberger2017.layers`: one accumulator per post neuron, each synapse updated when its
pre neuron spikes and at the end of each ``lazy_flush`` period), and the on/off populations read
their input through linked variables (:mod:`spiketeach.models.nef`). The feedback (a dense 10 × 80
product per layer, changing every step) and the 10 one-to-one PES error copies stay summed: their
value must be the previous step's, which is what the summed update gives. The one visible
difference: the recorded target ``y_node.ystar`` is linked to ``target.ystar`` and so sampled at
the same instant as ``y`` (the reference's copy lags one step); the error that drives learning is
the same number in both (tests/models/hunsberger2017/test_network.py proves spikes equal and weights within 1e-9).

A third formulation, "genn" (:mod:`spiketeach.models.hunsberger2017.genn`), is what Brian2GeNN
accepts; it is built whenever the device is ``genn`` (tests/models/hunsberger2017/test_genn.py: the same
spikes and weights as "reference").
"""

from __future__ import annotations

import numpy as np
from brian2 import (
    EventMonitor,
    Network,
    NeuronGroup,
    StateMonitor,
    Synapses,
    TimedArray,
    linked_var,
    ms,
    second,
)

from spiketeach.core.batch import TrialBatch
from spiketeach.core.clocks import step_clock
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models.alpha import ALPHA_CONTINUOUS, ALPHA_TARGET
from spiketeach.models.hunsberger2017.equations import (
    HIDDEN_TEACHING,
    LAZY_EVENTS,
    LAZY_STATE,
    OUTPUT_TEACHING,
    RECORD_EVENT,
)
from spiketeach.models.hunsberger2017.layers import (
    add_teaching,
    connect_error_signals,
    learning_projection,
)
from spiketeach.models.hunsberger2017.network import FANetwork, draw_trial
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.models.lif import lif_group, lif_namespace
from spiketeach.models.nef import (
    decode_into,
    encode_from,
    population_group,
    value_node,
)

__all__ = ["build_fa_network"]


def build_fa_network(schedule: PresentationSchedule, *, params: HunsbergerParams | None = None,
                     seed=0, weights: list[np.ndarray] | None = None,
                     feedback_matrices: list[np.ndarray] | None = None,
                     record_dt=5 * ms, record_hidden: bool = True) -> FANetwork:
    """Build the spiking FA network for a block of presentations.

    Parameters
    ----------
    schedule : PresentationSchedule
        Presentations per block (``settle`` is ignored: learning is continuous in the original).
    params : HunsbergerParams
        Model parameters (the poster's by default).
    seed : int or sequence of int
        Seeds the population codes (encoders, gains, biases), the feedback matrices and the
        initial weights (:func:`~spiketeach.models.hunsberger2017.network.draw_trial`). A
        sequence builds a batch (:mod:`spiketeach.core.batch`): one independent copy of the
        network per seed in the same groups, trial k giving the spikes and weights of the
        network built alone with seed k (tests/models/hunsberger2017/test_batch.py). The
        trials share the learning and recording gates; their stimuli and targets are column
        blocks of the TimedArrays.
    weights, feedback_matrices : lists of arrays, optional
        Explicit initial forward weights (n_post × n_pre) and feedback matrices (10 × n_hidden)
        (one trial only).
    record_dt : Quantity or None
        Sampling interval of the decoded output/target monitor (a monitor-only clock; None: no
        monitor).
    record_hidden : bool
        Record hidden spikes inside the windows where the ``record_gate`` TimedArray is 1.
    """
    p = params or HunsbergerParams()
    if p.formulation not in ("fast", "reference"):
        raise ValueError(f"this module builds the fast and reference formulations, not "
                         f"{p.formulation!r} (spiketeach.models.hunsberger2017.build chooses)")
    fast = p.formulation == "fast"
    if np.ndim(seed):
        seeds = [int(s) for s in seed]
        if not seeds:
            raise ValueError("a batch needs at least one seed")
        if weights is not None or feedback_matrices is not None:
            raise ValueError("a batch (a sequence of seeds) draws each trial's weights and "
                             "feedback matrices from its seed: pass no weights or "
                             "feedback_matrices")
    else:
        seeds = [int(seed)]
    draws = [draw_trial(p, s, weights, feedback_matrices) for s in seeds]
    batch = TrialBatch(len(draws))
    trials = batch.trials
    n_in, *hid, n_out = (int(n) for n in p.sizes)

    clock = step_clock(p.dt, "hunsberger_clock")
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, batch.cells(n_in))), "stimulus")
    target_values = schedule.stimulus_array(np.zeros((schedule.n, batch.cells(n_out))),
                                            "target_values")
    gate = TimedArray(np.zeros(schedule.n), dt=schedule.presentation, name="learning_gate")
    record_gate = TimedArray(np.zeros(schedule.n), dt=schedule.presentation, name="record_gate")
    ns = lif_namespace(p.lif) | {"stimulus": stimulus, "target_values": target_values,
                             "learning_gate": gate, "record_gate": record_gate,
                             "inhibition": p.inhibition}
    if fast:
        n_steps = int(round(float(schedule.duration / p.dt)))
        flush_steps = max(1, int(round(float(p.lazy_flush / p.dt))))
        ns |= {"flush_steps": flush_steps, "last_step": n_steps - 1}
    learn_state = LAZY_STATE if fast else ""

    # --- input encoder: +x_i and -x_i straight into the current (trial k reads its columns)
    encoder = lif_group(batch.cells(2 * n_in), p.lif, clock, trace=True, namespace=ns,
                        name="encoder",
                        extra_equations="s = polarity * stimulus(t, dim) : 1\n"
                                        "polarity : 1 (constant)\ndim : integer (constant)\n")
    encoder.gain, encoder.bias = batch.stack([d.encoder_gain for d in draws]), 1.0
    encoder.polarity = batch.tile(np.r_[np.ones(n_in), -np.ones(n_in)])
    dims = np.r_[np.arange(n_in), np.arange(n_in)]
    encoder.dim = np.concatenate([dims + k * n_in for k in range(trials)])

    def per_trial(values):  # one trial: its value; a batch: one per trial
        return values[0] if trials == 1 else values

    # --- hidden layers
    events = ({"record": RECORD_EVENT} if record_hidden else {}) | (LAZY_EVENTS if fast else {})
    hidden, forward = [], []
    pre = encoder
    for k, n in enumerate(hid):
        layer = lif_group(batch.cells(n), p.lif, clock, trace=True, namespace=ns,
                          name=f"hidden{k}",
                          extra_equations=ALPHA_TARGET + HIDDEN_TEACHING + learn_state,
                          events=events)
        layer.gain, layer.bias = 1.0, 1.0
        add_teaching(layer, p.surrogate, lazy=fast)
        syn = learning_projection(pre, layer, per_trial([d.weights[k] for d in draws]),
                                  p.eta / second, lazy=fast, namespace=ns, name=f"forward{k}",
                                  trials=trials)
        hidden.append(layer)
        forward.append(syn)
        pre = layer

    # --- output: W_out maps the last hidden layer to the 10-D input of the output population
    out_node = value_node(batch.cells(n_out), p.nef, clock,
                          extra_equations=OUTPUT_TEACHING + learn_state, namespace=ns,
                          name="out_node", events=LAZY_EVENTS if fast else None)
    add_teaching(out_node, "pes", lazy=fast)
    # PES divides by the number of pre neurons (of one trial)
    syn = learning_projection(pre, out_node, per_trial([d.weights[-1] for d in draws]),
                              p.eta / batch.per_trial(len(pre)) / second, lazy=fast,
                              namespace=ns, name=f"forward{len(hid)}", trials=trials)
    forward.append(syn)
    out_code = [d.output_code for d in draws]
    conns = []
    if fast and p.encoders == "onoff":
        output = population_group(out_code, p.nef, clock, namespace=ns, name="output",
                                  linked={"u": (out_node, "s")})
    else:
        output = population_group(out_code, p.nef, clock, namespace=ns, name="output")
        conns.append(encode_from(out_node, "s", output, out_code, name="out_node_to_output"))

    # --- decoded output y, filtered target y*, and y - y*
    target = NeuronGroup(batch.cells(n_out),
                         ALPHA_CONTINUOUS.format(name="ystar", u="target_values(t, i)"),
                         method="exponential_euler", namespace=ns, clock=clock, name="target")
    y_node = value_node(batch.cells(n_out), p.nef, clock, namespace=ns, name="y_node",
                        extra_equations=("ystar : 1 (linked)\n" if fast else "ystar : 1\n")
                        + "err_in = s - ystar : 1\n")
    conns.append(decode_into(output, out_code, y_node, name="output_decoders"))
    if fast:
        y_node.ystar = linked_var(target, "ystar")
    else:
        copy = Synapses(target, y_node, "ystar_post = ystar_pre : 1 (summed)", clock=clock,
                        namespace=ns, name="target_to_y")
        copy.connect(j="i")
        conns.append(copy)

    # --- error populations
    n_err = len(draws[0].error_codes)
    errors, error_nodes = [], []
    source, variable = y_node, "err_in"
    for m in range(n_err):
        code = [d.error_codes[m] for d in draws]
        if fast and p.encoders == "onoff":
            # the first reads y - y* (y_node.err_in, from the linked sources), the next the
            # previous error node's decoded value
            linked = ({"ys": (y_node, "s"), "ys_star": (target, "ystar")} if m == 0
                      else {"u": (source, variable)})
            pop = population_group(code, p.nef, clock, gated=True, namespace=ns, name=f"error{m}",
                                   linked=linked, linked_value="ys - ys_star" if m == 0 else None)
        else:
            pop = population_group(code, p.nef, clock, gated=True, namespace=ns, name=f"error{m}")
            conns.append(encode_from(source, variable, pop, code, name=f"to_error{m}"))
        node = value_node(batch.cells(n_out), p.nef, clock, namespace=ns, name=f"error{m}_node")
        conns.append(decode_into(pop, code, node, name=f"error{m}_decoders"))
        errors.append(pop)
        error_nodes.append(node)
        source, variable = node, "s"
    to_pes, feedback = connect_error_signals(error_nodes, out_node, hidden,
                                             per_trial([d.feedback_matrices for d in draws]),
                                             p.error_routing, clock, ns, trials=trials)
    conns.append(to_pes)

    y_mon = (StateMonitor(y_node, ["s", "ystar"], record=True, dt=record_dt, name="y_monitor")
             if record_dt is not None else None)
    e_mon = (StateMonitor(error_nodes[0], "s", record=True, dt=record_dt, name="e_monitor")
             if record_dt is not None else None)
    hidden_events = ([EventMonitor(layer, "record", name=f"{layer.name}_events") for layer in hidden]
                     if record_hidden else [])
    objects = [encoder, *hidden, *forward, out_node, output, target, y_node, *errors,
               *error_nodes, *conns, *feedback]
    _check_one_clock(objects, clock)
    net = Network(*objects, *hidden_events, *([y_mon, e_mon] if y_mon is not None else []))
    return FANetwork(net=net, params=p, schedule=schedule, clock=clock, encoder=encoder,
                     hidden=hidden, out_node=out_node, output=output, y_node=y_node, target=target,
                     errors=errors, error_nodes=error_nodes, forward=forward, feedback=feedback,
                     stimulus=stimulus, target_values=target_values, learning_gate=gate,
                     record_gate=record_gate, y_monitor=y_mon, e_monitor=e_mon,
                     hidden_events=hidden_events, draws=draws)

def _check_one_clock(objects, clock) -> None:
    """Every object (and the code it contains) runs on the network's one clock."""
    for obj in objects:
        for o in [obj, *getattr(obj, "contained_objects", [])]:
            if o.clock is not clock:
                raise RuntimeError(f"{o.name} runs on {o.clock.name}, not {clock.name}")
