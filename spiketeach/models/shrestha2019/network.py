"""The handle of a built EMSTDP network (Shrestha et al. 2019): :class:`EMSTDPNetwork`.

Its state (weights, thresholds, RMSprop accumulators) by stable keys (``state_views``,
``get_state``, ``initial_state``), the weight matrices, and the block runner; also the initial
values every formulation starts from (:func:`initial_values`, :func:`built_state`) and
:func:`recorded_counts`. The model itself: :mod:`spiketeach.models.shrestha2019.equations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import EventMonitor, Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray

from spiketeach.core.batch import TrialBatch, dense_weight_matrices
from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["weight_sd", "thresholds", "error_thresholds", "initial_weights", "feedback_matrices", "EMSTDPNetwork", "initial_values", "built_state", "recorded_counts"]

# --------------------------------------------------------------------------------------------
# Initialisation (§4; thresholds as Init_Threshold of the code)
# --------------------------------------------------------------------------------------------
def weight_sd(n_in: int, params: EMSTDPParams) -> float:
    return float(np.sqrt(params.weight_scale / n_in))

def thresholds(sizes: list[int], params: EMSTDPParams) -> list[float]:
    """θ_l = n_l σ(w_l) β_l per layer (hidden layers, then the output)."""
    L = len(sizes) - 2
    out = []
    for m in range(L):
        n = sizes[m]
        out.append(n * weight_sd(n, params) * 0.5 * params.hidden_ratio / (L + 1 - m))
    n = sizes[-2]
    out.append(n * weight_sd(n, params) * 0.5 * params.output_ratio)
    return out

def error_thresholds(sizes: list[int], params: EMSTDPParams, feedback: str) -> list[float]:
    """θ_e of the hidden layers' error neurons: the fan-in of the error neuron × the s.d. of
    its feedback weights × ½ × ratio / (m + 2) (code, Init_Threshold with init = 0)."""
    L = len(sizes) - 2
    ratio = params.hidden_ratio if params.error_ratio is None else params.error_ratio
    n_out = sizes[-1]
    out = []
    for m in range(L):
        if feedback == "dfa":
            src, sd = n_out, weight_sd(n_out, params)
        else:
            src = sizes[m + 2]  # the layer above hidden layer m
            sd = weight_sd(sizes[m + 1], params) if feedback == "symmetric" else weight_sd(src, params)
        out.append(src * sd * 0.5 * ratio / (m + 2))
    return out

def initial_weights(sizes: list[int], params: EMSTDPParams, rng: np.random.Generator):
    """Forward weights W_l ~ N(0, weight_scale / n_l), shape (n_post, n_pre) (§4)."""
    return [rng.normal(0.0, weight_sd(n_in, params), size=(n_out, n_in))
            for n_in, n_out in zip(sizes[:-1], sizes[1:])]

def feedback_matrices(sizes: list[int], feedback: str, rng: np.random.Generator):
    """Fixed feedback onto hidden layer m, shape (n_m, n_source): FA from the layer above,
    DFA from the output; Uniform(±√(1/n_source)) (code, Init_FeedbackWgt). Empty for
    symmetric feedback."""
    L = len(sizes) - 2
    out = []
    if feedback == "symmetric":
        return out
    for m in range(L):
        src = sizes[-1] if feedback == "dfa" else sizes[m + 2]
        lim = np.sqrt(1.0 / src)
        out.append(rng.uniform(-lim, lim, size=(sizes[m + 1], src)))
    return out

# --------------------------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------------------------
@dataclass
class EMSTDPNetwork(HandleMixin):
    """A built EMSTDP network and handles to its parts (a
    :class:`~spiketeach.core.handle.NetworkHandle`)."""

    #: the input encoding and target trains draw ``rand()``: each block takes its own seed
    #: (see :class:`~spiketeach.core.runner.BlockRunner`)
    seeded_blocks = True

    net: Network
    params: EMSTDPParams
    layer_sizes: list[int]
    feedback: str
    formulation: str
    n_presentations: int
    input: NeuronGroup
    layers: list[NeuronGroup]          # hidden layers, then the output layer
    forward: list[Synapses]
    feedback_syn: list[Synapses]
    stimulus: TimedArray
    label: TimedArray
    learn_gate: TimedArray
    window_counts: list[EventMonitor]  # (h1, h2) of each recorded layer at every window end
    spike_monitors: list[SpikeMonitor] = field(default_factory=list)
    #: the seed, or for a batch (:mod:`spiketeach.core.batch`) the list of the trials' seeds
    seed: int | list[int] = 0
    #: the values of :meth:`state_views` the network was built with (readable before any run,
    #: also on standalone devices)
    built_state: dict = field(default_factory=dict, repr=False)
    #: independent copies of the network in these groups, trial-major (a batch)
    trials: int = 1
    #: a batch's random numbers, one row per step: the shared-random input number of each
    #: trial (steps × trials) and the loss neurons' target spikes (steps × trials·n_out),
    #: drawn in numpy (:mod:`~spiketeach.models.shrestha2019.draws`); None alone
    shared_random: TimedArray | None = None
    target_spike: TimedArray | None = None
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def output(self) -> NeuronGroup:
        return self.layers[-1]

    @property
    def is_batch(self) -> bool:
        """Built from a list of seeds (a batch, also of one trial): its blocks take the
        trials' random numbers (:mod:`~spiketeach.protocols.shrestha2019.batch`)."""
        return isinstance(self.seed, list)

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    @property
    def n_outputs(self) -> int:
        """Output cells of one trial."""
        return self.layer_sizes[-1]

    @property
    def duration(self):
        return self.n_presentations * self.params.window

    def state_views(self) -> dict[str, object]:
        """Everything that carries over from one block to the next (weights, RMSprop state,
        and the shared constants that a run may change without rebuilding)."""
        views = {}
        for k, syn in enumerate(self.forward):
            views[f"forward{k}.w"] = syn.w
            views[f"forward{k}.v"] = syn.v
            views[f"forward{k}.eta"] = syn.eta
        for k, layer in enumerate(self.layers):
            views[f"layer{k}.theta"] = layer.theta
            if "theta_e" in layer.variables:
                views[f"layer{k}.theta_e"] = layer.theta_e
        for k, syn in enumerate(self.feedback_syn):
            views[f"feedback{k}.B"] = syn.B
        return views

    def initial_state(self, seed) -> dict[str, np.ndarray]:
        """The t = 0 state for another ``seed`` (same build, new initialisation); a batch
        takes one seed per trial (an int: every trial from that seed)."""
        if not self.is_batch:
            return self._trial_initial_state(self.built_state, seed)
        seeds = [int(seed)] * self.trials if np.ndim(seed) == 0 else [int(s) for s in seed]
        template = self.batch.split_state(self.built_state)[0]
        return self.batch.stack_states([self._trial_initial_state(template, s) for s in seeds])

    def _trial_initial_state(self, template: dict, seed: int) -> dict[str, np.ndarray]:
        W, B = initial_values(self.layer_sizes, self.params, self.feedback, seed)
        state = {k: v.copy() for k, v in template.items()}
        for k, w in enumerate(W):
            state[f"forward{k}.w"] = w.T.ravel()
            state[f"forward{k}.v"] = np.ones(w.size)
        for k, b in enumerate(B):
            state[f"feedback{k}.B"] = b.T.ravel()
        return state

    # A batch's state holds every key once per trial, the (shared) constants (η, thresholds)
    # too, so that it splits into the trials' states (TrialBatch.split_state); a batch shares
    # them, so they must be equal in every trial of a state that is set.
    def get_state(self) -> dict[str, np.ndarray]:
        state = HandleMixin.get_state(self)
        if self.is_batch:
            for key in self._shared_keys():
                state[key] = np.repeat(state[key], self.trials)
        return state

    def state_pairs(self, state: dict[str, np.ndarray]) -> list[tuple[object, np.ndarray]]:
        if not self.is_batch:
            return HandleMixin.state_pairs(self, state)
        state = dict(state)
        for key in self._shared_keys():
            if key not in state:
                continue
            values = np.asarray(state[key], dtype=float).ravel()
            if values.size != self.trials or np.any(values != values[0]):
                raise ValueError(f"{key} must be one value repeated for the {self.trials} "
                                 f"trials of this batch (a batch shares it), got {values}")
            state[key] = values[:1]
        return HandleMixin.state_pairs(self, state)

    def _shared_keys(self) -> list[str]:
        return [key for key, view in self.state_views().items()
                if getattr(view.variable, "scalar", False)]

    def weights(self, trial: int | None = None) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now (of trial ``trial`` of a
        batch)."""
        return dense_weight_matrices(self.forward, self.layer_sizes,
                                     self.batch if self.is_batch else None, trial)

def initial_values(sizes, params, feedback, seed):
    rng = np.random.default_rng(seed)
    W = initial_weights(sizes, params, rng)
    B = feedback_matrices(sizes, feedback, rng)
    return W, B

def built_state(W0, B0, theta, theta_e, params: EMSTDPParams) -> dict[str, np.ndarray]:
    """The state a network starts from, by the keys of ``set_state``: forward weights W0 (one
    n_post × n_pre array per layer), feedback matrices B0 (none for symmetric feedback), the
    layers' thresholds and error thresholds (the output's is the loss threshold)."""
    L = len(W0) - 1
    built = {}
    for m, w in enumerate(W0):
        built[f"forward{m}.w"] = w.T.ravel().copy()
        built[f"forward{m}.v"] = np.ones(w.size)
        built[f"forward{m}.eta"] = np.array([params.eta])
    for m in range(L + 1):
        built[f"layer{m}.theta"] = np.array([theta[m]])
        built[f"layer{m}.theta_e"] = np.array([params.loss_threshold if m == L else theta_e[m]])
    for m, b in enumerate(B0):
        built[f"feedback{m}.B"] = np.asarray(b, dtype=float).T.ravel().copy()
    return built

def recorded_counts(monitor: EventMonitor, n_presentations: int, window,
                    variables=("h1", "h2")) -> tuple[np.ndarray, ...]:
    """Per-window values of ``variables`` (default the spike counts h1, h2; also "n_err_pos",
    "n_err_neg") from a ``*_counts`` monitor, each of shape (presentations, cells)."""
    n = len(monitor.source)
    k = np.floor(np.asarray(monitor.t[:]) / float(window) + 1e-9).astype(int)
    i = np.asarray(monitor.i[:], dtype=int)
    keep = k < n_presentations
    out = []
    for var in variables:
        arr = np.zeros((n_presentations, n))
        arr[k[keep], i[keep]] = np.asarray(getattr(monitor, var)[:])[keep]
        out.append(arr)
    return tuple(out)
