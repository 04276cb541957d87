"""Blocks and training runs of a batch of eRBP trials (:mod:`spiketeach.core.batch`): N
independent networks, each with its own weights, digits, labels and random numbers, as one
network built with one seed per trial (:func:`spiketeach.models.neftci2017.build` with
``seed=[...]``).

:func:`run_erbp_batch_block` is :func:`~spiketeach.protocols.neftci2017.training.run_erbp_block`
for a batch: the trials' pixels and labels become their column blocks of the TimedArrays, the
learning flags are shared, and each trial's random numbers (input and label units)
are drawn in numpy from the trial's block seed as the trial alone draws them
(:mod:`~spiketeach.models.neftci2017.draws`); the output counts come back per trial.
:func:`train_erbp_batch` is :func:`~spiketeach.protocols.neftci2017.training.train_erbp` for a
batch (:class:`~spiketeach.core.batch_training.EpochBatchTraining`). Trial k of a batch gives
what the same trial run alone gives (tests/models/neftci2017/test_batch.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from spiketeach.core.batch_training import EpochBatchTraining, evaluate_batch_in_blocks
from spiketeach.core.training import train_blocks
from spiketeach.models.neftci2017.draws import trial_draws
from spiketeach.models.neftci2017.network import (
    ERBPNetwork,
    counts_of,
    label_currents,
    learn_schedule,
    pixel_currents,
)
from spiketeach.protocols.neftci2017.training import BlockResult, ERBPLog, balanced_order

__all__ = ["batch_timed_arrays", "run_erbp_batch_block", "split_spikes", "evaluate_erbp_batch",
           "train_erbp_batch"]


def _check_batch(net: ERBPNetwork) -> None:
    if not net.is_batch:
        raise ValueError("this network holds one trial (built with one seed): run its blocks "
                         "with run_erbp_block, or build a batch with seed=[...]")


def batch_timed_arrays(net: ERBPNetwork, pixels, labels, learn, seeds) -> dict:
    """``{TimedArray: values}`` of one block: ``pixels`` (trials × samples × inputs, in
    [0, 1]), ``labels`` (trials × samples), ``learn`` (samples, shared by the trials) and
    ``seeds`` (one block seed per trial: each trial's random numbers)."""
    _check_batch(net)
    batch, n, p = net.batch, net.n_presentations, net.params
    pixels = np.asarray(pixels, dtype=float)
    labels = np.asarray(labels)
    learn = np.asarray(learn, dtype=float).reshape(-1)
    shape = (batch.trials, n, net.layer_sizes[0])
    if pixels.shape != shape or labels.shape != shape[:2] or learn.shape != (n,):
        raise ValueError(f"a block of this batch needs pixels of shape {shape}, labels "
                         f"{shape[:2]} and {n} learn flags; got {pixels.shape}, {labels.shape}, "
                         f"{learn.shape}")
    if seeds is None or np.ndim(seeds) != 1 or len(seeds) != batch.trials:
        raise ValueError(f"a block of this batch needs one seed per trial ({batch.trials}): its "
                         f"random numbers are drawn per trial from them; got {seeds!r}")
    n_cls = net.layer_sizes[-1]
    n_steps = net.input_draws.values.shape[0]
    draws = [trial_draws(s, n_steps, net.layer_sizes[0], n_cls) for s in seeds]
    timed = {net.drive: batch.columns([pixel_currents(x, p) for x in pixels]),
             net.label_drive: batch.columns([label_currents(y, n_cls, learn, p) for y in labels]),
             net.learn_on: learn_schedule(learn, p),
             net.input_draws: batch.columns([u_in for u_in, _ in draws]),
             net.label_draws: batch.columns([u_lab for _, u_lab in draws])}
    return timed


def split_spikes(net: ERBPNetwork, monitor) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(i, t)`` (cell of the trial, seconds) of a spike ``monitor`` of ``net``, per trial."""
    n = net.batch.per_trial(len(monitor.source), monitor.source.name)
    return net.batch.split_spikes(monitor.i[:], np.asarray(monitor.t[:]), n)


def run_erbp_batch_block(net: ERBPNetwork, state: dict | None, pixels, labels, learn,
                         seeds) -> list[BlockResult]:
    """Run one block of every trial of ``net`` from ``state`` (a batch state; None: the values
    the batch was built with); one :class:`BlockResult` per trial."""
    timed = batch_timed_arrays(net, pixels, labels, learn, seeds)
    net.runner.run(net.state_pairs(state) if state is not None else [], timed)
    n, p = net.n_presentations, net.params
    learn = np.asarray(learn, dtype=float).reshape(-1)
    return [BlockResult(counts_of(i, t, n, p.sample_duration, net.layer_sizes[-1]),
                        np.asarray(y).astype(int), learn)
            for (i, t), y in zip(split_spikes(net, net.output_spikes), labels)]


def evaluate_erbp_batch(net: ERBPNetwork, state, pixels, labels, seeds,
                        progress=None) -> list[float]:
    """Accuracy (fraction) of every trial on one set with learning off, in blocks (the last one
    padded); test block k of trial t is seeded with ``block_seed(seeds[t], 1, k)``, as
    :func:`~spiketeach.protocols.neftci2017.training.evaluate_erbp` seeds it alone."""
    def run(st, xs, ys, learn, block_seeds):
        return run_erbp_batch_block(net, st, xs, ys, learn, block_seeds)
    return evaluate_batch_in_blocks(run, net.n_presentations, state, pixels, labels, seeds,
                                    progress=progress)


def train_erbp_batch(net: ERBPNetwork, x_train, y_train, x_test, y_test, *, epochs: int = 1,
                     n_train: int | None = None, rngs, seeds=None,
                     initial_state: dict | None = None, checkpoint: str | Path | None = None,
                     resume: bool = False, balanced: bool = False,
                     test_every_blocks: int | None = None,
                     progress=print) -> tuple[list[ERBPLog], dict[str, np.ndarray]]:
    """:func:`~spiketeach.protocols.neftci2017.training.train_erbp` for every trial of a batch
    at once: trial t draws its orders from ``rngs[t]`` and seeds its blocks from ``seeds[t]``
    (default: the trials' build seeds), as ``train_erbp(..., rng=rngs[t], seed=seeds[t])`` does
    alone. Returns the trials' learning curves and the batch state; the checkpoint records the
    trials (a batch resumes only as the same batch)."""
    _check_batch(net)
    seeds = list(net.seed) if seeds is None else [int(s) for s in seeds]
    draw_order = None
    if balanced:
        if n_train is not None and n_train > len(y_train):
            # (train_erbp draws such epochs with replacement; the batch loop caps n_train)
            raise ValueError(f"a batch trains balanced epochs of at most the training set "
                             f"({len(y_train)} samples), got n_train={n_train}")

        def draw_order(rng, k):
            return balanced_order(np.asarray(y_train, dtype=int), k, rng)
    training = EpochBatchTraining(net, run_erbp_batch_block, x_train, y_train, x_test, y_test,
                                  epochs=epochs, n_train=n_train, rngs=list(rngs), seeds=seeds,
                                  test_every_blocks=test_every_blocks, progress=progress,
                                  draw_order=draw_order, unit="digits", rate_digits=2,
                                  divergence_hint="lower eta")
    state = train_blocks(net, training, rng=np.random.default_rng(0),
                         initial_state=initial_state, checkpoint=checkpoint, resume=resume,
                         progress=progress)
    return training.logs, state
