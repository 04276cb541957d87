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

__all__ = ["run_spiking", "error_percent"]


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
    params = params or Hunsberger2015Params()
    images = np.atleast_2d(np.asarray(images, dtype=float))
    if int(block) < 1:
        raise ValueError(f"block must be >= 1, got {block}")
    block = min(int(block), len(images))
    settles = sorted(set([params.settle] + list(settles or [])))
    start = time.perf_counter()
    conv = build_converted_network(weights, biases, images[:block], params)
    runner = BlockRunner(conv.network, conv.duration)
    scores = {s: [] for s in settles}
    rates, counts = [], []
    for i in range(0, len(images), block):
        part = images[i:i + block]
        padded = np.concatenate([part, np.repeat(part[-1:], block - len(part), axis=0)])
        runner.run(timed_arrays={conv.image_input: conv.input_values(padded)})
        for s in settles:
            scores[s].append(conv.scores(s)[:len(part)])
        rates.append(conv.mean_rates())
        counts.append(len(padded))
        if log:
            log(f"spiking: {i + len(part)}/{len(images)} images "
                f"({time.perf_counter() - start:.0f} s)")
    by_settle = {s: np.concatenate(v) for s, v in scores.items()}
    return {"scores": by_settle[params.settle], "pred": by_settle[params.settle].argmax(axis=1),
            "pred_by_settle": {s: v.argmax(axis=1) for s, v in by_settle.items()},
            "mean_rates_hz": [float(r) for r in np.average(np.asarray(rates), axis=0,
                                                             weights=counts)],
            "wall_s": time.perf_counter() - start,
            "sim_s": float(len(images) * params.presentation), "blocks": len(counts)}
