"""Assembling an EMSTDP network in the "reference" or "fast" formulation
(:func:`build_emstdp_network`); :func:`spiketeach.models.shrestha2019.build` chooses.
"""

from __future__ import annotations

import numpy as np
from brian2 import EventMonitor, Network, SpikeMonitor, TimedArray

from spiketeach.core.batch import TrialBatch
from spiketeach.core.clocks import step_clock
from spiketeach.models.shrestha2019.layers import (
    _namespace,
    emstdp_projection,
    fast_input_layer,
    fixed_feedback,
    if_layer,
    input_layer,
    trial_random_cells,
)
from spiketeach.models.shrestha2019.network import (
    EMSTDPNetwork,
    built_state,
    error_thresholds,
    initial_values,
    thresholds,
)
from spiketeach.models.shrestha2019.params import FEEDBACK, EMSTDPParams

__all__ = ["FORMULATIONS", "build_emstdp_network"]

#: the formulations :func:`build_emstdp_network` offers (same model)
FORMULATIONS = ("reference", "fast")

def build_emstdp_network(layer_sizes: list[int], n_presentations: int, *,
                         params: EMSTDPParams | None = None, feedback: str = "symmetric",
                         seed=0, weights: list[np.ndarray] | None = None,
                         feedback_weights: list[np.ndarray] | None = None,
                         record_counts: str = "output", record_spikes: bool = False,
                         formulation: str = "fast", name: str = "emstdp") -> EMSTDPNetwork:
    """Build an EMSTDP network for blocks of ``n_presentations`` samples.

    Parameters
    ----------
    layer_sizes : list of int
        [n_input, n_hidden_1, ..., n_output], e.g. [784, 500, 10].
    n_presentations : int
        Samples per block (one ``run()``). The TimedArrays ``stimulus`` (images in [0, 1]),
        ``label`` (one-hot) and ``learn_gate`` (1: train, 0: test) hold one row per sample.
    feedback : {"symmetric", "fa", "dfa"}
    seed : int or sequence of int
        Seeds the §4 initialisation. A sequence builds a batch (:mod:`spiketeach.core.batch`):
        one independent copy of the network per seed in the same groups (N × n cells,
        block-diagonal synapses, one column block per trial in ``stimulus`` and ``label``; the
        learning gate and every ``(shared)`` constant — η, the thresholds — common to all). A
        batch draws no random numbers: each trial's come in the TimedArrays ``shared_random``
        and ``target_spike`` (:mod:`~spiketeach.models.shrestha2019.draws`); it needs the
        shared-random encoding and takes no explicit ``weights``.
    weights, feedback_weights : optional explicit initial matrices.
    record_counts : {"output", "all", "none"}
        Record (h1, h2) of the output (or of every layer) at each window end.
    record_spikes : bool
        Also record every spike of every layer (tests, figures); the input's spikes only with
        the reference formulation.
    formulation : {"fast", "reference"}
        The same model in two formulations (see the comment above :data:`FAST_INPUT_NEURON`):
        "reference" delivers every input spike to every first-layer cell and updates every
        synapse at every window end; "fast" (default) delivers only on/off changes of the
        input cells and updates from the active pre cells, with RMSprop's decay kept lazily;
        "genn" (always on the genn device): :mod:`spiketeach.models.shrestha2019.genn`.
    """
    params = params or EMSTDPParams()
    if feedback not in FEEDBACK:
        raise ValueError(f"unknown feedback {feedback!r}; choose one of {FEEDBACK}")
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"EMSTDP needs input, >= 1 hidden and an output layer: {layer_sizes}")
    n_pres = int(n_presentations)
    if formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {formulation!r}; choose one of {FORMULATIONS}")
    if n_pres % params.batch:
        raise ValueError(f"a block of {n_pres} samples does not hold whole batches of "
                         f"{params.batch}")
    fast = formulation == "fast"
    if fast and params.update == "rmsprop" and n_pres // params.batch > 5000:
        raise ValueError("the fast formulation keeps 0.9^(updates in a block) in a double: "
                         "at most 5000 updates per block")
    seeds = [int(s) for s in seed] if np.ndim(seed) else None
    if seeds is not None:
        if not seeds:
            raise ValueError("a batch needs at least one seed")
        if weights is not None or feedback_weights is not None:
            raise ValueError("a batch draws each trial's initial weights from its seed: pass "
                             "explicit weights to networks of one trial")
        if params.encoding != "shared":
            raise ValueError(f"encoding={params.encoding!r} draws one random number per input "
                             "cell and step inside the run, which a batch cannot give each "
                             "trial as it would draw it alone: batch encoding='shared' or run "
                             "the trials alone")
        trial_values = [initial_values(sizes, params, feedback, s) for s in seeds]
        W0 = [np.stack(ws) for ws in zip(*(W for W, _ in trial_values))]
        B0 = [np.stack(bs) for bs in zip(*(B for _, B in trial_values))]
        seed = seeds
    else:
        W0, B0 = initial_values(sizes, params, feedback, seed)
        if weights is not None:
            W0 = [np.asarray(w, dtype=float) for w in weights]
        if feedback_weights is not None:
            B0 = [np.asarray(b, dtype=float) for b in feedback_weights]
    trials = len(seeds) if seeds is not None else 1
    batch = TrialBatch(trials)
    drawn = seeds is not None  # (a batch of one too: its random numbers come from numpy)

    clock = step_clock(params.dt, f"{name}_clock")
    stimulus = TimedArray(np.zeros((n_pres, batch.cells(sizes[0]))), dt=params.window,
                          name=f"{name}_stimulus")
    label = TimedArray(np.zeros((n_pres, batch.cells(sizes[-1]))), dt=params.window,
                       name=f"{name}_label")
    learn_gate = TimedArray(np.ones(n_pres), dt=params.window, name=f"{name}_learn_gate")
    extra = {"stimulus": stimulus, "label": label, "learn_gate": learn_gate, "n_windows": n_pres}
    shared_random = target_spike = None
    if drawn:  # one row per step (read at t = step·dt: the row is the step)
        shared_random = TimedArray(np.zeros((n_pres * params.T, trials)), dt=params.dt,
                                   name=f"{name}_shared_random")
        target_spike = TimedArray(np.zeros((n_pres * params.T, batch.cells(sizes[-1]))),
                                  dt=params.dt, name=f"{name}_target_spike")
        extra |= {"shared_random": shared_random, "target_spike": target_spike}
    ns = _namespace(params, extra)

    theta = thresholds(sizes, params)
    theta_e = error_thresholds(sizes, params, feedback)
    L = len(sizes) - 2
    trial_random = (trial_random_cells(trials, params, clock, ns, name=f"{name}_trial_random")
                    if drawn else None)
    if fast:
        inp = fast_input_layer(stimulus, params, clock, ns, name=f"{name}_input",
                               trial_random=trial_random)
    else:
        inp = input_layer(stimulus, params, clock, ns, name=f"{name}_input",
                          trial_random=trial_random)
    layers = []
    for m in range(L + 1):
        is_out = m == L
        layers.append(if_layer(batch.cells(sizes[m + 1]), theta[m], params, clock, ns, error=True, loss=is_out,
                               theta_e=params.loss_threshold if is_out else theta_e[m],
                               gated=(not is_out and params.derivative_gate and feedback != "dfa"),
                               held_input=fast and m == 0, pre_learning=fast and not is_out,
                               window_end=not fast or is_out or record_counts == "all",
                               signed_error=fast, drawn_targets=drawn and is_out,
                               name=f"{name}_output" if is_out else f"{name}_hidden{m}"))
    forward = []
    pre = inp
    for m, layer in enumerate(layers):
        forward.append(emstdp_projection(pre, layer, W0[m], params, ns,
                                         symmetric_feedback=(feedback == "symmetric" and m > 0),
                                         fast=fast, trials=trials, name=f"{name}_forward{m}"))
        pre = layer
    fb = []
    for m in range(L):
        source = layers[-1] if feedback == "dfa" else layers[m + 1]
        if feedback != "symmetric":
            fb.append(fixed_feedback(source, layers[m], B0[m], name=f"{name}_feedback{m}",
                                     trials=trials))

    recorded = {"output": [layers[-1]], "all": layers, "none": []}[record_counts]
    monitors = []
    for g in recorded:
        mon = EventMonitor(g, "wend", variables=["h1", "h2", "n_err_pos", "n_err_neg"],
                           when="end", order=-1, name=f"{g.name}_counts")
        monitors.append(mon)
    spike_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes")
                   for g in ([] if fast else [inp]) + layers] if record_spikes else [])
    net = Network(inp, *layers, *forward, *fb, *monitors, *spike_mons,
                  *([trial_random] if drawn else []))
    if drawn:
        built = batch.stack_states([built_state([w[k] for w in W0],
                                                [b[k] for b in B0] if feedback != "symmetric"
                                                else [], theta, theta_e, params)
                                    for k in range(trials)])
    else:
        built = built_state(W0, B0 if feedback != "symmetric" else [], theta, theta_e, params)
    return EMSTDPNetwork(net=net, params=params, layer_sizes=sizes, feedback=feedback,
                         formulation=formulation,
                         n_presentations=n_pres, input=inp, layers=layers, forward=forward,
                         feedback_syn=fb, stimulus=stimulus, label=label, learn_gate=learn_gate,
                         window_counts=monitors, spike_monitors=spike_mons, seed=seed,
                         built_state=built, trials=trials, shared_random=shared_random,
                         target_spike=target_spike)
