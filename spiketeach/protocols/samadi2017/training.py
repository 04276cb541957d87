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
from spiketeach.models.samadi2017.network import BANetwork
from spiketeach.core.checkpoint import load_checkpoint, save_checkpoint
from spiketeach.analysis.accuracy import answers_from_counts, error_rate
from spiketeach.core.schedule import padded_blocks, window_counts

from spiketeach.core.checkpoint import check_checkpoint_fits
from spiketeach.core.progress import report
from spiketeach.errors import DivergenceError

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

def train_in_blocks(ban: BANetwork, sample, test_inputs, test_labels=None,
                    n_blocks: int = 1, *, rng: np.random.Generator,
                    initial_state: dict[str, np.ndarray] | None = None,
                    checkpoint: str | Path | None = None, resume: bool = False,
                    final_test: bool = True,
                    progress=print) -> tuple[TrainingLog, dict[str, np.ndarray]]:
    """Train for ``n_blocks`` blocks, then test once more.

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
    n_test = len(test_set(0)[1])
    n_train = ban.schedule.n - n_test
    if n_train < 0:
        raise ValueError(f"the schedule has {ban.schedule.n} presentations, fewer than the "
                         f"{n_test} test examples")
    log, state, start_block = TrainingLog(), initial_state, 0
    if resume and checkpoint and Path(checkpoint).exists():
        state, meta = load_checkpoint(checkpoint)
        # (input.a_prev: run_block fills it in for a checkpoint from before it existed)
        check_checkpoint_fits(state, ban.initial_state(0), checkpoint, optional=("input.a_prev",))
        start_block = meta["block"]
        # (a checkpoint from before wall_s was recorded: the earlier sessions' time is unknown)
        log = TrainingLog(**{"wall_s": None, **meta["log"]})
        rng.bit_generator.state = meta["rng"]
        if hasattr(sample, "set_state"):
            sample.set_state(meta["sampler"])
        progress(f"resumed from {checkpoint} after block {start_block}")
    learn = np.r_[np.zeros(n_test), np.ones(n_train)]
    t0 = t_block = time.perf_counter()
    last_block = n_blocks if final_test else n_blocks - 1
    for block in range(start_block, last_block + 1):
        last = block == n_blocks
        x, y = sample(n_train, rng)
        tx, ty = test_set(block)
        if last:  # the final test: learning off everywhere
            learn = np.zeros(ban.schedule.n)
        result = run_block(ban, state, np.vstack([tx, x]), np.r_[ty, y], learn)
        state = ban.get_state()
        for key, arr in state.items():
            if not np.all(np.isfinite(arr)):
                raise DivergenceError(f"{key} became NaN or inf in block {block}; "
                                      "lower eta_scale")
        log.examples.append(block * n_train)
        log.test_error.append(result.test_error)
        log.train_error.append(result.train_error)
        if log.wall_s is not None:
            log.wall_s += time.perf_counter() - t_block
        t_block = time.perf_counter()
        # not after the final test: a run resumed later with more blocks must go on from the
        # last training block, as one longer run would (the test block draws examples too)
        if checkpoint and not last:
            save_checkpoint(checkpoint, state, {
                "block": block + 1, "log": log.as_dict(), "rng": rng.bit_generator.state,
                "sampler": sample.get_state() if hasattr(sample, "get_state") else None})
        # the first block of a session includes code generation and compilation: leave it out
        # of the rate once later blocks exist
        now = time.perf_counter()
        if block == start_block:
            t_first = now
            rate = ban.schedule.n / (now - t0)
        else:
            rate = (block - start_block) * ban.schedule.n / (now - t_first)
        eta_s = (last_block - block) * ban.schedule.n / rate
        train = "" if last else f", running train error {result.train_error:.3f}"
        report(progress,
               f"block {block + 1}/{last_block + 1}: {block * n_train} examples trained, "
               f"test error {result.test_error:.3f}{train}; {rate:.1f} presentations/s, "
               f"ETA {eta_s:.0f} s", done=(block + 1) * ban.schedule.n,
               total=(last_block + 1) * ban.schedule.n, test_err=result.test_error,
               **({} if last else {"train_err": result.train_error}))
    return log, state

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
