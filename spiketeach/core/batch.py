"""Batched trials: N independent copies of one network built and run as ONE Brian2 network.

A small network (the 82-cell Samadi learner) spends nearly all its time in Brian2's per-step,
per-code-object overhead. Built ``trials`` times over in the same groups — groups of N·n cells,
block-diagonal synapses, per-trial columns of the TimedArrays, per-trial initial values — the
same code objects do N trials' work per step. Each trial stays the network it would be alone:
no synapse crosses from one trial's block to another's, trial k owns the k-th block of every
group and every projection, and every value that differs between trials (weights, biases,
stimuli, targets, seeds) is set per block. Sums over synapses run in the same order as in a
single trial, so a trial of a batch gives the same spikes and the same weights as the trial run
alone — to the last bit on numpy, to rounding on cpp_standalone, whose compiled loops may round
a value at another offset differently (hunsberger2017: 1 ulp in one of 48 weights) (tests/models/samadi2017/test_batch.py,
tests/models/hunsberger2017/test_batch.py,
tests/models/brendel2020/test_brendel2020_batch.py).

What a family must keep per trial for that to hold (and :class:`TrialBatch` helps with):

* every population ``trials × n`` cells, trial-major (cell ``c`` of trial ``k`` is ``k n + c``);
* every projection connected block by block (:meth:`TrialBatch.block_indices`), synapse values
  in the single trial's order repeated per block (:meth:`TrialBatch.tile`, :meth:`stack`);
* stimuli as TimedArrays with one column block per trial (:meth:`TrialBatch.columns`);
* no random numbers drawn inside the run that a trial alone would draw differently (Brian2's
  ``rand()`` draws one stream for the whole batch): draw them in numpy from each trial's seed and
  pass them in (initial values, TimedArrays), or switch them off;
* a ``(shared)`` variable is the same for every trial of a build (e.g. a learning rate: a batch
  then holds trials that share it).

The state of a batch is a dict of the same keys as a trial's, each value the trials' values one
after the other (:meth:`TrialBatch.stack_states` / :meth:`TrialBatch.split_state`), so the block
runner, :func:`spiketeach.core.training.train_blocks` and checkpoints work on a batch unchanged;
:func:`save_batch_checkpoint` additionally records which trials a batch checkpoint holds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from spiketeach.core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from spiketeach.core.connectivity import dense_indices

__all__ = ["TrialBatch", "dense_weight_matrices", "save_batch_checkpoint", "load_batch_checkpoint"]


@dataclass(frozen=True)
class TrialBatch:
    """The layout of ``trials`` independent copies of a network in one Brian2 network."""

    trials: int = 1

    def __post_init__(self):
        if int(self.trials) != self.trials or self.trials < 1:
            raise ValueError(f"a batch needs a whole number of trials >= 1, got {self.trials!r}")

    def cells(self, n: int) -> int:
        """Size of a group that holds ``n`` cells per trial."""
        return int(n) * self.trials

    def per_trial(self, total: int, what: str = "group") -> int:
        """Cells (or synapses) per trial of a batched ``total``; a ValueError if it does not split."""
        if total % self.trials:
            raise ValueError(f"{what} of size {total} does not split into {self.trials} trials")
        return total // self.trials

    def block_indices(self, i, j, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
        """One trial's synapses (pre ``i``, post ``j``, among ``n_pre`` and ``n_post`` cells)
        repeated block-diagonally, trial after trial, each block in the given order."""
        i, j = np.asarray(i, dtype=int).ravel(), np.asarray(j, dtype=int).ravel()
        if i.shape != j.shape:
            raise ValueError(f"{i.size} presynaptic but {j.size} postsynaptic indices")
        if i.size and (i.min() < 0 or i.max() >= n_pre or j.min() < 0 or j.max() >= n_post):
            raise ValueError(f"synapse indices outside {n_pre} pre and {n_post} post cells")
        k = np.arange(self.trials)[:, None]
        return (i[None, :] + k * n_pre).ravel(), (j[None, :] + k * n_post).ravel()

    def dense_indices(self, n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
        """All-to-all within each trial (:func:`~spiketeach.core.connectivity.dense_indices`
        order per block), nothing between trials."""
        return self.block_indices(*dense_indices(n_pre, n_post), n_pre, n_post)

    def tile(self, values) -> np.ndarray:
        """One trial's 1-D values (per cell or per synapse) for every trial of the batch."""
        return np.tile(np.asarray(values, dtype=float).ravel(), self.trials)

    def stack(self, per_trial: Sequence) -> np.ndarray:
        """Per-trial 1-D values (a sequence of ``trials`` arrays of one size), one after the other."""
        arrays = [np.asarray(v, dtype=float).ravel() for v in per_trial]
        if len(arrays) != self.trials:
            raise ValueError(f"expected values for {self.trials} trials, got {len(arrays)}")
        if len({a.size for a in arrays}) > 1:
            raise ValueError(f"trials' values differ in size: {[a.size for a in arrays]}")
        return np.concatenate(arrays)

    def split(self, values, what: str = "values") -> list[np.ndarray]:
        """The inverse of :meth:`stack`: a batch's 1-D values, trial by trial."""
        values = np.asarray(values).ravel()
        n = self.per_trial(values.size, what)
        return [values[k * n:(k + 1) * n].copy() for k in range(self.trials)]

    def columns(self, per_trial: Sequence) -> np.ndarray:
        """Per-trial TimedArray values (``trials`` arrays of shape (steps, n)) as one array of
        shape (steps, trials × n): trial k's columns are the k-th block."""
        arrays = [np.asarray(v, dtype=float) for v in per_trial]
        if len(arrays) != self.trials:
            raise ValueError(f"expected values for {self.trials} trials, got {len(arrays)}")
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1 or arrays[0].ndim != 2:
            raise ValueError(f"each trial's values must be one (steps, n) shape; got {sorted(shapes)}")
        return np.ascontiguousarray(np.hstack(arrays))

    def split_columns(self, values) -> list[np.ndarray]:
        """The inverse of :meth:`columns`."""
        values = np.asarray(values)
        n = self.per_trial(values.shape[1], "columns")
        return [values[:, k * n:(k + 1) * n].copy() for k in range(self.trials)]

    def split_spikes(self, i, t, n_cells: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """A spike monitor's ``(i, t)`` over a batched group of ``n_cells`` per trial, trial by
        trial, each with the cell indices of the trial alone (the order of the spikes kept)."""
        i, t = np.asarray(i, dtype=int), np.asarray(t, dtype=float)
        trial = i // int(n_cells)
        if i.size and trial.max() >= self.trials:
            raise ValueError(f"spike index {int(i.max())} outside {self.trials} x {n_cells} cells")
        return [(i[trial == k] - k * n_cells, t[trial == k]) for k in range(self.trials)]

    def stack_states(self, states: Sequence[dict]) -> dict[str, np.ndarray]:
        """Per-trial states (dicts of the same keys) as one batch state."""
        if len(states) != self.trials:
            raise ValueError(f"expected states of {self.trials} trials, got {len(states)}")
        keys = set(states[0])
        for k, s in enumerate(states[1:], 1):
            if set(s) != keys:
                raise ValueError(f"trial {k}'s state has keys {sorted(set(s) ^ keys)} that "
                                 "trial 0's has not (or lacks them)")
        return {key: self.stack([s[key] for s in states]) for key in states[0]}

    def split_state(self, state: dict) -> list[dict[str, np.ndarray]]:
        """A batch state, trial by trial (the inverse of :meth:`stack_states`)."""
        parts = {key: self.split(v, key) for key, v in state.items()}
        return [{key: parts[key][k] for key in state} for k in range(self.trials)]


def dense_weight_matrices(synapses: Sequence, layer_sizes: Sequence[int],
                          batch: TrialBatch | None = None, trial: int | None = None
                          ) -> list[np.ndarray]:
    """The weight matrices (n_post × n_pre) of all-to-all projections ``synapses`` between
    consecutive ``layer_sizes``, each connected in the pre-major order of
    :func:`~spiketeach.core.connectivity.dense_indices` (block by block in a batch): of trial
    ``trial`` when ``batch`` holds the trials, which then must be named."""
    if batch is not None:
        if trial is None or not 0 <= trial < batch.trials:
            raise ValueError(f"this network holds a batch of {batch.trials} trials: pass "
                             f"trial= 0..{batch.trials - 1}")
        w = [batch.split(syn.w[:], syn.name)[trial] for syn in synapses]
    else:
        w = [np.asarray(syn.w[:]) for syn in synapses]
    return [wk.reshape(n_pre, n_post).T.copy()
            for wk, n_pre, n_post in zip(w, layer_sizes[:-1], layer_sizes[1:])]


def save_batch_checkpoint(path: str | os.PathLike, trial_ids: Sequence, state: dict, meta: dict
                          ) -> None:
    """Checkpoint a batch (atomically): its state (one batch state), the identities of its
    trials in block order (JSON values, e.g. seeds or sweep keys) and ``meta``."""
    trial_ids = list(trial_ids)
    batch = TrialBatch(len(trial_ids))
    for key, v in state.items():
        batch.per_trial(np.size(v), key)  # (a ValueError now, not a wrong resume later)
    save_checkpoint(path, state, {**meta, "batch_trials": trial_ids})


def load_batch_checkpoint(path: str | os.PathLike, trial_ids: Sequence
                          ) -> tuple[dict[str, np.ndarray], dict]:
    """The ``(state, meta)`` of a batch checkpoint written for exactly ``trial_ids``."""
    state, meta = load_checkpoint(path)
    saved = meta.get("batch_trials")
    if saved is None:
        raise CheckpointError(f"{path} is not a batch checkpoint (it records no trials)")
    if list(saved) != list(trial_ids):
        raise CheckpointError(f"{path} holds the trials {saved}, not {list(trial_ids)}: "
                              "resume the same batch or start afresh")
    return state, meta
