"""Assembling a broadcast-alignment network of dynamic LIF cells (Samadi et al. 2017).

:func:`build_ba_network` puts together, from the pieces in this package,

* a graded input layer (:data:`~spiketeach.models.neurons.GRADED_INPUT`),
* hidden and output layers of dynamic LIF cells (:data:`~spiketeach.models.neurons.DYNAMIC_LIF`),
* target cells (:data:`~spiketeach.models.neurons.TARGET_LIF`) and the two error populations
  (:data:`~spiketeach.models.errors.SIGNED_ERROR_NEURONS`),
* forward synapses (:data:`~spiketeach.models.synapses.FORWARD_SYNAPSE`) and fixed feedback
  synapses from the error cells (:data:`~spiketeach.models.synapses.FEEDBACK_SYNAPSE`),
* the teaching signal and the weight/bias updates (:mod:`spiketeach.models.plasticity`).

It never reads files or parses arguments; a protocol supplies the stimuli and schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Clock, Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray

from ..devices import BlockRunner
from ..protocols.presentation import PresentationSchedule
from .errors import connect_to_error_population, signed_error_population
from .initialisation import init_broadcast_alignment, init_forward
from .fast_input import (FAST_ACCUMULATE, fast_input_projection, fold_weights, loaded_input_group,
                         presentation_clock, with_fast_drive)
from .pulse_projection import (PULSE_ACCUMULATE, PULSE_TRACES, fold_pulse_projection,
                               pulse_projection, pulse_state)
from .neurons import (COUNTED_PULSE_LIF, DYNAMIC_LIF, PULSE_END_EVENT, dynamic_lif_group,
                      graded_input_group, samadi_namespace, target_group)
from .plasticity import (SLOPE_VARIABLE, TEACHING_SIGNAL, add_bias_learning, add_learning_pass,
                         add_slope_update, add_teaching_signal, add_weight_learning, slope_event,
                         teaching_signal_code)
from .samadi import SamadiParams
from .synapses import feedback_projection, forward_projection

__all__ = ["BANetwork", "build_ba_network", "FEEDBACK_KINDS"]

#: "broadcast": each layer gets B_l e (BA, eq. 2.7); "derivative_free": BA without the
#: cell's own slope in eq. 2.11 (DF, §3).
FEEDBACK_KINDS = ("broadcast", "derivative_free")
PLASTICITY_FORMS = ("reference", "fast")


@dataclass
class BANetwork:
    """A built network and handles to its parts."""

    net: Network
    params: SamadiParams
    schedule: PresentationSchedule
    layer_sizes: list[int]
    input: NeuronGroup
    layers: list[NeuronGroup]            # hidden layers then the output layer
    target: NeuronGroup
    error: NeuronGroup                   # positive-error cells, then negative-error cells
    forward: list[Synapses]
    feedback: dict[int, Synapses]        # layer index -> feedback synapses (learning layers only)
    output_spikes: SpikeMonitor
    layer_spikes: list[SpikeMonitor]
    stimulus: TimedArray
    target_drive: TimedArray
    learning_gate: TimedArray
    learning_layers: list[int] = field(default_factory=list)
    target_drive_high: float = 20.0
    fast_input: bool = False             # first projection in the presentation-clocked form
    pulse_projections: list[int] = field(default_factory=list)  # event-driven learning projections
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def output(self) -> NeuronGroup:
        return self.layers[-1]

    @property
    def error_pos(self):
        return self.error[: len(self.output)]

    @property
    def error_neg(self):
        return self.error[len(self.output):]

    def state_views(self) -> dict[str, object]:
        """Every variable that carries over from one block to the next, by a stable key."""
        views = {}
        for k, layer in enumerate(self.layers):
            views[f"layer{k}.h"] = layer.h
            views[f"layer{k}.b"] = layer.b
            if k in self.learning_layers:
                views[f"layer{k}.Db"] = layer.Db
        for k, syn in enumerate(self.forward):
            if k not in self.pulse_projections:  # those hold X, Q: see state_pairs
                views[f"forward{k}.w"] = syn.w
                views[f"forward{k}.DW"] = syn.DW
        if self.fast_input:  # the per-presentation accumulators and the image they apply to
            views["input.a"] = self.input.a
            views["input.a_prev"] = self.input.a_prev  # which synapses the next fold skips
            for var in ("m", "M", "S", "P"):
                views[f"layer0.{var}"] = getattr(self.layers[0], var)
        for k, syn in self.feedback.items():
            views[f"feedback{k}.B"] = syn.B
        views["target.h"] = self.target.h
        return views

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        """The t = 0 state of this network for another ``seed`` (Appendix B), to run the same
        build (one compiled binary) from a new initialisation."""
        W, b, B = initial_values(self.layer_sizes, self.params, seed)
        state = {}
        for k, layer in enumerate(self.layers):
            state[f"layer{k}.h"] = np.zeros(len(layer))
            state[f"layer{k}.b"] = b[k]
            if k in self.learning_layers:
                state[f"layer{k}.Db"] = np.zeros(len(layer))
        for k, syn in enumerate(self.forward):
            state[f"forward{k}.w"] = W[k].T.ravel()
            state[f"forward{k}.DW"] = np.zeros(W[k].size)
        if self.fast_input:
            state["input.a"] = np.zeros(self.layer_sizes[0])
            state["input.a_prev"] = np.zeros(self.layer_sizes[0])
            n0 = self.layer_sizes[1]
            state.update({"layer0.m": np.zeros(n0), "layer0.M": np.zeros(n0),
                          "layer0.S": np.zeros(n0), "layer0.P": np.ones(n0)})
        for k in self.feedback:
            state[f"feedback{k}.B"] = _signed_feedback(k, self.layer_sizes, B)
        state["target.h"] = np.zeros(len(self.target))
        return state

    @property
    def runner(self) -> BlockRunner:
        """The one runner of this network: every block re-runs the same build."""
        if self._runner is None:
            self._runner = BlockRunner(self.net, self.schedule.duration)
        return self._runner

    def state_keys(self) -> set[str]:
        """The keys of :meth:`get_state` (what a block needs to start from)."""
        return set(self.state_views()) | {f"forward{k}.{v}" for k in self.pulse_projections
                                          for v in ("w", "DW")}

    def state_pairs(self, state: dict[str, np.ndarray]) -> list[tuple[object, np.ndarray]]:
        """(variable view, value) for every variable a block starts from, given a state by the
        keys of :meth:`get_state`; the event-driven projections take W and DW as their X and Q
        (:func:`~spiketeach.models.pulse_projection.pulse_state`)."""
        missing = self.state_keys() - set(state)
        if missing:
            raise ValueError(f"state lacks {sorted(missing)}")
        pairs = [(view, state[k]) for k, view in self.state_views().items()]
        for k in self.pulse_projections:
            X, Q = pulse_state(state[f"forward{k}.w"], state[f"forward{k}.DW"],
                               float(self.params.mu))
            pairs += [(self.forward[k].X, X), (self.forward[k].Q, Q)]
        return pairs

    def get_state(self) -> dict[str, np.ndarray]:
        state = {key: np.array(view[:], dtype=float) for key, view in self.state_views().items()}
        for k in self.pulse_projections:  # the event-driven synapses as of the last step
            state[f"forward{k}.w"], state[f"forward{k}.DW"] = self._folded_pulse_projection(k)
        return state

    def _folded_pulse_projection(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        syn, pre, post = self.forward[k], self.layers[k - 1], self.layers[k]
        a_pre = (np.asarray(pre.pulse_left[:]) > 0).astype(float)  # eq. 2.3 of COUNTED_PULSE_LIF
        return fold_pulse_projection(syn.X[:], syn.Q[:], a_pre, post.m[:], post.M[:], post.P[:],
                                     float(self.params.mu))

    def weights(self) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now."""
        out = []
        for k, (syn, n_in, n_out) in enumerate(zip(self.forward, self.layer_sizes[:-1],
                                                   self.layer_sizes[1:])):
            if k in self.pulse_projections:
                w = self._folded_pulse_projection(k)[0]
            else:
                w = np.asarray(syn.w[:])
            if k == 0 and self.fast_input:  # apply the presentation not yet folded in
                l0 = self.layers[0]
                w = fold_weights(w, syn.DW[:], self.input.a[:], l0.m[:], l0.M[:], l0.S[:])
            out.append(w.reshape(n_in, n_out).T.copy())
        return out


