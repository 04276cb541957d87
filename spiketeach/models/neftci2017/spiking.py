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
from spiketeach.core.batch import TrialBatch
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


def error_neurons(n_classes: int, params: ERBPParams, clock, ns, name="erbp_error",
                  trials: int = 1) -> NeuronGroup:
    """The ± error pairs: 2 n_classes non-leaky integrators, E+ first (``side`` = ±1); a batch
    holds ``trials`` such blocks one after the other."""
    err = NeuronGroup(2 * n_classes * trials, eq.ERROR_NEURON, threshold=eq.ERROR_THRESHOLD,
                      reset=eq.ERROR_RESET, events={"floor": eq.ERROR_FLOOR_EVENT},
                      method="exact", clock=clock, namespace=ns, name=name)
    err.run_on_event("floor", eq.ERROR_FLOOR)
    err.side = TrialBatch(trials).tile(np.repeat([1.0, -1.0], n_classes))
    return err


def error_input(source: NeuronGroup, err: NeuronGroup, sign: float, w: float, clock,
                name: str, trials: int = 1) -> Synapses:
    """Source cell k → E+_k with ``sign·w`` and → E−_k with ``−sign·w`` (label: sign +1;
    output: sign −1), within each trial of a batch of ``trials``."""
    batch = TrialBatch(trials)
    n = batch.per_trial(len(source), source.name)
    syn = Synapses(source, err, "w : 1 (constant)", on_pre=eq.ERROR_INPUT, clock=clock,
                   name=name)
    i, j = batch.block_indices(np.r_[np.arange(n), np.arange(n)], np.arange(2 * n), n, 2 * n)
    syn.connect(i=i, j=j)
    syn.w = batch.tile(np.r_[np.full(n, sign * w), np.full(n, -sign * w)])
    return syn


def _input_group(n, drive, params, clock, ns, name, draws=None):
    model = eq.ESCAPE_INPUT if params.encoding == "escape" else eq.POISSON_INPUT
    threshold, extra = eq.INPUT_THRESHOLD, {"drive": drive}
    if draws is not None:
        threshold, extra = eq.DRAWN_INPUT_THRESHOLD, {**extra, "u_drawn": draws}
    return NeuronGroup(n, model, threshold=threshold, refractory=params.dead_time,
                       clock=clock, namespace={**ns, **extra}, name=name)


def _trial_values(sizes, params, seeds, weights, feedback_weights, batch: bool):
    """Every trial's (W, B): drawn from its seed, or given (a batch: one per trial)."""
    n = len(seeds)
    if batch:
        for what, given in (("weights", weights), ("feedback_weights", feedback_weights)):
            if given is not None and len(given) != n:
                raise ValueError(f"a batch of {n} trials takes {what} as a sequence of one "
                                 f"trial's {what} per trial; got {len(given)} entries")
    out = []
    for k, seed in enumerate(seeds):
        W, B = initial_values(sizes, params, seed)
        given_w = weights if not batch or weights is None else weights[k]
        given_b = (feedback_weights if not batch or feedback_weights is None
                   else feedback_weights[k])
        where = f" (trial {k})" if batch else ""
        if given_w is not None:
            try:
                W = [np.asarray(w, dtype=float) for w in given_w]
            except ValueError:
                W = None
            expected = [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]
            if W is None or [w.shape for w in W] != expected:
                raise ValueError(f"weights{where} must be (n_post × n_pre) matrices of the "
                                 f"layer sizes {expected}")
        if given_b is not None:
            B = np.asarray(given_b, dtype=float)
            if B.shape != (sum(sizes[1:-1]), sizes[-1]):
                raise ValueError(f"feedback_weights{where} must be (n_hidden_total × n_classes)"
                                 f" = {(sum(sizes[1:-1]), sizes[-1])}, got {B.shape}")
        out.append((W, B))
    return out


