"""The handle of a built eRBP network (Neftci et al. 2017): :class:`ERBPNetwork`.

Also the numbers every formulation starts from: the code's initialisation
(:func:`initial_weights`, :func:`feedback_matrix`), the input currents of pixels and labels
(:func:`pixel_currents`, :func:`label_currents`), the learning switch per sample
(:func:`learn_schedule`) and the read-out (:func:`output_counts`). The model:
:mod:`spiketeach.models.neftci2017.equations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from brian2 import Network, NeuronGroup, SpikeMonitor, Synapses, TimedArray

from spiketeach.core.batch import TrialBatch, dense_weight_matrices
from spiketeach.core.handle import HandleMixin
from spiketeach.core.runner import BlockRunner
from spiketeach.models.neftci2017.params import ERBPParams

__all__ = ["check_sizes", "initial_weights", "feedback_matrix", "initial_values",
           "pixel_currents", "label_currents", "learn_schedule", "ERBPNetwork", "output_counts",
           "counts_of"]


def check_sizes(layer_sizes) -> list[int]:
    sizes = [int(n) for n in layer_sizes]
    if len(sizes) < 3 or min(sizes) < 1:
        raise ValueError(f"eRBP needs an input, >= 1 hidden and an output layer of >= 1 cell "
                         f"each: {list(layer_sizes)}")
    return sizes


def initial_weights(sizes: list[int], params: ERBPParams, rng: np.random.Generator):
    """Forward weights, one (n_post × n_pre) matrix per projection: U(±√(s / (n_pre + n_post)))
    with s = init_scale; the input layer's n_pre counts the label units (code: 784 + 10 = 794)."""
    out = []
    for k, (n_pre, n_post) in enumerate(zip(sizes[:-1], sizes[1:])):
        fan = n_pre + (sizes[-1] if k == 0 else 0) + n_post
        lim = np.sqrt(params.init_scale / fan)
        out.append(rng.uniform(-lim, lim, size=(n_post, n_pre)))
    return out


def feedback_matrix(sizes: list[int], params: ERBPParams, rng: np.random.Generator):
    """Fixed random feedback from the class errors to every hidden cell, (n_hidden_total ×
    n_classes): U(±√(s / (n_classes + n_hidden_total))), then zero mean per hidden cell (code)."""
    n_h, n_c = sum(sizes[1:-1]), sizes[-1]
    lim = np.sqrt(params.init_scale / (n_c + n_h))
    B = rng.uniform(-lim, lim, size=(n_h, n_c))
    return B - B.mean(axis=1, keepdims=True)


def initial_values(sizes, params, seed):
    rng = np.random.default_rng(seed)
    W = initial_weights(sizes, params, rng)
    B = feedback_matrix(sizes, params, rng)
    return W, B


def pixel_currents(pixels: np.ndarray, params: ERBPParams) -> np.ndarray:
    """What the input units' TimedArray holds for pixels in [0, 1]: the escape-noise current
    I = gain (p − offset) for p > 0, ``pixel_zero`` for p = 0 (code), or the pixel itself for the
    Poisson encoding."""
    p = np.asarray(pixels, dtype=float)
    if p.size and (p.min() < 0 or p.max() > 1 or not np.all(np.isfinite(p))):
        raise ValueError("pixels must lie in [0, 1]")
    if params.encoding == "poisson":
        return p
    return np.where(p > 0, params.pixel_gain * (p - params.pixel_offset), params.pixel_zero)


def label_currents(labels: np.ndarray, n_classes: int, learn: np.ndarray,
                   params: ERBPParams) -> np.ndarray:
    """The label units' TimedArray: the true class on (``label_on``) for training samples; all
    off at test (code). Labels must lie in 0 .. n_classes − 1."""
    labels = np.asarray(labels)
    if labels.size and (not np.issubdtype(labels.dtype, np.integer)
                        and not np.all(labels == np.round(labels))):
        raise ValueError("labels must be integers")
    labels = labels.astype(int)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got "
                         f"{labels.min()}..{labels.max()}")
    on = np.eye(n_classes)[labels] * (np.asarray(learn, dtype=float)[:, None] > 0)
    if params.encoding == "poisson":
        return on
    return np.where(on > 0, params.label_on, params.label_off)


def learn_schedule(learn: np.ndarray, params: ERBPParams) -> np.ndarray:
    """The ``learn_on`` TimedArray's values: per sample, 0 during the first ``no_learning``,
    then the sample's flag (1: train, 0: test); one entry per ``no_learning`` slot."""
    learn = (np.asarray(learn, dtype=float).reshape(-1) > 0).astype(float)
    slots = learn_slots(params)
    first_on = 1 if float(params.no_learning) > 0 else 0
    rows = np.zeros((len(learn), slots))
    rows[:, first_on:] = learn[:, None]
    return rows.ravel()


def learn_slots(params: ERBPParams) -> int:
    if float(params.no_learning) <= 0:
        return 1
    return int(round(float(params.sample_duration / params.no_learning)))


