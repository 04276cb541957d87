"""A Brian2GeNN-compatible formulation of the Hunsberger & Eliasmith (2017) spiking FA network.

Same model as :func:`spiketeach.models.hunsberger2017.spiking.build_fa_network` (reference formulation),
written with only what Brian2GeNN 1.7 accepts (``docs/devices.md``, "Brian2GeNN
principles"); :func:`~spiketeach.models.hunsberger2017.spiking.build_fa_network` builds it on the ``genn``
device (or with ``HunsbergerParams(formulation="genn")`` anywhere):

* **one clock**: every group and synapse on ``defaultclock`` (``dt = params.dt``); only the
  ``run_regularly`` loads have a longer period (one presentation, a whole multiple of dt) and
  the output monitor its own sampling interval (Brian2GeNN allows both);
* **TimedArrays only in run_regularly, in the start slot**: the encoder's input ``s``, the
  target drive ``u`` and each learning group's ``gate`` are variables loaded from the stimulus,
  target and learning-gate TimedArrays at each presentation start (on the host, in GeNN);
* **no run_regularly in the step**: the in-step LIF update (Nengo's spike timing, run in the
  ``groups`` slot by the reference) and the teaching signal (``end`` slot) become Euler steps of
  ODEs whose right-hand side is (new − old) / dt, which sympy reduces to the update itself; for
  that, the groups that need them integrate their alpha filters and activity trace with the
  same exact solution written out (``s_next``), so the LIF update and the teaching signal read
  the input of this step as in the reference;
* **learning in the synapse dynamics**: ``w -= eta_w dt teach_post apre_pre`` is the Euler step
  of a clock-driven synaptic ODE (GeNN's synapse dynamics, on the GPU) instead of a host
  ``run_regularly`` that would copy every weight every step;
* **at most one summed variable or one post write per Synapses, no linked variables, no custom
  events, no subexpressions in synaptic statements**: the first error population reads
  y − y* as two summed inputs (``s_in`` from the decoded output, ``s_in_star`` from the target;
  the reference sums the subexpression ``err_in``: the same numbers for on/off encoders, where
  every encoder entry is ±1); hidden spikes are recorded by SpikeMonitors (all of them: the
  reference's ``record`` event is a custom event).

Timing. GeNN runs a step as synapse dynamics, then the delivery of the previous step's spikes,
then the neuron updates (Brian2GeNN's schedule ``start, synapses, groups, thresholds, resets,
end``). The reference delivers a spike in the step it is emitted, after the thresholds, with the
weights before that step's update (applied in the ``end`` slot). Here the update of step n runs at
the start of step n + 1, from the ``teach`` and ``apre`` that step n stored, and the spikes of
step n are delivered right after it, into the alpha filter that step n + 1 integrates: the same
input reaches the same integration. So that they are delivered with the weights the reference
used, each synapse keeps the weight before the latest update (``w_prev``, one more float per
synapse). On Brian2's own devices the network gets GeNN's schedule and each synapse's dynamics
run at the start of the ``synapses`` slot, so a cpp_standalone or runtime run of this formulation
executes the steps in GeNN's order (tests/models/hunsberger2017/test_genn.py: same spikes as the reference
formulation on cpp_standalone, weights equal to rounding). After a run one weight update is still
pending; :meth:`GeNNFANetwork.weights` folds it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    defaultclock,
    ms,
    second,
)

from spiketeach.core.connectivity import dense_indices
from spiketeach.models.alpha import ALPHA_CONTINUOUS, ALPHA_TARGET
from spiketeach.models.hunsberger2017.equations import OUTPUT_TEACHING
from spiketeach.models.hunsberger2017.layers import connect_error_signals
from spiketeach.models.hunsberger2017.network import FANetwork, TrialDraw, network_arguments
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.models.lif import LIF_SUBSTEP_RESET, SURROGATES, gain_bias, lif_namespace
from spiketeach.models.nef import decode_into, encode_from, make_population_code

__all__ = ["GENN_SCHEDULE", "GENN_LIF", "GENN_ALPHA", "GENN_TRACE", "GENN_FORWARD", "GENN_FORWARD_ON_PRE", "GATE", "GATE_LOAD", "register_genn_functions", "GeNNFANetwork", "build_fa_network_genn"]

#: Brian2GeNN's schedule (GeNN: synapse dynamics and spike delivery, then the neurons)
GENN_SCHEDULE = ["start", "synapses", "groups", "thresholds", "resets", "end"]

#: LIF with in-step spike times (:data:`~spiketeach.models.lif.LIF_SUBSTEP` and its update
#: :data:`~spiketeach.models.lif.LIF_SUBSTEP_UPDATE`) as Euler steps: ``ref`` goes down by dt,
#: then V is advanced exactly over the non-refractory part of the step with the current
#: ``J_next`` of this step (after the input filters' update). ``J_next`` is defined per group.
#: (Brian2GeNN's ``clip`` rounds its arguments to single precision, hence the int() form, which
#: gives the same doubles.)
GENN_LIF = """
dref/dt = -1 : second                             # refractory time left: ref <- ref - dt
x_step = dt - (ref - dt) : second                 # clip(x_step, 0, dt) without clip():
x_free = (x_step * int(x_step > 0*second) * int(x_step < dt) + dt * int(x_step >= dt)) / tau_rc : 1
dV/dt = (V + (J_next - V) * x_free * (1 - x_free/2 + x_free*x_free/6 - x_free*x_free*x_free/24) - V) / dt : 1
J = bias + gain * s : 1                           # input current (for the reset)
gain : 1 (constant)
bias : 1 (constant)
"""

#: The alpha filter of :data:`~spiketeach.models.alpha.ALPHA_TARGET` with its exact solution
#: written out (what Brian2's ``exact`` method computes), so that the LIF update of the same
#: Euler step can read the new ``s`` as ``s_next``.
GENN_ALPHA = """
dxs/dt = (xs*exp(-dt/tau_s) - xs) / dt : 1
s_next = dt*xs*exp(-dt/tau_s)/tau_s + s*exp(-dt/tau_s) : 1
ds/dt = (s_next - s) / dt : 1
"""

#: :data:`~spiketeach.models.lif.ACTIVITY_TRACE`, exact step written out.
GENN_TRACE = """
dapre/dt = (apre*exp(-dt/tau_pre) - apre) / dt : 1
"""

#: A learning forward synapse: the weight update of the previous step (from the post cell's
#: stored teaching signal and the pre cell's trace) as a clock-driven Euler step, and the weight
#: before it, with which the previous step's spikes are delivered.
GENN_FORWARD = """
dw/dt = -eta_w * teach_post * apre_pre : 1 (clock-driven)
dw_prev/dt = (w - w_prev) / dt : 1 (clock-driven)
eta_w : 1/second (shared, constant)
"""

#: each spike kicks the target's alpha filter (:data:`~spiketeach.models.alpha.ALPHA_ON_PRE`)
GENN_FORWARD_ON_PRE = "xs_post += w_prev * area / tau_s"

#: the learning gate as a variable, loaded at each presentation start
GATE = "gate : 1 (shared)\n"

GATE_LOAD = "gate = learning_gate(t)"

def register_genn_functions() -> None:
    """Give Brian2GeNN a GeNN implementation of ``log1p`` (the in-step spike time of the reset;
    Brian2GeNN 1.7 knows exp, log, ... but not log1p, which C++ and CUDA both provide).
    A no-op where Brian2GeNN is not installed."""
    try:
        from brian2genn.genn_generator import GeNNCodeGenerator
    except ImportError:
        return
    from brian2.core.functions import DEFAULT_FUNCTIONS
    impls = DEFAULT_FUNCTIONS["log1p"].implementations
    if GeNNCodeGenerator not in impls._implementations:
        impls.add_implementation(GeNNCodeGenerator, code=None)

def _teaching(kind: str) -> str:
    """The teaching signal of :func:`~spiketeach.models.hunsberger2017.layers.teach_code` as a stored
    variable: an Euler step that sets ``teach`` from this step's values."""
    if kind == "pes":
        new = "gate * err"
    else:
        if kind not in SURROGATES:
            raise ValueError(f"unknown surrogate {kind!r}; choose one of {sorted(SURROGATES)}")
        new = "gate * fb * ({})".format(re.sub(r"\bJ\b", "J_next", SURROGATES[kind]))
    return f"dteach/dt = ({new} - teach) / dt : 1\n"

