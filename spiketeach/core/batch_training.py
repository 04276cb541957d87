"""Epochs of blocks for a batch of trials (:mod:`spiketeach.core.batch`): :class:`EpochBatchTraining`.

A batch of N trials is one network, run block by block by the one training loop
(:func:`spiketeach.core.training.train_blocks`) like a single network. What makes each trial the
run it would be alone is kept per trial here: every trial has its own
:class:`~spiketeach.core.training.EpochTraining` (its own RNG, which draws its order of the
training set per epoch, its own seed for the block seeds, its own learning curve), and block b
of the batch runs block b of every trial at once (``run_batch_block`` gets the trials' inputs,
labels and block seeds stacked). Tests run the batch too: test block k of every trial at once,
each seeded as the trial alone seeds it (:func:`evaluate_batch_in_blocks`). Checkpoints hold
each trial's position, log and RNG state, and the trials they belong to (``batch_trials``, as
:func:`spiketeach.core.batch.save_batch_checkpoint` writes it), so a batch resumes only as the
same batch. A family hands it the function that runs one block of a batch (e.g.
:func:`spiketeach.protocols.shrestha2019.batch.run_emstdp_batch_block`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from spiketeach.core.checkpoint import CheckpointError
from spiketeach.core.schedule import padded_blocks
from spiketeach.core.training import TEST_STREAM, BlockTraining, EpochTraining, block_seed

__all__ = ["evaluate_batch_in_blocks", "EpochBatchTraining"]


def evaluate_batch_in_blocks(run: Callable, n: int, state, inputs, labels,
                             seeds: Sequence[int], progress=None) -> list[float]:
    """Accuracy (fraction) of every trial of a batch on one set with learning off, in blocks
    of ``n`` (the last one padded): :func:`~spiketeach.core.training.evaluate_in_blocks` for
    all trials at once. ``run(state, xs, ys, learn, seeds)`` runs one block of the batch
    (``xs``: trials × n × inputs, ``ys``: trials × n, ``seeds``: one per trial) and returns one
    result per trial with ``correct``; test block k of trial t is seeded with
    ``block_seed(seeds[t], TEST_STREAM, k)``."""
    inputs, labels = np.asarray(inputs, dtype=float), np.asarray(labels, dtype=int)
    seeds = [int(s) for s in seeds]
    correct = np.zeros(len(seeds), dtype=int)
    for k, (x, y, n_valid, n_done) in enumerate(padded_blocks(inputs, labels, n)):
        results = run(state, np.stack([x] * len(seeds)), np.stack([y] * len(seeds)),
                      np.zeros(n), [block_seed(s, TEST_STREAM, k) for s in seeds])
        correct += [int(r.correct[:n_valid].sum()) for r in results]
        if progress:
            progress(f"tested {n_done}/{len(labels)} (batch of {len(seeds)})")
    return list(correct / len(labels))


class EpochBatchTraining(BlockTraining):
    """:class:`~spiketeach.core.training.EpochTraining` for a batch of trials, for
    :func:`~spiketeach.core.training.train_blocks`.

    ``run_batch_block(net, state, xs, ys, learn, seeds)`` runs one block of the batch (learning
    flags ``learn`` shared by the trials) and returns one result per trial with ``correct``.
    Trial t draws its orders from ``rngs[t]`` and seeds its blocks from ``seeds[t]``, as
    ``EpochTraining(..., rng=rngs[t], seed=seeds[t])`` alone would; ``trial_ids`` (default: the
    seeds) name the trials in the checkpoint. The loop's own ``rng`` is not drawn from. The
    logs (learning curves) are :attr:`logs`, one per trial.
    """

    def __init__(self, net, run_batch_block: Callable, x_train, y_train, x_test, y_test, *,
                 epochs: int, n_train: int | None, rngs: Sequence[np.random.Generator],
                 seeds: Sequence[int], trial_ids: Sequence | None = None,
                 test_every_blocks: int | None = None, progress=print,
                 draw_order: Callable | None = None, unit: str = "samples",
                 rate_digits: int = 1, divergence_hint: str = ""):
        seeds = [int(s) for s in seeds]
        if len(rngs) != len(seeds):
            raise ValueError(f"{len(seeds)} seeds but {len(rngs)} RNGs: one of each per trial")
        trials = getattr(net, "trials", 1)
        if len(seeds) != trials:
            raise ValueError(f"the network holds {trials} trials; got {len(seeds)} seeds")
        self.net, self._run, self.progress = net, run_batch_block, progress
        self.trial_ids = list(seeds if trial_ids is None else trial_ids)
        self.parts = [EpochTraining(net, None, x_train, y_train, x_test, y_test, epochs=epochs,
                                    n_train=n_train, rng=rng, seed=seed,
                                    test_every_blocks=test_every_blocks, progress=progress,
                                    draw_order=draw_order, unit=unit, rate_digits=rate_digits)
                      for rng, seed in zip(rngs, seeds)]
        first = self.parts[0]
        self.n_blocks, self.presentations_per_block = first.n_blocks, first.presentations_per_block
        self.divergence_hint = divergence_hint

    @property
    def logs(self):
        return [part.log for part in self.parts]

    def run_block(self, block, state):
        xs, ys, learn, seeds = zip(*(part.block_data(block) for part in self.parts))
        return self._run(self.net, state, np.stack(xs), np.stack(ys), learn[0], list(seeds))

    def record(self, block, results, clock):
        for part, result in zip(self.parts, results):
            part.record(block, result, clock)

    def progress_line(self, block, results, timing):
        first = self.parts[0]
        epoch, in_epoch = first.position(block)
        acc = float(np.mean([r.correct.mean() for r in results]))
        rate = len(self.parts) * self.presentations_per_block / timing.block_s
        message = (f"epoch {epoch + 1}/{first.epochs} block {in_epoch + 1}/"
                   f"{first.blocks_per_epoch} ({len(self.parts)} trials): mean train acc "
                   f"{100 * acc:.1f} %, {rate:.{first.rate_digits}f} {first.unit}/s")
        numbers = {"train_err": 1 - float(np.mean([np.mean(p.running) for p in self.parts]))}
        if first.log.test_accuracy:
            numbers["test_err"] = 1 - float(np.mean([p.log.test_accuracy[-1]
                                                     for p in self.parts]))
        return message, numbers

    def test_due(self, blocks_done):
        return self.parts[0].test_due(blocks_done)

    def test(self, state, blocks_done, clock):
        first = self.parts[0]

        def run(st, xs, ys, learn, seeds):
            return self._run(self.net, st, xs, ys, learn, seeds)
        accs = evaluate_batch_in_blocks(run, self.net.n_presentations, state, first.x_test,
                                        first.y_test, [p.seed for p in self.parts])
        for part, acc in zip(self.parts, accs):
            part.log_test(acc, blocks_done, clock)

    def checkpoint_meta(self, blocks_done, wall_s):
        return {"batch_trials": self.trial_ids, "wall_s": wall_s,
                "trials": [{**part.checkpoint_meta(blocks_done, wall_s),
                            "rng": part.rng.bit_generator.state} for part in self.parts]}

    def restore(self, meta):
        saved = meta.get("batch_trials")
        if saved != self.trial_ids:
            raise CheckpointError(f"the checkpoint holds the trials {saved}, not "
                                  f"{self.trial_ids}: resume the same batch or start afresh")
        done = set()
        for part, m in zip(self.parts, meta["trials"]):
            part.rng.bit_generator.state = m["rng"]
            done.add(part.restore(m)[0])
        if len(done) != 1:
            raise CheckpointError(f"the trials of the checkpoint are at different blocks {done}")
        return done.pop(), meta["wall_s"]

    def resumed_message(self, checkpoint, blocks_done):
        epoch, block = self.parts[0].position(blocks_done)
        return (f"resumed the batch of {len(self.parts)} trials from {checkpoint}: epoch "
                f"{epoch}, block {block}")
