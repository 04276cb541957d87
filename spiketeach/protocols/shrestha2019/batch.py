"""Blocks and training runs of a batch of EMSTDP trials (:mod:`spiketeach.core.batch`): N
independent networks, each with its own weights, samples, labels and random numbers, as one
network built with one seed per trial (:func:`spiketeach.models.shrestha2019.build` with
``seed=[...]``).

:func:`run_emstdp_batch_block` is :func:`~spiketeach.protocols.shrestha2019.training.run_emstdp_block`
for a batch: the trials' samples and labels become their column blocks of the TimedArrays, the
learning flags are shared, and each trial's random numbers (shared-random input, target spikes)
are drawn in numpy from the trial's block seed as the trial alone draws them
(:mod:`~spiketeach.models.shrestha2019.draws`); the counts come back per trial.
:func:`train_emstdp_batch` is :func:`~spiketeach.protocols.shrestha2019.training.train_emstdp`
for a batch (:class:`~spiketeach.core.batch_training.EpochBatchTraining`). Trial k of a batch gives
what the same trial run alone gives (tests/models/shrestha2019/test_batch.py).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from spiketeach.core.batch_training import EpochBatchTraining, evaluate_batch_in_blocks
from spiketeach.core.devices import select_device
from spiketeach.core.training import train_blocks
from spiketeach.models.shrestha2019 import EMSTDPParams, build
from spiketeach.models.shrestha2019.draws import target_spikes, trial_draws
from spiketeach.models.shrestha2019.network import EMSTDPNetwork, recorded_counts
from spiketeach.protocols.shrestha2019.training import (
    BlockCounts,
    EMSTDPLog,
    one_hot,
    run_configuration,
)

__all__ = ["batch_timed_arrays", "run_emstdp_batch_block", "split_spikes",
           "evaluate_emstdp_batch", "train_emstdp_batch", "run_seeds"]


def _check_batch(net: EMSTDPNetwork) -> None:
    if not net.is_batch:
        raise ValueError("this network holds one trial (built with one seed): run its blocks "
                         "with run_emstdp_block, or build a batch with seed=[...]")


def batch_timed_arrays(net: EMSTDPNetwork, inputs, labels, learn, seeds) -> dict:
    """``{TimedArray: values}`` of one block: ``inputs`` (trials × presentations × n_in, spike
    probabilities in [0, 1]), ``labels`` (trials × presentations), ``learn`` (presentations,
    shared by the trials) and ``seeds`` (one block seed per trial)."""
    _check_batch(net)
    batch, n, p = net.batch, net.n_presentations, net.params
    inputs = np.asarray(inputs, dtype=float)
    labels = np.asarray(labels, dtype=int)
    learn = np.asarray(learn, dtype=float).reshape(-1)
    shape = (batch.trials, n, net.layer_sizes[0])
    if inputs.shape != shape or labels.shape != shape[:2] or learn.shape != (n,):
        raise ValueError(f"a block of this batch needs inputs of shape {shape}, labels "
                         f"{shape[:2]} and {n} learn flags; got {inputs.shape}, {labels.shape}, "
                         f"{learn.shape}")
    if seeds is None or np.ndim(seeds) != 1 or len(seeds) != batch.trials:
        raise ValueError(f"a block of this batch needs one seed per trial ({batch.trials}): its "
                         f"random numbers are drawn per trial from them; got {seeds!r}")
    if inputs.min() < 0 or inputs.max() > 1:
        raise ValueError("inputs must be spike probabilities in [0, 1]")
    hot = [one_hot(y, net.n_outputs) for y in labels]
    r, targets = [], []
    for seed, h in zip(seeds, hot):
        r_k, u_k = trial_draws(seed, n * p.T, net.n_outputs)
        r.append(r_k[:, None])
        targets.append(target_spikes(u_k, h, p.loss_target_rate, p.T))
    # (no ``label``: a batch's loss neurons read the labels through their target spikes, and
    # a compiled batch has no label array to set)
    return {net.stimulus: batch.columns(inputs), net.learn_gate: learn,
            net.shared_random: batch.columns(r), net.target_spike: batch.columns(targets)}


def split_spikes(net: EMSTDPNetwork, monitor) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(i, t)`` (cell of the trial, seconds) of a spike ``monitor`` of ``net``, per trial."""
    n = net.batch.per_trial(len(monitor.source), monitor.source.name)
    return net.batch.split_spikes(monitor.i[:], np.asarray(monitor.t[:]), n)


def run_emstdp_batch_block(net: EMSTDPNetwork, state: dict[str, np.ndarray] | None, inputs,
                           labels, learn, seeds) -> list[BlockCounts]:
    """Run one block of every trial of ``net`` from ``state`` (a batch state; None: the values
    the batch was built with); one :class:`BlockCounts` per trial."""
    timed = batch_timed_arrays(net, inputs, labels, learn, seeds)
    net.runner.run(net.state_pairs(state) if state is not None else [], timed)
    n = net.n_presentations
    learn = np.asarray(learn, dtype=float).reshape(-1)
    per_layer = [[net.batch.split_columns(c)
                  for c in recorded_counts(m, n, net.params.window)] for m in net.window_counts]
    out_index = [k for k, m in enumerate(net.window_counts) if m.source is net.output]
    if not out_index:
        raise RuntimeError("the network does not record the output counts (record_counts='none')")
    results = []
    for k, y in enumerate(np.asarray(labels, dtype=int)):
        layers = [(h1[k], h2[k]) for h1, h2 in per_layer]
        h1, h2 = layers[out_index[0]]
        results.append(BlockCounts(h1, h2, y, learn, layers))
    return results


