"""Assembling an eRBP network (:func:`build_erbp_network`; :func:`spiketeach.models.neftci2017.build`
chooses the formulation).

* ``"fast"`` (default): the rule as the code runs it, only at presynaptic spikes (an ``on_pre``
  pathway, :data:`~spiketeach.models.neftci2017.equations.ERBP_LEARN`);
* ``"reference"``: the same rule checked at every step for every synapse (``run_regularly``,
  :data:`~spiketeach.models.neftci2017.equations.PER_STEP_LEARN`), at the same place in the step;
  tests/models/neftci2017/test_erbp.py proves the two give the same weights. The per-step form
  exists for that proof and for the speed benchmark; it offers no peRBP.
"""

from __future__ import annotations

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    PoissonInput,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
)

import spiketeach.models.neftci2017.equations as eq
from spiketeach.core.clocks import step_clock
from spiketeach.models.neftci2017.network import (
    ERBPNetwork,
    check_sizes,
    initial_values,
    learn_slots,
    state_from,
)
from spiketeach.models.neftci2017.params import ERBPParams

__all__ = ["FORMULATIONS", "build_erbp_network", "error_neurons", "error_input"]

FORMULATIONS = ("reference", "fast")


def _namespace(params: ERBPParams, extra: dict) -> dict:
    ns = {k: getattr(params, k) for k in (
        "tau_m", "tau_syn", "tau_dend", "v_th", "v_reset", "err_th", "eta", "p_transmit",
        "hazard0", "in_th", "in_delta", "poisson_rate")}
    ns.update(extra)
    return ns


def error_neurons(n_classes: int, params: ERBPParams, clock, ns, name="erbp_error") -> NeuronGroup:
    """The ± error pairs: 2 n_classes non-leaky integrators, E+ first (``side`` = ±1)."""
    err = NeuronGroup(2 * n_classes, eq.ERROR_NEURON, threshold=eq.ERROR_THRESHOLD,
                      reset=eq.ERROR_RESET, events={"floor": eq.ERROR_FLOOR_EVENT},
                      method="exact", clock=clock, namespace=ns, name=name)
    err.run_on_event("floor", eq.ERROR_FLOOR)
    err.side = np.repeat([1.0, -1.0], n_classes)
    return err


def error_input(source: NeuronGroup, err: NeuronGroup, sign: float, w: float, clock,
                name: str) -> Synapses:
    """Source cell k → E+_k with ``sign·w`` and → E−_k with ``−sign·w`` (label: sign +1;
    output: sign −1)."""
    n = len(source)
    syn = Synapses(source, err, "w : 1 (constant)", on_pre=eq.ERROR_INPUT, clock=clock,
                   name=name)
    syn.connect(i=np.r_[np.arange(n), np.arange(n)], j=np.arange(2 * n))
    syn.w = np.r_[np.full(n, sign * w), np.full(n, -sign * w)]
    return syn


def _input_group(n, drive, params, clock, ns, name):
    model = eq.ESCAPE_INPUT if params.encoding == "escape" else eq.POISSON_INPUT
    return NeuronGroup(n, model, threshold=eq.INPUT_THRESHOLD, refractory=params.dead_time,
                       clock=clock, namespace={**ns, "drive": drive}, name=name)


