"""Training a broadcast-alignment network in blocks of presentations.

Each block is ONE ``run()`` of the same network (on cpp_standalone: one re-run of the same
compiled binary). A block starts with ``n_test`` presentations of held-out examples with learning
off (the learning curve), followed by training presentations. The state at the end of a block
(weights, biases, momenta, hillock potentials) is the start of the next, and is checkpointed
with the RNG state and the learning curve, so ``resume=True`` continues exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..models.network import BANetwork
from .checkpoint import load_checkpoint, save_checkpoint
from ..analysis.accuracy import answers_from_counts, error_rate
from .presentation import window_counts

__all__ = ["BlockResult", "TrainingLog", "run_block", "train_in_blocks", "targets_to_drive"]


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
    """The learning curve: examples trained before each test, and the test error then."""

    examples: list[int] = field(default_factory=list)
    test_error: list[float] = field(default_factory=list)
    train_error: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"examples": self.examples, "test_error": self.test_error,
                "train_error": self.train_error}


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
    views = ban.state_views()
    values = {}
    if state is not None:
        missing = set(views) - set(state)
        if missing:
            raise ValueError(f"state lacks {sorted(missing)}")
        values = {views[k]: state[k] for k in views}
    ban.runner.run(values, timed)
    counts = window_counts(ban.output_spikes.i[:], np.asarray(ban.output_spikes.t[:]),
                           len(ban.output), sched)
    return BlockResult(counts, answers_from_counts(counts), np.asarray(labels), np.asarray(learn))


def train_in_blocks(ban: BANetwork, sample, test_inputs: np.ndarray, test_labels: np.ndarray,
                    n_blocks: int, *, rng: np.random.Generator,
                    initial_state: dict[str, np.ndarray] | None = None,
                    checkpoint: str | Path | None = None, resume: bool = False,
                    progress=print) -> tuple[TrainingLog, dict[str, np.ndarray]]:
    """Train for ``n_blocks`` blocks, then test once more.

    Parameters
    ----------
    ban : BANetwork
        Built with a schedule of ``len(test_labels) + n_train`` presentations per block.
    sample : callable
        ``sample(n, rng) -> (inputs, labels)`` draws training examples.
    test_inputs, test_labels : arrays
        Held-out examples shown with learning off at the start of every block.
    n_blocks : int
        Training blocks; the learning curve gets ``n_blocks + 1`` points.
    rng : numpy Generator
        Draws the training examples; its state is checkpointed.
    initial_state : dict, optional
        Start from this state (e.g. ``ban.initial_state(seed)`` to re-use one build for
        another seed) instead of the values the network was built with.
    checkpoint : path, optional
        Saved after every block (atomically); with ``resume=True`` training continues from it.
    progress : callable
        Receives one progress line per block (examples done, examples/s, ETA, running error).
    """
    n_test = len(test_labels)
    n_train = ban.schedule.n - n_test
    if n_train < 0:
        raise ValueError(f"the schedule has {ban.schedule.n} presentations, fewer than the "
                         f"{n_test} test examples")
    log, state, start_block = TrainingLog(), initial_state, 0
    if resume and checkpoint and Path(checkpoint).exists():
        state, meta = load_checkpoint(checkpoint)
        start_block = meta["block"]
        log = TrainingLog(**meta["log"])
        rng.bit_generator.state = meta["rng"]
        progress(f"resumed from {checkpoint} after block {start_block}")
    learn = np.r_[np.zeros(n_test), np.ones(n_train)]
    t0 = time.perf_counter()
    for block in range(start_block, n_blocks + 1):
        last = block == n_blocks
        x, y = sample(n_train, rng)
        if last:  # a final test with learning off everywhere
            learn = np.zeros(ban.schedule.n)
        result = run_block(ban, state, np.vstack([test_inputs, x]),
                           np.r_[test_labels, y], learn)
        state = ban.get_state()
        for key, arr in state.items():
            if not np.all(np.isfinite(arr)):
                raise FloatingPointError(f"{key} became NaN or inf in block {block}; "
                                         "lower eta_scale")
        log.examples.append(block * n_train)
        log.test_error.append(result.test_error)
        log.train_error.append(result.train_error)
        if checkpoint:
            save_checkpoint(checkpoint, state, {"block": block + 1, "log": log.as_dict(),
                                                "rng": rng.bit_generator.state})
        # the first block of a session includes code generation and compilation: leave it out
        # of the rate once later blocks exist
        now = time.perf_counter()
        if block == start_block:
            t_first = now
            rate = ban.schedule.n / (now - t0)
        else:
            rate = (block - start_block) * ban.schedule.n / (now - t_first)
        eta_s = (n_blocks - block) * ban.schedule.n / rate
        train = "" if last else f", running train error {result.train_error:.3f}"
        progress(f"block {block + 1}/{n_blocks + 1}: {block * n_train} examples trained, "
                 f"test error {result.test_error:.3f}{train}; {rate:.1f} presentations/s, "
                 f"ETA {eta_s:.0f} s")
    return log, state
