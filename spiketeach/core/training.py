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

:class:`EpochTraining` is the adapter of the classification families (eRBP, EMSTDP): epochs of
blocks over a training set, a fresh order per epoch from the run's RNG, per-block seeds
(:func:`block_seed`), tests on a test set in blocks (:func:`evaluate_in_blocks`) before the
first block, after every epoch and every ``test_every_blocks`` blocks; a family hands it the
function that runs one block.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from spiketeach.core.checkpoint import check_checkpoint_fits, load_checkpoint, save_checkpoint
from spiketeach.core.handle import NetworkHandle
from spiketeach.core.progress import report
from spiketeach.core.schedule import padded_blocks
from spiketeach.errors import DivergenceError

__all__ = ["BlockTiming", "BlockTraining", "WallClock", "train_blocks", "check_finite",
           "TRAIN_STREAM", "TEST_STREAM", "block_seed", "evaluate_in_blocks", "EpochLog",
           "EpochTraining"]


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


# --------------------------------------------------------------------------------------------
# Epochs over a training set (the classification families)
# --------------------------------------------------------------------------------------------
#: the streams of :func:`block_seed`: training blocks and test blocks
TRAIN_STREAM, TEST_STREAM = 0, 1


def block_seed(seed: int, *keys: int) -> int:
    """A seed in [0, 2**31) for one block, derived from the run's ``seed`` and the block's
    place (``keys``, e.g. (TRAIN_STREAM, epoch, block)) through numpy's SeedSequence."""
    words = np.random.SeedSequence([int(seed), *(int(k) for k in keys)]).generate_state(1)
    return int(words[0] >> 1)


def evaluate_in_blocks(run: Callable, n: int, state, inputs, labels, seed: int | None = None,
                       progress=None) -> float:
    """Accuracy (fraction) on a whole set with learning off, in blocks of ``n`` (the last one
    padded). ``run(state, x, y, learn, seed=...)`` runs one block and returns a result whose
    ``correct`` holds one flag per presentation; test block k is seeded with
    ``block_seed(seed, TEST_STREAM, k)`` (None: unseeded). ``state`` is not changed."""
    inputs, labels = np.asarray(inputs, dtype=float), np.asarray(labels, dtype=int)
    correct = 0
    for k, (x, y, n_valid, n_done) in enumerate(padded_blocks(inputs, labels, n)):
        s = None if seed is None else block_seed(seed, TEST_STREAM, k)
        res = run(state, x, y, np.zeros(n), seed=s)
        correct += int(res.correct[:n_valid].sum())
        if progress:
            progress(f"tested {n_done}/{len(labels)}")
    return correct / len(labels)


@dataclass
class EpochLog:
    """Learning curve: presentations trained, test accuracy then, on-line training accuracy
    (the last 20 blocks), wall seconds of the run then (None: unknown)."""

    samples: list[int] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    wall_s: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"samples": self.samples, "test_accuracy": self.test_accuracy,
                "train_accuracy": self.train_accuracy, "wall_s": self.wall_s}