def evaluate_emstdp_batch(net: EMSTDPNetwork, state, inputs, labels, seeds,
                          progress=None) -> list[float]:
    """Accuracy (fraction) of every trial on one set with learning off, in blocks (the last one
    padded); test block k of trial t is seeded with ``block_seed(seeds[t], 1, k)``, as
    :func:`~spiketeach.protocols.shrestha2019.training.evaluate_emstdp` seeds it alone."""
    def run(st, xs, ys, learn, block_seeds):
        return run_emstdp_batch_block(net, st, xs, ys, learn, block_seeds)
    return evaluate_batch_in_blocks(run, net.n_presentations, state, inputs, labels, seeds,
                                    progress=progress)


def train_emstdp_batch(net: EMSTDPNetwork, x_train, y_train, x_test, y_test, *,
                       epochs: int = 1, n_train: int | None = None,
                       rngs, seeds=None, initial_state: dict | None = None,
                       checkpoint: str | Path | None = None, resume: bool = False,
                       shuffle: bool = True, test_every_blocks: int | None = None,
                       progress=print) -> tuple[list[EMSTDPLog], dict[str, np.ndarray]]:
    """:func:`~spiketeach.protocols.shrestha2019.training.train_emstdp` for every trial of a
    batch at once: trial t draws its orders from ``rngs[t]`` and seeds its blocks from
    ``seeds[t]`` (default: the trials' build seeds), as ``train_emstdp(..., rng=rngs[t],
    seed=seeds[t])`` does alone. Returns the trials' learning curves and the batch state; the
    checkpoint records the trials (a batch resumes only as the same batch)."""
    _check_batch(net)
    seeds = list(net.seed) if seeds is None else [int(s) for s in seeds]

    def fixed_order(rng, k):
        return np.arange(k)
    training = EpochBatchTraining(net, run_emstdp_batch_block, x_train, y_train, x_test, y_test,
                                  epochs=epochs, n_train=n_train, rngs=list(rngs), seeds=seeds,
                                  test_every_blocks=test_every_blocks, progress=progress,
                                  draw_order=None if shuffle else fixed_order)
    state = train_blocks(net, training, rng=np.random.default_rng(0),
                         initial_state=initial_state, checkpoint=checkpoint, resume=resume,
                         progress=progress)
    return training.logs, state


def run_seeds(data, sizes, seeds, *, batch: bool = False, feedback: str = "symmetric",
              params=None, epochs: int = 1, n_train: int | None = None,
              n_test: int | None = None, block: int = 100, device: str = "runtime",
              build_dir=None, checkpoint=None, resume: bool = False,
              final_test: int | None = None, test_every_blocks: int | None = None,
              progress=print) -> list[dict]:
    """:func:`~spiketeach.protocols.shrestha2019.training.run_configuration` for each of
    ``seeds``; one summary per seed, in their order. ``batch``: all seeds as one batch (one
    network, one build; the shared-random encoding), each trial the run of its seed alone;
    otherwise one run after the other. ``build_dir`` and ``checkpoint`` (paths) get the seeds
    in their names: ``<checkpoint stem>_seed<s>`` alone, ``_batch<s0>-<s1>...`` for a batch."""
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds) or not seeds:
        raise ValueError(f"seeds must be distinct and at least one, got {seeds}")

    def named(path, tag):
        if path is None:
            return None
        path = Path(path)
        return path.with_name(f"{path.stem}_{tag}{path.suffix}")
    if not batch:
        return [{**run_configuration(data, sizes, feedback=feedback, params=params,
                                     epochs=epochs, n_train=n_train, n_test=n_test, block=block,
                                     device=device, build_dir=named(build_dir, f"seed{s}"),
                                     checkpoint=named(checkpoint, f"seed{s}"), resume=resume,
                                     seed=s, final_test=final_test,
                                     test_every_blocks=test_every_blocks, progress=progress),
                 "seed": s} for s in seeds]
    params = params or EMSTDPParams()
    xtr, ytr, xte, yte = data
    n_test = len(yte) if n_test is None else min(n_test, len(yte))
    final_test = len(yte) if final_test is None else min(final_test, len(yte))
    tag = "batch" + "-".join(str(s) for s in seeds)
    if device != "runtime":
        select_device(device, build_dir=named(build_dir, tag))
    else:
        select_device("runtime")
    net = build(sizes, block, params=params, feedback=feedback, seed=seeds)
    t0 = time.perf_counter()
    logs, state = train_emstdp_batch(net, xtr, ytr, xte[:n_test], yte[:n_test], epochs=epochs,
                                     n_train=n_train,
                                     rngs=[np.random.default_rng(s + 1) for s in seeds],
                                     checkpoint=named(checkpoint, tag), resume=resume,
                                     test_every_blocks=test_every_blocks, progress=progress)
    t_train = time.perf_counter() - t0
    accs = ([log.test_accuracy[-1] for log in logs] if final_test == n_test
            else evaluate_emstdp_batch(net, state, xte[:final_test], yte[:final_test], seeds))
    wall = time.perf_counter() - t0
    return [{"accuracy": 100.0 * acc, "final_test_samples": final_test, "log": log.as_dict(),
             "epochs": epochs, "train_samples_per_epoch": (n_train or len(ytr)) // block * block,
             "train_wall_s": t_train, "wall_s": wall, "params": params.as_dict(),
             "feedback": feedback, "sizes": list(sizes), "seed": s,
             "batch": {"seeds": seeds, "wall_s_of_the_batch": wall}}
            for s, acc, log in zip(seeds, accs, logs)]
