"""Builders of EMSTDP's groups and synapses from the equation strings of
:mod:`spiketeach.models.shrestha2019.equations`: input cells, IF layers with their two-channel
error neurons, the learning projections and the fixed feedback pathways.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, NeuronGroup, Synapses, TimedArray, linked_var

from spiketeach.core.batch import TrialBatch
from spiketeach.models.shrestha2019.equations import (
    BATCH_LOSS_INPUT,
    BATCH_RANDOM_CELL,
    BATCH_RESET,
    BATCH_SHARED_RANDOM,
    CODE_TIMING_CHANNELS,
    COUNT_CODE,
    ERROR_CHANNELS,
    ERROR_EVENTS,
    ERROR_EVENTS_CODE,
    ERROR_PUSH_DELAY,
    ERROR_RESETS,
    ERROR_RESETS_CODE,
    FAST_BATCH_RESET,
    FAST_ERROR_EVENTS,
    FAST_ERROR_EVENTS_CODE,
    FAST_ERROR_RESETS,
    FAST_ERROR_RESETS_CODE,
    FAST_ERROR_SIGN,
    FAST_INPUT_CODE,
    FAST_INPUT_LOAD,
    FAST_INPUT_NEURON,
    FAST_INPUT_SPIKE,
    FAST_WEIGHT_ACCUMULATE,
    FAST_WEIGHT_CLIP,
    FAST_WEIGHT_UPDATE,
    FORWARD_MODEL,
    GATE_COUNT_CODE,
    IF_NEURON,
    IF_RESET,
    IF_THRESHOLD,
    INPUT_NEURON,
    INPUT_THRESHOLD,
    LEARN_PRE,
    LEARN_PRE_ACTIVE,
    LEARN_PRE_COUNT,
    LEARN_PRE_DECAY,
    LEARN_PRE_EVENT,
    LOSS_INPUT,
    WEIGHT_CLIP,
    WEIGHT_UPDATE,
    WINDOW_END,
    WINDOW_START,
)
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["counted", "integration_code", "input_layer", "fast_input_layer", "if_layer", "emstdp_projection", "fixed_feedback"]

def counted(code: str, params: "EMSTDPParams") -> str:
    """``code`` with the counting statements of ``params.count_window``."""
    if params.count_window == "half":
        return code
    for old, new in COUNT_CODE.items():
        code = code.replace(old, new)
    return code

def integration_code(error: bool, loss: bool = False, *, held_input: bool = False,
                     pre_learning: str | None = None, timing: str = "paper",
                     drawn_targets: bool = False) -> str:
    """The per-step update of a layer, run in the ``groups`` slot (eq. 1 and eq. 9).

    At the first step of each window everything restarts from zero (state is fresh per sample,
    and input that arrived in the last step of the previous sample is dropped).

    Fast formulation: ``held_input`` — the input drive ``I_in`` is kept from step to step (the
    input synapses add only its changes) instead of being summed anew; ``pre_learning`` (the
    update rule) — the cell is the pre cell of a learning projection that updates from the pre
    side (:data:`LEARN_PRE`). ``timing="code"`` (with ``error``): error pushes act one step
    later and the gate count ``hg`` restarts with the window (:data:`ERROR_PUSH_DELAY`).
    ``drawn_targets`` (a batch): the loss reads its target spikes from the TimedArray
    ``target_spike`` instead of drawing them (:data:`BATCH_LOSS_INPUT`).
    """
    code = ""
    if pre_learning == "rmsprop":
        code += LEARN_PRE_DECAY
    code += """
    fresh = int(kstep == 0)
    U = (1 - fresh) * (U + I_ff + I_err) + b
    I_ff = 0
    I_err = 0
    h1 = (1 - fresh) * h1
    h2 = (1 - fresh) * h2
    """
    if held_input:
        # a held sum of on/off changes leaves a rounding residue where the reference sum is
        # exactly 0 (no input on, e.g. r > every pixel): restore the 0, which matters when an
        # error push of exactly γθ meets U = 0
        code = code.replace("U = (1 - fresh) * (U + I_ff + I_err) + b",
                            "I_in = I_in * int(abs(I_in) > 1e-12)\n"
                            "U = (1 - fresh) * (U + I_in + I_ff + I_err) + b")
        code += "\nI_in = (1 - fresh) * I_in\n"

    if error and timing == "code":
        code = code.replace("I_err = 0", ERROR_PUSH_DELAY.strip())
    if error:
        if loss:
            code += "\n" + (BATCH_LOSS_INPUT if drawn_targets else LOSS_INPUT) + "\n"
        code += """
    Up = (1 - fresh) * (Up + Ie)
    Un = (1 - fresh) * (Un - Ie)
    Ie = 0
    s_last = 0
    n_err_pos = (1 - fresh) * n_err_pos
    n_err_neg = (1 - fresh) * n_err_neg
    """
    return "\n".join(line.strip() for line in code.strip().splitlines() if line.strip())

def _namespace(params: EMSTDPParams, extra: dict | None = None) -> dict:
    ns = {"T_steps": params.T, "T_half": params.T_half, "max_rate": params.max_rate,
          "w_L": params.w_L, "target_rate": params.loss_target_rate,
          "batch_size": int(params.batch), "batch_steps": float(params.batch * params.count_steps),
          "c1_first": 2, "c1_last": params.T_half, "c2_first": params.T_half + 1,
          "g_last": params.T_half - 2}
    if params.w_max is not None:
        ns["w_max"] = float(params.w_max)
    return ns | (extra or {})

def _clean(code: str) -> str:
    return "\n".join(line.strip() for line in code.strip().splitlines() if line.strip())

# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------
def input_layer(stimulus: TimedArray, params: EMSTDPParams, clock: Clock, namespace: dict,
                name: str = "input", trial_random: NeuronGroup | None = None) -> NeuronGroup:
    """Input cells spiking with probability p·max_rate per step (§4), counting phase-1 spikes.

    ``trial_random`` (a batch, :mod:`spiketeach.core.batch`; None: one network alone): the
    group of :func:`trial_random_cells`; the stimulus holds one column block per trial and the
    cells read their trial's shared-random number from it.
    """
    n = stimulus.values.shape[1]
    eqs = INPUT_NEURON if trial_random is None else _batched_input(INPUT_NEURON, params)
    group = NeuronGroup(n, eqs, threshold=INPUT_THRESHOLD[params.encoding],
                        reset=counted("h1 += 1 - phase2", params), clock=clock,
                        namespace=namespace, name=name)
    group.run_regularly("h1 = int(kstep != 0) * h1", when="groups", name=f"{name}_fresh")
    if trial_random is not None:
        _link_trial_random(group, trial_random, ("r_shared",))
    elif params.encoding == "shared":
        group.run_regularly("r_shared = rand()", when="start", name=f"{name}_shared_random")
    return group

def trial_random_cells(trials: int, params: EMSTDPParams, clock: Clock, namespace: dict,
                       name: str = "trial_random") -> NeuronGroup:
    """One cell per trial of a batch holding the trial's shared-random numbers, read each step
    from the TimedArray ``shared_random`` of the namespace
    (:mod:`~spiketeach.models.shrestha2019.draws`) in the ``start`` slot, where a trial alone
    draws them. The Poisson encoding is refused: it draws inside the run."""
    _batched_input("", params)
    group = NeuronGroup(trials, BATCH_RANDOM_CELL, clock=clock, namespace=namespace, name=name)
    group.run_regularly(_clean(BATCH_SHARED_RANDOM), when="start", name=f"{name}_draw")
    return group

def _batched_input(eqs: str, params: EMSTDPParams) -> str:
    """Input-cell equations of a batch: the shared-random numbers linked from the trial's cell
    of :func:`trial_random_cells`; the Poisson encoding is refused (it draws inside the run)."""
    if params.encoding != "shared":
        raise ValueError(f"encoding={params.encoding!r} draws one random number per input cell "
                         "and step inside the run, which a batch cannot give each trial as it "
                         "would draw it alone: batch encoding='shared' or run the trials alone")
    return eqs.replace("r_shared : 1 (shared)", "r_shared : 1 (linked)")

def _link_trial_random(group: NeuronGroup, cells: NeuronGroup, names) -> None:
    trials = len(cells)
    index = np.repeat(np.arange(trials), TrialBatch(trials).per_trial(len(group), group.name))
    for name in names:
        setattr(group, name, linked_var(cells, name, index=index))

def fast_input_layer(stimulus: TimedArray, params: EMSTDPParams, clock: Clock, namespace: dict,
                     *, learning: bool = True, name: str = "input",
                     trial_random: NeuronGroup | None = None) -> NeuronGroup:
    """Input cells of the fast formulation: the same spikes as :func:`input_layer` (same random
    numbers, drawn in the same order), signalled only as on/off changes (event ``flip``), and
    the pre-side window end of the first projection (event ``lend``) when it ``learning``.
    ``trial_random``: as for :func:`input_layer`."""
    n = stimulus.values.shape[1]
    batched = trial_random is not None
    eqs = FAST_INPUT_NEURON if not batched else _batched_input(FAST_INPUT_NEURON, params)
    eqs += LEARN_PRE if learning else ""
    decay = LEARN_PRE_DECAY if learning and params.update == "rmsprop" else ""
    shared = params.encoding == "shared"
    if shared:
        # a cell is on iff r(t) < p: it switches iff r(t−1) and r(t) lie on both sides of p,
        # which the thresholder sees from the two shared numbers alone (no per-cell state);
        # only switching cells update dflip and h1 (= Σ over phase-1 steps of on, written as
        # +(T/2 − k) when switching on at step k < T/2 and −(T/2 − k) when switching off)
        eqs += ("r_prev : 1 (shared)" if not batched else "r_prev : 1 (linked)") + \
            "  # r of the previous step (2 at a window start: all off)\n"
        events = {"flip": "int(r_shared < p_spike) != int(r_prev < p_spike)"}
    else:
        events = {"flip": "dflip != 0"}
    events |= WINDOW_START
    if learning:
        events |= LEARN_PRE_EVENT
    group = NeuronGroup(n, eqs, threshold=None, events=events, clock=clock, namespace=namespace,
                        name=name)
    # the pixel intensities once per window, at its step 0, on the one clock (not on a clock
    # of period T·dt: see "One clock" in the equations module)
    group.thresholder["wstart"].when = "start"
    group.thresholder["wstart"].order = -1
    group.run_on_event("wstart", FAST_INPUT_LOAD[params.encoding], when="start", order=0)
    if shared and batched:  # the trials' cells update the numbers in this slot
        _link_trial_random(group, trial_random, ("r_shared", "r_prev"))
        if decay:
            group.run_regularly(_clean(decay), when="start", name=f"{name}_shared_random")
    elif shared:
        group.run_regularly(_clean(decay + """
        r_prev = r_shared * int(kstep != 0) + 2.0 * int(kstep == 0)
        r_shared = rand()"""), when="start", name=f"{name}_shared_random")
    if shared:
        group.run_on_event("flip", counted(_clean("""
        dflip = int(r_shared < p_spike) - int(r_prev < p_spike)
        h1 += dflip * (T_half - kstep) * int(kstep < T_half)"""), params), when="after_thresholds",
                           order=1)
    else:
        # in the thresholds slot, where the reference input draws its Poisson numbers
        code = counted(decay + FAST_INPUT_CODE.format(spike=FAST_INPUT_SPIKE[params.encoding]),
                       params)
        group.run_regularly(_clean(code), when="thresholds", order=-1, name=f"{name}_update")
    if learning:
        group.S = 1.0
        group.wact = -params.batch - 1
        group.run_on_event("lacc", LEARN_PRE_ACTIVE, when="end")
        group.run_regularly(LEARN_PRE_COUNT, when="end", order=2, name=f"{name}_count_updates")
    return group

def if_layer(n: int, theta: float, params: EMSTDPParams, clock: Clock, namespace: dict, *,
             error: bool = True, loss: bool = False, theta_e: float = 1.0,
             gated: bool = False, held_input: bool = False, pre_learning: bool = False,
             window_end: bool = True, signed_error: bool = False,
             drawn_targets: bool = False, name: str = "layer*") -> NeuronGroup:
    """A layer of discrete-time IF cells (eq. 1), with their two-channel error neurons.

    Parameters
    ----------
    theta : float
        The layer's firing threshold θ_l.
    error, loss : bool
        Add the error neurons (eq. 9); for the output layer as loss-derivative neurons (§3.4).
    theta_e : float
        Error threshold (θ_e, or θ_L for the loss neurons).
    gated : bool
        Derivative gate: error spikes only for cells that fired in phase 1.
    held_input, pre_learning : bool
        Fast formulation: the input drive ``I_in`` is held and changed by the input synapses;
        the cell updates its outgoing synapses at the window end (event ``lend``).
    window_end : bool
        The ``wend`` event (needed by post-side learning and by count monitors).
    signed_error : bool
        Fast formulation: one error event ``err`` with the sign in ``esign``.
    drawn_targets : bool
        A batch: the loss neurons read their target spikes from the TimedArray ``target_spike``
        (each trial's, drawn in numpy) instead of drawing them.
    """
    code_timing = error and params.timing == "code"
    eqs = IF_NEURON + (ERROR_CHANNELS if error else "s_last : 1\n")
    if code_timing:
        eqs += CODE_TIMING_CHANNELS
    if held_input:
        eqs += "I_in : 1  # input drive of this step, held and changed by the input synapses\n"
    if pre_learning:
        eqs += LEARN_PRE
    events = dict(WINDOW_END) if window_end else {}
    if error:
        if code_timing:
            events |= FAST_ERROR_EVENTS_CODE if signed_error else ERROR_EVENTS_CODE
        else:
            events |= FAST_ERROR_EVENTS if signed_error else ERROR_EVENTS
        eqs += "esign : 1  # sign of this step's error spike (fast formulation)\n" if signed_error else ""
    if pre_learning:
        events |= LEARN_PRE_EVENT
    reset = _clean(IF_RESET) + ("\n" + GATE_COUNT_CODE if code_timing else "")
    group = NeuronGroup(n, eqs, threshold=IF_THRESHOLD, reset=counted(reset, params),
                        events=events,
                        clock=clock, namespace=namespace, name=name)
    code = integration_code(error, loss, held_input=held_input,
                            pre_learning=params.update if pre_learning else None,
                            timing=params.timing, drawn_targets=drawn_targets)
    if error and signed_error:
        code += "\n" + FAST_ERROR_SIGN
    group.run_regularly(code, when="groups", name=f"{group.name}_integrate")
    if pre_learning:
        group.S = 1.0
        group.wact = -params.batch - 1
        group.run_on_event("lacc", LEARN_PRE_ACTIVE, when="end")
        group.run_regularly(LEARN_PRE_COUNT, when="end", order=2,
                            name=f"{group.name}_count_updates")
    group.theta = theta
    group.b = params.bias * theta
    if error:
        group.theta_e = theta_e
        group.gamma = params.gamma
        group.gated = float(gated)
        if code_timing:
            resets = FAST_ERROR_RESETS_CODE if signed_error else ERROR_RESETS_CODE
        else:
            resets = FAST_ERROR_RESETS if signed_error else ERROR_RESETS
        for event, code in resets.items():
            group.run_on_event(event, code, when="after_resets")
    # the window ends after the resets of its last step, so that step's spikes count in ĥ
    if window_end:
        group.thresholder["wend"].when = "after_resets"
        group.thresholder["wend"].order = 1
    return group

def emstdp_projection(pre: NeuronGroup, post: NeuronGroup, W: np.ndarray, params: EMSTDPParams,
                      namespace: dict, *, learn: bool = True, symmetric_feedback: bool = False,
                      one_to_one: bool = False, fast: bool = False, trials: int = 1,
                      name: str = "forward*") -> Synapses:
    """All-to-all forward synapses (W: len(post) × len(pre)) with eq. 12 at the window end
    (``one_to_one``: cell k → cell k, W of length len(pre)).

    ``symmetric_feedback``: the same synapses carry the post cell's error spikes back to the
    pre cell's error neurons with the same weight (error network = forward weights transposed).
    ``fast``: the fast formulation — from input cells (:func:`fast_input_layer`) the synapses
    deliver on/off changes into the held drive ``I_in``; learning runs from the pre side (the
    pre group needs ``pre_learning``). ``trials``: the groups hold that many independent copies
    (:mod:`spiketeach.core.batch`); ``W`` then holds one matrix per trial (trials × the shape
    above) and each trial's block of synapses gets its own.
    """
    batch = TrialBatch(trials)
    n_pre, n_post = batch.per_trial(len(pre), pre.name), batch.per_trial(len(post), post.name)
    shape = (n_pre,) if one_to_one else (n_post, n_pre)
    Ws = _per_trial(W, shape, trials, f"weights {pre.name} -> {post.name}")
    if one_to_one and n_pre != n_post:
        raise ValueError(f"weights {pre.name} -> {post.name}: one-to-one needs groups of one size")
    on_pre, on_post, on_event = {}, {}, {}
    if fast and "dflip" in pre.variables:
        on_pre["pre"] = "I_in_post += w * dflip_pre"
        on_event["pre"] = "flip"
    else:
        on_pre["pre"] = "I_ff_post += w"
    if learn and fast:
        code = "\n".join([FAST_WEIGHT_UPDATE[params.update],
                          FAST_WEIGHT_CLIP[params.w_max is not None],
                          FAST_BATCH_RESET[params.update]])
        on_pre["learn"] = FAST_WEIGHT_ACCUMULATE
        on_event["learn"] = "lacc"
        on_pre["apply"] = _clean(code)
        on_event["apply"] = "lapply"
    elif learn:
        code = "\n".join([WEIGHT_UPDATE[params.update], WEIGHT_CLIP[params.w_max is not None],
                          BATCH_RESET])
        on_post["learn"] = _clean(code)
        on_event["learn"] = "wend"
    if symmetric_feedback and "esign" in post.variables:
        on_post["fb"] = "Ie_pre += w * esign_post"
        on_event["fb"] = "err"
    elif symmetric_feedback:
        on_post["fb_pos"] = "Ie_pre += w"
        on_post["fb_neg"] = "Ie_pre -= w"
        on_event |= {"fb_pos": "err_pos", "fb_neg": "err_neg"}
    syn = Synapses(pre, post, FORWARD_MODEL, on_pre=on_pre,
                   on_post=on_post or None, on_event=on_event or None,
                   clock=post.clock, namespace=namespace, name=name)
    if one_to_one:  # one synapse per pair of cells (single-synapse experiments, §4.1)
        syn.connect(j="i")
        syn.w = batch.stack(Ws)
    else:
        i, j = batch.dense_indices(n_pre, n_post)
        syn.connect(i=i, j=j)
        syn.w = batch.stack([w.T.ravel() for w in Ws])
    syn.v = 1.0  # the code's RMSprop accumulator starts at 1
    syn.eta = params.eta
    if learn:
        syn.learn.when = "end"  # after the wend thresholder (after_resets)
    if learn and fast:
        syn.apply.when = "end"
        syn.apply.order = 1     # after this window's sum
    return syn

def fixed_feedback(source: NeuronGroup, target: NeuronGroup, B: np.ndarray,
                   name: str = "feedback*", trials: int = 1) -> Synapses:
    """Fixed random feedback (FA / DFA): ±B from the source's error spikes to the target's
    error neurons. ``B`` has shape (len(target), len(source)); with ``trials`` copies in the
    groups, one such matrix per trial (trials × the per-trial shape)."""
    batch = TrialBatch(trials)
    n_src, n_tgt = batch.per_trial(len(source), source.name), batch.per_trial(len(target), target.name)
    Bs = _per_trial(B, (n_tgt, n_src), trials, f"feedback {source.name} -> {target.name}")
    if "esign" in source.variables:  # fast formulation: one signed error event
        on_pre, on_event = {"fb": "Ie_post += B * esign_pre"}, {"fb": "err"}
    else:
        on_pre = {"fb_pos": "Ie_post += B", "fb_neg": "Ie_post -= B"}
        on_event = {"fb_pos": "err_pos", "fb_neg": "err_neg"}
    syn = Synapses(source, target, "B : 1 (constant)", on_pre=on_pre, on_event=on_event,
                   clock=target.clock, name=name)
    i, j = batch.dense_indices(n_src, n_tgt)
    syn.connect(i=i, j=j)
    syn.B = batch.stack([b.T.ravel() for b in Bs])
    return syn

def _per_trial(values, shape: tuple, trials: int, what: str) -> np.ndarray:
    """``values`` as (trials, *shape): one trial's array (trials = 1) or one per trial."""
    arr = np.asarray(values, dtype=float)
    if trials == 1 and arr.shape == shape:
        arr = arr[None]
    if arr.shape != (trials, *shape):
        expected = shape if trials == 1 else (trials, *shape)
        raise ValueError(f"{what}: shape {arr.shape}, expected {expected}")
    return arr
