"""Running a trained rate network as a spiking LIF network in Brian2 (inference protocol).

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

The trained weights and biases go unchanged into the network of
:func:`spiketeach.models.hunsberger2015.network.build_converted_network` (LIF neurons, alpha
synapses tau_s = 5 ms, spikes of area m). Test images are shown back to back for
``params.presentation`` each, without resetting the neurons; the class of an image is the argmax
of the output averaged over [``params.settle``, ``params.presentation``) of its presentation (the
thesis' readout; the 2015 code used the last 10 ms). Runs on the Brian2 device already selected
(:func:`spiketeach.devices.select_device`); on a standalone device every chunk is one build.
"""

from __future__ import annotations

import time

import numpy as np
from brian2 import second

from ...models.hunsberger2015.network import build_converted_network
from ...models.hunsberger2015.params import Hunsberger2015Params

__all__ = ["run_spiking", "error_percent"]


def error_percent(pred, labels) -> float:
    """Classification error in percent."""
    return float(100.0 * np.mean(np.asarray(pred) != np.asarray(labels)))


def run_spiking(weights, biases, images, params: Hunsberger2015Params | None = None, *,
                chunk: int | None = None, settles=None, log=None) -> dict:
    """Present ``images`` to the spiking network of ``(weights, biases)``.

    Parameters
    ----------
    chunk : int, optional
        Images per Brian2 run (a fresh network each: neurons start at rest at every chunk);
        all at once if omitted.
    settles : sequence of float, optional
        Extra settling times (s) at which to read the class as well (same run).

    Returns a dict: ``scores`` (n_images × classes), ``pred``, ``pred_by_settle`` ({settle:
    pred}), ``trace_means`` (mean output per image over time, n_images × steps × classes is not
    kept), ``mean_rates_hz`` (per hidden layer), ``wall_s``, ``sim_s`` (simulated seconds).
    """
    params = params or Hunsberger2015Params()
    images = np.atleast_2d(np.asarray(images, dtype=float))
    chunk = chunk or len(images)
    settles = sorted(set([params.settle] + list(settles or [])))
    start = time.perf_counter()
    scores = {s: [] for s in settles}
    rates, counts = [], []
    for i in range(0, len(images), chunk):
        block = images[i:i + chunk]
        conv = build_converted_network(weights, biases, block, params)
        conv.network.run(conv.duration, namespace={})
        for s in settles:
            scores[s].append(conv.scores(s))
        rates.append(conv.mean_rates())
        counts.append(len(block))
        if log:
            log(f"spiking: {i + len(block)}/{len(images)} images "
                f"({time.perf_counter() - start:.0f} s)")
    w = np.asarray(counts, dtype=float) / sum(counts)
    by_settle = {s: np.concatenate(v) for s, v in scores.items()}
    return {"scores": by_settle[params.settle], "pred": by_settle[params.settle].argmax(axis=1),
            "pred_by_settle": {s: v.argmax(axis=1) for s, v in by_settle.items()},
            "mean_rates_hz": list(np.asarray(rates).T @ w),
            "wall_s": time.perf_counter() - start,
            "sim_s": float(len(images) * params.presentation)}
