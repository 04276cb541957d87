"""A Brian2GeNN-compatible formulation of the Samadi et al. (2017) broadcast-alignment network.

Same model as :func:`spiketeach.models.samadi2017.spiking.build_ba_network` with per-step ("reference")
plasticity, written with only what Brian2GeNN 1.7 accepts (``docs/devices.md``,
"Performance principles"):

* **one clock**: every group and synapse runs on Brian2's ``defaultclock`` (Brian2GeNN refuses any
  other clock), whose ``dt`` is set to ``params.dt``; only ``run_regularly`` operations have a
  longer period (a whole multiple of dt, which Brian2GeNN allows: they run on the host);
* **TimedArrays only inside run_regularly**: the input activities, the target drive and the
  learning gate are state variables, set in the ``start`` slot from the stimulus, target and gate
  TimedArrays once per presentation (once per gate period for the gate);
* **no subexpressions in synaptic statements**: the output ``a`` of a cell and the error ``err``
  are stored variables instead of subexpressions (an Euler step of ``dx/dt = (x_new - x) / dt``
  stores ``x_new`` exactly: sympy cancels ``x - x``);
* **plasticity as synaptic and neuronal ODEs** instead of ``run_regularly`` in the ``end`` slot
  (which GeNN would run on the host, copying every weight each step): eqs. 2.12–2.13 as Euler
  steps of ODEs whose right-hand side is (new value − old value) / dt;
* **at most one summed variable per Synapses**, no linked variables, no custom events, no
  ``seed()`` (initial values are arrays computed from the seed), one ``run()`` per build.

GeNN runs a step as synapse dynamics (weight ODEs, then the summed inputs) followed by the neuron
update (summed input, state, threshold, reset). The reference applies eq. 2.13 at the END of step
n; here it is applied at the START of step n+1, from the ``iota`` and ``a`` that step n stored,
before the forward sums read the weights — the same weights reach the same sums, so the spikes are
the same (``tests/models/samadi2017/test_genn.py``). Two consequences, both handled here:

* after a run one weight update is still pending: :meth:`GeNNBANetwork.weights` folds it in;
* the pending update must read the activities of the step it belongs to: the input's change at a
  presentation start before it runs, and a new block starts every cell's output at 0 (the
  refractory state is not carried over, as in the standard formulation). So every layer also
  stores ``a_step``, the output of the step just integrated, carried over block boundaries,
  and the synapses learn from ``a_step_pre``.

Biases (eq. 2.12) and the teaching signal (eq. 2.11) are updated in the neuron update of the same
step as in the reference. The learning-gate, stimulus and target TimedArrays are the same objects
as in the standard formulation, so protocols (:func:`spiketeach.protocols.samadi2017.training.run_block`)
work unchanged; on the ``genn`` device only one block can run per build.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, defaultclock
from brian2.utils.logger import get_logger

from spiketeach.core.connectivity import check_weight_matrix, dense_indices
from spiketeach.core.genn_rules import check_genn_constraints
from spiketeach.models.samadi2017.equations import FEEDBACK_SYNAPSE, RESET, SLOPES, THRESHOLD
from spiketeach.models.samadi2017.layers import connect_to_error_population, samadi_namespace
from spiketeach.models.samadi2017.network import BANetwork, _feedback_matrix, network_arguments
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["GENN_LIF", "GENN_RESET", "GENN_FIXED_BIAS", "GENN_TEACHING", "GENN_INPUT", "INPUT_LOAD", "GENN_TARGET", "TARGET_LOAD", "GATE_LOAD", "GENN_ERROR", "GENN_FORWARD", "GENN_LEARNING_FORWARD", "teaching_equations", "GeNNBANetwork", "build_ba_network_genn"]

logger = get_logger(__name__)


#: Dynamic LIF neuron (eqs. 2.1–2.3) with its output ``a`` stored for the synapses. The Euler
#: step of ``da/dt`` sets ``a = 1 - int(not_refractory)`` after ``not_refractory`` has been
#: updated; the reset sets ``a = 1`` for the cells that pulse in this step. ``a_step`` is the
#: same value, but carried over a block boundary for the pending weight update, whereas ``a``,
#: like the refractory state, starts every block at 0.
GENN_LIF = """
v = v_ff + b : 1                                   # drive, eq. 2.1 (a neuron subexpression)
dh/dt = (v - h) / tau : 1 (unless refractory)      # axon hillock, eq. 2.2
da/dt = (1.0 - int(not_refractory) - a) / dt : 1   # output, eq. 2.3, stored: 1 during the pulse
da_step/dt = (1.0 - int(not_refractory) - a_step) / dt : 1  # the same, for the weight update
v_ff : 1                                           # W a_in, summed by the forward synapses
"""

GENN_RESET = RESET + "\na = 1\na_step = 1"

#: Bias of a layer that does not learn.
GENN_FIXED_BIAS = """
b : 1                                              # bias
"""

#: Teaching signal (eq. 2.11) and bias learning with momentum (eq. 2.12) of a learning layer, as
#: Euler steps: ``iota`` holds this step's teaching signal for the forward synapses, which apply
#: eq. 2.13 at the start of the next step. ``{slope}`` and ``{gate_positive}`` are filled in by
#: :func:`teaching_equations`.
GENN_TEACHING = """
delta : 1                                          # B e, summed from the error cells (eq. 2.7)
iota_now = gate * eta * {slope} * delta{gate_positive} : 1  # eq. 2.11 in this step
diota/dt = (iota_now - iota) / dt : 1              # stored: iota = iota_now
dDb/dt = (mu * Db - iota_now - Db) / dt : 1        # eq. 2.12 momentum: Db <- mu Db - iota
db/dt = (mu * Db - iota_now) / dt : 1              # b <- b + Db (the new Db)
gate : 1 (shared)                                  # learning_gate(t), set by run_regularly
eta : 1 (shared, constant)                         # per-step rate: (1/fan-in) dt / learning window
"""

#: Graded input layer: activities set from ``stimulus(t, i)`` at each presentation start;
#: ``a_step`` is the activity of the step just integrated (what the pending weight update of
#: the first projection must use after the next presentation has been loaded).
GENN_INPUT = """
a : 1                                              # input activity
da_step/dt = (a - a_step) / dt : 1                 # stored: a_step = a at the end of each step
"""

INPUT_LOAD = "a = stimulus(t, i)"

#: Target cells: the drive is set from ``target_drive(t, i)`` at each presentation start.
GENN_TARGET = """
v : 1                                              # drive: high for the correct output, 0 otherwise
dh/dt = (v - h) / tau : 1 (unless refractory)      # eq. 2.2
da/dt = (1.0 - int(not_refractory) - a) / dt : 1   # eq. 2.3, stored
"""

TARGET_LOAD = "v = target_drive(t, i)"

GATE_LOAD = "gate = learning_gate(t)"

#: The two error populations (§2.5) with the error stored: err = clip(±(y − y*), 0, 1).
GENN_ERROR = """
y : 1                                              # output pulse, summed from the output layer
y_target : 1                                       # target pulse, summed from the target cells
derr/dt = (clip(polarity * (y - y_target), 0, 1) - err) / dt : 1  # stored e±
polarity : 1 (constant)                            # +1: positive-error cell, -1: negative-error cell
"""

#: Forward synapse that does not learn (eq. 2.1).
GENN_FORWARD = """
w : 1                                              # forward weight W_ij
DW : 1                                             # unused (kept for a uniform state)
v_ff_post = w * a_pre : 1 (summed)
"""

#: Forward synapse that learns: eq. 2.13 as Euler steps, from the ``iota`` and activity
#: ``a_step`` of the previous step.
GENN_LEARNING_FORWARD = """
dDW/dt = (mu * DW - iota_post * a_step_pre - DW) / dt : 1 (clock-driven)  # DW <- mu DW - iota a
dw/dt = (mu * DW - iota_post * a_step_pre) / dt : 1 (clock-driven)        # W <- W + DW (new DW)
v_ff_post = w * a_pre : 1 (summed)
"""

def teaching_equations(derivative: str, gate_positive_drive: bool) -> str:
    """:data:`GENN_TEACHING` with the slope factor and the v > 0 gate of eq. 2.11."""
    if derivative not in SLOPES:
        raise ValueError(f"unknown derivative {derivative!r}; choose one of {sorted(SLOPES)}")
    return GENN_TEACHING.format(slope=SLOPES[derivative],
                                gate_positive=" * int(v > 0)" if gate_positive_drive else "")

@dataclass
class GeNNBANetwork(BANetwork):
    """A :class:`~spiketeach.models.samadi2017.network.BANetwork` in the GeNN formulation.

    Its raw state holds the weight update of the last step still pending (applied at the start
    of the next step, see the module docstring); :meth:`weights` folds it in, so it returns what
    the standard formulation holds. :meth:`state_views` adds the stored outputs and teaching
    signals that the pending update reads.
    """

    def state_views(self) -> dict[str, object]:
        views = super().state_views()
        views["input.a_step"] = self.input.a_step
        for k, layer in enumerate(self.layers):
            views[f"layer{k}.a_step"] = layer.a_step
            if k in self.learning_layers:
                views[f"layer{k}.iota"] = layer.iota
        return views

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        state = super().initial_state(seed)
        state["input.a_step"] = np.zeros(self.layer_sizes[0])
        for k, layer in enumerate(self.layers):
            state[f"layer{k}.a_step"] = np.zeros(len(layer))
            if k in self.learning_layers:
                state[f"layer{k}.iota"] = np.zeros(len(layer))
        return state

    def weights(self) -> list[np.ndarray]:
        mu = float(self.params.mu)
        out = []
        for k, (syn, n_in, n_out) in enumerate(zip(self.forward, self.layer_sizes[:-1],
                                                   self.layer_sizes[1:])):
            w = np.asarray(syn.w[:], dtype=float)
            if k in self.learning_layers:  # the update of the last step, still pending
                pre = (self.input if k == 0 else self.layers[k - 1]).a_step[:]
                i, j = np.asarray(syn.i[:]), np.asarray(syn.j[:])
                w = w + (mu * np.asarray(syn.DW[:]) - self.layers[k].iota[:][j] * pre[i])
            out.append(w.reshape(n_in, n_out).T.copy())
        return out

def build_ba_network_genn(layer_sizes, schedule, *, params=None, seed: int = 0,
                          feedback: str = "broadcast", depth: int | None = None, weights=None,
                          biases=None, feedback_weights=None, target_drive_high: float = 20.0,
                          record_layers: bool = False):
    """Assemble the network in the GeNN formulation (what :func:`spiketeach.models.samadi2017.build`
    builds with ``formulation="genn"`` and always on the genn device).

    The arguments are those of :func:`~spiketeach.models.samadi2017.spiking.build_ba_network`
    (checked and completed by :func:`~spiketeach.models.samadi2017.network.network_arguments`);
    plasticity is always per step: the fast rewrites need a second clock, linked variables and
    custom events, which GeNN lacks.
    """
    params = params or SamadiParams()
    sizes, W0, b0, B0, learning, derivative = network_arguments(
        layer_sizes, params, seed, feedback, depth, weights, biases, feedback_weights)

    def feedback_matrix(k):
        return _feedback_matrix(k, sizes, B0)

    # Brian2GeNN accepts no clock other than defaultclock
    defaultclock.dt = params.dt
    clock = defaultclock
    n_in, n_out = sizes[0], sizes[-1]
    n_weight_layers = len(sizes) - 1
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, n_in)), "stimulus")
    target_drive = schedule.stimulus_array(np.zeros((schedule.n, n_out)), "target_drive")
    gate = schedule.gate_array(np.ones(schedule.n))
    ns = samadi_namespace(params) | {"stimulus": stimulus, "target_drive": target_drive,
                                     "learning_gate": gate}

    inp = NeuronGroup(n_in, GENN_INPUT, method="euler", namespace=ns, clock=clock, name="input")
    inp.run_regularly(INPUT_LOAD, dt=schedule.presentation, when="start", name="input_run_regularly_load")
    layers, forward = [], []
    pre = inp
    for k, n in enumerate(sizes[1:]):
        is_output = k == n_weight_layers - 1
        learns = k in learning
        eqs = GENN_LIF + (teaching_equations(
            derivative, gate_positive_drive=params.gate_output or not is_output)
            if learns else GENN_FIXED_BIAS)
        group = NeuronGroup(n, eqs, threshold=THRESHOLD, reset=GENN_RESET,
                            refractory=params.t_ref, method="euler", namespace=ns, clock=clock,
                            name="output" if is_output else f"hidden{k}")
        group.b = b0[k]
        W = check_weight_matrix(W0[k], pre, group)
        if learns:
            group.eta = params.eta_scale / sizes[k] * float(params.dt / params.learning_window)
            group.run_regularly(GATE_LOAD, dt=schedule.gate_dt, when="start",
                                name=f"{group.name}_run_regularly_gate")
            model = GENN_LEARNING_FORWARD
        else:
            model = GENN_FORWARD
        # order -2: on Brian2's own devices the weight ODEs run before the summed inputs
        # (order -1), as the synapse dynamics do in GeNN
        syn = Synapses(pre, group, model, method="euler", namespace=ns, clock=clock,
                       order=-2, name=f"forward{k}")
        i, j = dense_indices(len(pre), n)
        syn.connect(i=i, j=j)
        syn.w = W.T.ravel()
        layers.append(group)
        forward.append(syn)
        pre = group

    target = NeuronGroup(n_out, GENN_TARGET, threshold=THRESHOLD, reset=GENN_RESET,
                         refractory=params.t_ref, method="euler", namespace=ns, clock=clock,
                         name="target")
    target.run_regularly(TARGET_LOAD, dt=schedule.presentation, when="start", name="target_run_regularly_load")
    error = NeuronGroup(2 * n_out, GENN_ERROR, method="euler", clock=clock, name="error")
    error.polarity = np.r_[np.ones(n_out), -np.ones(n_out)]
    to_error = [connect_to_error_population(layers[-1], error, "y", name="output_to_error"),
                connect_to_error_population(target, error, "y_target", name="target_to_error")]
    feedback_syn = {}
    for k in learning:
        M = np.asarray(feedback_matrix(k), dtype=float)
        syn = Synapses(error, layers[k], FEEDBACK_SYNAPSE, clock=clock, name=f"feedback{k}")
        i, j = dense_indices(2 * n_out, len(layers[k]))
        syn.connect(i=i, j=j)
        syn.B = np.hstack([M, -M]).T.ravel()
        feedback_syn[k] = syn

    out_mon = SpikeMonitor(layers[-1], name="output_spikes")
    layer_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes") for g in layers[:-1]]
                  if record_layers else [])
    objects = [inp, *layers, *forward, target, error, *to_error, *feedback_syn.values(),
               out_mon, *layer_mons]
    check_genn_constraints(objects)
    net = Network(*objects)
    return GeNNBANetwork(net=net, params=params, schedule=schedule, layer_sizes=list(sizes),
                         input=inp, layers=layers, target=target, error=error, forward=forward,
                         feedback=feedback_syn, output_spikes=out_mon,
                         layer_spikes=layer_mons + [out_mon] if record_layers else [],
                         stimulus=stimulus, target_drive=target_drive, learning_gate=gate,
                         learning_layers=list(learning), target_drive_high=target_drive_high,
                         fast_input=False)
