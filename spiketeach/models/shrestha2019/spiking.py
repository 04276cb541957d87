"""Assembling an EMSTDP network in the "reference" or "fast" formulation
(:func:`build_emstdp_network`); :func:`spiketeach.models.shrestha2019.build` chooses.
"""

from __future__ import annotations

import numpy as np
from brian2 import EventMonitor, Network, SpikeMonitor, TimedArray

from spiketeach.core.clocks import step_clock
from spiketeach.models.shrestha2019.layers import (
    _namespace,
    emstdp_projection,
    fast_input_layer,
    fixed_feedback,
    if_layer,
    input_layer,
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
                         seed: int = 0, weights: list[np.ndarray] | None = None,
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
    W0, B0 = initial_values(sizes, params, feedback, seed)
    if weights is not None:
        W0 = [np.asarray(w, dtype=float) for w in weights]
    if feedback_weights is not None:
        B0 = [np.asarray(b, dtype=float) for b in feedback_weights]

    clock = step_clock(params.dt, f"{name}_clock")
    stimulus = TimedArray(np.zeros((n_pres, sizes[0])), dt=params.window, name=f"{name}_stimulus")
    label = TimedArray(np.zeros((n_pres, sizes[-1])), dt=params.window, name=f"{name}_label")
    learn_gate = TimedArray(np.ones(n_pres), dt=params.window, name=f"{name}_learn_gate")
    ns = _namespace(params, {"stimulus": stimulus, "label": label, "learn_gate": learn_gate,
                             "n_windows": n_pres})

    theta = thresholds(sizes, params)
    theta_e = error_thresholds(sizes, params, feedback)
    L = len(sizes) - 2
    if fast:
        inp = fast_input_layer(stimulus, params, clock, ns, name=f"{name}_input")
    else:
        inp = input_layer(stimulus, params, clock, ns, name=f"{name}_input")
    layers = []
    for m in range(L + 1):
        is_out = m == L
        layers.append(if_layer(sizes[m + 1], theta[m], params, clock, ns, error=True, loss=is_out,
                               theta_e=params.loss_threshold if is_out else theta_e[m],
                               gated=(not is_out and params.derivative_gate and feedback != "dfa"),
                               held_input=fast and m == 0, pre_learning=fast and not is_out,
                               window_end=not fast or is_out or record_counts == "all",
                               signed_error=fast,
                               name=f"{name}_output" if is_out else f"{name}_hidden{m}"))
    forward = []
    pre = inp
    for m, layer in enumerate(layers):
        forward.append(emstdp_projection(pre, layer, W0[m], params, ns,
                                         symmetric_feedback=(feedback == "symmetric" and m > 0),
                                         fast=fast, name=f"{name}_forward{m}"))
        pre = layer
    fb = []
    for m in range(L):
        source = layers[-1] if feedback == "dfa" else layers[m + 1]
        if feedback != "symmetric":
            fb.append(fixed_feedback(source, layers[m], B0[m], name=f"{name}_feedback{m}"))

    recorded = {"output": [layers[-1]], "all": layers, "none": []}[record_counts]
    monitors = []
    for g in recorded:
        mon = EventMonitor(g, "wend", variables=["h1", "h2", "n_err_pos", "n_err_neg"],
                           when="end", order=-1, name=f"{g.name}_counts")
        monitors.append(mon)
    spike_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes")
                   for g in ([] if fast else [inp]) + layers] if record_spikes else [])
    net = Network(inp, *layers, *forward, *fb, *monitors, *spike_mons)
    built = built_state(W0, B0 if feedback != "symmetric" else [], theta, theta_e, params)
    return EMSTDPNetwork(net=net, params=params, layer_sizes=sizes, feedback=feedback,
                         formulation=formulation,
                         n_presentations=n_pres, input=inp, layers=layers, forward=forward,
                         feedback_syn=fb, stimulus=stimulus, label=label, learn_gate=learn_gate,
                         window_counts=monitors, spike_monitors=spike_mons, seed=seed,
                         built_state=built)
