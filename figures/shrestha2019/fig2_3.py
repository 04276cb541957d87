"""Shrestha, Fang, Wu & Qiu (2019), Figs. 2b and 3b: SNN spike counts vs the equivalent ANN.

Forward (Fig. 2b): the hidden cells' phase-1 spike counts h / (T/2) against the activations of
the equivalent rate network a = clip(W r_in / θ, 0, 1) with the SAME weights and thresholds
(:mod:`spiketeach.models.shrestha2019.rate`). Backward (Fig. 3b): the hidden error neurons' signed
spike counts (positive channel − negative channel, eq. 9) against the ANN's back-propagated
error δ_h = [h > 0] ⊙ W_oᵀ e_o computed from the SNN's own output error counts e_o.

The weights are the §4 initialisation (``--seed``) or a trained checkpoint (``--weights``, an
``.npz`` written by the training protocol). Learning is switched off by setting η = 0 for the
run (the error circuit still runs in phase 2).

Usage: ``python figures/shrestha2019/fig2_3.py [--quick] [--seed 0] [--device runtime] [--out DIR]``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.analysis.stdp import count_activation_correlation  # noqa: E402
from spiketeach.core.checkpoint import load_checkpoint  # noqa: E402
from spiketeach.core.devices import select_device  # noqa: E402
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.network import recorded_counts
from spiketeach.models.shrestha2019.params import EMSTDPParams
from spiketeach.models.shrestha2019.rate import backward_errors, forward_rates  # noqa: E402
from spiketeach.protocols.shrestha2019.training import (  # noqa: E402
    TEST_STREAM,
    block_seed,
    load_probabilities,
    run_emstdp_block,
)
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "fig2_3"
HERE = Path(__file__).resolve().parent


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        weights=None, data_dir=None, n_samples: int | None = None) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    sizes = [784, 100, 10] if quick else [784, 500, 10]
    n = n_samples or (20 if quick else 100)
    params = EMSTDPParams(T=100 if quick else 200)
    _, _, xte, yte = load_probabilities("mnist", data_dir)
    x, y = xte[:n], yte[:n]
    select_device(device)
    net = shrestha2019.build(sizes, n, params=params, seed=seed, record_counts="all")
    state = net.get_state() if weights is None else load_checkpoint(weights)[0]
    for k in range(len(net.forward)):
        state[f"forward{k}.eta"] = np.zeros(1)   # error circuit on, weights frozen
    # seeded: the input spike trains (and so every count below) repeat for the same --seed
    run_emstdp_block(net, state, x, y, np.ones(n), seed=block_seed(seed, TEST_STREAM, 0))
    W = net.weights()
    theta = [float(g.theta[:]) for g in net.layers]
    rec = [recorded_counts(m, n, params.window, ("h1", "h2", "n_err_pos", "n_err_neg"))
           for m in net.window_counts]
    T_half = params.T_half
    rates = forward_rates(W, theta, x * params.max_rate)
    h1_hidden = rec[0][0]
    fwd = count_activation_correlation(h1_hidden / T_half, rates[1])
    fwd_out = count_activation_correlation(rec[-1][0] / T_half, rates[-1])
    e_out = rec[-1][2] - rec[-1][3]
    e_hid = rec[0][2] - rec[0][3]
    snn_rates = [x, h1_hidden / T_half, rec[-1][0] / T_half]
    delta = backward_errors(W, snn_rates, e_out, feedback="symmetric", gate=True)[0]
    bwd = count_activation_correlation(e_hid, delta)

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    ax = axes[0]
    ax.scatter(rates[1].ravel(), (h1_hidden / T_half).ravel(), s=2, alpha=0.3)
    ax.plot([0, 1], [0, 1], "k--", lw=0.5)
    ax.set_xlabel("ANN activation clip(W r / θ, 0, 1)")
    ax.set_ylabel("SNN hidden rate h / (T/2)")
    ax.set_title(f"forward (Fig. 2b): r = {fwd['r_all']:.3f}")
    ax = axes[1]
    ax.scatter(delta.ravel(), e_hid.ravel(), s=2, alpha=0.3, color="C1")
    ax.set_xlabel("ANN error [h>0] ⊙ W_oᵀ e_o")
    ax.set_ylabel("SNN error spikes (pos − neg)")
    ax.set_title(f"backward (Fig. 3b): r = {bwd['r_all']:.3f}")
    fig.tight_layout()
    fig.savefig(out_dir / f"{NAME}.png", dpi=120)
    plt.close(fig)

    result = {
        "paper": {"figures": "Fig. 2b (forward), Fig. 3b (backward)",
                  "description": "SNN spike counts track the equivalent ANN's activations "
                                 "and back-propagated errors (high correlation)"},
        "ours": {"forward_correlation": fwd["r_all"], "forward_slope": fwd["slope"],
                 "forward_correlation_per_sample": fwd["r_per_sample_mean"],
                 "output_forward_correlation": fwd_out["r_all"],
                 "backward_correlation": bwd["r_all"],
                 "backward_correlation_per_sample": bwd["r_per_sample_mean"],
                 "hidden_error_spikes_per_sample": float(np.abs(e_hid).sum(axis=1).mean())},
        "protocol": {"sizes": sizes, "samples": n, "T": params.T,
                     "weights": str(weights) if weights else f"initialisation, seed {seed}",
                     "data": "MNIST test images", "params": params.as_dict()},
        "seed": seed, "device": device, "wall_s": time.perf_counter() - start, "quick": quick,
    }
    write_result(out_dir, NAME, result)
    return result


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="784-100-10, T=100, 20 samples", out=HERE)
    parser.add_argument("--weights", default=None, help="checkpoint .npz of a trained network")
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    res = run(args.out, args.quick, args.seed, args.device, args.weights, args.data_dir,
              args.samples)
    print(json.dumps(res["ours"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