def build_ba_network(layer_sizes: list[int], schedule: PresentationSchedule, *,
                     params: SamadiParams | None = None, seed: int = 0,
                     feedback: str = "broadcast", depth: int | None = None,
                     weights: list[np.ndarray] | None = None,
                     biases: list[np.ndarray] | None = None,
                     feedback_weights: list[np.ndarray] | None = None,
                     target_drive_high: float = 20.0,
                     plasticity: str = "reference",
                     record_layers: bool = False,
                     formulation: str | None = None) -> BANetwork:
    """Build a spiking network trained by broadcast alignment.

    Parameters
    ----------
    layer_sizes : list of int
        [n_input, n_hidden_1, ..., n_output], e.g. [784, 1000, 10].
    schedule : PresentationSchedule
        Presentations per block and their timing; the stimulus, target and learning-gate
        TimedArrays are built for it (all zeros until a protocol passes real values).
    params : SamadiParams
        Model parameters (paper defaults).
    seed : int
        Seeds the Appendix-B initialisation of forward and feedback weights.
    feedback : {"broadcast", "derivative_free"}
        BA with the cell's own slope (eq. 2.11), or DF (no slope, gate kept).
    depth : int, optional
        Depth-k learning (§3.1): only the last ``depth`` weight layers learn. All by default.
    weights, biases, feedback_weights : lists of arrays, optional
        Explicit initial values (else Appendix B with ``seed``).
    target_drive_high : float
        Drive of the target cell of the correct output (20: closed-form E(a) ≈ 0.71, ≈ 0.8 at
        dt = 0.25 ms); the other target cells get drive 0 and stay silent.
    plasticity : {"reference", "fast"}
        "reference": every projection updates every synapse every step (eqs. 2.1, 2.13
        literally). "fast": the first projection, whose input is constant per presentation, in
        the exact presentation-clocked form of :mod:`spiketeach.models.fast_input`
        (O(N_out) per step instead of O(N_in N_out)); the learning projections from pulsing
        layers event-driven (:mod:`spiketeach.models.pulse_projection`: synapses change only
        when their presynaptic pulse switches on or off, the drive from per-cell sums); each
        learning layer's teaching signal, bias update and accumulators in one pass per step;
        and event-driven feedback: the error cells signal when they switch
        (:data:`~spiketeach.models.errors.ERROR_CHANGE_EVENT`) and delta = B err is updated only
        then (:data:`~spiketeach.models.synapses.EVENT_FEEDBACK_SYNAPSE`) instead of re-summed
        over every feedback synapse every step; the cells' pulses timed by a step counter
        (:data:`~spiketeach.models.neurons.COUNTED_PULSE_LIF`) instead of Brian2's refractory
        period. Same spikes, weights equal to rounding (tests/test_fast_input.py).
    record_layers : bool
        Also record the spikes of every layer (for tests and figures).
    formulation : {None, "standard", "genn"}
        "genn": the Brian2GeNN-compatible formulation of
        :mod:`spiketeach.models.genn_formulation` (per-step plasticity; same spikes). None (the
        default) chooses it when the selected device is ``genn``, else "standard".
    """
    if plasticity not in PLASTICITY_FORMS:
        raise ValueError(f"unknown plasticity {plasticity!r}; choose one of {PLASTICITY_FORMS}")
    params = params or SamadiParams()
    if feedback not in FEEDBACK_KINDS:
        raise ValueError(f"unknown feedback {feedback!r}; choose one of {FEEDBACK_KINDS}")
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs an input and an output layer of >= 1 cell: {layer_sizes}")
    n_weight_layers = len(sizes) - 1
    depth = n_weight_layers if depth is None else int(depth)
    if not 1 <= depth <= n_weight_layers:
        raise ValueError(f"depth must be in 1..{n_weight_layers}, got {depth}")
    W0, b0, B0 = initial_values(sizes, params, seed)
    W0 = _check_list("weights", weights, [w.shape for w in W0]) or W0
    b0 = _check_list("biases", biases, [b.shape for b in b0]) or b0
    B0 = _check_list("feedback_weights", feedback_weights, [b.shape for b in B0]) or B0

    learning = list(range(n_weight_layers - depth, n_weight_layers))  # indices into layers
    derivative = "sech2" if feedback == "broadcast" else "none"
    from .genn_formulation import build_ba_network_genn, choose_formulation  # (imports this module)
    if choose_formulation(formulation) == "genn":  # per-step plasticity in GeNN's terms
        return build_ba_network_genn(sizes, schedule, params=params, W0=W0, b0=b0, B0=B0,
                                     learning=learning, derivative=derivative,
                                     plasticity=plasticity,
                                     target_drive_high=target_drive_high,
                                     record_layers=record_layers,
                                     feedback_matrix=lambda k: _feedback_matrix(k, sizes, B0))

    clock = Clock(dt=params.dt, name="samadi_clock")
    n_in, n_out = sizes[0], sizes[-1]
    stimulus = schedule.stimulus_array(np.zeros((schedule.n, n_in)), "stimulus")
    target_drive = schedule.stimulus_array(np.zeros((schedule.n, n_out)), "target_drive")
    gate = schedule.gate_array(np.ones(schedule.n))
    # one namespace for every object: synapses resolve the pre/post subexpressions they read
    # (a = stimulus(t, i), iota = learning_gate(t) ...) in their own namespace
    ns = samadi_namespace(params) | {"stimulus": stimulus, "target_drive": target_drive,
                                     "learning_gate": gate}

    # the input is constant per presentation whether or not the first layer learns
    fast = plasticity == "fast"
    slow = presentation_clock(params.presentation) if fast else None
    decay = params.mu ** round(float(params.presentation / params.dt))  # DW's shrink per image
    inp = (loaded_input_group(stimulus, slow, presentation_decay=decay) if fast
           else graded_input_group(stimulus, clock))
    layers, forward = [], []
    pre = inp
    # learning projections from pulsing layers: event-driven in the fast form
    pulsed = [k for k in learning if k > 0] if fast else []
    for k, n in enumerate(sizes[1:]):
        is_output = k == n_weight_layers - 1
        extra = TEACHING_SIGNAL if k in learning else ""
        extra += PULSE_TRACES if k in pulsed else ""
        gated = params.gate_output or not is_output  # eq. 2.11's v > 0 gate
        # fast: the sech² slope only where iota is not zero anyway (plasticity.SLOPE_EVENT)
        events = slope_event(derivative, gated) if fast and k in learning else {}
        extra += SLOPE_VARIABLE if events else ""
        if k + 1 in pulsed:  # its pulses drive an event-driven projection: on, and off
            events |= PULSE_END_EVENT
        # fast: the pulse timed by a step counter (same spikes as Brian2's refractoriness)
        eqs = COUNTED_PULSE_LIF if fast else DYNAMIC_LIF
        group = dynamic_lif_group(n, params, clock, extra_equations=extra, namespace=ns,
                                  name="output" if is_output else f"hidden{k}",
                                  equations=with_fast_drive(eqs) if fast and k == 0 else eqs,
                                  events=events, pulse="counter" if fast else "refractory")
        group.b = b0[k]
        if fast and k == 0:
            syn = fast_input_projection(pre, group, W0[k], slow, ns, name=f"forward{k}")
        elif k in pulsed:
            syn = pulse_projection(pre, group, W0[k], slow, ns, name=f"forward{k}")
        else:
            syn = forward_projection(pre, group, W0[k], name=f"forward{k}", namespace=ns)
        if k in learning:
            group.eta = params.eta_scale / sizes[k] * float(params.dt / params.learning_window)
            if fast:  # teaching signal, bias (and accumulators) in one pass over the cells
                iota = teaching_signal_code(derivative, gated,
                                            slope=add_slope_update(group, derivative))
                add_learning_pass(group, iota, FAST_ACCUMULATE if k == 0 else PULSE_ACCUMULATE)
            else:
                add_teaching_signal(group, teaching_signal_code(derivative, gated))
                add_bias_learning(group)
                add_weight_learning(syn)
        layers.append(group)
        forward.append(syn)
        pre = group

    target = target_group(target_drive, params, clock)
    error = signed_error_population(n_out, clock, change_events=plasticity == "fast")
    to_error = [connect_to_error_population(layers[-1], error, "y", name="output_to_error"),
                connect_to_error_population(target, error, "y_target", name="target_to_error")]
    feedback_syn = {}
    for k in learning:
        feedback_syn[k] = feedback_projection(error, layers[k], _feedback_matrix(k, sizes, B0),
                                              name=f"feedback{k}",
                                              event_driven=plasticity == "fast")

    out_mon = SpikeMonitor(layers[-1], name="output_spikes")
    layer_mons = ([SpikeMonitor(g, name=f"{g.name}_spikes") for g in layers[:-1]]
                  if record_layers else [])
    # the fast projection adds a presentation clock (cpp_standalone/runtime only; the GeNN
    # formulation has a single clock)
    _check_clocks([inp, *layers, *forward, target, error, *to_error,
                   *feedback_syn.values(), out_mon, *layer_mons],
                  {clock} | ({slow} if fast else set()))
    net = Network(inp, *layers, *forward, target, error, *to_error,
                  *feedback_syn.values(), out_mon, *layer_mons)
    ban = BANetwork(net=net, params=params, schedule=schedule, layer_sizes=sizes, input=inp,
                    layers=layers, target=target, error=error, forward=forward,
                    feedback=feedback_syn, output_spikes=out_mon,
                    layer_spikes=layer_mons + [out_mon] if record_layers else [],
                    stimulus=stimulus, target_drive=target_drive, learning_gate=gate,
                    learning_layers=learning, target_drive_high=target_drive_high,
                    fast_input=fast, pulse_projections=pulsed)
    return ban


