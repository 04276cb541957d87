"""Training and testing EMSTDP networks in blocks (Shrestha et al. 2019, §4).

One block = ``net.n_presentations`` samples in ONE ``run()`` of the same network; on
cpp_standalone every block re-runs the one compiled binary with ``run_args`` (images, one-hot
labels, learning flags, weights, RMSprop state). Each sample gets a window of T steps: forward
only in the first half, error circuit on (for training samples) in the second; the synapses
update themselves at the window end (see :mod:`spiketeach.models.shrestha2019.network`).

Read-out (as in the authors' code): a training sample's answer is the most active output in
phase 1 (before any error acts); a test sample's answer is the most active output over the whole
window with learning off. Ties go to the lowest class index.

:func:`train_emstdp` trains for epochs of ``n_train`` samples (a fresh permutation of the training
set per epoch), tests on a fixed test subset after every epoch, checkpoints after every block
(atomically; ``resume=True`` continues exactly) and returns the learning curve (the loop is every
family's, :func:`spiketeach.core.training.train_blocks`; :class:`_EMSTDPTraining` gives it the
EMSTDP parts).

Random numbers. The simulation draws them itself (Poisson or shared-random input encoding,
target spike trains). Every block is seeded from the run's seed and the block's place in the
run (:func:`block_seed`: training block ``b`` of epoch ``e`` → (seed, 0, e, b); test block ``k``
→ (seed, 1, k), the same for every evaluation), so a run is repeatable, consecutive blocks
draw different streams and a resumed run continues with the streams of an uninterrupted one.
With one thread, the numpy target and cpp_standalone draw the same numbers for the same seed
(Brian2's generator is numpy's Mersenne Twister with the same seeding and the same ``rand()``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spiketeach.core.schedule import padded_blocks
from spiketeach.core.training import BlockTraining, train_blocks
from spiketeach.models.shrestha2019.network import EMSTDPNetwork, recorded_counts

__all__ = ["images_to_probabilities", "one_hot", "BlockCounts", "TRAIN_STREAM", "TEST_STREAM", "block_seed", "run_emstdp_block", "evaluate_emstdp", "EMSTDPLog", "train_emstdp", "load_probabilities", "run_configuration"]

def images_to_probabilities(images: np.ndarray) -> np.ndarray:
    """uint8 images (any shape n × ...) → rows of pixel intensities in [0, 1]."""
    x = np.asarray(images, dtype=float).reshape(len(images), -1)
    return x / 255.0 if x.max(initial=0.0) > 1.0 else x

def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    labels = np.asarray(labels, dtype=int)
    if labels.min(initial=0) < 0 or labels.max(initial=0) >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}")
    return np.eye(n_classes)[labels]

@dataclass
class BlockCounts:
    """Output spike counts of one block: phase 1 (h) and phase 2 (ĥ), (presentations × outputs)."""

    h1: np.ndarray
    h2: np.ndarray
    labels: np.ndarray
    learn: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    @property
    def answers(self) -> np.ndarray:
        """Phase-1 answer for training samples, whole-window answer for test samples."""
        total = np.where(self.learn[:, None] > 0, self.h1, self.h1 + self.h2)
        return np.argmax(total, axis=1)

    @property
    def correct(self) -> np.ndarray:
        return self.answers == self.labels

#: the streams of :func:`block_seed`: training blocks and test blocks
TRAIN_STREAM, TEST_STREAM = 0, 1

def block_seed(seed: int, *keys: int) -> int:
    """A seed in [0, 2**31) for one block, derived from the run's ``seed`` and the block's
    place (``keys``, e.g. (TRAIN_STREAM, epoch, block)) through numpy's SeedSequence."""
    words = np.random.SeedSequence([int(seed), *(int(k) for k in keys)]).generate_state(1)
    return int(words[0] >> 1)

def run_emstdp_block(net: EMSTDPNetwork, state: dict[str, np.ndarray] | None,
                     inputs: np.ndarray, labels: np.ndarray, learn: np.ndarray,
                     seed: int | None = None) -> BlockCounts:
    """Run one block from ``state`` (None: the values the network was built with).

    ``seed`` seeds the random numbers the block draws (input encoding, target trains); the
    same state, inputs and seed give the same block. None: not seeded (not repeatable on
    cpp_standalone unless the build was seeded with ``brian2.seed``).
    """
    n = net.n_presentations
    inputs = np.asarray(inputs, dtype=float)
    labels = np.asarray(labels, dtype=int)
    learn = np.asarray(learn, dtype=float).reshape(-1)
    if inputs.shape != (n, net.layer_sizes[0]) or labels.shape != (n,) or learn.shape != (n,):
        raise ValueError(f"a block needs {n} inputs of {net.layer_sizes[0]} values, labels and "
                         f"learn flags; got {inputs.shape}, {labels.shape}, {learn.shape}")
    if inputs.min() < 0 or inputs.max() > 1:
        raise ValueError("inputs must be spike probabilities in [0, 1]")
    timed = {net.stimulus: inputs, net.label: one_hot(labels, net.layer_sizes[-1]),
             net.learn_gate: learn}
    values = [] if state is None else net.state_pairs(state)
    net.runner.run(values, timed, seed=seed)
    per_layer = [recorded_counts(m, n, net.params.window) for m in net.window_counts]
    out = [c for m, c in zip(net.window_counts, per_layer) if m.source is net.output]
    if not out:
        raise RuntimeError("the network does not record the output counts (record_counts='none')")
    h1, h2 = out[0]
    return BlockCounts(h1, h2, labels, learn, per_layer)

