"""Blocks of a batch of Samadi trials (:mod:`spiketeach.core.batch`): N independent learners,
each with its own inputs and labels, in one network built with one seed per trial
(:func:`spiketeach.models.samadi2017.build` with ``seed=[...]``).

:func:`run_batch_block` is :func:`~spiketeach.protocols.samadi2017.training.run_block` for a
batch: per-trial stimuli and targets become the trials' column blocks of the TimedArrays, the
learning gate (the schedule) is shared, and the output spikes are split back per trial. Trial k
of the batch gives what the same trial run alone gives (tests/models/samadi2017/test_batch.py).
"""

from __future__ import annotations

import numpy as np

from spiketeach.analysis.accuracy import answers_from_counts
from spiketeach.core.schedule import window_counts
from spiketeach.models.samadi2017.network import BANetwork
from spiketeach.protocols.samadi2017.training import BlockResult, targets_to_drive

__all__ = ["batch_timed_arrays", "run_batch_block", "split_spikes"]


def batch_timed_arrays(ban: BANetwork, inputs, labels, learn) -> dict:
    """``{TimedArray: values}`` of one block: ``inputs`` (trials × presentations × n_in),
    ``labels`` (trials × presentations), ``learn`` (presentations, shared by the trials)."""
    batch, sched = ban.batch, ban.schedule
    inputs, labels = np.asarray(inputs, dtype=float), np.asarray(labels)
    if inputs.ndim != 3 or len(inputs) != batch.trials or labels.shape != inputs.shape[:2]:
        raise ValueError(f"a batch of {batch.trials} trials needs inputs of shape ({batch.trials}, "
                         f"{sched.n}, {ban.layer_sizes[0]}) and labels ({batch.trials}, {sched.n}); "
                         f"got {inputs.shape} and {labels.shape}")
    return {ban.stimulus: batch.columns([sched.check_rows(x, "inputs") for x in inputs]),
            ban.target_drive: batch.columns([targets_to_drive(y, ban.n_outputs,
                                                              ban.target_drive_high)
                                             for y in labels]),
            ban.learning_gate: sched.gate_values(learn)}


def split_spikes(ban: BANetwork, monitor=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(i, t)`` (cell of the trial, seconds) of ``monitor`` (default: the output's) per trial."""
    mon = monitor if monitor is not None else ban.output_spikes
    n = ban.batch.per_trial(len(mon.source), mon.source.name)
    return ban.batch.split_spikes(mon.i[:], np.asarray(mon.t[:]), n)


def run_batch_block(ban: BANetwork, state: dict[str, np.ndarray] | None, inputs, labels,
                    learn) -> list[BlockResult]:
    """Run one block of every trial of ``ban`` from ``state`` (a batch state; None: the values
    the network was built with); one :class:`BlockResult` per trial."""
    timed = batch_timed_arrays(ban, inputs, labels, learn)
    ban.runner.run(ban.state_pairs(state) if state is not None else [], timed)
    learn = np.asarray(learn)
    out = []
    for (i, t), y in zip(split_spikes(ban), np.asarray(labels)):
        counts = window_counts(i, t, ban.n_outputs, ban.schedule)
        out.append(BlockResult(counts, answers_from_counts(counts), y, learn))
    return out