def _lif(n, p, ns, name, extra, trace=False):
    """A LIF group of this formulation (threshold and reset as the reference's)."""
    eqs = GENN_LIF + extra + (GENN_TRACE if trace else "")
    reset = LIF_SUBSTEP_RESET + ("\napre += area / tau_pre" if trace else "")
    return NeuronGroup(n, eqs, threshold="V > 1", reset=reset, method="euler", namespace=ns,
                       clock=defaultclock, name=name)

def _population(code, p, ns, name, gated, pres, inputs=("s_in",)):
    """:func:`~spiketeach.models.nef.population_group` with the gate as a loaded variable and
    the input summed into ``inputs`` (their difference: ``s_in - s_in_star``)."""
    value = " - ".join(inputs)
    extra = "".join(f"{v} : 1\n" for v in inputs)
    if gated:
        extra += f"s = {value} - inhibition * (1 - gate) / gain : 1\n" + GATE
    else:
        extra += f"s = {value} : 1\n"
    extra += "J_next = J : 1\n"
    group = _lif(code.n, p, ns | {"inhibition": p.inhibition}, name, extra)
    group.gain = code.gains
    group.bias = code.biases
    if gated:
        group.run_regularly(GATE_LOAD, dt=pres, when="start",
                            name=f"{name}_run_regularly_gate")
    return group

