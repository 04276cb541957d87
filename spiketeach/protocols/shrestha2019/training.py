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
family's, :func:`spiketeach.core.training.train_blocks`, with the epoch adapter
:class:`~spiketeach.core.training.EpochTraining` that eRBP shares; EMSTDP hands it
:func:`run_emstdp_block`).

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

from spiketeach.core.training import (
    TEST_STREAM,
    TRAIN_STREAM,
    EpochLog,
    EpochTraining,
    block_seed,
    evaluate_in_blocks,
    train_blocks,
)
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
    def run(st, x, y, learn, seed=None):
        return run_emstdp_block(net, st, x, y, learn, seed=seed)
    return evaluate_in_blocks(run, net.n_presentations, state, inputs, labels, seed=seed,
                              progress=progress)

#: the learning curve of :func:`train_emstdp` (the one of every epoch-trained family)
EMSTDPLog = EpochLog


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
    def fixed_order(rng, k):
        return np.arange(k)
    training = EpochTraining(net, run_emstdp_block, x_train, y_train, x_test, y_test,
                             epochs=epochs, n_train=n_train, rng=rng, seed=seed,
                             test_every_blocks=test_every_blocks, progress=progress,
                             draw_order=None if shuffle else fixed_order)
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
