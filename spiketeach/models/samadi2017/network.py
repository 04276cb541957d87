"""The handle of a built Samadi network: :class:`BANetwork`.

Its state by stable keys (``state_views``, ``get_state``, ``initial_state``), its weights and
block runner, and the arguments every formulation starts from (:func:`network_arguments`,
Appendix B initial values). The model: :mod:`spiketeach.models.samadi2017.equations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray

from spiketeach.core.batch import TrialBatch
from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models.samadi2017.fast_input import fold_weights
from spiketeach.models.samadi2017.fast_pulse import fold_pulse_projection, pulse_state
from spiketeach.models.samadi2017.initialisation import init_broadcast_alignment, init_forward
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["FEEDBACK_KINDS", "BANetwork", "initial_values", "layout_initial_state"]

#: "broadcast": each layer gets B_l e (BA, eq. 2.7); "derivative_free": BA without the
#: cell's own slope in eq. 2.11 (DF, §3).
FEEDBACK_KINDS = ("broadcast", "derivative_free")

@dataclass
class BANetwork(HandleMixin):
    """A built network and handles to its parts (a
    :class:`~spiketeach.core.handle.NetworkHandle`)."""

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
    fast_input: bool = False             # first projection in the per-presentation (folded) form
    pulse_projections: list[int] = field(default_factory=list)  # event-driven learning projections
    #: independent copies of the network in these groups (spiketeach.core.batch), trial-major
    trials: int = 1
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def output(self) -> NeuronGroup:
        return self.layers[-1]

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    @property
    def n_outputs(self) -> int:
        """Output cells of one trial."""
        return self.layer_sizes[-1]

    @property
    def error_pos(self):
        self._single("error_pos")
        return self.error[: len(self.output)]

    @property
    def error_neg(self):
        self._single("error_neg")
        return self.error[len(self.output):]

    def _single(self, what: str) -> None:
        if self.trials != 1:
            raise ValueError(f"{what} is defined for one trial; this network holds "
                             f"{self.trials} (split its state with .batch)")

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

    def state_layout(self) -> dict:
        """What :meth:`initial_state` needs besides a seed and the parameters, as plain (JSON)
        values: a process without this network (a worker re-running its compiled binary)
        computes the same initial state with :func:`layout_initial_state`."""
        return {"layer_sizes": [int(n) for n in self.layer_sizes],
                "learning_layers": [int(k) for k in self.learning_layers],
                "feedback_layers": [int(k) for k in self.feedback],
                "fast_input": bool(self.fast_input), "trials": int(self.trials)}

    def initial_state(self, seed) -> dict[str, np.ndarray]:
        """The t = 0 state of this network for another ``seed`` (Appendix B), to run the same
        build (one compiled binary) from a new initialisation. A batch takes one seed per
        trial (an int: every trial from that seed)."""
        return layout_initial_state(self.state_layout(), self.params, seed)

    @property
    def duration(self):
        """Length of one block."""
        return self.schedule.duration

    def state_keys(self) -> set[str]:
        """The keys of :meth:`get_state` (what a block needs to start from)."""
        return set(self.state_views()) | {f"forward{k}.{v}" for k in self.pulse_projections
                                          for v in ("w", "DW")}

    def state_pairs(self, state: dict[str, np.ndarray]) -> list[tuple[object, np.ndarray]]:
        """(variable view, value) for every variable a block starts from, given a state by the
        keys of :meth:`get_state`; the event-driven projections take W and DW as their X and Q
        (:func:`~spiketeach.models.samadi2017.fast_pulse.pulse_state`)."""
        pairs = super().state_pairs(state)
        for k in self.pulse_projections:
            X, Q = pulse_state(state[f"forward{k}.w"], state[f"forward{k}.DW"],
                               float(self.params.mu))
            pairs += [(self.forward[k].X, X), (self.forward[k].Q, Q)]
        return pairs

    def get_state(self) -> dict[str, np.ndarray]:
        state = super().get_state()
        for k in self.pulse_projections:  # the event-driven synapses as of the last step
            state[f"forward{k}.w"], state[f"forward{k}.DW"] = self._folded_pulse_projection(k)
        return state

    def _folded_pulse_projection(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        syn, pre, post = self.forward[k], self.layers[k - 1], self.layers[k]
        a_pre = (np.asarray(pre.pulse_left[:]) > 0).astype(float)  # eq. 2.3 of COUNTED_PULSE_LIF
        b, mu = self.batch, float(self.params.mu)
        folded = [fold_pulse_projection(*parts, mu) for parts in zip(
            *(b.split(v) for v in (syn.X[:], syn.Q[:], a_pre, post.m[:], post.M[:], post.P[:])))]
        return b.stack([w for w, _ in folded]), b.stack([dw for _, dw in folded])

    def weights(self, trial: int | None = None) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now (of trial ``trial`` of a
        batch)."""
        if self.trials > 1:
            if trial is None or not 0 <= trial < self.trials:
                raise ValueError(f"this network holds {self.trials} trials: pass trial= "
                                 f"0..{self.trials - 1}")
            return self._trial_weights(self.batch.split_state(self.get_state())[trial])
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

    def _trial_weights(self, state: dict) -> list[np.ndarray]:
        out = []
        for k, (n_in, n_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:])):
            w = state[f"forward{k}.w"]
            if k == 0 and self.fast_input:
                w = fold_weights(w, state["forward0.DW"], state["input.a"], state["layer0.m"],
                                 state["layer0.M"], state["layer0.S"])
            out.append(w.reshape(n_in, n_out).T.copy())
        return out

