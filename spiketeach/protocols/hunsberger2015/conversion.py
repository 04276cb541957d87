"""Running a trained rate network as a spiking LIF network in Brian2 (inference protocol).

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

The trained weights and biases go unchanged into the network of
:func:`spiketeach.models.hunsberger2015.network.build_converted_network` (LIF neurons, alpha
synapses tau_s = 5 ms, spikes of area m). Test images are shown back to back for
``params.presentation`` each, without resetting the neurons; the class of an image is the argmax
of the output averaged over [``params.settle``, ``params.presentation``) of its presentation (the
thesis' readout; the 2015 code used the last 10 ms). Runs on the Brian2 device already selected
(``select_device``); on a standalone device the network is compiled once and the images are
passed in blocks as ``run_args``.
"""

from __future__ import annotations

import time

import numpy as np

# after the family layout (issue 24): spiketeach.core.runner
from spiketeach.core.runner import BlockRunner
from spiketeach.models.hunsberger2015.network import build_converted_network
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params

__all__ = ["run_spiking", "run_spiking_batch", "error_percent"]


def error_percent(pred, labels) -> float:
    """Classification error in percent."""
    return float(100.0 * np.mean(np.asarray(pred) != np.asarray(labels)))


def run_spiking(weights, biases, images, params: Hunsberger2015Params | None = None, *,
                block: int = 1000, settles=None, log=None) -> dict:
    """Present ``images`` to the spiking network of ``(weights, biases)``.

    The network is built once for ``block`` images (fewer if there are fewer) and run block after
    block with :class:`BlockRunner` (on a standalone device: one compilation, each block a re-run
    of the binary with the block's inputs as ``run_args``). Each block starts from rest; within a
    block images follow each other without reset. A short last block is padded by repeating its
    last image (those outputs are dropped; the mean rates include them).

    Parameters
    ----------
    settles : sequence of float, optional
        Extra settling times (s) at which to read the class as well (same run).

    Returns a dict: ``scores`` (n_images × classes, at ``params.settle``), ``pred``,
    ``pred_by_settle`` ({settle: pred}), ``mean_rates_hz`` (per hidden layer), ``wall_s``,
    ``sim_s`` (simulated seconds), ``blocks``.
    """
    return _run([weights], [biases], images, params, block=block, settles=settles, log=log,
                batched=False)[0]


def run_spiking_batch(weights, biases, images, params: Hunsberger2015Params | None = None, *,
                      block: int = 1000, settles=None, log=None) -> list[dict]:
    """:func:`run_spiking` for several networks of one shape at once (one list of layers per
    network in ``weights`` and ``biases``; ``images`` shared, or trials × n_images × n_inputs),
    as ONE batched network (:mod:`spiketeach.core.batch`): one build and one compilation for
    all. Returns one dict per network, each what :func:`run_spiking` returns for it alone (the
    same spikes, so the same predictions: tests/models/hunsberger2015/test_hunsberger2015_batch.py);
    ``wall_s`` is the whole batch's."""
    weights, biases = list(weights), list(biases)
    if not weights:
        raise ValueError("a batch needs at least one network")
    return _run(weights, biases, images, params, block=block, settles=settles, log=log,
                batched=True)


def _run(weights: list, biases: list, images, params, *, block, settles, log, batched):
    params = params or Hunsberger2015Params()
    trials = len(weights)
    images = np.asarray(images, dtype=float)
    if images.ndim == 3:
        if not batched:
            raise ValueError(f"images must be (n_images, n_inputs), got shape {images.shape}")
        if len(images) != trials:
            raise ValueError(f"{trials} networks but images for {len(images)} (shape "
                             f"{images.shape}): give one set per network, or one for all")
    else:
        images = np.atleast_2d(images)
    per_trial = images.ndim == 3
    n_images = images.shape[1] if per_trial else len(images)
    if int(block) < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    block = min(int(block), n_images)
    settles = sorted(set([params.settle] + list(settles or [])))
    start = time.perf_counter()
    first = images[:, :block] if per_trial else images[:block]
    if batched:
        conv = build_converted_network(weights, biases, first, params)
    else:
        conv = build_converted_network(weights[0], biases[0], first, params)
    runner = BlockRunner(conv.network, conv.duration)
    scores = {s: [] for s in settles}
    rates, counts = [], []
    for i in range(0, n_images, block):
        part = images[..., i:i + block, :]
        pad = np.repeat(part[..., -1:, :], block - part.shape[-2], axis=-2)
        padded = np.concatenate([part, pad], axis=-2)
        runner.run(timed_arrays={conv.image_input: conv.input_values(padded)})
        n_part = part.shape[-2]
        for s in settles:  # trials × images × classes
            scores[s].append(conv.scores(s).reshape(trials, block, -1)[:, :n_part])
        rates.append(np.reshape(conv.mean_rates(), (trials, -1)))
        counts.append(block)
        if log:
            log(f"spiking: {i + n_part}/{n_images} images"
                f"{f' x {trials} networks' if batched else ''} "
                f"({time.perf_counter() - start:.0f} s)")
    by_settle = {s: np.concatenate(v, axis=1) for s, v in scores.items()}
    wall = time.perf_counter() - start
    mean_rates = np.average(np.stack(rates), axis=0, weights=counts)  # trials × layers
    return [{"scores": by_settle[params.settle][k],
             "pred": by_settle[params.settle][k].argmax(axis=1),
             "pred_by_settle": {s: v[k].argmax(axis=1) for s, v in by_settle.items()},
             "mean_rates_hz": [float(r) for r in mean_rates[k]],
             "wall_s": wall, "sim_s": float(n_images * params.presentation),
             "blocks": len(counts), **({"networks_in_batch": trials} if batched else {})}
            for k in range(trials)]