def build_erbp_network(layer_sizes, n_presentations: int, *, params: ERBPParams | None = None,
                       seed: int = 0, weights=None, feedback_weights=None,
                       record: tuple[str, ...] = (), formulation: str = "fast",
                       name: str = "erbp") -> ERBPNetwork:
    """Build an eRBP network for blocks of ``n_presentations`` samples.

    Parameters
    ----------
    layer_sizes : [n_input, n_hidden_1, ..., n_output], e.g. [784, 500, 10] or
        [784, 500, 500, 10]; the error reaches every hidden layer directly (code).
    n_presentations : samples per block (one ``run()``).
    weights : optional forward matrices (n_post × n_pre each); feedback_weights : optional
        (n_hidden_total × n_classes).
    record : for tests and figures: "gU" records g and U of every layer where the rule reads
        them (synapse slot, before the learning pathways); "state" also w of every forward
        synapse at the end of each step (small networks only); "spikes" the spikes of every
        group.
    """
    params = params or ERBPParams()
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {formulation!r}; choose one of {FORMULATIONS}")
    if formulation == "reference" and params.p_transmit < 1:
        raise ValueError("the per-step (reference) formulation has no stochastic synapses: "
                         "use formulation='fast' for p_transmit < 1")
    sizes = check_sizes(layer_sizes)
    n_pres = int(n_presentations)
    if n_pres < 1:
        raise ValueError(f"a block needs >= 1 sample, got {n_presentations}")
    W0, B0 = initial_values(sizes, params, seed)
    if weights is not None:
        W0 = [np.asarray(w, dtype=float) for w in weights]
        if [w.shape for w in W0] != [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]:
            raise ValueError("weights must be (n_post × n_pre) matrices of the layer sizes")
    if feedback_weights is not None:
        B0 = np.asarray(feedback_weights, dtype=float)
        if B0.shape != (sum(sizes[1:-1]), sizes[-1]):
            raise ValueError(f"feedback_weights must be (n_hidden_total × n_classes) = "
                             f"{(sum(sizes[1:-1]), sizes[-1])}, got {B0.shape}")
    n_in, n_cls = sizes[0], sizes[-1]

    clock = step_clock(params.dt, f"{name}_clock")
    drive = TimedArray(np.zeros((n_pres, n_in)), dt=params.sample_duration, name=f"{name}_drive")
    label_drive = TimedArray(np.zeros((n_pres, n_cls)), dt=params.sample_duration,
                             name=f"{name}_label_drive")
    slot = params.sample_duration / learn_slots(params)
    learn_on = TimedArray(np.zeros(n_pres * learn_slots(params)), dt=slot,
                          name=f"{name}_learn_on")
    ns = _namespace(params, {"learn_on": learn_on})

    inp = _input_group(n_in, drive, params, clock, ns, f"{name}_input")
    lab = _input_group(n_cls, label_drive, params, clock, ns, f"{name}_labels")
    layers, noise = [], []
    for k, n in enumerate(sizes[1:]):
        is_out = k == len(sizes) - 2
        g = NeuronGroup(n, eq.TWO_COMPARTMENT, threshold=eq.TC_THRESHOLD, reset=eq.TC_RESET,
                        refractory=params.refractory, method="exact", clock=clock, namespace=ns,
                        name=f"{name}_output" if is_out else f"{name}_hidden{k}")
        layers.append(g)
        if params.noise_weight and float(params.noise_rate) > 0:
            noise.append(PoissonInput(g, eq.NOISE_TARGET, 1, params.noise_rate,
                                      weight=params.noise_weight))
    err = error_neurons(n_cls, params, clock, ns, name=f"{name}_error")

    forward = []
    perbp = params.p_transmit < 1
    model = eq.FORWARD_MODEL + (eq.PERBP_MODEL if perbp else "")
    pre_groups = [inp] + layers[:-1]
    for k, (pre, post) in enumerate(zip(pre_groups, layers)):
        if formulation == "fast":
            syn = Synapses(pre, post, model,
                           on_pre={"learn": eq.PERBP_LEARN if perbp else eq.ERBP_LEARN,
                                   "pre": eq.PERBP_TRANSMIT if perbp else eq.TRANSMIT},
                           clock=clock, namespace=ns, name=f"{name}_forward{k}")
            # every gate is read before any transmission of the step (those: order -1)
            syn.learn.order = -2
        else:
            syn = Synapses(pre, post, model, on_pre=eq.TRANSMIT, clock=clock, namespace=ns,
                           name=f"{name}_forward{k}")
            syn.run_regularly(eq.PER_STEP_LEARN, when="synapses", order=-2,
                              name=f"{name}_forward{k}_learn_every_step")
        syn.connect()  # all to all, pre-major order: index = i_pre * n_post + j_post
        hidden_to_hidden = 0 < k < len(layers) - 1
        syn.b_lo = -params.b_hidden if hidden_to_hidden else params.b_lo
        syn.b_hi = params.b_hidden if hidden_to_hidden else params.b_hi
        syn.w = W0[k].T.ravel()
        forward.append(syn)

    lab_err = error_input(lab, err, +1.0, params.w_err, clock, f"{name}_label_error")
    out_err = error_input(layers[-1], err, -1.0, params.w_err, clock, f"{name}_output_error")
    fb_out = Synapses(err, layers[-1], eq.FEEDBACK_MODEL, on_pre=eq.FEEDBACK_ON_PRE, clock=clock,
                      name=f"{name}_feedback_out")
    fb_out.connect(i=np.arange(2 * n_cls), j=np.arange(2 * n_cls) % n_cls)
    fb_out.B = params.w_fb_out
    feedback = []
    for k, hid in enumerate(layers[:-1]):
        syn = Synapses(err, hid, eq.FEEDBACK_MODEL, on_pre=eq.FEEDBACK_ON_PRE, clock=clock,
                       name=f"{name}_feedback{k}")
        syn.connect()
        feedback.append(syn)
    built = state_from(W0, B0, sizes)
    for k, syn in enumerate(feedback):
        syn.B = built[f"feedback{k}.B"]

    out_mon = SpikeMonitor(layers[-1], name=f"{name}_output_spikes")
    monitors = {}
    if "state" in record or "gU" in record:
        for g in layers:
            monitors[f"{g.name}.gU"] = StateMonitor(g, ["g", "U"], record=True, when="synapses",
                                                    order=-3, name=f"{g.name}_gU")
    if "state" in record:
        for k, syn in enumerate(forward):
            monitors[f"forward{k}.w"] = StateMonitor(syn, "w", record=True, when="end",
                                                     name=f"{syn.name}_w")
    if "spikes" in record:
        for g in [inp, lab, *layers[:-1], err]:
            monitors[f"{g.name}.spikes"] = SpikeMonitor(g, name=f"{g.name}_spikes")
    net = Network(inp, lab, *layers, *noise, err, *forward, lab_err, out_err, fb_out, *feedback,
                  out_mon, *monitors.values())
    return ERBPNetwork(net=net, params=params, layer_sizes=sizes, n_presentations=n_pres,
                       formulation=formulation, input=inp, label_units=lab, layers=layers,
                       error=err, forward=forward, feedback=feedback, drive=drive,
                       label_drive=label_drive, learn_on=learn_on, output_spikes=out_mon,
                       monitors=monitors, seed=seed, built_state=built)
