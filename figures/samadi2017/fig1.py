"""Samadi, Lillicrap & Tweed (2017), Fig. 1: the dynamic LIF neuron's drive, hillock and output.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602.

One cell (eqs. 2.1–2.3, Table 1: tau = 20 ms, h_th = 0.4, 1 ms pulses, dt = 0.25 ms) whose drive v
steps 0.3 → 0.6 → 1.2, 100 ms each. Below threshold (0.3) the hillock h settles at v and never
fires; above it h climbs to h_th, the cell emits a 1 ms pulse (a = 1, h held at 0) and h starts
again, faster for the larger drive. Writes ``fig1.png`` and ``.json``; beside the plot,
the JSON compares each step's pulse count and mean output with the closed form of §2.4.

Usage: ``python figures/samadi2017/fig1.py [--quick] [--device runtime] [--out DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import numpy as np  # noqa: E402
from brian2 import ms  # noqa: E402

from spiketeach.analysis.tuning import pulse_counts  # noqa: E402
from spiketeach.core.devices import select_device  # noqa: E402
from spiketeach.models.samadi2017.activation import closed_form_activity
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402
from spiketeach.plotting import save_figure  # noqa: E402
from spiketeach.protocols.samadi2017.tuning import FIG1_DRIVE_STEPS, simulate_trace  # noqa: E402
from spiketeach.results import figure_parser, finish_result  # noqa: E402

NAME = "fig1"
HERE = Path(__file__).resolve().parent


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime") -> dict:
    """Simulate, plot and write ``<out_dir>/samadi2017_fig1.{png,json}``; return the JSON dict.

    The neuron is deterministic, so ``seed`` is only recorded; ``quick`` changes nothing (the
    full figure already takes about a second) and is accepted for a uniform interface.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = SamadiParams()
    steps = FIG1_DRIVE_STEPS
    start = time.perf_counter()
    select_device(device)
    t, v, h, a = simulate_trace(steps, params)

    levels = [float(d) for d, _ in steps]
    edges = np.concatenate([[0.0], np.cumsum([float(length) for _, length in steps])])
    counts = pulse_counts(t, a, edges)
    mean_a = [float(a[(t >= lo) & (t < hi)].mean()) for lo, hi in zip(edges[:-1], edges[1:])]
    closed = closed_form_activity(levels, params.tau, params.h_th, params.t_ref)
    # First pulse after the step to 0.6: h starts from the settled 0.3, so the continuous-time
    # latency is tau log((0.6 - 0.3) / (0.6 - h_th)).
    after = np.flatnonzero((t >= edges[1]) & (a > 0.5))
    latency = float(t[after[0]] - edges[1]) if after.size else None
    latency_closed = float(params.tau) * np.log((levels[1] - levels[0]) / (levels[1] - params.h_th))

    result = {
        "paper": {
            "figure": "Fig. 1",
            "drive_steps": levels,
            "step_ms": [float(length / ms) for _, length in steps],
            "tau_ms": float(params.tau / ms),
            "h_th": params.h_th,
            "t_ref_ms": float(params.t_ref / ms),
            "dt_ms": float(params.dt / ms),
            "description": "v steps 0.3 -> 0.6 -> 1.2; no pulses below threshold, pulse rate "
                           "rises with the drive",
        },
        "ours": {
            "pulses_per_step": [int(c) for c in counts],
            "mean_a_per_step": mean_a,
            "closed_form_mean_a_per_step": [float(x) for x in closed],
            "h_max_first_step": float(h[t < edges[1]].max()),
            "first_pulse_latency_ms_after_step_to_0.6": None if latency is None else latency * 1e3,
            "closed_form_latency_ms": latency_closed * 1e3,
        },
        "protocol": {
            "cells": 1,
            "recorded": "v, h, a at the end of every step (after threshold and reset)",
            "dt_ms": float(params.dt / ms),
        },
        "seed": seed,
        "device": device,
        "wall_s": None,  # filled in after plotting
        "quick": bool(quick),
    }

    _plot(t, v, h, a, params, edges, out_dir / f"{NAME}.png")
    return finish_result(out_dir, NAME, result, start)


def _plot(t, v, h, a, params, edges, path):
    t_ms = t * 1e3
    fig, axes = plt.subplots(3, 1, figsize=(7, 5.5), sharex=True,
                             gridspec_kw={"height_ratios": [1, 1.4, 0.8]})
    axes[0].plot(t_ms, v, color="k", lw=1.2)
    axes[0].set_ylabel("drive v")
    axes[0].set_ylim(0, max(v) * 1.15)
    axes[1].plot(t_ms, h, color="tab:blue", lw=1)
    axes[1].axhline(params.h_th, color="tab:red", ls="--", lw=0.8)
    axes[1].text(t_ms[0], params.h_th, r"$h_{th}$", color="tab:red", va="bottom", ha="left")
    axes[1].set_ylabel("hillock h")
    axes[2].step(t_ms, a, where="post", color="tab:green", lw=0.8)
    axes[2].set_ylabel("output a")
    axes[2].set_yticks([0, 1])
    axes[2].set_xlabel("time (ms)")
    for ax in axes:
        for edge in edges[1:-1]:
            ax.axvline(edge * 1e3, color="0.8", lw=0.6, zorder=0)
    axes[0].set_title("Samadi et al. 2017, Fig. 1: dynamic LIF neuron (dt = "
                      f"{float(params.dt / ms):g} ms)", fontsize=10)
    save_figure(fig, path, dpi=150)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success (an exit code)."""
    parser = figure_parser(__doc__, quick="same as the full figure (seconds)", out=HERE, seed="recorded only: the neuron is deterministic")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    ours = result["ours"]
    print(f"pulses per step {ours['pulses_per_step']}, mean a per step "
          f"{[round(x, 3) for x in ours['mean_a_per_step']]} (closed form "
          f"{[round(x, 3) for x in ours['closed_form_mean_a_per_step']]}); "
          f"wrote {args.out / NAME}.png/.json in {result['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