def evaluate_emstdp(net: EMSTDPNetwork, state, inputs, labels, progress=None,
                    seed: int | None = None) -> float:
    """Accuracy (fraction) on a whole set with learning off, in blocks (the last one padded).
    ``state`` is not changed. ``seed``: test block k is seeded with block_seed(seed, 1, k)."""
    n = net.n_presentations
    inputs, labels = np.asarray(inputs, dtype=float), np.asarray(labels, dtype=int)
    correct = 0
    for k, (x, y, n_valid, n_done) in enumerate(padded_blocks(inputs, labels, n)):
        s = None if seed is None else block_seed(seed, TEST_STREAM, k)
        res = run_emstdp_block(net, state, x, y, np.zeros(n), seed=s)
        correct += int(res.correct[:n_valid].sum())
        if progress:
            progress(f"tested {n_done}/{len(labels)}")
    return correct / len(labels)

@dataclass
class EMSTDPLog:
    """Learning curve: samples trained, test accuracy then, on-line training accuracy."""

    samples: list[int] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"samples": self.samples, "test_accuracy": self.test_accuracy,
                "train_accuracy": self.train_accuracy, "wall_s": self.wall_s}

class _EMSTDPTraining(BlockTraining):
    """The EMSTDP parts of :func:`train_blocks`: epochs of training blocks (a fresh order of the
    training set per epoch, drawn from the run's RNG), tests on the test subset outside the
    blocks: before the first, after every epoch and every ``test_every_blocks`` blocks."""

    def __init__(self, net, x_train, y_train, x_test, y_test, epochs, n_train, rng, shuffle,
                 test_every_blocks, seed, progress):
        n = net.n_presentations
        self.net, self.rng, self.progress = net, rng, progress
        self.x_train, self.y_train = np.asarray(x_train, dtype=float), np.asarray(y_train, dtype=int)
        self.x_test, self.y_test = x_test, y_test
        self.n_train = len(self.y_train) if n_train is None else min(int(n_train), len(self.y_train))
        self.blocks_per_epoch = self.n_train // n
        if self.blocks_per_epoch < 1:
            raise ValueError(f"n_train={self.n_train} is smaller than one block of {n}")
        self.epochs, self.shuffle, self.test_every_blocks = epochs, shuffle, test_every_blocks
        self.seed = net.seed if seed is None else int(seed)
        self.n_blocks = epochs * self.blocks_per_epoch
        self.presentations_per_block = n
        self.log = EMSTDPLog()
        self.order = None       # this epoch's order of the training set (None: not drawn yet)
        self.running = []       # training accuracy of the last 20 blocks (not checkpointed)

    def position(self, blocks_done: int) -> tuple[int, int]:
        """(epoch, blocks done in it)."""
        return divmod(blocks_done, self.blocks_per_epoch)

    def run_block(self, block, state):
        n = self.net.n_presentations
        epoch, in_epoch = self.position(block)
        if self.order is None:  # the epoch's first block
            self.order = (self.rng.permutation(len(self.y_train))[:self.n_train] if self.shuffle
                          else np.arange(self.n_train))
        idx = self.order[in_epoch * n:(in_epoch + 1) * n]
        return run_emstdp_block(self.net, state, self.x_train[idx], self.y_train[idx], np.ones(n),
                                seed=block_seed(self.seed, TRAIN_STREAM, epoch, in_epoch))

    def record(self, block, result, clock):
        self.running = (self.running + [float(result.correct.mean())])[-20:]
        if self.position(block + 1)[1] == 0:  # the epoch is over: the next one draws its order
            self.order = None

    def progress_line(self, block, result, timing):
        epoch, in_epoch = self.position(block)
        message = (f"epoch {epoch + 1}/{self.epochs} block {in_epoch + 1}/{self.blocks_per_epoch}: "
                   f"train acc {100 * result.correct.mean():.1f} %, "
                   f"{self.net.n_presentations / timing.block_s:.1f} samples/s")
        return message, {"train_err": 1 - float(np.mean(self.running)),
                         "test_err": 1 - self.log.test_accuracy[-1]}

    def test_due(self, blocks_done):
        in_epoch = self.position(blocks_done)[1]
        every = self.test_every_blocks
        due = in_epoch == 0 or bool(every and in_epoch % every == 0)
        samples = blocks_done * self.net.n_presentations
        return due and not (self.log.samples and self.log.samples[-1] == samples)

    def test(self, state, blocks_done, clock):
        samples = blocks_done * self.net.n_presentations
        acc = evaluate_emstdp(self.net, state, self.x_test, self.y_test, seed=self.seed)
        log = self.log
        log.samples.append(samples)
        log.test_accuracy.append(acc)
        log.train_accuracy.append(float(np.mean(self.running)) if self.running else float("nan"))
        log.wall_s.append(clock.seconds())  # (the test included)
        self.progress(f"{samples} samples trained: test accuracy {100 * acc:.2f} %, "
                      f"on-line train accuracy {100 * log.train_accuracy[-1]:.2f} %, "
                      f"{log.wall_s[-1]:.0f} s")

    def checkpoint_meta(self, blocks_done, wall_s):
        epoch, block = self.position(blocks_done)
        return {"log": self.log.as_dict(), "epoch": epoch, "block": block, "wall_s": wall_s,
                "order": None if self.order is None else [int(i) for i in self.order]}

    def restore(self, meta):
        self.log = EMSTDPLog(**meta["log"])
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


