"""Training and testing eRBP networks in blocks (Neftci et al. 2017; protocol from the code).

One block = ``net.n_presentations`` digits in ONE ``run()`` of the same network (on
cpp_standalone: a re-run of the one compiled binary with ``run_args``): each digit is shown for
``sample_duration`` (250 ms), back to back without reset; learning is off for the first
``no_learning`` (50 ms) of each digit; at test the learning switch and the label units are off
(η = 0). The answer to a digit is the output cell with the most spikes in its window (ties: the
lowest index).

:func:`train_erbp` trains for epochs of ``n_train`` digits through the one block loop of every
family (:func:`spiketeach.core.training.train_blocks`; :class:`_ERBPTraining` gives it the eRBP
parts), tests after every epoch, checkpoints after every block and resumes exactly. An epoch is
a fresh permutation of the training set (the code instead draws 50 000 digits with replacement,
5 000 per class; ``balanced=True`` does that).

Random numbers (input units, noise, peRBP) are drawn by the simulation; block ``b`` of epoch
``e`` is seeded with (seed, 0, e, b), test block ``k`` with (seed, 1, k), so a run is
repeatable and a resumed run draws what an uninterrupted one would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spiketeach.core.schedule import padded_blocks
from spiketeach.core.training import BlockTraining, train_blocks
from spiketeach.models.neftci2017.network import (
    ERBPNetwork,
    label_currents,
    learn_schedule,
    output_counts,
    pixel_currents,
)

__all__ = ["TRAIN_STREAM", "TEST_STREAM", "block_seed", "BlockResult", "run_erbp_block",
           "evaluate_erbp", "ERBPLog", "train_erbp", "balanced_order", "load_pixels",
           "run_configuration"]

TRAIN_STREAM, TEST_STREAM = 0, 1


def block_seed(seed: int, *keys: int) -> int:
    """A seed in [0, 2**31) for one block, from the run's seed and the block's place."""
    words = np.random.SeedSequence([int(seed), *(int(k) for k in keys)]).generate_state(1)
    return int(words[0] >> 1)


@dataclass
class BlockResult:
    """Output spike counts of one block (samples × outputs), the labels and learning flags."""

    counts: np.ndarray
    labels: np.ndarray
    learn: np.ndarray

    @property
    def answers(self) -> np.ndarray:
        return np.argmax(self.counts, axis=1)

    @property
    def correct(self) -> np.ndarray:
        return self.answers == self.labels


def run_erbp_block(net: ERBPNetwork, state: dict | None, pixels, labels, learn,
                   seed: int | None = None) -> BlockResult:
    """Run one block from ``state`` (None: as built): ``pixels`` (samples × inputs) in [0, 1],
    ``labels`` in 0 .. n_classes − 1, ``learn`` 1 (train) / 0 (test) per sample."""
    n = net.n_presentations
    pixels = np.asarray(pixels, dtype=float)
    labels = np.asarray(labels)
    learn = np.asarray(learn, dtype=float).reshape(-1)
    if pixels.shape != (n, net.layer_sizes[0]) or labels.shape != (n,) or learn.shape != (n,):
        raise ValueError(f"a block needs {n} inputs of {net.layer_sizes[0]} pixels, {n} labels "
                         f"and {n} learn flags; got {pixels.shape}, {labels.shape}, {learn.shape}")
    p = net.params
    timed = {net.drive: pixel_currents(pixels, p),
             net.label_drive: label_currents(labels, net.layer_sizes[-1], learn, p),
             net.learn_on: learn_schedule(learn, p)}
    values = [] if state is None else net.state_pairs(state)
    net.runner.run(values, timed, seed=seed)
    counts = output_counts(net.output_spikes, n, p.sample_duration, net.layer_sizes[-1])
    return BlockResult(counts, labels.astype(int), learn)


def evaluate_erbp(net: ERBPNetwork, state, pixels, labels, seed: int | None = None) -> float:
    """Accuracy (fraction) on a set with learning off, in blocks (the last one padded)."""
    n = net.n_presentations
    pixels, labels = np.asarray(pixels, dtype=float), np.asarray(labels, dtype=int)
    correct = 0
    for k, (x, y, n_valid, _) in enumerate(padded_blocks(pixels, labels, n)):
        s = None if seed is None else block_seed(seed, TEST_STREAM, k)
        res = run_erbp_block(net, state, x, y, np.zeros(n), seed=s)
        correct += int(res.correct[:n_valid].sum())
    return correct / len(labels)


def balanced_order(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn with replacement, n / n_classes per class, shuffled (the code)."""
    labels = np.asarray(labels, dtype=int)
    classes = np.unique(labels)
    per = n // len(classes)
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == c), per) for c in classes])
    return rng.permutation(idx)