def build_erbp_network(layer_sizes, n_presentations: int, *, params: ERBPParams | None = None,
                       seed=0, weights=None, feedback_weights=None,
                       record: tuple[str, ...] = (), formulation: str = "fast",
                       name: str = "erbp") -> ERBPNetwork:
    """Build an eRBP network for blocks of ``n_presentations`` samples.

    Parameters
    ----------
    layer_sizes : [n_input, n_hidden_1, ..., n_output], e.g. [784, 500, 10] or
        [784, 500, 500, 10]; the error reaches every hidden layer directly (code).
    n_presentations : samples per block (one ``run()``).
    seed : int or sequence of int
        Seeds the code's initialisation. A sequence builds a batch (:mod:`spiketeach.core.batch`):
        one independent copy of the network per seed in the same groups (N × n cells,
        block-diagonal synapses, one column block per trial in ``drive`` and ``label_drive``,
        ``learn_on`` shared). A batch draws no random numbers: each trial's input and label
        units read the numbers the trial alone would draw from TimedArrays
        (:mod:`~spiketeach.models.neftci2017.draws`), so trial k gives the spikes and weights of
        the network built alone with the k-th seed (tests/models/neftci2017/test_batch.py). Run
        its blocks with :mod:`spiketeach.protocols.neftci2017.batch`. A batch refuses peRBP
        (``p_transmit < 1``) and soma noise (``noise_weight`` > 0): how many numbers they draw
        depends on the run's own spikes.
    weights : optional forward matrices (n_post × n_pre each); feedback_weights : optional
        (n_hidden_total × n_classes). A batch takes one of each per trial (a sequence of N).
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
    seeds = [int(s) for s in seed] if np.ndim(seed) else None
    noisy = bool(params.noise_weight and float(params.noise_rate) > 0)
    if seeds is not None:
        if not seeds:
            raise ValueError("a batch needs at least one seed")
        if noisy:
            raise ValueError("a batch needs noise_weight=0: the soma noise draws one number per "
                             "non-refractory cell and step inside the run (how many depends on "
                             "the run's own spikes), which a batch cannot give each trial as it "
                             "would draw it alone; run noisy trials alone")
        if params.p_transmit < 1:
            raise ValueError("peRBP (p_transmit < 1) draws at presynaptic spikes inside the run, "
                             "which a batch cannot give each trial as it would draw it alone: "
                             "run such trials alone")
    values = _trial_values(sizes, params, seeds or [seed], weights, feedback_weights,
                           batch=seeds is not None)
    trials = len(values)
    batch = TrialBatch(trials)
    drawn = seeds is not None  # (a batch of one too: its random numbers come from numpy)
    n_in, n_cls = sizes[0], sizes[-1]

    clock = step_clock(params.dt, f"{name}_clock")
    drive = TimedArray(np.zeros((n_pres, batch.cells(n_in))), dt=params.sample_duration,
                       name=f"{name}_drive")
    label_drive = TimedArray(np.zeros((n_pres, batch.cells(n_cls))), dt=params.sample_duration,
                             name=f"{name}_label_drive")
    slot = params.sample_duration / learn_slots(params)
    learn_on = TimedArray(np.zeros(n_pres * learn_slots(params)), dt=slot,
                          name=f"{name}_learn_on")
    ns = _namespace(params, {"learn_on": learn_on})
    n_steps = n_pres * int(round(float(params.sample_duration / params.dt)))

    def draws(n, what):
        if not drawn:
            return None
        return TimedArray(np.zeros((n_steps, batch.cells(n))), dt=params.dt,
                          name=f"{name}_{what}_draws")
    input_draws, label_draws = draws(n_in, "input"), draws(n_cls, "label")
    inp = _input_group(batch.cells(n_in), drive, params, clock, ns, f"{name}_input",
                       input_draws)
    lab = _input_group(batch.cells(n_cls), label_drive, params, clock, ns, f"{name}_labels",
                       label_draws)
    layers, noise = [], []
    for k, n in enumerate(sizes[1:]):
        is_out = k == len(sizes) - 2
        g = NeuronGroup(batch.cells(n), eq.TWO_COMPARTMENT, threshold=eq.TC_THRESHOLD,
                        reset=eq.TC_RESET, refractory=params.refractory, method="exact",
                        clock=clock, namespace=ns,
                        name=f"{name}_output" if is_out else f"{name}_hidden{k}")
        layers.append(g)
        if noisy:
            noise.append(PoissonInput(g, eq.NOISE_TARGET, 1, params.noise_rate,
                                      weight=params.noise_weight))
    err = error_neurons(n_cls, params, clock, ns, name=f"{name}_error", trials=trials)

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
        if trials == 1:
            syn.connect()  # all to all, pre-major order: index = i_pre * n_post + j_post
        else:  # the same order within each trial's block
            syn.connect(i=(ij := batch.dense_indices(sizes[k], sizes[k + 1]))[0], j=ij[1])
        hidden_to_hidden = 0 < k < len(layers) - 1
        syn.b_lo = -params.b_hidden if hidden_to_hidden else params.b_lo
        syn.b_hi = params.b_hidden if hidden_to_hidden else params.b_hi
        syn.w = batch.stack([W[k].T.ravel() for W, _ in values])
        forward.append(syn)

    lab_err = error_input(lab, err, +1.0, params.w_err, clock, f"{name}_label_error", trials)
    out_err = error_input(layers[-1], err, -1.0, params.w_err, clock, f"{name}_output_error",
                          trials)
    fb_out = Synapses(err, layers[-1], eq.FEEDBACK_MODEL, on_pre=eq.FEEDBACK_ON_PRE, clock=clock,
                      name=f"{name}_feedback_out")
    i, j = batch.block_indices(np.arange(2 * n_cls), np.arange(2 * n_cls) % n_cls, 2 * n_cls,
                               n_cls)
    fb_out.connect(i=i, j=j)
    fb_out.B = params.w_fb_out
    feedback = []
    for k, hid in enumerate(layers[:-1]):
        syn = Synapses(err, hid, eq.FEEDBACK_MODEL, on_pre=eq.FEEDBACK_ON_PRE, clock=clock,
                       name=f"{name}_feedback{k}")
        if trials == 1:
            syn.connect()
        else:
            syn.connect(i=(ij := batch.dense_indices(2 * n_cls, sizes[k + 1]))[0], j=ij[1])
        feedback.append(syn)
    built = batch.stack_states([state_from(W, B, sizes) for W, B in values])
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
                       monitors=monitors, seed=seeds if drawn else seed, built_state=built,
                       trials=trials, input_draws=input_draws, label_draws=label_draws)