class EpochTraining(BlockTraining):
    """Epochs of blocks over a training set, for :func:`train_blocks`.

    ``run_block(net, state, x, y, learn, seed=...)`` runs one block of the family (learning
    flags ``learn``, one per presentation) and returns a result with ``correct`` (one flag per
    presentation). Epoch e's order of the training set is ``draw_order(rng, n_train)`` (default:
    the first ``n_train`` of a fresh permutation), drawn from the run's RNG at its first block;
    training block b of epoch e is seeded with ``block_seed(seed, TRAIN_STREAM, e, b)``.
    Tests (on the whole test set, :func:`evaluate_in_blocks`) run before the first block, after
    every epoch and every ``test_every_blocks`` blocks. The checkpoint's meta data: the log,
    ``epoch``, ``block``, ``wall_s``, the running training accuracy and the epoch's order;
    checkpoints without ``running`` (written before it was kept) resume with an empty one.

    ``unit`` names a presentation in the progress lines; ``n_train`` larger than the training
    set is allowed only with a ``draw_order`` that draws with replacement
    (``n_train_capped=False``).
    """

    def __init__(self, net, run_block: Callable, x_train, y_train, x_test, y_test, *,
                 epochs: int, n_train: int | None, rng: np.random.Generator,
                 seed: int | None, test_every_blocks: int | None = None, progress=print,
                 draw_order: Callable | None = None, n_train_capped: bool = True,
                 unit: str = "samples", rate_digits: int = 1, divergence_hint: str = ""):
        n = net.n_presentations
        self.net, self.rng, self.progress, self._run = net, rng, progress, run_block
        self.x_train = np.asarray(x_train, dtype=float)
        self.y_train = np.asarray(y_train, dtype=int)
        self.x_test, self.y_test = x_test, y_test
        if n_train is None:
            self.n_train = len(self.y_train)
        else:
            self.n_train = min(int(n_train), len(self.y_train)) if n_train_capped else int(n_train)
        self.blocks_per_epoch = self.n_train // n
        if self.blocks_per_epoch < 1:
            raise ValueError(f"n_train={self.n_train} is smaller than one block of {n}")
        self.epochs, self.test_every_blocks = int(epochs), test_every_blocks
        self.draw_order = draw_order or (lambda rng, k: rng.permutation(len(self.y_train))[:k])
        self.unit, self.rate_digits, self.divergence_hint = unit, rate_digits, divergence_hint
        self.seed = net.seed if seed is None else int(seed)
        self.n_blocks = self.epochs * self.blocks_per_epoch
        self.presentations_per_block = n
        self.log = EpochLog()
        self.order = None                # this epoch's order (None: not drawn yet)
        self.running: list[float] = []   # training accuracy of the last 20 blocks

    def position(self, blocks_done: int) -> tuple[int, int]:
        """(epoch, blocks done in it)."""
        return divmod(blocks_done, self.blocks_per_epoch)

    def evaluate(self, state) -> float:
        """Accuracy on the test set from ``state``, learning off."""
        def run(st, x, y, learn, seed=None):
            return self._run(self.net, st, x, y, learn, seed=seed)
        return evaluate_in_blocks(run, self.net.n_presentations, state, self.x_test,
                                  self.y_test, seed=self.seed)

    def block_data(self, block) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """``(x, y, learn, seed)`` of training block ``block`` (the epoch's order is drawn
        from the run's RNG at its first block)."""
        n = self.net.n_presentations
        epoch, in_epoch = self.position(block)
        if self.order is None:  # the epoch's first block
            self.order = np.asarray(self.draw_order(self.rng, self.n_train), dtype=int)
        idx = self.order[in_epoch * n:(in_epoch + 1) * n]
        return (self.x_train[idx], self.y_train[idx], np.ones(n),
                block_seed(self.seed, TRAIN_STREAM, epoch, in_epoch))

    def run_block(self, block, state):
        x, y, learn, seed = self.block_data(block)
        return self._run(self.net, state, x, y, learn, seed=seed)

    def record(self, block, result, clock):
        self.running = (self.running + [float(result.correct.mean())])[-20:]
        if self.position(block + 1)[1] == 0:  # the epoch is over: the next one draws its order
            self.order = None

    def progress_line(self, block, result, timing):
        epoch, in_epoch = self.position(block)
        rate = self.net.n_presentations / timing.block_s
        message = (f"epoch {epoch + 1}/{self.epochs} block {in_epoch + 1}/{self.blocks_per_epoch}:"
                   f" train acc {100 * result.correct.mean():.1f} %, "
                   f"{rate:.{self.rate_digits}f} {self.unit}/s")
        numbers = {"train_err": 1 - float(np.mean(self.running))}
        if self.log.test_accuracy:
            numbers["test_err"] = 1 - self.log.test_accuracy[-1]
        return message, numbers

    def test_due(self, blocks_done):
        in_epoch = self.position(blocks_done)[1]
        every = self.test_every_blocks
        due = in_epoch == 0 or bool(every and in_epoch % every == 0)
        samples = blocks_done * self.net.n_presentations
        return due and not (self.log.samples and self.log.samples[-1] == samples)

    def test(self, state, blocks_done, clock):
        self.log_test(self.evaluate(state), blocks_done, clock)

    def log_test(self, acc: float, blocks_done: int, clock: WallClock) -> None:
        """Add a test accuracy ``acc`` after ``blocks_done`` blocks to the log."""
        samples = blocks_done * self.net.n_presentations
        log = self.log
        log.samples.append(samples)
        log.test_accuracy.append(acc)
        log.train_accuracy.append(float(np.mean(self.running)) if self.running else float("nan"))
        log.wall_s.append(clock.seconds())  # (the test included)
        wall = "" if log.wall_s[-1] is None else f", {log.wall_s[-1]:.0f} s"
        self.progress(f"{samples} {self.unit} trained: test accuracy {100 * acc:.2f} %, "
                      f"on-line train accuracy {100 * log.train_accuracy[-1]:.2f} %{wall}")

    def checkpoint_meta(self, blocks_done, wall_s):
        epoch, block = self.position(blocks_done)
        return {"log": self.log.as_dict(), "epoch": epoch, "block": block, "wall_s": wall_s,
                "running": self.running,
                "order": None if self.order is None else [int(i) for i in self.order]}

    def restore(self, meta):
        self.log = EpochLog(**meta["log"])
        self.running = list(meta.get("running", []))
        epoch, block = meta["epoch"], meta["block"]
        # (block == blocks_per_epoch: written after an epoch's last block but before its test,
        # which the loop then runs; the next epoch draws a new order)
        finished_epoch = block >= self.blocks_per_epoch
        self.order = (None if meta["order"] is None or finished_epoch
                      else np.asarray(meta["order"], dtype=int))
        return epoch * self.blocks_per_epoch + block, meta["wall_s"]

    def resumed_message(self, checkpoint, blocks_done):
        epoch, block = self.position(blocks_done)
        return f"resumed from {checkpoint}: epoch {epoch}, block {block}"
