"""The one block-training loop of every family: :func:`train_blocks`.

A run is a sequence of blocks; each block is one ``run()`` of the same network (on standalone
devices: one re-run of the same compiled binary) started from the state the previous block
ended with. The loop owns what is the same for every family:

* resuming: the checkpoint is read, checked against the network (:func:`check_checkpoint_fits`),
  and the RNG, the position in the run and the family's log are restored from it, so that a
  resumed run continues exactly as an uninterrupted one;
* after each block: the state is read back and checked for NaN or inf (:class:`DivergenceError`),
  the family records the block's answers, progress is reported
  (:func:`spiketeach.core.progress.report`), tests due at this point run, and the checkpoint is
  written (atomically: weights and optimiser state, RNG state, position, log);
* wall time, summed over every session that worked on the run.

What differs between families comes in as a :class:`BlockTraining`: how block ``k`` draws its
examples, runs and reads its answers; what the learning curve records; when and how to test;
what the checkpoint's meta data hold besides the RNG state (their key names are the family's,
so checkpoints written before this loop existed still resume).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spiketeach.core.checkpoint import check_checkpoint_fits, load_checkpoint, save_checkpoint
from spiketeach.core.handle import NetworkHandle
from spiketeach.core.progress import report
from spiketeach.errors import DivergenceError

__all__ = ["BlockTiming", "BlockTraining", "WallClock", "train_blocks", "check_finite"]


@dataclass(frozen=True)
class BlockTiming:
    """How long a block took, and what that says about the rest of the run."""

    #: seconds from the start of the block until its state was read back
    block_s: float
    #: presentations per second over this session's blocks (the session's first block, which
    #: includes code generation and compilation, left out once later blocks exist)
    rate: float
    #: seconds to the end of the run at that rate
    eta_s: float


class WallClock:
    """Wall seconds spent on a run: those of earlier sessions (None: unknown, e.g. a checkpoint
    that did not record them) plus this session's, counted from the clock's creation."""

    def __init__(self, earlier_s: float | None = 0.0):
        self.earlier_s = earlier_s
        self.start = time.perf_counter()

    def seconds(self) -> float | None:
        if self.earlier_s is None:
            return None
        return self.earlier_s + time.perf_counter() - self.start


class BlockTraining:
    """The family-specific parts of one block-training run (subclass it; see :func:`train_blocks`).

    A subclass sets :attr:`n_blocks` and :attr:`presentations_per_block` and implements
    :meth:`run_block`, :meth:`record`, :meth:`checkpoint_meta` and :meth:`restore`; the other
    methods have defaults (no tests outside the blocks, a checkpoint after every block).
    Its log (the learning curve) is the subclass's own.
    """

    #: blocks in the whole run; blocks are numbered 0 .. n_blocks - 1
    n_blocks: int
    #: presentations (examples shown) per block, for the progress counts
    presentations_per_block: int
    #: state keys a checkpoint may lack (filled in by :meth:`run_block`, e.g. variables added
    #: to the model after the checkpoint was written)
    optional_state_keys: tuple[str, ...] = ()
    #: appended to the divergence message (e.g. which parameter to lower)
    divergence_hint: str = ""

    def run_block(self, block: int, state: dict[str, np.ndarray] | None):
        """Draw block ``block``'s examples, run it from ``state`` (None: the values the network
        was built with) and return what :meth:`record` and :meth:`progress_line` need (the
        answers read from the block)."""
        raise NotImplementedError

    def record(self, block: int, answers, clock: WallClock) -> None:
        """Add block ``block``'s answers to the log (``clock``: the run's wall time)."""
        raise NotImplementedError

    def progress_line(self, block: int, answers, timing: BlockTiming) -> tuple[str, dict]:
        """The message printed after block ``block`` and the numbers a progress bar shows
        (e.g. ``{"train_err": 0.12}``)."""
        return f"block {block + 1}/{self.n_blocks}", {}

    def test_due(self, blocks_done: int) -> bool:
        """Whether a test (outside the blocks) is due now and not yet in the log."""
        return False

    def test(self, state: dict[str, np.ndarray] | None, blocks_done: int,
             clock: WallClock) -> None:
        """Test ``state`` after ``blocks_done`` blocks and add the result to the log."""

    def checkpoint_after(self, block: int) -> bool:
        """Whether to checkpoint after block ``block`` (e.g. not after a final test block)."""
        return True

    def checkpoint_meta(self, blocks_done: int, wall_s: float | None) -> dict:
        """What the checkpoint written after ``blocks_done`` blocks holds besides the state and
        the RNG state: position, log, the family's own progress (JSON-serialisable)."""
        raise NotImplementedError

    def restore(self, meta: dict) -> tuple[int, float | None]:
        """Take back the log and the family's own progress from a checkpoint's ``meta``; return
        the blocks done and the wall seconds the earlier sessions spent (None: unknown)."""
        raise NotImplementedError

    def resumed_message(self, checkpoint: str | os.PathLike, blocks_done: int) -> str:
        return f"resumed from {checkpoint} after block {blocks_done}"