def _check_clocks(objects, clocks) -> None:
    """Every object (and the code it contains) runs on one of the network's own clocks."""
    for obj in objects:
        for o in [obj, *getattr(obj, "contained_objects", [])]:
            if o.clock not in clocks:
                raise RuntimeError(f"{o.name} runs on {o.clock.name}, not on "
                                   f"{', '.join(c.name for c in clocks)}")


def initial_values(sizes: list[int], params: SamadiParams, seed: int):
    """Forward weights, biases (eqs. A.1–A.4) and BA feedback matrices (eq. A.6) for ``seed``."""
    rng = np.random.default_rng(seed)
    W, b = init_forward(sizes, params, rng)
    B = init_broadcast_alignment(sizes, params, rng)
    return W, b, B


def _feedback_matrix(k: int, sizes: list[int], B: list[np.ndarray]) -> np.ndarray:
    """Feedback onto layer k: the output layer receives its own error (identity), hidden
    layers B_k (eq. 2.7)."""
    return np.eye(sizes[-1]) if k == len(sizes) - 2 else B[k]


def _signed_feedback(k: int, sizes: list[int], B: list[np.ndarray]) -> np.ndarray:
    """Synapse values of :func:`feedback_projection` for layer k (weights from −err are −B)."""
    M = _feedback_matrix(k, sizes, B)
    return np.hstack([M, -M]).T.ravel()


def _check_list(name, given, shapes):
    if given is None:
        return None
    if len(given) != len(shapes):
        raise ValueError(f"{name}: expected {len(shapes)} arrays, got {len(given)}")
    out = []
    for k, (arr, shape) in enumerate(zip(given, shapes)):
        arr = np.asarray(arr, dtype=float)
        if arr.shape != shape:
            raise ValueError(f"{name}[{k}] has shape {arr.shape}; expected {shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}[{k}] contains NaN or inf")
        out.append(arr)
    return out
