"""Hunsberger & Eliasmith (COSYNE 2017 poster): hidden-layer-2 rasters before/after learning, tuning.

The poster shows a raster of 40 neurons of the second hidden layer before learning (sparse,
input-independent firing: the initial weights are tiny, so every neuron sits at threshold) and
after learning (input-dependent firing). This script runs the poster's protocol (the same run as
learning.py), records layer-2 spikes in the pre-test and post-test windows
(learning off) and summarises the tuning of all 80 neurons:

* from spikes: rates per presentation -> selectivity index (lifetime sparseness), split-half
  reliability (does the rate depend on the stimulus at all? sparse noise firing scores a high
  selectivity but ~0 reliability) and the R^2 of a linear fit of rate on the 30-D input (only
  with enough stimuli: the post-test), before vs after;
* from the rate model of the network with the weights before/after learning: tuning curves along
  each input axis and along random unit directions.

Usage: ``python figures/hunsberger2017/rasters.py [--quick] [--device cpp_standalone]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.analysis.selectivity import (  # noqa: E402
    presentation_rates,
    selectivity_index,
    split_half_reliability,
    summarise_tuning,
    tuning_curves,
)
from spiketeach.core.devices import reset_device, select_device  # noqa: E402
from spiketeach.models.hunsberger2017.params import HunsbergerParams  # noqa: E402
from spiketeach.protocols.hunsberger2017.linear_map import (
    LinearMapTask,
    PosterProtocol,
    run_spiking_protocol,  # noqa: E402
)
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "rasters"
HERE = Path(__file__).resolve().parent
LAYER = 1          # second hidden layer
N_RASTER = 40      # neurons shown (poster: 40)
N_STIM = 10        # stimuli shown (2.2 s)


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "cpp_standalone") -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    params = HunsbergerParams()
    protocol = PosterProtocol(10, 20, 10) if quick else PosterProtocol.from_params(params)
    pres = float(params.presentation)
    task = LinearMapTask()
    select_device(device)
    try:
        sp, fan = run_spiking_protocol(params, protocol, task, seed=seed)
        rate_model = {"before": lambda x: fan.rate_forward(x, sp.weights_before)["hidden"][LAYER],
                      "after": lambda x: fan.rate_forward(x, sp.weights_after)["hidden"][LAYER]}
        amp = params.amplitude
        n_hidden = len(fan.hidden[LAYER])
    finally:
        reset_device()

    idx, times = sp.hidden_spikes[LAYER]
    windows = {"before": np.arange(protocol.n_pretest),
               "after": np.arange(protocol.n_pretest + protocol.n_train, protocol.n)}
    spike_stats, rates = {}, {}
    for key, pres_idx in windows.items():
        r = presentation_rates(idx, times, n_hidden, pres, pres_idx)
        rates[key] = r
        spike_stats[key] = summarise_tuning(r, sp.inputs[pres_idx])
        rel = split_half_reliability(idx, times, n_hidden, pres, pres_idx)
        spike_stats[key]["median_split_half_reliability"] = (
            float(np.nanmedian(rel)) if np.isfinite(rel).any() else None)

    # rate-model tuning curves along the 30 input axes and 20 random directions
    rng = np.random.default_rng([seed, 7])
    axes_dirs = np.eye(task.n_in)
    rand_dirs = rng.standard_normal((20, task.n_in))
    rand_dirs /= np.linalg.norm(rand_dirs, axis=1, keepdims=True)
    levels = np.linspace(-1.5, 1.5, 31)
    model_stats, curves = {}, {}
    for key, fn in rate_model.items():
        hz = lambda x, fn=fn: fn(x) / amp  # noqa: E731  (activities -> Hz)
        c_axes = tuning_curves(hz, axes_dirs, levels)
        c_rand = tuning_curves(hz, rand_dirs, levels)
        curves[key] = c_rand
        allr = np.concatenate([c_axes.reshape(-1, n_hidden), c_rand.reshape(-1, n_hidden)])
        si = selectivity_index(allr)
        depth = c_axes.max(axis=1) - c_axes.min(axis=1)  # (axes × neurons) modulation in Hz
        model_stats[key] = {
            "mean_rate_hz": float(allr.mean()),
            "median_selectivity": float(np.nanmedian(si)) if np.isfinite(si).any() else None,
            "median_axis_modulation_hz": float(np.median(depth.max(axis=0))),
        }

    result = {
        "paper": {"panel": "raster of 40 hidden neurons before/after learning (poster: 2nd hidden "
                            "layer; thesis caption: 1st)",
                  "before": "sparse, input-independent spiking (tiny initial weights)",
                  "after": "input-dependent spiking"},
        "ours": {"spikes": spike_stats, "rate_model": model_stats,
                 "spikes_in_raster_before": int(np.sum((times < N_STIM * pres) & (idx < N_RASTER))),
                 "layer": LAYER + 1},
        "protocol": {"n_pretest": protocol.n_pretest, "n_train": protocol.n_train,
                     "n_posttest": protocol.n_posttest, "presentation_s": pres,
                     "rates_from": "spike counts from 30 ms after each onset to its end",
                     "selectivity": "lifetime sparseness (Vinje & Gallant 2000) over stimuli",
                     "tuning_levels": [-1.5, 1.5], "random_directions": 20},
        "seed": seed, "device": device, "wall_s": None,
        "quick": bool(quick),
    }
    _plot(idx, times, windows, protocol, pres, curves, levels, rates, out_dir / f"{NAME}.png")
    result["wall_s"] = time.perf_counter() - start
    write_result(out_dir, NAME, result)
    return result


def _plot(idx, times, windows, protocol, pres, curves, levels, rates, path):
    fig = plt.figure(figsize=(11, 7))
    gs = fig.add_gridspec(2, 3)
    for col, (key, first) in enumerate((("before", 0), ("after", protocol.n - min(N_STIM, protocol.n_posttest)))):
        ax = fig.add_subplot(gs[0, col])
        n_stim = min(N_STIM, len(windows[key]))
        t0, t1 = first * pres, (first + n_stim) * pres
        sel = (times >= t0) & (times < t1) & (idx < N_RASTER)
        ax.plot(times[sel] - t0, idx[sel], "|", color="k", ms=3)
        for k in range(1, n_stim):
            ax.axvline(k * pres, color="0.85", lw=0.5, zorder=0)
        ax.set_xlim(0, n_stim * pres)
        ax.set_ylim(-1, N_RASTER)
        ax.set_title(f"layer 2, {key} learning ({sel.sum()} spikes)", fontsize=9)
        ax.set_xlabel("time (s)")
        if col == 0:
            ax.set_ylabel("neuron")
    ax = fig.add_subplot(gs[0, 2])
    for key, color in (("before", "0.6"), ("after", "k")):
        si = selectivity_index(rates[key])
        si = si[np.isfinite(si)]
        ax.hist(si, bins=np.linspace(0, 1, 21), histtype="step", color=color,
                label=f"{key} ({len(si)} active)")
    ax.set_xlabel("selectivity index (spikes)")
    ax.set_ylabel("neurons")
    ax.legend(fontsize=8)
    for col, key in enumerate(("before", "after")):
        ax = fig.add_subplot(gs[1, col])
        c = curves[key]
        best = np.argsort(-(c.max(axis=(0, 1)) - c.min(axis=(0, 1))))[:5]
        for n in best:
            d = np.argmax(c[:, :, n].max(axis=1) - c[:, :, n].min(axis=1))
            ax.plot(levels, c[d, :, n], lw=1)
        ax.set_title(f"rate-model tuning along random directions, {key}", fontsize=9)
        ax.set_xlabel("input along direction")
        ax.set_ylabel("rate (Hz)")
    ax = fig.add_subplot(gs[1, 2])
    for key, color in (("before", "0.6"), ("after", "k")):
        ax.hist(rates[key].mean(axis=0), bins=20, histtype="step", color=color, label=key)
    ax.set_xlabel("mean rate over test stimuli (Hz)")
    ax.set_ylabel("neurons")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="40 presentations instead of ~5000", out=HERE, device="cpp_standalone")
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    s = res["ours"]["spikes"]
    print(f"layer-2 median selectivity before {s['before']['median_selectivity']:.2f}, after "
          f"{s['after']['median_selectivity']:.2f}; wrote {args.out / NAME}.png/.json "
          f"in {res['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
