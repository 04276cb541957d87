"""Assembling the spiking feedback-alignment network of Hunsberger & Eliasmith (2017).

:func:`build_fa_network` puts together, from the pieces in this package,

* an on/off input encoder: neuron i gets +x_i, neuron 30+i gets -x_i straight into its current
  (:mod:`spiketeach.models.lif`, intercept 0, max rates U(100, 120) Hz);
* hidden LIF layers with gain 1 and bias 1 (J = 1 + sum_j W_ij a_j), fed through alpha synapses
  (:mod:`spiketeach.models.alpha`) and learning by feedback alignment with a surrogate derivative
  (:mod:`spiketeach.models.fa_rules`);
* the output: the last hidden layer's spikes drive the 10-D input of a 400-neuron output
  population through learned (PES) weights; its decoded value is the network's output y;
* population-coded errors (:mod:`spiketeach.models.nef`): the error population encodes
  y - y* (alpha-filtered target); "layerwise" chains two more error populations (E2, E1) with
  identity decoded connections and feeds hidden layer l from its own, "direct" feeds every hidden
  layer from the first;
* fixed random feedback weights B_l (10 × 80, N(0, 1.7^2)) from the decoded errors.

Everything runs on ONE clock (monitors aside) and one namespace. The model never reads files;
:mod:`spiketeach.protocols.linear_map` supplies stimuli, targets and the learning gate.

Two formulations (``HunsbergerParams.formulation``), one model
-------------------------------------------------------------
Per step, "reference" does O(synapses) work in the weight updates (4800 + 6400 + 800 synapses,
every step) and copies every population's input through summed synapses (4 × 400 + 10). "fast"
does the same arithmetic where it is needed: the learning projections catch up lazily and exactly
(:mod:`spiketeach.models.fa_rules`: one accumulator per post neuron, each synapse updated when its
pre neuron spikes and at the end of each ``lazy_flush`` period), and the on/off populations read
their input through linked variables (:mod:`spiketeach.models.nef`). The feedback (a dense 10 × 80
product per layer, changing every step) and the 10 one-to-one PES error copies stay summed: their
value must be the previous step's, which is what the summed update gives. The one visible
difference: the recorded target ``y_node.ystar`` is linked to ``target.ystar`` and so sampled at
the same instant as ``y`` (the reference's copy lags one step); the error that drives learning is
the same number in both (tests/test_hunsberger.py proves spikes equal and weights within 1e-9).

A third formulation, "genn" (:mod:`spiketeach.models.hunsberger_genn`), is what Brian2GeNN
accepts; it is built whenever the device is ``genn`` (tests/test_hunsberger_genn.py: the same
spikes and weights as "reference").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import (Clock, EventMonitor, Network, NeuronGroup, StateMonitor, Synapses,
                    TimedArray, linked_var, ms, second)

from ..devices import BlockRunner
from ..protocols.presentation import PresentationSchedule
from .alpha import ALPHA_CONTINUOUS, ALPHA_TARGET
from .fa_rules import (FEEDBACK_SYNAPSE, HIDDEN_TEACHING, LAZY_EVENTS, LAZY_STATE,
                       OUTPUT_TEACHING, add_teaching, learning_projection)
from .lif import HunsbergerParams, gain_bias, lif_group, lif_namespace, lif_rate
from .nef import (PopulationCode, decode_into, encode_from, make_population_code,
                  population_group, value_node)
from .synapses import dense_indices

__all__ = ["FANetwork", "build_fa_network", "initial_weights", "ERROR_ROUTINGS", "FORMULATIONS"]

ERROR_ROUTINGS = ("layerwise", "direct")
#: "genn": :mod:`spiketeach.models.hunsberger_genn`, built automatically on the genn device
FORMULATIONS = ("fast", "reference", "genn")

#: Custom event that marks hidden spikes inside recording windows (rasters without storing
#: every spike of a 1000 s run).
RECORD_EVENT = "V > 1 and record_gate(t) > 0.5"


@dataclass
class FANetwork:
    """A built network and handles to its parts."""

    net: Network
    params: HunsbergerParams
    schedule: PresentationSchedule
    clock: Clock
    encoder: NeuronGroup
    hidden: list[NeuronGroup]
    out_node: NeuronGroup                # 10-D input u = W_out a_2 (alpha-filtered)
    output: NeuronGroup                  # output population
    y_node: NeuronGroup                  # decoded output y, target y* (filtered) and y - y*
    target: NeuronGroup
    errors: list[NeuronGroup]            # error populations (E, then E2, E1 for layerwise)
    error_nodes: list[NeuronGroup]       # their decoded values
    forward: list[Synapses]              # encoder->h1, h1->h2, h2->out_node
    feedback: list[Synapses]             # onto hidden layer 0, 1, ...
    output_code: PopulationCode
    error_codes: list[PopulationCode]
    encoder_gain: np.ndarray
    stimulus: TimedArray
    target_values: TimedArray
    learning_gate: TimedArray
    record_gate: TimedArray
    y_monitor: StateMonitor | None
    e_monitor: StateMonitor | None       # decoded error of the first error population
    hidden_events: list[EventMonitor]
    feedback_matrices: list[np.ndarray]
    initial_weights: list[np.ndarray]    # the forward weights it was built with
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def runner(self) -> BlockRunner:
        """The one runner of this network: every block re-runs the same build."""
        if self._runner is None:
            self._runner = BlockRunner(self.net, self.schedule.duration)
        return self._runner

    def weights(self) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now."""
        out = []
        for syn in self.forward:
            n_pre, n_post = len(syn.source), len(syn.target)
            out.append(np.asarray(syn.w[:]).reshape(n_pre, n_post).T.copy())
        return out

    def state_views(self) -> dict:
        """Learned variables by a stable key (for checkpoints and re-runs)."""
        return {f"forward{k}.w": syn.w for k, syn in enumerate(self.forward)}

    def get_state(self) -> dict[str, np.ndarray]:
        return {k: np.array(v[:], dtype=float) for k, v in self.state_views().items()}

    # --- the rate model of this spiking network (the original's "rate-based test error") ---
    def encoder_activity(self, x: np.ndarray) -> np.ndarray:
        """Closed-form activities (amplitude × rate) of the on/off input encoder for inputs x."""
        p = self.params
        j = np.hstack([x, -x]) * self.encoder_gain + 1.0
        return p.amplitude * lif_rate(j, float(p.tau_rc), float(p.tau_ref))

    def rate_forward(self, x: np.ndarray, weights: list[np.ndarray] | None = None) -> dict:
        """Rate-model pass through the network with ``weights`` (default: the current ones):
        hidden activities and the decoded output."""
        p = self.params
        W = weights if weights is not None else self.weights()
        a = self.encoder_activity(np.atleast_2d(x))
        hidden = []
        for Wl in W[:-1]:
            a = p.amplitude * lif_rate(1.0 + a @ Wl.T, float(p.tau_rc), float(p.tau_ref))
            hidden.append(a)
        u = a @ W[-1].T
        return {"hidden": hidden, "u": u, "y": self.output_code.decode(u)}


