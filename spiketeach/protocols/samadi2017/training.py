"""Training a broadcast-alignment network in blocks of presentations.

Each block is ONE ``run()`` of the same network (on cpp_standalone: one re-run of the same
compiled binary). A block starts with ``n_test`` presentations of held-out examples with learning
off (the learning curve), followed by training presentations. The state at the end of a block
(weights, biases, momenta, hillock potentials) is the start of the next, and is checkpointed
with the RNG state and the learning curve, so ``resume=True`` continues exactly. The loop is
every family's (:func:`spiketeach.core.training.train_blocks`); this module gives it the Samadi
parts (:class:`_SamadiTraining`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spiketeach.analysis.accuracy import answers_from_counts, error_rate
from spiketeach.core.schedule import padded_blocks, window_counts
from spiketeach.core.training import BlockTraining, train_blocks
from spiketeach.models.samadi2017.network import BANetwork

__all__ = ["BlockResult", "TrainingLog", "targets_to_drive", "run_block", "train_in_blocks", "evaluate"]

@dataclass
class BlockResult:
    counts: np.ndarray        # (presentations, outputs) pulses in the read-out windows
    answers: np.ndarray       # most active output, −1 where tied
    labels: np.ndarray
    learn: np.ndarray

    @property
    def test_error(self) -> float:
        test = self.learn == 0
        return error_rate(self.answers[test], self.labels[test])

    @property
    def train_error(self) -> float:
        train = self.learn == 1
        return error_rate(self.answers[train], self.labels[train])

@dataclass
class TrainingLog:
    """The learning curve: examples trained before each test, and the test error then; and
    the wall seconds the blocks took, summed over every session that ran them."""

    examples: list[int] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)
    wall_s: float | None = 0.0      # None: resumed from a checkpoint that did not record it

    def as_dict(self) -> dict:
        return {"examples": self.examples, "test_error": self.test_error,
                "train_error": self.train_error, "wall_s": self.wall_s}

def targets_to_drive(labels: np.ndarray, n_outputs: int, high: float) -> np.ndarray:
    """Target-cell drives: ``high`` for the correct output, 0 (silent) for the others."""
    labels = np.asarray(labels, dtype=int)
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= n_outputs:
        raise ValueError(f"labels must lie in 0..{n_outputs - 1}")
    drive = np.zeros((len(labels), n_outputs))
    drive[np.arange(len(labels)), labels] = high
    return drive

def run_block(ban: BANetwork, state: dict[str, np.ndarray] | None,
              inputs: np.ndarray, labels: np.ndarray, learn: np.ndarray) -> BlockResult:
    """Run one block from ``state`` (None: the values the network was built with)."""
    sched = ban.schedule
    timed = {ban.stimulus: sched.check_rows(inputs, "inputs"),
             ban.target_drive: targets_to_drive(labels, len(ban.output), ban.target_drive_high),
             ban.learning_gate: sched.gate_values(learn)}
    values = []  # (view, value) pairs: brian2 2.5 cannot hash views
    if state is not None:
        if ban.fast_input and "input.a_prev" not in state and "input.a" in state:
            # a checkpoint from before the fold skipped silent inputs: fold every synapse once
            state = {**state, "input.a_prev": np.ones_like(np.asarray(state["input.a"]))}
        values = ban.state_pairs(state)
    ban.runner.run(values, timed)
    counts = window_counts(ban.output_spikes.i[:], np.asarray(ban.output_spikes.t[:]),
                           len(ban.output), sched)
    return BlockResult(counts, answers_from_counts(counts), np.asarray(labels), np.asarray(learn))

class _SamadiTraining(BlockTraining):
    """The Samadi parts of :func:`train_blocks`: a block tests first (learning off), then
    trains; an optional last block tests only and is not checkpointed."""

    divergence_hint = "lower eta_scale"
    # (run_block fills it in for a checkpoint from before it existed)
    optional_state_keys = ("input.a_prev",)

    def __init__(self, ban, sample, test_set, n_training_blocks, final_test, rng):
        self.ban, self.sample, self.test_set, self.rng = ban, sample, test_set, rng
        self.n_training_blocks = n_training_blocks
        self.n_test = len(test_set(0)[1])
        self.n_train = ban.schedule.n - self.n_test
        if self.n_train < 0:
            raise ValueError(f"the schedule has {ban.schedule.n} presentations, fewer than the "
                             f"{self.n_test} test examples")
        self.n_blocks = n_training_blocks + 1 if final_test else n_training_blocks
        self.presentations_per_block = ban.schedule.n
        self.log = TrainingLog()

    def is_final_test(self, block: int) -> bool:
        return block == self.n_training_blocks

    def run_block(self, block, state):
        # the final test draws training examples too (unused), so that a run extended later
        # draws what one longer run would
        x, y = self.sample(self.n_train, self.rng)
        tx, ty = self.test_set(block)
        if self.is_final_test(block):  # learning off everywhere
            learn = np.zeros(self.ban.schedule.n)
        else:
            learn = np.r_[np.zeros(self.n_test), np.ones(self.n_train)]
        return run_block(self.ban, state, np.vstack([tx, x]), np.r_[ty, y], learn)

    def record(self, block, result, clock):
        self.log.examples.append(block * self.n_train)
        self.log.test_error.append(result.test_error)
        self.log.train_error.append(result.train_error)
        self.log.wall_s = clock.seconds()  # (None while the earlier sessions' time is unknown)

    def progress_line(self, block, result, timing):
        numbers = {"test_err": result.test_error}
        train = ""
        if not self.is_final_test(block):
            numbers["train_err"] = result.train_error
            train = f", running train error {result.train_error:.3f}"
        return (f"block {block + 1}/{self.n_blocks}: {block * self.n_train} examples trained, "
                f"test error {result.test_error:.3f}{train}; {timing.rate:.1f} presentations/s, "
                f"ETA {timing.eta_s:.0f} s"), numbers

    def checkpoint_after(self, block):
        # not after the final test: a run resumed later with more blocks must go on from the
        # last training block, as one longer run would (the test block draws examples too)
        return not self.is_final_test(block)

    def checkpoint_meta(self, blocks_done, wall_s):
        return {"block": blocks_done, "log": self.log.as_dict(),
                "sampler": self.sample.get_state() if hasattr(self.sample, "get_state") else None}

    def restore(self, meta):
        # (a checkpoint from before wall_s was recorded: the earlier sessions' time is unknown)
        self.log = TrainingLog(**{"wall_s": None, **meta["log"]})
        if hasattr(self.sample, "set_state"):
            self.sample.set_state(meta["sampler"])
        return meta["block"], self.log.wall_s


def train_in_blocks(ban: BANetwork, sample, test_inputs, test_labels=None,
                    n_blocks: int = 1, *, rng: np.random.Generator,
                    initial_state: dict[str, np.ndarray] | None = None,
                    checkpoint: str | Path | None = None, resume: bool = False,
                    final_test: bool = True,
                    progress=print) -> tuple[TrainingLog, dict[str, np.ndarray]]:
    """Train for ``n_blocks`` blocks, then test once more (the loop:
    :func:`spiketeach.core.training.train_blocks`).

    Parameters
    ----------
    ban : BANetwork
        Built with a schedule of ``len(test_labels) + n_train`` presentations per block.
    sample : callable
        ``sample(n, rng) -> (inputs, labels)`` draws training examples. If it has
        ``get_state()`` / ``set_state(state)`` (e.g. an epoch position), that state is
        checkpointed too.
    test_inputs, test_labels : arrays, or a callable and None
        Held-out examples shown with learning off at the start of every block; or
        ``test_inputs(block) -> (inputs, labels)`` for a different test sample per block.
    n_blocks : int
        Training blocks.
    final_test : bool
        Run one more block with learning off everywhere (the learning curve then gets
        ``n_blocks + 1`` points).
    rng : numpy Generator
        Draws the training examples; its state is checkpointed.
    initial_state : dict, optional
        Start from this state (e.g. ``ban.initial_state(seed)`` to re-use one build for
        another seed) instead of the values the network was built with.
    checkpoint : path, optional
        Saved after every training block (atomically); with ``resume=True`` training continues
        from it. A finished run resumed with a larger ``n_blocks`` repeats the final test and
        then trains on exactly as a run of that many blocks would.
    progress : callable
        Receives one progress line per block (examples done, examples/s, ETA, running error).
    """
    test_set = test_inputs if callable(test_inputs) else (lambda block: (test_inputs, test_labels))
    training = _SamadiTraining(ban, sample, test_set, n_blocks, final_test, rng)
    state = train_blocks(ban, training, rng=rng, initial_state=initial_state,
                         checkpoint=checkpoint, resume=resume, progress=progress)
    return training.log, state

def evaluate(ban: BANetwork, state: dict[str, np.ndarray] | None, inputs: np.ndarray,
             labels: np.ndarray, progress=None) -> tuple[float, np.ndarray]:
    """Test error on a whole set, in blocks with learning off (the last block padded).

    Returns the error rate and the answers (−1 where the outputs tied). The network's state is
    not changed by the test (each block starts from ``state``).
    """
    n = ban.schedule.n
    inputs, labels = np.asarray(inputs, dtype=float), np.asarray(labels)
    if len(inputs) != len(labels):
        raise ValueError(f"{len(inputs)} inputs but {len(labels)} labels")
    answers = []
    for x, y, n_valid, n_done in padded_blocks(inputs, labels, n):
        result = run_block(ban, state, x, y, np.zeros(n))
        answers.append(result.answers[:n_valid])
        if progress:
            progress(f"tested {n_done}/{len(labels)}")
    answers = np.concatenate(answers)
    return error_rate(answers, labels), answers
