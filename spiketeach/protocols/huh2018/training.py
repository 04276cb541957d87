"""Training by gradient descent on the exact gradient: Adam in blocks, with checkpoints.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

Each iteration draws a batch of trials of a task (:mod:`.tasks`), runs the network forward
(numpy, :func:`spiketeach.models.huh2018.simulate`, or the Brian2 network, which the tests prove
equal), computes the exact gradient with the adjoint (:func:`spiketeach.models.huh2018.backward`)
and takes one Adam step. Iterations are grouped in blocks run by the package's one training
loop, :func:`spiketeach.core.training.train_blocks`: after every block the weights, Adam's
moments, the RNG state and the log are checkpointed atomically, a resumed run continues exactly
as an uninterrupted one, divergence (NaN/inf) stops the run with a hint, and progress is shown.
Held-out trials (drawn once, from their own seed) are scored every ``test_every`` blocks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from spiketeach.core.training import BlockTiming, BlockTraining, WallClock, train_blocks
from spiketeach.models.huh2018 import (
    Huh2018Params,
    Objective,
    Trajectory,
    Weights,
    backward,
    initial_weights,
    simulate,
)
from spiketeach.models.huh2018.optimizer import Adam
from spiketeach.models.huh2018.weights import NAMES

from .tasks import Batch

__all__ = ["TrainConfig", "TrainState", "AdjointTraining", "train", "evaluate", "score",
           "brian2_forward", "numpy_batch_forward"]


@dataclass(frozen=True)
class TrainConfig:
    """One run: ``blocks`` x ``iterations_per_block`` Adam steps on batches of ``batch``
    trials; held-out score every ``test_every`` blocks on ``test_trials`` trials."""

    blocks: int = 20
    iterations_per_block: int = 10
    batch: int = 8
    lr: float = 5e-3
    clip: float | None = None
    rate_cost: float = 0.0
    test_every: int = 5
    test_trials: int = 32
    test_seed: int = 12345

    def __post_init__(self):
        for name in ("blocks", "iterations_per_block", "batch", "test_every", "test_trials"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")

    @property
    def iterations(self) -> int:
        return self.blocks * self.iterations_per_block


class TrainState:
    """Weights and Adam's state as one flat state dict, by the keys ``U``, ``W``, ``b``, ``O``
    and ``adam.*``: what :func:`train_blocks` reads, checkpoints and restores (the members of
    the network-handle protocol that loop uses)."""

    def __init__(self, weights: Weights, adam: Adam, params: Huh2018Params):
        self.weights, self.adam, self.params = weights, adam, params

    def get_state(self) -> dict[str, np.ndarray]:
        w = self.weights
        return {**{name: np.ravel(getattr(w, name)).copy() for name in NAMES},
                **self.adam.state(w)}

    def state_keys(self) -> set[str]:
        return set(self.get_state())

    def initial_state(self, seed: int) -> dict[str, np.ndarray]:
        w = self.weights
        fresh = initial_weights(w.n_in, w.n, w.n_out, self.params, np.random.default_rng(seed))
        fresh_adam = Adam.for_params(self.params.tau_s, lr=self.adam.lr)
        return {**{name: np.ravel(getattr(fresh, name)) for name in NAMES},
                **fresh_adam.state(fresh)}

    def set_state(self, state: dict[str, np.ndarray]) -> None:
        w = self.weights
        self.weights = Weights(**{name: np.reshape(state[name], np.shape(getattr(w, name)))
                                  for name in NAMES})
        self.adam.load(state, self.weights)


def brian2_forward(weights, steps: int, params: Huh2018Params, examples: int = 1):
    """A forward pass through the Brian2 network (on the device selected now), as a function
    ``(weights, x) -> Trajectory`` like :func:`simulate`; ``examples`` task trials per Brian2
    run (default: one run per task trial). ``weights`` a list (one per trial): the forward pass
    of a batch of networks, ``(list of Weights, x of trials x examples x steps x n_in) -> list
    of Trajectory`` (:func:`train_batch`)."""
    from spiketeach.models.huh2018 import build

    return build(weights, steps, params, examples=examples).forward


def numpy_batch_forward(params: Huh2018Params):
    """The numpy forward pass of a batch of networks, one after the other (the default of
    :func:`train_batch`): ``(list of Weights, x) -> list of Trajectory``."""
    def forward(weights, x):
        return [simulate(w, xk, params) for w, xk in zip(weights, x)]
    return forward


def score(weights: Weights, batch: Batch, trajectory: Trajectory, rate_cost: float = 0.0,
          task=None) -> dict:
    """What :func:`evaluate` returns, for the recorded ``trajectory`` of ``batch``."""
    J, parts, _, _ = Objective(batch.y, batch.mask, rate_cost).evaluate(trajectory.s, weights.O)
    o = np.transpose(trajectory.s @ weights.O.T, (1, 0, 2))
    out = {"loss": J, **parts, "o": o, "trajectory": trajectory,
           "spikes_per_neuron": float(trajectory.spike_counts().mean())}
    if task is not None and hasattr(task, "accuracy") and batch.labels is not None:
        out["accuracy"] = task.accuracy(o, batch.labels)
    return out


def evaluate(weights: Weights, batch: Batch, params: Huh2018Params, rate_cost: float = 0.0,
             task=None, forward=None) -> dict:
    """Loss, its parts, spikes per trial and neuron, the readout (and, for a task with an
    ``accuracy``, the percent correct) of ``weights`` on ``batch``; ``trajectory`` included."""
    forward = forward or (lambda w, x: simulate(w, x, params))
    return score(weights, batch, forward(weights, batch.x), rate_cost, task)


class AdjointTraining(BlockTraining):
    """The family's part of :func:`train_blocks`: a block is ``iterations_per_block`` Adam
    steps; the log holds the training loss per block and the held-out scores."""

    divergence_hint = "lower the learning rate (lr) or set a gradient clip"

    def __init__(self, task, params: Huh2018Params, holder: TrainState, config: TrainConfig,
                 rng: np.random.Generator, forward=None):
        self.task, self.params, self.holder, self.config, self.rng = task, params, holder, \
            config, rng
        self.forward = forward or (lambda w, x: simulate(w, x, params))
        self.n_blocks = config.blocks
        self.presentations_per_block = config.iterations_per_block * config.batch
        self.test_batch = task.sample(np.random.default_rng(config.test_seed), config.test_trials)
        self.log = {"iteration": [], "loss": [], "error": [], "rate_hz": [], "wall_s": [],
                    "test": []}

    def run_block(self, block: int, state):
        if state is not None:
            self.holder.set_state(state)
        sums = self.new_sums()
        for _ in range(self.config.iterations_per_block):
            batch = self.draw()
            self.step(batch, self.forward(self.holder.weights, batch.x), sums)
        return self.means(sums)

    # one iteration in three parts, so that a batch of networks (AdjointBatchTraining) runs
    # the forward passes of all its trials at once and everything else per trial, as here
    def draw(self) -> Batch:
        """This iteration's task trials, from this run's RNG."""
        return self.task.sample(self.rng, self.config.batch)

    def step(self, batch: Batch, trajectory: Trajectory, sums: dict) -> None:
        """The gradient on ``batch`` (run forward as ``trajectory``) and one Adam step."""
        objective = Objective(batch.y, batch.mask, self.config.rate_cost)
        weights = self.holder.weights
        gradient = backward(weights, batch.x, trajectory, objective, self.params)
        self.holder.weights = self.holder.adam.step(weights, gradient)
        sums["loss"] += gradient.loss
        sums["error"] += gradient.parts["error"]
        sums["rate_hz"] += gradient.parts["rate_hz"]

    @staticmethod
    def new_sums() -> dict:
        return {"loss": 0.0, "error": 0.0, "rate_hz": 0.0}

    def means(self, sums: dict) -> dict:
        return {k: v / self.config.iterations_per_block for k, v in sums.items()}

    def record(self, block: int, answers, clock: WallClock) -> None:
        self.log["iteration"].append((block + 1) * self.config.iterations_per_block)
        for key in ("loss", "error", "rate_hz"):
            self.log[key].append(answers[key])
        self.log["wall_s"].append(clock.seconds())

    def progress_line(self, block: int, answers, timing: BlockTiming):
        msg = (f"block {block + 1}/{self.n_blocks}: loss {answers['loss']:.4f} (error "
               f"{answers['error']:.4f}, rate {answers['rate_hz']:.1f} Hz), "
               f"{timing.block_s:.1f} s")
        return msg, {"loss": answers["loss"], "rate_hz": answers["rate_hz"]}

    def test_due(self, blocks_done: int) -> bool:
        due = blocks_done % self.config.test_every == 0 or blocks_done == self.n_blocks
        return due and not any(t["blocks"] == blocks_done for t in self.log["test"])

    def test(self, state, blocks_done: int, clock: WallClock) -> None:
        if state is not None:
            self.holder.set_state(state)
        self.log_test(evaluate(self.holder.weights, self.test_batch, self.params,
                               self.config.rate_cost, self.task, self.forward), blocks_done)

    def log_test(self, e: dict, blocks_done: int) -> None:
        """Add the held-out scores ``e`` (:func:`evaluate`) after ``blocks_done`` blocks."""
        entry = {"blocks": blocks_done,
                 "iteration": blocks_done * self.config.iterations_per_block,
                 **{k: e[k] for k in ("loss", "error", "rate_hz", "spikes_per_neuron")}}
        if "accuracy" in e:
            entry["accuracy"] = e["accuracy"]
        self.log["test"].append(entry)

    def checkpoint_meta(self, blocks_done: int, wall_s):
        return {"blocks_done": blocks_done, "log": self.log, "wall_s": wall_s}

    def restore(self, meta: dict):
        self.log = meta["log"]
        return int(meta["blocks_done"]), meta.get("wall_s")


def train(task, weights: Weights, params: Huh2018Params, config: TrainConfig, *, seed: int = 0,
          checkpoint: str | os.PathLike | None = None, resume: bool = False, progress=print,
          forward=None) -> tuple[Weights, AdjointTraining]:
    """Train ``weights`` on ``task``; return the final weights and the training object (its
    ``log`` and ``test_batch``). Batches are drawn from ``default_rng(seed)``; ``forward``
    defaults to the numpy network (see :func:`brian2_forward` for the Brian2 one)."""
    adam = Adam.for_params(params.tau_s, lr=config.lr, clip=config.clip)
    holder = TrainState(weights, adam, params)
    rng = np.random.default_rng(seed)
    training = AdjointTraining(task, params, holder, config, rng, forward)
    state = train_blocks(holder, training, rng=rng, initial_state=holder.get_state(),
                         checkpoint=checkpoint, resume=resume, progress=progress)
    holder.set_state(state)
    return holder.weights, training