def train_emstdp(net: EMSTDPNetwork, x_train, y_train, x_test, y_test, *, epochs: int = 1,
                 n_train: int | None = None, rng: np.random.Generator,
                 initial_state: dict | None = None, checkpoint: str | Path | None = None,
                 resume: bool = False, shuffle: bool = True, test_every_blocks: int | None = None,
                 seed: int | None = None,
                 progress=print) -> tuple[EMSTDPLog, dict[str, np.ndarray]]:
    """Train for ``epochs`` passes of ``n_train`` samples, testing after every pass (the loop:
    :func:`spiketeach.core.training.train_blocks`).

    Parameters
    ----------
    x_train, x_test : arrays of spike probabilities in [0, 1], (samples × inputs).
    n_train : int, optional
        Samples per epoch (all by default; the code's driver uses the first 10 000); rounded
        down to whole blocks.
    shuffle : bool
        A fresh permutation per epoch (False: the fixed order of the code's driver).
    test_every_blocks : int, optional
        Also test after every so many blocks (finer learning curves).
    checkpoint, resume : checkpoint after every block; continue from it.
    seed : int, optional
        Seed of the simulation's random numbers (None: the network's ``seed``); each block
        gets :func:`block_seed` of it and its place in the run.
    """
    training = _EMSTDPTraining(net, x_train, y_train, x_test, y_test, epochs, n_train, rng,
                               shuffle, test_every_blocks, seed, progress)
    state = train_blocks(net, training, rng=rng, initial_state=initial_state,
                         checkpoint=checkpoint, resume=resume, progress=progress)
    return training.log, state

def load_probabilities(dataset: str, data_dir=None):
    """(x_train, y_train, x_test, y_test) of MNIST / Fashion-MNIST with pixels in [0, 1]."""
    from spiketeach.protocols.datasets import load_dataset
    name = {"fashion": "fashion-mnist"}.get(dataset, dataset)
    xtr, ytr, xte, yte = load_dataset(name, data_dir)
    return (images_to_probabilities(xtr), np.asarray(ytr, dtype=int),
            images_to_probabilities(xte), np.asarray(yte, dtype=int))

def run_configuration(data, sizes, *, feedback: str = "symmetric", params=None,
                      epochs: int = 1, n_train: int | None = None, n_test: int | None = None,
                      block: int = 100, device: str = "runtime", build_dir=None,
                      checkpoint=None, resume: bool = False, seed: int = 0,
                      final_test: int | None = None, test_every_blocks: int | None = None,
                      progress=print) -> dict:
    """Build, train and test one configuration; returns a JSON-ready summary.

    ``data`` = (x_train, y_train, x_test, y_test) with pixels in [0, 1]. Intermediate tests use
    the first ``n_test`` test samples; the final test the first ``final_test`` (all by default).
    The device is selected here (one build, re-run for every block).
    """
    from spiketeach.core.devices import select_device
    from spiketeach.models.shrestha2019 import EMSTDPParams, build

    params = params or EMSTDPParams()
    xtr, ytr, xte, yte = data
    n_test = len(yte) if n_test is None else min(n_test, len(yte))
    final_test = len(yte) if final_test is None else min(final_test, len(yte))
    select_device(device, build_dir=build_dir) if device != "runtime" else select_device("runtime")
    net = build(sizes, block, params=params, feedback=feedback, seed=seed)
    rng = np.random.default_rng(seed + 1)
    t0 = time.perf_counter()
    log, state = train_emstdp(net, xtr, ytr, xte[:n_test], yte[:n_test], epochs=epochs,
                              n_train=n_train, rng=rng, checkpoint=checkpoint, resume=resume,
                              test_every_blocks=test_every_blocks, seed=seed,
                              progress=progress)
    t_train = time.perf_counter() - t0
    acc = (log.test_accuracy[-1] if final_test == n_test
           else evaluate_emstdp(net, state, xte[:final_test], yte[:final_test], seed=seed))
    return {"accuracy": 100.0 * acc, "final_test_samples": final_test, "log": log.as_dict(),
            "epochs": epochs, "train_samples_per_epoch": (n_train or len(ytr)) // block * block,
            "train_wall_s": t_train, "wall_s": time.perf_counter() - t0,
            "params": params.as_dict(), "feedback": feedback, "sizes": list(sizes)}
