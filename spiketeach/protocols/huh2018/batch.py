"""Training a batch of independent huh2018 networks at once (:mod:`spiketeach.core.batch`).

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

Trial k of a batch (issue 23's sense: an independent network) has its own weights, its own seed
(the RNG its task trials are drawn from), its own Adam state and its own log, exactly as
:func:`~spiketeach.protocols.huh2018.training.train` gives them to the network trained alone.
What the batch shares is the forward pass: every iteration runs the forward passes of all its
trials in one call (:func:`~spiketeach.protocols.huh2018.training.brian2_forward` with a list of
weights: one Brian2 run of all trials' networks, each with ``examples`` task trials side by side);
the adjoint and Adam stay per trial in numpy (:class:`AdjointBatchTraining` drives each trial's
:class:`~spiketeach.protocols.huh2018.training.AdjointTraining` one iteration part at a time).
The batch's state is the trials' states one after the other (weights and Adam's moments), so the
one training loop checkpoints and resumes it; the checkpoint also records the trials and each
one's RNG and log, and resumes only as the same batch. Each trial equals the trial trained alone
(tests/models/huh2018/test_huh2018_batch.py).
"""

from __future__ import annotations

import os

import numpy as np

from spiketeach.core.batch import TrialBatch
from spiketeach.core.checkpoint import CheckpointError
from spiketeach.core.training import BlockTiming, BlockTraining, WallClock, train_blocks
from spiketeach.models.huh2018 import Huh2018Params, Weights
from spiketeach.models.huh2018.network import check_batch_weights
from spiketeach.models.huh2018.optimizer import Adam

from .training import AdjointTraining, TrainConfig, TrainState, numpy_batch_forward, score

__all__ = ["BatchTrainState", "AdjointBatchTraining", "train_batch"]


class BatchTrainState:
    """The trials' :class:`~spiketeach.protocols.huh2018.training.TrainState` as one batch
    state (:meth:`TrialBatch.stack_states`): what :func:`train_blocks` checkpoints."""

    def __init__(self, holders: list[TrainState]):
        self.holders, self.batch = holders, TrialBatch(len(holders))

    def get_state(self) -> dict[str, np.ndarray]:
        return self.batch.stack_states([h.get_state() for h in self.holders])

    def state_keys(self) -> set[str]:
        return self.holders[0].state_keys()

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        return self.batch.stack_states([h.initial_state(seed) for h in self.holders])

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        for holder, part in zip(self.holders, self.batch.split_state(state)):
            holder.set_state(part)

    @property
    def weights(self) -> list[Weights]:
        return [h.weights for h in self.holders]