def check_finite(state: dict[str, np.ndarray], block: int, hint: str = "") -> None:
    """Raise :class:`DivergenceError` if a state variable is NaN or inf after ``block``."""
    for key, values in state.items():
        if not np.all(np.isfinite(values)):
            raise DivergenceError(f"{key} became NaN or inf in block {block}"
                                  + (f"; {hint}" if hint else ""))


def train_blocks(handle: NetworkHandle, training: BlockTraining, *, rng: np.random.Generator,
                 initial_state: dict[str, np.ndarray] | None = None,
                 checkpoint: str | os.PathLike | None = None, resume: bool = False,
                 progress=print) -> dict[str, np.ndarray]:
    """Run ``training``'s blocks on ``handle``'s network; return the state after the last one.

    Parameters
    ----------
    handle : NetworkHandle
        The built network: its state is read after every block and checkpointed.
    training : BlockTraining
        The family's parts: how to run a block, what to log, when to test; it holds the log.
    rng : numpy Generator
        The run's random numbers (the family draws its examples from it); its state is
        checkpointed, so a resumed run draws what an uninterrupted one would.
    initial_state : dict, optional
        Start from this state (e.g. ``handle.initial_state(seed)``, to re-use one build for
        another seed) instead of the values the network was built with.
    checkpoint : path, optional
        Written after every block (atomically); with ``resume=True`` the run continues from it.
        A finished run resumed with more blocks goes on as one longer run would.
    progress : callable
        Gets the resume message, and one progress update per block through
        :func:`~spiketeach.core.progress.report`.
    """
    state, blocks_done, earlier_s = initial_state, 0, 0.0
    if resume and checkpoint and Path(checkpoint).exists():
        state, meta = load_checkpoint(checkpoint)
        # what a block starts from (initial_state may hold more, e.g. variables a formulation
        # does not have)
        keys = handle.state_keys()
        check_checkpoint_fits(state, {k: v for k, v in handle.initial_state(0).items()
                                      if k in keys},
                              checkpoint, optional=training.optional_state_keys)
        rng.bit_generator.state = meta["rng"]
        blocks_done, earlier_s = training.restore(meta)
        progress(training.resumed_message(checkpoint, blocks_done))
    clock = WallClock(earlier_s)
    if training.test_due(blocks_done):  # the test before the first block (or one left pending)
        training.test(state, blocks_done, clock)
    n_per_block = training.presentations_per_block
    first_block = blocks_done
    for block in range(first_block, training.n_blocks):
        t_block = time.perf_counter()
        answers = training.run_block(block, state)
        state = handle.get_state()
        check_finite(state, block, training.divergence_hint)
        now = time.perf_counter()
        training.record(block, answers, clock)
        # the first block of a session includes code generation and compilation: leave it out
        # of the rate once later blocks exist
        if block == first_block:
            t_first, rate = now, n_per_block / (now - clock.start)
        else:
            rate = (block - first_block) * n_per_block / (now - t_first)
        timing = BlockTiming(now - t_block, rate, (training.n_blocks - 1 - block) * n_per_block / rate)
        message, numbers = training.progress_line(block, answers, timing)
        report(progress, message, done=(block + 1) * n_per_block,
               total=training.n_blocks * n_per_block, **numbers)
        if training.test_due(block + 1):
            training.test(state, block + 1, clock)
        if checkpoint and training.checkpoint_after(block):
            save_checkpoint(checkpoint, state, {**training.checkpoint_meta(block + 1, clock.seconds()),
                                                "rng": rng.bit_generator.state})
    return state