@dataclass
class GeNNFANetwork(FANetwork):
    """A :class:`~spiketeach.models.hunsberger2017.network.FANetwork` in the GeNN formulation: after a run
    the weight update of the last step is still pending (applied at the start of the next
    step); :meth:`weights` folds it in, so it returns what the reference formulation holds."""

    def weights(self, trial: int | None = None) -> list[np.ndarray]:
        self._trial(trial, "weights")  # (one trial: the genn formulation builds no batch)
        out = []
        dt = float(self.params.dt)
        for syn in self.forward:
            pre, post = syn.source, syn.target
            i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
            eta = float(np.asarray(syn.eta_w[:]).ravel()[0])
            w = (np.asarray(syn.w[:], dtype=float)
                 - eta * dt * np.asarray(post.teach[:])[j] * np.asarray(pre.apre[:])[i])
            out.append(w.reshape(len(pre), len(post)).T.copy())
        return out

def build_fa_network_genn(schedule, *, params: HunsbergerParams | None = None, seed: int = 0,
                          weights=None, feedback_matrices=None, record_dt=5 * ms,
                          record_hidden: bool = True) -> GeNNFANetwork:
    """Assemble the network in the GeNN formulation (arguments as
    :func:`~spiketeach.models.hunsberger2017.spiking.build_fa_network`)."""
    p = (params or HunsbergerParams()).replace(formulation="genn")
    W0, B0 = network_arguments(p, seed, weights, feedback_matrices)
    if not p.substep_spikes:
        raise NotImplementedError("the genn formulation has the in-step spike times "
                                  "(substep_spikes=True) only")
    n_in, *hid, n_out = (int(n) for n in p.sizes)
    rng = np.random.default_rng([seed, 2])  # the same draws, in the same order, as the reference
    register_genn_functions()
    # Brian2GeNN accepts no clock other than defaultclock
    defaultclock.dt = p.dt
    clock = defaultclock
    pres = schedule.presentation
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, n_in)), "stimulus")
    target_values = schedule.stimulus_array(np.zeros((schedule.n, n_out)), "target_values")
    gate = TimedArray(np.zeros(schedule.n), dt=pres, name="learning_gate")
    record_gate = TimedArray(np.zeros(schedule.n), dt=pres, name="record_gate")
    ns = lif_namespace(p.lif) | {"stimulus": stimulus, "target_values": target_values,
                             "learning_gate": gate, "record_gate": record_gate,
                             "inhibition": p.inhibition}
    tau_rc, tau_ref = float(p.tau_rc), float(p.tau_ref)

    # --- input encoder: +x_i and -x_i, loaded at each presentation start
    enc_gain, _ = gain_bias(rng.uniform(*p.max_rates, size=2 * n_in), np.zeros(2 * n_in),
                            tau_rc, tau_ref)
    encoder = _lif(2 * n_in, p, ns, "encoder", "s : 1\nJ_next = J : 1\npolarity : 1 (constant)\n"
                   "dim : integer (constant)\n", trace=True)
    encoder.gain, encoder.bias = enc_gain, 1.0
    encoder.polarity = np.r_[np.ones(n_in), -np.ones(n_in)]
    encoder.dim = np.r_[np.arange(n_in), np.arange(n_in)]
    encoder.run_regularly("s = polarity * stimulus(t, dim)", dt=pres, when="start",
                          name="encoder_run_regularly_load")

    # --- hidden layers, learning by FA with the surrogate derivative
    hidden_extra = (GENN_ALPHA + "J_next = bias + gain * s_next : 1\nfb : 1\n"
                    + _teaching(p.surrogate) + GATE + "record : 1 (shared)\n")
    hidden, forward = [], []
    pre = encoder
    for k, n in enumerate(hid):
        layer = _lif(n, p, ns, f"hidden{k}", hidden_extra, trace=True)
        layer.gain, layer.bias = 1.0, 1.0
        # the record gate is loaded too (protocols set it), but every hidden spike is recorded
        layer.run_regularly(GATE_LOAD + "\nrecord = record_gate(t)", dt=pres, when="start",
                            name=f"hidden{k}_run_regularly_gate")
        hidden.append(layer)
        forward.append(_learning_projection(pre, layer, W0[k], p.eta / second, ns,
                                            f"forward{k}"))
        pre = layer

    # --- output node (PES)
    out_node = NeuronGroup(n_out, GENN_ALPHA + OUTPUT_TEACHING.replace("teach : 1", "")
                           + _teaching("pes") + GATE, method="euler", namespace=ns, clock=clock,
                           name="out_node")
    out_node.run_regularly(GATE_LOAD, dt=pres, when="start", name="out_node_run_regularly_gate")
    forward.append(_learning_projection(pre, out_node, W0[-1], p.eta / len(pre) / second, ns,
                                        f"forward{len(hid)}"))
    out_code = make_population_code(n_out, p.nef, p.output_intercepts, rng)
    output = _population(out_code, p, ns, "output", gated=False, pres=pres)
    conns = [encode_from(out_node, "s", output, out_code, name="out_node_to_output")]

    # --- decoded output y, filtered target y*
    target = NeuronGroup(n_out, ALPHA_CONTINUOUS.format(name="ystar", u="u") + "u : 1\n",
                         method="exponential_euler", namespace=ns, clock=clock, name="target")
    target.run_regularly("u = target_values(t, i)", dt=pres, when="start",
                         name="target_run_regularly_load")
    y_node = NeuronGroup(n_out, ALPHA_TARGET + "ystar : 1\n", method="exact",
                         namespace=ns, clock=clock, name="y_node")
    conns.append(decode_into(output, out_code, y_node, name="output_decoders"))
    copy = Synapses(target, y_node, "ystar_post = ystar_pre : 1 (summed)", clock=clock,
                    namespace=ns, name="target_to_y")
    copy.connect(j="i")
    conns.append(copy)

    # --- error populations: the first encodes y - y* (two summed inputs), the next the
    # previous error node's decoded value
    n_err = len(hid) + 1 if p.error_routing == "layerwise" else 1
    errors, error_nodes, error_codes = [], [], []
    source = y_node
    for m in range(n_err):
        code = make_population_code(n_out, p.nef, p.error_intercepts, rng)
        inputs = ("s_in", "s_in_star") if m == 0 else ("s_in",)
        pop = _population(code, p, ns, f"error{m}", gated=True, pres=pres, inputs=inputs)
        conns.append(encode_from(source, "s", pop, code, name=f"to_error{m}"))
        if m == 0:
            star = Synapses(target, pop, "enc : 1 (constant)\n"
                            "s_in_star_post = enc * ystar_pre : 1 (summed)", clock=clock,
                            namespace=ns, name="target_to_error0")
            cell, dim = np.nonzero(code.encoders)
            star.connect(i=dim, j=cell)
            star.enc = code.encoders[cell, dim]
            conns.append(star)
        node = NeuronGroup(n_out, ALPHA_TARGET, method="exact", namespace=ns, clock=clock,
                           name=f"error{m}_node")
        conns.append(decode_into(pop, code, node, name=f"error{m}_decoders"))
        errors.append(pop)
        error_nodes.append(node)
        error_codes.append(code)
        source = node
    # --- the output's PES error and the fixed random feedback (as the reference)
    to_pes, feedback = connect_error_signals(error_nodes, out_node, hidden, B0,
                                             p.error_routing, clock, ns)
    conns.append(to_pes)

    y_mon = (StateMonitor(y_node, ["s", "ystar"], record=True, dt=record_dt, name="y_monitor")
             if record_dt is not None else None)
    e_mon = (StateMonitor(error_nodes[0], "s", record=True, dt=record_dt, name="e_monitor")
             if record_dt is not None else None)
    # every hidden spike (the reference's record-window event is a custom event)
    hidden_events = ([SpikeMonitor(layer, name=f"{layer.name}_events") for layer in hidden]
                     if record_hidden else [])
    objects = [encoder, *hidden, *forward, out_node, output, target, y_node, *errors,
               *error_nodes, *conns, *feedback]
    from spiketeach.core.genn_rules import check_genn_constraints
    check_genn_constraints(objects + hidden_events)
    net = Network(*objects, *hidden_events, *([y_mon, e_mon] if y_mon is not None else []))
    # GeNN's order of a step on Brian2's own devices too: synapse dynamics, then spike
    # delivery, then the neurons (Brian2GeNN sets the same schedule itself)
    net.schedule = GENN_SCHEDULE
    return GeNNFANetwork(net=net, params=p, schedule=schedule, clock=clock, encoder=encoder,
                         hidden=hidden, out_node=out_node, output=output, y_node=y_node,
                         target=target, errors=errors, error_nodes=error_nodes, forward=forward,
                         feedback=feedback, stimulus=stimulus, target_values=target_values,
                         learning_gate=gate, record_gate=record_gate, y_monitor=y_mon,
                         e_monitor=e_mon, hidden_events=hidden_events,
                         draws=[TrialDraw(int(seed), [w.copy() for w in W0], B0, enc_gain,
                                          out_code, error_codes)])

def _learning_projection(pre, post, W, eta_w, ns, name) -> Synapses:
    """Alpha-synapse projection ``pre -> post`` learning with :data:`GENN_FORWARD`."""
    syn = Synapses(pre, post, GENN_FORWARD, on_pre=GENN_FORWARD_ON_PRE, method="euler",
                   namespace=ns, clock=defaultclock, name=name)
    src, tgt = dense_indices(len(pre), len(post))
    syn.connect(i=src, j=tgt)
    W = np.asarray(W, dtype=float)
    syn.w = W.T.ravel()
    syn.w_prev = W.T.ravel()
    syn.eta_w = eta_w
    # GeNN runs the synapse dynamics before delivering spikes: on Brian2's own devices, at the
    # start of the synapses slot
    syn.state_updater.when = "synapses"
    syn.state_updater.order = -2  # (spike delivery: order -1)
    return syn