class AdjointBatchTraining(BlockTraining):
    """:class:`~spiketeach.protocols.huh2018.training.AdjointTraining` for a batch of trials:
    ``parts[k]`` is trial k's (its RNG, Adam, log); ``forward(list of weights, x of trials x
    examples x steps x n_in) -> list of Trajectory`` runs all trials' forward passes at once."""

    divergence_hint = AdjointTraining.divergence_hint

    def __init__(self, parts: list[AdjointTraining], holder: BatchTrainState, forward,
                 trial_ids: list):
        self.parts, self.holder, self.forward, self.trial_ids = parts, holder, forward, trial_ids
        first = parts[0]
        self.config, self.n_blocks = first.config, first.n_blocks
        self.presentations_per_block = first.presentations_per_block

    @property
    def logs(self) -> list[dict]:
        return [part.log for part in self.parts]

    def run_block(self, block: int, state):
        if state is not None:
            self.holder.set_state(state)
        sums = [part.new_sums() for part in self.parts]
        for _ in range(self.config.iterations_per_block):
            batches = [part.draw() for part in self.parts]
            runs = self.forward(self.holder.weights, np.stack([b.x for b in batches]))
            for part, batch, run, s in zip(self.parts, batches, runs, sums):
                part.step(batch, run, s)
        return [part.means(s) for part, s in zip(self.parts, sums)]

    def record(self, block: int, answers, clock: WallClock) -> None:
        for part, a in zip(self.parts, answers):
            part.record(block, a, clock)

    def progress_line(self, block: int, answers, timing: BlockTiming):
        loss = float(np.mean([a["loss"] for a in answers]))
        rate = float(np.mean([a["rate_hz"] for a in answers]))
        msg = (f"block {block + 1}/{self.n_blocks} ({len(self.parts)} trials): mean loss "
               f"{loss:.4f} (rate {rate:.1f} Hz), {timing.block_s:.1f} s")
        return msg, {"loss": loss, "rate_hz": rate}

    def test_due(self, blocks_done: int) -> bool:
        return self.parts[0].test_due(blocks_done)

    def test(self, state, blocks_done: int, clock: WallClock) -> None:
        if state is not None:
            self.holder.set_state(state)
        first = self.parts[0]
        x = np.stack([first.test_batch.x] * len(self.parts))
        runs = self.forward(self.holder.weights, x)
        for part, weights, run in zip(self.parts, self.holder.weights, runs):
            part.log_test(score(weights, part.test_batch, run, part.config.rate_cost, part.task),
                          blocks_done)

    def checkpoint_meta(self, blocks_done: int, wall_s):
        return {"batch_trials": self.trial_ids, "blocks_done": blocks_done, "wall_s": wall_s,
                "trials": [{"log": part.log, "rng": part.rng.bit_generator.state}
                           for part in self.parts]}

    def restore(self, meta: dict):
        saved = meta.get("batch_trials")
        if saved != self.trial_ids:
            raise CheckpointError(f"the checkpoint holds the trials {saved}, not "
                                  f"{self.trial_ids}: resume the same batch or start afresh")
        for part, m in zip(self.parts, meta["trials"]):
            part.log = m["log"]
            part.rng.bit_generator.state = m["rng"]
        return int(meta["blocks_done"]), meta.get("wall_s")

    def resumed_message(self, checkpoint, blocks_done: int) -> str:
        return (f"resumed the batch of {len(self.parts)} trials from {checkpoint} after "
                f"{blocks_done} blocks")


def train_batch(task, weights, params: Huh2018Params, config: TrainConfig, *, seeds,
                checkpoint: str | os.PathLike | None = None, resume: bool = False,
                progress=print, forward=None, trial_ids=None
                ) -> tuple[list[Weights], AdjointBatchTraining]:
    """:func:`~spiketeach.protocols.huh2018.training.train` for a batch: trial k starts from
    ``weights[k]`` and draws its task trials from ``default_rng(seeds[k])``, as
    ``train(task, weights[k], params, config, seed=seeds[k])`` does alone. ``forward``: the
    batch's forward pass (:func:`~spiketeach.protocols.huh2018.training.brian2_forward` with
    the list of weights; default: the numpy network, trial after trial). Returns the trials'
    final weights and the training object (``logs``: one log per trial); ``trial_ids``
    (default: the seeds) name the trials in the checkpoint."""
    weights = check_batch_weights(weights)
    seeds = [int(s) for s in np.ravel(seeds)]
    if len(seeds) != len(weights):
        raise ValueError(f"a batch of {len(weights)} trials needs one seed per trial; got "
                         f"{len(seeds)} seeds")
    trial_ids = list(seeds if trial_ids is None else trial_ids)
    if len(trial_ids) != len(weights):
        raise ValueError(f"a batch of {len(weights)} trials needs one id per trial; got "
                         f"{len(trial_ids)}")
    holders = [TrainState(w, Adam.for_params(params.tau_s, lr=config.lr, clip=config.clip),
                          params) for w in weights]
    parts = [AdjointTraining(task, params, h, config, np.random.default_rng(s))
             for h, s in zip(holders, seeds)]
    holder = BatchTrainState(holders)
    training = AdjointBatchTraining(parts, holder, forward or numpy_batch_forward(params),
                                    trial_ids)
    # the loop's own RNG is not drawn from (each trial has its own; the checkpoint holds them)
    state = train_blocks(holder, training, rng=np.random.default_rng(0),
                         initial_state=holder.get_state(), checkpoint=checkpoint,
                         resume=resume, progress=progress)
    holder.set_state(state)
    return holder.weights, training