def layout_initial_state(layout: dict, params: SamadiParams, seed: int) -> dict[str, np.ndarray]:
    """:meth:`BANetwork.initial_state` of the network whose :meth:`BANetwork.state_layout` is
    ``layout``: every key of its ``get_state``, at t = 0 for ``seed`` (Appendix B); a batch's
    (``layout["trials"]`` > 1) for one seed per trial (an int: every trial from that seed)."""
    trials = int(layout.get("trials", 1))
    if trials > 1 or np.ndim(seed):
        seeds = [int(seed)] * trials if np.ndim(seed) == 0 else [int(s) for s in seed]
        single = {**layout, "trials": 1}
        return TrialBatch(trials).stack_states([layout_initial_state(single, params, s)
                                                for s in seeds])
    sizes = list(layout["layer_sizes"])
    learning = set(layout["learning_layers"])
    W, b, B = initial_values(sizes, params, seed)
    state = {}
    for k, n in enumerate(sizes[1:]):
        state[f"layer{k}.h"] = np.zeros(n)
        state[f"layer{k}.b"] = b[k]
        if k in learning:
            state[f"layer{k}.Db"] = np.zeros(n)
    for k in range(len(sizes) - 1):
        state[f"forward{k}.w"] = W[k].T.ravel()
        state[f"forward{k}.DW"] = np.zeros(W[k].size)
    if layout["fast_input"]:
        state["input.a"] = np.zeros(sizes[0])
        state["input.a_prev"] = np.zeros(sizes[0])
        n0 = sizes[1]
        state.update({"layer0.m": np.zeros(n0), "layer0.M": np.zeros(n0),
                      "layer0.S": np.zeros(n0), "layer0.P": np.ones(n0)})
    for k in layout["feedback_layers"]:
        state[f"feedback{k}.B"] = _signed_feedback(k, sizes, B)
    state["target.h"] = np.zeros(sizes[-1])
    return state


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


def network_arguments(layer_sizes, params: SamadiParams, seed: int, feedback: str,
                      depth: int | None, weights=None, biases=None, feedback_weights=None):
    """Check a build's arguments and draw what is not given; every formulation starts here.

    Returns ``(sizes, W0, b0, B0, learning, derivative)``: the layer sizes, the initial forward
    weights, biases and feedback matrices (Appendix B with ``seed`` where not given), the indices
    of the learning layers (the last ``depth``) and the slope of eq. 2.11 ("sech2" for BA,
    "none" for derivative-free feedback).
    """
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
    return sizes, W0, b0, B0, learning, derivative