def initial_weights(params: HunsbergerParams, seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Forward weights N(0, w_init_std^2) (encoder->h1 is 80 × 60) and feedback matrices B_l
    (n_out × n_hidden_l, N(0, feedback_std^2)), from ``seed``."""
    rng = np.random.default_rng([seed, 1])
    n_in, *hid, n_out = params.sizes
    pre = [2 * n_in, *hid]
    post = [*hid, n_out]
    W = [rng.normal(0, params.w_init_std, size=(b, a)) for a, b in zip(pre, post)]
    B = [rng.normal(0, params.feedback_std, size=(n_out, n)) for n in hid]
    return W, B


def build_fa_network(schedule: PresentationSchedule, *, params: HunsbergerParams | None = None,
                     seed: int = 0, weights: list[np.ndarray] | None = None,
                     feedback_matrices: list[np.ndarray] | None = None,
                     record_dt=5 * ms, record_hidden: bool = True) -> FANetwork:
    """Build the spiking FA network for a block of presentations.

    Parameters
    ----------
    schedule : PresentationSchedule
        Presentations per block (``settle`` is ignored: learning is continuous in the original).
    params : HunsbergerParams
        Model parameters (the poster's by default).
    seed : int
        Seeds the population codes (encoders, gains, biases) and the initial weights.
    weights, feedback_matrices : lists of arrays, optional
        Explicit initial forward weights (n_post × n_pre) and feedback matrices (10 × n_hidden).
    record_dt : Quantity or None
        Sampling interval of the decoded output/target monitor (a monitor-only clock; None: no
        monitor).
    record_hidden : bool
        Record hidden spikes inside the windows where the ``record_gate`` TimedArray is 1.
    """
    p = params or HunsbergerParams()
    if p.error_routing not in ERROR_ROUTINGS:
        raise ValueError(f"unknown error_routing {p.error_routing!r}; choose one of {ERROR_ROUTINGS}")
    if p.formulation not in FORMULATIONS:
        raise ValueError(f"unknown formulation {p.formulation!r}; choose one of {FORMULATIONS}")
    from ..devices import current_device
    if current_device().name == "genn" and p.formulation != "genn":
        p = p.replace(formulation="genn")  # the only one Brian2GeNN accepts
    fast = p.formulation == "fast"
    n_in, *hid, n_out = (int(n) for n in p.sizes)
    if not hid:
        raise ValueError("the network needs at least one hidden layer")
    W0, B0 = initial_weights(p, seed)
    if weights is not None:
        if [np.shape(w) for w in weights] != [w.shape for w in W0]:
            raise ValueError(f"weights must have shapes {[w.shape for w in W0]}")
        W0 = [np.asarray(w, dtype=float) for w in weights]
    if feedback_matrices is not None:
        if [np.shape(b) for b in feedback_matrices] != [b.shape for b in B0]:
            raise ValueError(f"feedback_matrices must have shapes {[b.shape for b in B0]}")
        B0 = [np.asarray(b, dtype=float) for b in feedback_matrices]
    if p.formulation == "genn":
        from .hunsberger_genn import build_fa_network_genn
        return build_fa_network_genn(schedule, params=p, seed=seed, W0=W0, B0=B0,
                                     record_dt=record_dt, record_hidden=record_hidden)
    rng = np.random.default_rng([seed, 2])

    clock = Clock(dt=p.dt, name="hunsberger_clock")
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, n_in)), "stimulus")
    target_values = schedule.stimulus_array(np.zeros((schedule.n, n_out)), "target_values")
    gate = TimedArray(np.zeros(schedule.n), dt=schedule.presentation, name="learning_gate")
    record_gate = TimedArray(np.zeros(schedule.n), dt=schedule.presentation, name="record_gate")
    ns = lif_namespace(p) | {"stimulus": stimulus, "target_values": target_values,
                             "learning_gate": gate, "record_gate": record_gate,
                             "inhibition": p.inhibition}
    if fast:
        n_steps = int(round(float(schedule.duration / p.dt)))
        flush_steps = max(1, int(round(float(p.lazy_flush / p.dt))))
        ns |= {"flush_steps": flush_steps, "last_step": n_steps - 1}
    learn_state = LAZY_STATE if fast else ""
    tau_rc, tau_ref = float(p.tau_rc), float(p.tau_ref)

    # --- input encoder: +x_i and -x_i straight into the current
    enc_gain, _ = gain_bias(rng.uniform(*p.max_rates, size=2 * n_in), np.zeros(2 * n_in),
                            tau_rc, tau_ref)
    encoder = lif_group(2 * n_in, p, clock, trace=True, namespace=ns, name="encoder",
                        extra_equations="s = polarity * stimulus(t, dim) : 1\n"
                                        "polarity : 1 (constant)\ndim : integer (constant)\n")
    encoder.gain, encoder.bias = enc_gain, 1.0
    encoder.polarity = np.r_[np.ones(n_in), -np.ones(n_in)]
    encoder.dim = np.r_[np.arange(n_in), np.arange(n_in)]

    # --- hidden layers
    events = ({"record": RECORD_EVENT} if record_hidden else {}) | (LAZY_EVENTS if fast else {})
    hidden, forward = [], []
    pre = encoder
    for k, n in enumerate(hid):
        layer = lif_group(n, p, clock, trace=True, namespace=ns, name=f"hidden{k}",
                          extra_equations=ALPHA_TARGET + HIDDEN_TEACHING + learn_state,
                          events=events)
        layer.gain, layer.bias = 1.0, 1.0
        add_teaching(layer, p.surrogate, lazy=fast)
        syn = learning_projection(pre, layer, W0[k], p.eta / second, lazy=fast, namespace=ns,
                                  name=f"forward{k}")
        hidden.append(layer)
        forward.append(syn)
        pre = layer

    # --- output: W_out maps the last hidden layer to the 10-D input of the output population
    out_node = value_node(n_out, p, clock, extra_equations=OUTPUT_TEACHING + learn_state,
                          namespace=ns, name="out_node", events=LAZY_EVENTS if fast else None)
    add_teaching(out_node, "pes", lazy=fast)
    # PES divides by the number of pre neurons
    syn = learning_projection(pre, out_node, W0[-1], p.eta / len(pre) / second, lazy=fast,
                              namespace=ns, name=f"forward{len(hid)}")
    forward.append(syn)
    out_code = make_population_code(n_out, p, p.output_intercepts, rng)
    conns = []
    if fast and p.encoders == "onoff":
        output = population_group(out_code, p, clock, namespace=ns, name="output",
                                  linked={"u": (out_node, "s")})
    else:
        output = population_group(out_code, p, clock, namespace=ns, name="output")
        conns.append(encode_from(out_node, "s", output, out_code, name="out_node_to_output"))

    # --- decoded output y, filtered target y*, and y - y*
    target = NeuronGroup(n_out, ALPHA_CONTINUOUS.format(name="ystar", u="target_values(t, i)"),
                         method="exponential_euler", namespace=ns, clock=clock, name="target")
    y_node = value_node(n_out, p, clock, namespace=ns, name="y_node",
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
    n_err = len(hid) + 1 if p.error_routing == "layerwise" else 1
    errors, error_nodes, error_codes = [], [], []
    source, variable = y_node, "err_in"
    for m in range(n_err):
        code = make_population_code(n_out, p, p.error_intercepts, rng)
        if fast and p.encoders == "onoff":
            # the first reads y - y* (y_node.err_in, from the linked sources), the next the
            # previous error node's decoded value
            linked = ({"ys": (y_node, "s"), "ys_star": (target, "ystar")} if m == 0
                      else {"u": (source, variable)})
            pop = population_group(code, p, clock, gated=True, namespace=ns, name=f"error{m}",
                                   linked=linked, linked_value="ys - ys_star" if m == 0 else None)
        else:
            pop = population_group(code, p, clock, gated=True, namespace=ns, name=f"error{m}")
            conns.append(encode_from(source, variable, pop, code, name=f"to_error{m}"))
        node = value_node(n_out, p, clock, namespace=ns, name=f"error{m}_node")
        conns.append(decode_into(pop, code, node, name=f"error{m}_decoders"))
        errors.append(pop)
        error_nodes.append(node)
        error_codes.append(code)
        source, variable = node, "s"
    to_pes, feedback = connect_error_signals(error_nodes, out_node, hidden, B0,
                                             p.error_routing, clock, ns)
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
                     output_code=out_code, error_codes=error_codes, encoder_gain=enc_gain,
                     stimulus=stimulus, target_values=target_values, learning_gate=gate,
                     record_gate=record_gate, y_monitor=y_mon, e_monitor=e_mon, hidden_events=hidden_events,
                     feedback_matrices=B0, initial_weights=[w.copy() for w in W0])


def connect_error_signals(error_nodes, out_node, hidden, B0, routing: str, clock, ns):
    """The decoded error's two uses: the output's PES error (``err`` of ``out_node``, from the
    first error node) and the fixed random feedback B_k to each hidden layer. Layerwise routing:
    the last hidden layer hears E2 (error node 1), the first E1 (the last node); direct: every
    layer hears the first error node. Returns (the PES synapses, the feedback synapses)."""
    to_pes = Synapses(error_nodes[0], out_node, "err_post = s_pre : 1 (summed)", clock=clock,
                      namespace=ns, name="error_to_pes")
    to_pes.connect(j="i")
    n_err, n_out = len(error_nodes), len(error_nodes[0])
    feedback = []
    for k, layer in enumerate(hidden):
        node = error_nodes[n_err - 1 - k] if routing == "layerwise" else error_nodes[0]
        fb = Synapses(node, layer, FEEDBACK_SYNAPSE, clock=clock, namespace=ns,
                      name=f"feedback{k}")
        i, j = dense_indices(n_out, len(layer))
        fb.connect(i=i, j=j)
        fb.B = B0[k].ravel()  # B_k is (n_out × n_hidden): pre-major order is its row-major ravel
        feedback.append(fb)
    return to_pes, feedback


def _check_one_clock(objects, clock) -> None:
    """Every object (and the code it contains) runs on the network's one clock."""
    for obj in objects:
        for o in [obj, *getattr(obj, "contained_objects", [])]:
            if o.clock is not clock:
                raise RuntimeError(f"{o.name} runs on {o.clock.name}, not {clock.name}")