@dataclass
class ERBPLog:
    """Learning curve: digits trained, test accuracy then, on-line training accuracy, wall s."""

    samples: list[int] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    wall_s: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"samples": self.samples, "test_accuracy": self.test_accuracy,
                "train_accuracy": self.train_accuracy, "wall_s": self.wall_s}


class _ERBPTraining(BlockTraining):
    """The eRBP parts of :func:`train_blocks`: epochs of blocks, a test before the first block
    and after every epoch (and every ``test_every_blocks`` blocks)."""

    divergence_hint = "lower eta"

    def __init__(self, net, x_train, y_train, x_test, y_test, epochs, n_train, rng, balanced,
                 test_every_blocks, seed, progress):
        n = net.n_presentations
        self.net, self.rng, self.progress = net, rng, progress
        self.x_train = np.asarray(x_train, dtype=float)
        self.y_train = np.asarray(y_train, dtype=int)
        self.x_test, self.y_test = x_test, y_test
        self.n_train = (len(self.y_train) if n_train is None
                        else (int(n_train) if balanced else min(int(n_train), len(self.y_train))))
        self.blocks_per_epoch = self.n_train // n
        if self.blocks_per_epoch < 1:
            raise ValueError(f"n_train={self.n_train} is smaller than one block of {n}")
        self.epochs, self.balanced = int(epochs), balanced
        self.test_every_blocks = test_every_blocks
        self.seed = net.seed if seed is None else int(seed)
        self.n_blocks = self.epochs * self.blocks_per_epoch
        self.presentations_per_block = n
        self.log = ERBPLog()
        self.order = None
        self.running: list[float] = []

    def position(self, blocks_done):
        return divmod(blocks_done, self.blocks_per_epoch)

    def run_block(self, block, state):
        n = self.net.n_presentations
        epoch, in_epoch = self.position(block)
        if self.order is None:
            self.order = (balanced_order(self.y_train, self.n_train, self.rng) if self.balanced
                          else self.rng.permutation(len(self.y_train))[:self.n_train])
        idx = self.order[in_epoch * n:(in_epoch + 1) * n]
        return run_erbp_block(self.net, state, self.x_train[idx], self.y_train[idx], np.ones(n),
                              seed=block_seed(self.seed, TRAIN_STREAM, epoch, in_epoch))

    def record(self, block, result, clock):
        self.running = (self.running + [float(result.correct.mean())])[-20:]
        if self.position(block + 1)[1] == 0:
            self.order = None

    def progress_line(self, block, result, timing):
        epoch, in_epoch = self.position(block)
        message = (f"epoch {epoch + 1}/{self.epochs} block {in_epoch + 1}/{self.blocks_per_epoch}:"
                   f" train acc {100 * result.correct.mean():.1f} %, "
                   f"{self.net.n_presentations / timing.block_s:.2f} digits/s")
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
        samples = blocks_done * self.net.n_presentations
        acc = evaluate_erbp(self.net, state, self.x_test, self.y_test, seed=self.seed)
        log = self.log
        log.samples.append(samples)
        log.test_accuracy.append(acc)
        log.train_accuracy.append(float(np.mean(self.running)) if self.running else float("nan"))
        log.wall_s.append(clock.seconds())
        self.progress(f"{samples} digits trained: test accuracy {100 * acc:.2f} %, "
                      f"on-line train accuracy {100 * log.train_accuracy[-1]:.2f} %")

    def checkpoint_meta(self, blocks_done, wall_s):
        epoch, block = self.position(blocks_done)
        return {"log": self.log.as_dict(), "epoch": epoch, "block": block, "wall_s": wall_s,
                "running": self.running,
                "order": None if self.order is None else [int(i) for i in self.order]}

    def restore(self, meta):
        self.log = ERBPLog(**meta["log"])
        self.running = list(meta.get("running", []))
        epoch, block = meta["epoch"], meta["block"]
        finished = block >= self.blocks_per_epoch
        self.order = (None if meta["order"] is None or finished
                      else np.asarray(meta["order"], dtype=int))
        return epoch * self.blocks_per_epoch + block, meta["wall_s"]

    def resumed_message(self, checkpoint, blocks_done):
        epoch, block = self.position(blocks_done)
        return f"resumed from {checkpoint}: epoch {epoch}, block {block}"


