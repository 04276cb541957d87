"""A Brian2GeNN-compatible formulation of EMSTDP (Shrestha et al. 2019), feedback "fa" and "dfa".

Same model as the reference formulation of :func:`spiketeach.models.shrestha2019.spiking.build_emstdp_network`,
written with only what Brian2GeNN 1.7 accepts (``docs/devices.md``, "Brian2GeNN
principles"); ``build_emstdp_network`` builds it on the ``genn`` device or with
``formulation="genn"``. What the reference uses and GeNN refuses, and what replaces it:

* **custom events with pathways** (the error spikes ``err_pos``/``err_neg`` that the feedback
  synapses carry, the window end ``wend`` on which the forward synapses apply eq. 12) become
  per-step conditions: each layer computes in its state update whether its error neuron fires
  in this step (``epos``, ``eneg``: the reference's event conditions, on the values after this
  step's integration) and stores the sign in ``esign``; the fixed feedback is the summed
  variable ``Ie_post = B * esign_pre`` (the sum over the cells that fired = what the reference's
  ``Ie_post += ±B`` adds up), and the error neuron's resets and its push on the forward cell
  (eq. 13) are part of the same update;
* **eq. 12 at the window end** becomes a per-step synaptic ODE (GeNN's synapse dynamics) gated by
  two variables that the post cell stores at the last step of each window (``lgw``: the learning
  gate, ``bw``: the end-of-batch flag; both 0 at every other step): the step after a window
  end applies exactly the reference's statements (written out as one expression per variable,
  since an Euler step evaluates every right-hand side from the old values), at every other step
  the update adds 0. GeNN runs the synapse dynamics at the start of the next step, before the
  neurons reset their counts for the new window, so the update reads the counts of the window
  just ended. The last window's update is due in the step after the block: the block runs one
  extra step (``duration``; its spikes are not part of any window);
* **TimedArrays in equations** (stimulus, label, learning gate) become variables loaded in the
  ``start`` slot once per window by ``run_regularly``; the shared-random input number of the
  code's encoding is drawn there every step;
* **the per-step integration** (``run_regularly`` in the groups slot) becomes Euler steps of ODEs
  whose right-hand side is (new − old) / dt, which sympy reduces to the update itself; the loss
  neurons' target-spike random number is a ``constant over dt`` subexpression drawn at the same
  point of the step as in the reference (so a build seeded with ``brian2.seed`` draws the same
  numbers in the same order);
* **count monitors**: the (h1, h2) of each window are read by a StateMonitor at the start of the
  next window (before the counts restart), instead of an EventMonitor on ``wend``;
  :class:`WindowCounts` gives them the EventMonitor's layout, so
  :func:`~spiketeach.models.shrestha2019.network.recorded_counts` and the protocols read them unchanged.

Clipping is written with ``int()`` instead of ``clip`` (Brian2GeNN's ``clip`` rounds to single
precision; the ``int()`` form gives the same doubles).

Symmetric feedback is **not expressible**: the error goes back through the forward synapses
themselves (a write to a pre-synaptic variable on a post-synaptic event), which Brian2GeNN
refuses; a transposed copy of the weights kept in lockstep would be needed.

On Brian2's own devices the network runs in GeNN's order of a step (schedule ``start, synapses,
groups, thresholds, resets, end``; the synapse dynamics at the start of the ``synapses`` slot),
so a cpp_standalone run of this formulation executes what GeNN would
(tests/models/shrestha2019/test_genn.py: the same counts in every window and the same weights as the
reference formulation).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, StateMonitor, Synapses, TimedArray

from spiketeach.core.connectivity import dense_indices
from spiketeach.core.genn_rules import check_genn_constraints
from spiketeach.models.shrestha2019.equations import IF_RESET, IF_THRESHOLD
from spiketeach.models.shrestha2019.layers import _namespace, counted
from spiketeach.models.shrestha2019.network import (
    EMSTDPNetwork,
    built_state,
    error_thresholds,
    initial_values,
    thresholds,
)
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["GENN_SCHEDULE", "GENN_WINDOW_CLOCK", "GENN_INPUT", "GENN_IF_LAYER", "GENN_ERROR", "GENN_LOSS", "GENN_HIDDEN_ERROR", "GENN_WINDOW_END", "GENN_FEEDBACK", "forward_model", "WindowCounts", "GeNNEMSTDPNetwork", "build_emstdp_network_genn"]

#: Brian2GeNN's schedule (GeNN: synapse dynamics and spike delivery, then the neurons)
GENN_SCHEDULE = ["start", "synapses", "groups", "thresholds", "resets", "end"]

#: Position in the window (:data:`~spiketeach.models.shrestha2019.equations.WINDOW_CLOCK`) as "constant over
#: dt" subexpressions: stored once per step, so that the Euler steps below see plain variables
#: (sympy cannot order comparisons of expressions with int()).
GENN_WINDOW_CLOCK = """
kstep = timestep(t, dt) % T_steps : integer (constant over dt)
phase2 = int(kstep >= T_half) : integer (constant over dt)
win = timestep(t, dt) // T_steps : integer (constant over dt)
bend = int((win + 1) % batch_size == 0) : integer (constant over dt)
fresh = int(kstep == 0) : integer (constant over dt)
"""

#: Input cells: ``p_spike`` loaded per window; phase-1 count restarted at each window start.
GENN_INPUT = GENN_WINDOW_CLOCK + """
p_spike : 1                                             # max_rate * stimulus, per window
dh1/dt = (int(kstep != 0) * h1 - h1) / dt : 1           # restart at the window start
"""

#: Forward IF cell (eq. 1), the integration of :func:`~spiketeach.models.shrestha2019.layers.integration_code`
#: as Euler steps.
GENN_IF_LAYER = GENN_WINDOW_CLOCK + """
dU/dt = ((1 - fresh) * (U + I_ff + I_err) + b - U) / dt : 1
dI_ff/dt = -I_ff / dt : 1                               # used: I_ff = 0 (the synapses add to it)
h1_now = (1 - fresh) * h1 : 1                           # h1 after the window-start restart
dh1/dt = (h1_now - h1) / dt : 1
dh2/dt = ((1 - fresh) * h2 - h2) / dt : 1
b : 1
theta : 1 (shared, constant)
"""

#: The two-channel error neuron (eq. 9) with its events as per-step conditions: ``epos``/``eneg``
#: are the reference's ``err_pos``/``err_neg`` conditions on the values after this step's
#: integration; a firing channel resets both and pushes the forward cell by ±γθ (eq. 13) in
#: the next step; ``esign`` is what the feedback synapses sum. ``Ie`` is defined by
#: :data:`GENN_LOSS` or :data:`GENN_HIDDEN_ERROR`.
GENN_ERROR = """
Up_new = (1 - fresh) * (Up + Ie) : 1
Un_new = (1 - fresh) * (Un - Ie) : 1
gate_ok = 1 - gated * (1 - int(h1 > 0) * (1 - fresh)) : 1  # derivative gate: h1_now > 0
epos = int(Up_new >= theta_e) * gate_ok : 1
eneg = int(Un_new >= theta_e) * gate_ok : 1
dUp/dt = (Up_new * (1 - epos) * (1 - eneg) - Up) / dt : 1
dUn/dt = (Un_new * (1 - epos) * (1 - eneg) - Un) / dt : 1
dI_err/dt = (gamma * theta * (epos - eneg) - I_err) / dt : 1
design/dt = (epos - eneg - esign) / dt : 1
dn_err_pos/dt = ((1 - fresh) * n_err_pos + epos - n_err_pos) / dt : 1
dn_err_neg/dt = ((1 - fresh) * n_err_neg + eneg - n_err_neg) / dt : 1
ds_last/dt = -s_last / dt : 1                           # 1 after a spike (reset), 0 a step later
theta_e : 1 (shared, constant)
gamma : 1 (shared, constant)
gated : 1 (shared, constant)
"""

#: §3.4 loss-derivative neurons (output layer): the target spike of this step from a random
#: number drawn per cell and step; label and learning gate loaded per window.
GENN_LOSS = """
target_spike = int(rand() < target_rate * lab) : 1 (constant over dt)
Ie = lg * phase2 * w_L * (target_spike - s_last) : 1
lab : 1                                                 # one-hot label of this window
"""

#: hidden layers: the signed error input, summed by the fixed feedback synapses
GENN_HIDDEN_ERROR = """
Ie : 1
"""

#: What the forward synapses need from their post cell to apply eq. 12 in the step after the
#: window end: the learning gate and the end-of-batch flag, stored at the last step of a window
#: (0 at every other step).
GENN_WINDOW_END = """
lg : 1 (shared)                                         # learning gate of this window
wend_now = int(kstep == T_steps - 1) : 1
dlgw/dt = (lg * wend_now - lgw) / dt : 1
dbw/dt = (bend * wend_now - bw) / dt : 1
"""

#: Fixed random feedback (FA / DFA): the sum of ±B over the source cells whose error neuron fired.
GENN_FEEDBACK = """
B : 1 (constant)
Ie_post = B * esign_pre : 1 (summed)
"""

def _clip(x: str, limit: str) -> str:
    """clip(x, -limit, limit) with int() (the same doubles; Brian2GeNN's clip is single)."""
    return (f"(({x}) * int(({x}) >= -{limit}) * int(({x}) <= {limit}) "
            f"+ {limit} * int(({x}) > {limit}) - {limit} * int(({x}) < -{limit}))")

def forward_model(params: EMSTDPParams) -> str:
    """Forward synapse: eq. 12 (:data:`~spiketeach.models.shrestha2019.equations.WEIGHT_UPDATE`, its clip and
    batch reset) as Euler steps of clock-driven ODEs, each right-hand side the reference's
    sequence of statements written out in the old values; 0 except in the step after a window
    end (``lgw_post``, ``bw_post``)."""
    dn = "(Dacc + lgw_post * (h2_post - h1_post) * h1_pre)"       # Dacc += ...
    if params.update == "sgd":
        w_new = f"(w + bw_post * eta * {dn} / batch_size)"
        v_eq = "v : 1\n"
    else:
        d = f"(bw_post * {dn} / batch_steps)"
        v_new = f"(v + bw_post * lgw_post * 0.1 * ({d}**2 - v))"
        w_new = f"(w + bw_post * lgw_post * eta * {d} / sqrt({v_new} + 1e-8))"
        v_eq = f"dv/dt = ({v_new} - v) / dt : 1 (clock-driven)\n"
    if params.w_max is not None:
        w_final = f"(w + bw_post * lgw_post * ({_clip(w_new, 'w_max')} - w))"
    else:
        w_final = w_new
    return (f"dw/dt = ({w_final} - w) / dt : 1 (clock-driven)\n" + v_eq
            + f"dDacc/dt = ((1 - bw_post) * {dn} - Dacc) / dt : 1 (clock-driven)\n"
            + "eta : 1 (shared, constant)\n")

class WindowCounts:
    """The per-window counts of a layer read from a StateMonitor that samples them at the start
    of each window (before they restart), in the layout of the reference's EventMonitor on
    ``wend``: one entry per cell and window, ``t`` in the window's last step."""

    def __init__(self, monitor: StateMonitor, dt):
        self.monitor = monitor
        self._dt = float(dt)

    @property
    def source(self):
        return self.monitor.source

    def _keep(self):
        t = np.asarray(self.monitor.t[:])
        return t > self._dt / 2  # the sample at t = 0 precedes the first window

    @property
    def t(self):
        t = np.asarray(self.monitor.t[:])[self._keep()] - self._dt
        return np.repeat(t, len(self.source))

    @property
    def i(self):
        n_samples = int(self._keep().sum())
        return np.tile(np.arange(len(self.source)), n_samples)

    def __getattr__(self, name):
        if name in ("h1", "h2", "n_err_pos", "n_err_neg"):
            values = np.asarray(getattr(self.monitor, name)[:])  # (cells, samples)
            return values[:, self._keep()].T.ravel()
        raise AttributeError(name)

@dataclass
class GeNNEMSTDPNetwork(EMSTDPNetwork):
    """An :class:`~spiketeach.models.shrestha2019.network.EMSTDPNetwork` in the GeNN formulation: a block
    runs one extra step, in which the forward synapses apply the update of the last window."""

    @property
    def duration(self):
        return self.n_presentations * self.params.window + self.params.dt

def build_emstdp_network_genn(layer_sizes, n_presentations, *, params=None, feedback="fa",
                              seed=0, weights=None, feedback_weights=None,
                              record_counts="output", record_spikes=False,
                              name="emstdp") -> GeNNEMSTDPNetwork:
    """Build an EMSTDP network in the GeNN formulation (arguments as
    :func:`~spiketeach.models.shrestha2019.spiking.build_emstdp_network`; ``feedback`` "fa" or "dfa")."""
    from brian2 import defaultclock

    params = params or EMSTDPParams()
    if feedback == "symmetric":
        raise NotImplementedError(
            "symmetric feedback is not expressible for Brian2GeNN: the error goes back through "
            "the forward synapses (a write to a pre-synaptic variable on the post cell's error "
            "event); use feedback='fa' or 'dfa' on the genn device")
    if feedback not in ("fa", "dfa"):
        raise ValueError(f"unknown feedback {feedback!r}; the genn formulation has 'fa', 'dfa'")
    if params.timing != "paper":
        raise ValueError("timing='code' is not built in the genn formulation (only the "
                         "reference and fast ones); use timing='paper' on the genn device")
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"EMSTDP needs input, >= 1 hidden and an output layer: {layer_sizes}")
    n_pres = int(n_presentations)
    if n_pres % params.batch:
        raise ValueError(f"a block of {n_pres} samples does not hold whole batches of "
                         f"{params.batch}")
    W0, B0 = initial_values(sizes, params, feedback, seed)
    if weights is not None:
        W0 = [np.asarray(w, dtype=float) for w in weights]
    if feedback_weights is not None:
        B0 = [np.asarray(b, dtype=float) for b in feedback_weights]

    # Brian2GeNN accepts no clock other than defaultclock
    defaultclock.dt = params.dt
    clock = defaultclock
    window = params.window
    stimulus = TimedArray(np.zeros((n_pres, sizes[0])), dt=window, name=f"{name}_stimulus")
    label = TimedArray(np.zeros((n_pres, sizes[-1])), dt=window, name=f"{name}_label")
    learn_gate = TimedArray(np.ones(n_pres), dt=window, name=f"{name}_learn_gate")
    ns = _namespace(params, {"stimulus": stimulus, "label": label, "learn_gate": learn_gate})

    # --- input cells
    shared = params.encoding == "shared"
    inp = NeuronGroup(sizes[0], GENN_INPUT + ("r_shared : 1 (shared)\n" if shared else ""),
                      threshold="r_shared < p_spike" if shared else "rand() < p_spike",
                      reset=counted("h1 += 1 - phase2", params), method="euler", clock=clock,
                      namespace=ns,
                      name=f"{name}_input")
    inp.run_regularly("p_spike = max_rate * stimulus(t, i)", dt=window, when="start",
                      name=f"{name}_input_run_regularly_load")
    inp.subexpression_updater.when = "groups"
    inp.subexpression_updater.order = -1
    if shared:
        inp.run_regularly("r_shared = rand()", when="start",
                          name=f"{name}_input_run_regularly_random")

    # --- layers
    theta = thresholds(sizes, params)
    theta_e = error_thresholds(sizes, params, feedback)
    L = len(sizes) - 2
    layers = []
    for m in range(L + 1):
        is_out = m == L
        eqs = (GENN_IF_LAYER + GENN_ERROR + (GENN_LOSS if is_out else GENN_HIDDEN_ERROR)
               + GENN_WINDOW_END)
        lname = f"{name}_output" if is_out else f"{name}_hidden{m}"
        group = NeuronGroup(sizes[m + 1], eqs, threshold=IF_THRESHOLD,
                            reset=counted("\n".join(line.strip() for line
                                                    in IF_RESET.strip().splitlines()), params),
                            method="euler", clock=clock, namespace=ns, name=lname)
        load = "lg = learn_gate(t)" + ("\nlab = label(t, i)" if is_out else "")
        group.run_regularly(load, dt=window, when="start", name=f"{lname}_run_regularly_load")
        # the "constant over dt" values (window position, the output's target-spike random
        # numbers) are computed where the reference draws its numbers: in the groups slot,
        # after the start slot's shared input number
        group.subexpression_updater.when = "groups"
        group.subexpression_updater.order = -1
        group.theta = theta[m]
        group.b = params.bias * theta[m]
        group.theta_e = params.loss_threshold if is_out else theta_e[m]
        group.gamma = params.gamma
        group.gated = float(not is_out and params.derivative_gate and feedback != "dfa")
        layers.append(group)

    # --- forward synapses, learning in their dynamics
    forward = []
    pre = inp
    model = forward_model(params)
    for m, layer in enumerate(layers):
        syn = Synapses(pre, layer, model, on_pre="I_ff_post += w", method="euler",
                       clock=clock, namespace=ns, name=f"{name}_forward{m}")
        src, tgt = dense_indices(len(pre), len(layer))
        syn.connect(i=src, j=tgt)
        syn.w = W0[m].T.ravel()
        syn.v = 1.0  # the code's RMSprop accumulator starts at 1
        syn.eta = params.eta
        # GeNN runs the synapse dynamics before delivering spikes: on Brian2's own devices at
        # the start of the synapses slot (the deliveries have order -1)
        syn.state_updater.when = "synapses"
        syn.state_updater.order = -2
        forward.append(syn)
        pre = layer

    # --- fixed random feedback: FA from the layer above, DFA from the output
    fb = []
    for m in range(L):
        source = layers[-1] if feedback == "dfa" else layers[m + 1]
        B = np.asarray(B0[m], dtype=float)
        if B.shape != (len(layers[m]), len(source)):
            raise ValueError(f"feedback {source.name} -> {layers[m].name}: shape {B.shape}, "
                             f"expected {(len(layers[m]), len(source))}")
        syn = Synapses(source, layers[m], GENN_FEEDBACK, clock=clock,
                       name=f"{name}_feedback{m}")
        src, tgt = dense_indices(len(source), len(layers[m]))
        syn.connect(i=src, j=tgt)
        syn.B = B.T.ravel()
        fb.append(syn)

    recorded = {"output": [layers[-1]], "all": layers, "none": []}[record_counts]
    state_mons = [StateMonitor(g, ["h1", "h2", "n_err_pos", "n_err_neg"], record=True,
                               dt=window, when="start", name=f"{g.name}_counts")
                  for g in recorded]
    spike_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes") for g in [inp, *layers]]
                  if record_spikes else [])
    objects = [inp, *layers, *forward, *fb]
    check_genn_constraints(objects + spike_mons)
    net = Network(*objects, *state_mons, *spike_mons)
    net.schedule = GENN_SCHEDULE
    built = built_state(W0, B0, theta, theta_e, params)
    return GeNNEMSTDPNetwork(net=net, params=params, layer_sizes=sizes, feedback=feedback,
                             formulation="genn", n_presentations=n_pres, input=inp,
                             layers=layers, forward=forward, feedback_syn=fb, stimulus=stimulus,
                             label=label, learn_gate=learn_gate,
                             window_counts=[WindowCounts(m, params.dt) for m in state_mons],
                             spike_monitors=spike_mons, seed=seed, built_state=built)