@dataclass
class ERBPNetwork(HandleMixin):
    """A built eRBP network and its parts (a :class:`~spiketeach.core.handle.NetworkHandle`).

    State (what carries over between blocks): the forward weights ``forward{k}.w`` and the
    feedback ``feedback{k}.B``. The cells start each block at rest (within a block the digits
    follow each other without reset, as in the code).
    """

    #: input units, noise and peRBP draw ``rand()``: each block takes its own seed
    seeded_blocks = True

    net: Network
    params: ERBPParams
    layer_sizes: list[int]
    n_presentations: int
    formulation: str
    input: NeuronGroup
    label_units: NeuronGroup
    layers: list[NeuronGroup]          # hidden layers, then the output layer
    error: NeuronGroup                 # E+ (0 .. n-1), E- (n .. 2n-1)
    forward: list[Synapses]
    feedback: list[Synapses]           # error -> hidden layer k (random B)
    drive: TimedArray                  # input currents, (samples × inputs)
    label_drive: TimedArray            # label currents, (samples × classes)
    learn_on: TimedArray               # 0/1 per no_learning slot
    output_spikes: SpikeMonitor
    monitors: dict = field(default_factory=dict)
    #: the seed, or for a batch (:mod:`spiketeach.core.batch`) the list of the trials' seeds
    seed: int | list[int] = 0
    built_state: dict = field(default_factory=dict, repr=False)
    #: independent copies of the network in these groups, trial-major (a batch)
    trials: int = 1
    #: a batch's random numbers, one row per step, one column block per trial (drawn in numpy,
    #: :mod:`~spiketeach.models.neftci2017.draws`): the input and label units' uniform numbers;
    #: None alone
    input_draws: TimedArray | None = None
    label_draws: TimedArray | None = None
    _runner: BlockRunner | None = field(default=None, repr=False)

    @property
    def output(self) -> NeuronGroup:
        return self.layers[-1]

    @property
    def is_batch(self) -> bool:
        """Built from a list of seeds (a batch, also of one trial): its blocks take the trials'
        random numbers (:mod:`~spiketeach.protocols.neftci2017.batch`)."""
        return isinstance(self.seed, list)

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    @property
    def duration(self):
        return self.n_presentations * self.params.sample_duration

    def state_views(self) -> dict[str, object]:
        views = {f"forward{k}.w": syn.w for k, syn in enumerate(self.forward)}
        views.update({f"feedback{k}.B": syn.B for k, syn in enumerate(self.feedback)})
        return views

    def initial_state(self, seed) -> dict[str, np.ndarray]:
        """The t = 0 state for another ``seed`` (same build, new initialisation); a batch
        takes one seed per trial (an int: every trial from that seed)."""
        if not self.is_batch:
            W, B = initial_values(self.layer_sizes, self.params, seed)
            return state_from(W, B, self.layer_sizes)
        seeds = [int(seed)] * self.trials if np.ndim(seed) == 0 else [int(s) for s in seed]
        return self.batch.stack_states([state_from(*initial_values(self.layer_sizes,
                                                                   self.params, s),
                                                   self.layer_sizes) for s in seeds])

    def weights(self, trial: int | None = None) -> list[np.ndarray]:
        """Forward weight matrices (n_post × n_pre) as they are now (of trial ``trial`` of a
        batch)."""
        return dense_weight_matrices(self.forward, self.layer_sizes,
                                     self.batch if self.is_batch else None, trial)


def state_from(W, B, sizes) -> dict[str, np.ndarray]:
    """The state of forward matrices W (n_post × n_pre each) and the feedback matrix B
    (n_hidden_total × n_classes), by the handle's keys (synapses ordered pre-major; the
    feedback from E+ and E- cells carries the same B)."""
    state = {f"forward{k}.w": np.asarray(w, dtype=float).T.ravel().copy() for k, w in enumerate(W)}
    start = 0
    for k, n in enumerate(sizes[1:-1]):
        b = np.asarray(B, dtype=float)[start:start + n]          # (n × classes)
        state[f"feedback{k}.B"] = np.concatenate([b.T, b.T]).ravel().copy()  # (2 classes × n)
        start += n
    return state


def output_counts(monitor: SpikeMonitor, n_presentations: int, sample_duration,
                  n_out: int) -> np.ndarray:
    """Output spike counts per sample, (samples × outputs)."""
    return counts_of(monitor.i[:], monitor.t[:], n_presentations, sample_duration, n_out)


def counts_of(i, t, n_presentations: int, sample_duration, n_out: int) -> np.ndarray:
    """Spike counts per sample (samples × cells) of spikes ``(i, t)`` (cells, seconds)."""
    k = np.floor(np.asarray(t) / float(sample_duration) + 1e-9).astype(int)
    i = np.asarray(i, dtype=int)
    keep = k < n_presentations
    counts = np.zeros((n_presentations, n_out))
    np.add.at(counts, (k[keep], i[keep]), 1)
    return counts