def train_erbp(net: ERBPNetwork, x_train, y_train, x_test, y_test, *, epochs: int = 1,
               n_train: int | None = None, rng: np.random.Generator,
               initial_state: dict | None = None, checkpoint=None, resume: bool = False,
               balanced: bool = False, test_every_blocks: int | None = None,
               seed: int | None = None, progress=print) -> tuple[ERBPLog, dict]:
    """Train for ``epochs`` passes of ``n_train`` digits (pixels in [0, 1]), testing before the
    first block and after every epoch; checkpoint after every block, ``resume=True`` continues
    from the checkpoint exactly. Returns the log and the final state."""
    training = _ERBPTraining(net, x_train, y_train, x_test, y_test, epochs, n_train, rng,
                             balanced, test_every_blocks, seed, progress)
    state = train_blocks(net, training, rng=rng, initial_state=initial_state,
                         checkpoint=checkpoint, resume=resume, progress=progress)
    return training.log, state


def load_pixels(dataset: str = "mnist", data_dir=None):
    """(x_train, y_train, x_test, y_test) with pixels in [0, 1] (byte / 256, as the code)."""
    from spiketeach.protocols.datasets import load_dataset
    xtr, ytr, xte, yte = load_dataset(dataset, data_dir, download=False)
    def pixels(x):
        return np.asarray(x, dtype=float).reshape(len(x), -1) / 256.0
    return pixels(xtr), np.asarray(ytr, dtype=int), pixels(xte), np.asarray(yte, dtype=int)


def run_configuration(data, sizes, *, params=None, epochs: int = 1, n_train: int | None = None,
                      n_test: int | None = None, block: int = 100, device: str = "runtime",
                      build_dir=None, checkpoint=None, resume: bool = False, seed: int = 0,
                      balanced: bool = False, test_every_blocks: int | None = None,
                      progress=print) -> dict:
    """Build, train and test one architecture; returns a JSON-ready summary."""
    from spiketeach.core.devices import select_device
    from spiketeach.models.neftci2017 import ERBPParams, build

    params = params or ERBPParams()
    xtr, ytr, xte, yte = data
    n_test = len(yte) if n_test is None else min(n_test, len(yte))
    if device == "runtime":
        select_device("runtime")
    else:
        select_device(device, build_dir=build_dir)
    net = build(sizes, block, params=params, seed=seed)
    rng = np.random.default_rng(seed + 1)
    t0 = time.perf_counter()
    log, state = train_erbp(net, xtr, ytr, xte[:n_test], yte[:n_test], epochs=epochs,
                            n_train=n_train, rng=rng, checkpoint=checkpoint, resume=resume,
                            balanced=balanced, test_every_blocks=test_every_blocks, seed=seed,
                            progress=progress)
    wall = log.wall_s[-1] if log.wall_s and log.wall_s[-1] is not None else time.perf_counter() - t0
    return {"accuracy": 100.0 * log.test_accuracy[-1], "test_samples": n_test,
            "log": log.as_dict(), "epochs": epochs, "block": block,
            "train_samples_per_epoch": (n_train or len(ytr)) // block * block, "wall_s": wall,
            "params": params.as_dict(), "sizes": list(sizes)}
