"""Training and testing eRBP networks in blocks (Neftci et al. 2017; protocol from the code).

One block = ``net.n_presentations`` digits in ONE ``run()`` of the same network (on
cpp_standalone: a re-run of the one compiled binary with ``run_args``): each digit is shown for
``sample_duration`` (250 ms), back to back without reset; learning is off for the first
``no_learning`` (50 ms) of each digit; at test the learning switch and the label units are off
(η = 0). The answer to a digit is the output cell with the most spikes in its window (ties: the
lowest index).

:func:`train_erbp` trains for epochs of ``n_train`` digits through the one block loop of every
family (:func:`spiketeach.core.training.train_blocks`, with the epoch adapter
:class:`~spiketeach.core.training.EpochTraining` that EMSTDP shares; eRBP hands it
:func:`run_erbp_block`), tests after every epoch, checkpoints after every block and resumes exactly. An epoch is
a fresh permutation of the training set (the code instead draws 50 000 digits with replacement,
5 000 per class; ``balanced=True`` does that).

Random numbers (input units, noise, peRBP) are drawn by the simulation; block ``b`` of epoch
``e`` is seeded with (seed, 0, e, b), test block ``k`` with (seed, 1, k), so a run is
repeatable and a resumed run draws what an uninterrupted one would.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

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
    def run(st, x, y, learn, seed=None):
        return run_erbp_block(net, st, x, y, learn, seed=seed)
    return evaluate_in_blocks(run, net.n_presentations, state, pixels, labels, seed=seed)


def balanced_order(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn with replacement, n / n_classes per class, shuffled (the code)."""
    labels = np.asarray(labels, dtype=int)
    classes = np.unique(labels)
    per = n // len(classes)
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == c), per) for c in classes])
    return rng.permutation(idx)


#: the learning curve of :func:`train_erbp` (the one of every epoch-trained family)
ERBPLog = EpochLog


def train_erbp(net: ERBPNetwork, x_train, y_train, x_test, y_test, *, epochs: int = 1,
               n_train: int | None = None, rng: np.random.Generator,
               initial_state: dict | None = None, checkpoint=None, resume: bool = False,
               balanced: bool = False, test_every_blocks: int | None = None,
               seed: int | None = None, progress=print) -> tuple[ERBPLog, dict]:
    """Train for ``epochs`` passes of ``n_train`` digits (pixels in [0, 1]), testing before the
    first block and after every epoch; checkpoint after every block, ``resume=True`` continues
    from the checkpoint exactly. Returns the log and the final state."""
    def balanced_draw(rng, k):
        return balanced_order(np.asarray(y_train, dtype=int), k, rng)
    training = EpochTraining(net, run_erbp_block, x_train, y_train, x_test, y_test,
                             epochs=epochs, n_train=n_train, rng=rng, seed=seed,
                             test_every_blocks=test_every_blocks, progress=progress,
                             draw_order=balanced_draw if balanced else None,
                             n_train_capped=not balanced, unit="digits", rate_digits=2,
                             divergence_hint="lower eta")
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
