"""Hunsberger & Eliasmith (2015), Fig. 1: LIF and soft-LIF response functions and derivatives.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

Left: firing rate r against input current j (threshold j = 1); LIF solid, soft LIF dashed.
Right: dr/dj. The LIF derivative is discontinuous and unbounded at j = 1; the soft-LIF derivative
is continuous and bounded (caption of the paper's Fig. 1). Plot settings of the authors' figure
script: tau_RC = 30 ms, tau_ref = 2 ms, gamma = 0.01, j in [0.5, 1.5]
(docs/papers/hunsberger2015.md).
A third panel shows the unit actually trained here (MNIST settings: amplitude x rate(gain x + 1))
beside ReLU.

Writes ``fig1.png`` and ``fig1.json``. Usage:
``python figures/hunsberger2015/fig1.py [--quick] [--seed N] [--out DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.models.hunsberger2015.params import FIG1, Hunsberger2015Params  # noqa: E402
from spiketeach.models.hunsberger2015.rates import (  # noqa: E402
    lif_rate,
    lif_rate_derivative,
    soft_lif_rate,
    soft_lif_rate_derivative,
    unit_derivative,
    unit_output,
)
from spiketeach.plotting import finish  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "fig1"
HERE = Path(__file__).resolve().parent


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime") -> dict:
    """Evaluate, plot and write ``<out_dir>/fig1.{png,json}``; return the JSON dict.

    Nothing is random or simulated (``seed`` and ``device`` are recorded only); ``quick`` uses a
    coarser grid.
    """
    out_dir = Path(out_dir)
    start = time.perf_counter()
    tau_rc, tau_ref, gamma = FIG1["tau_rc"], FIG1["tau_ref"], FIG1["gamma"]
    j = np.linspace(*FIG1["j_range"], 2001 if quick else 20001)
    r_lif, r_soft = lif_rate(j, tau_rc, tau_ref), soft_lif_rate(j, tau_rc, tau_ref, gamma)
    d_lif = lif_rate_derivative(j, tau_rc, tau_ref)
    d_soft = soft_lif_rate_derivative(j, tau_rc, tau_ref, gamma)
    # the LIF derivative just above threshold grows without bound
    eps = np.array([1e-2, 1e-4, 1e-6, 1e-8])
    d_lif_near = lif_rate_derivative(1 + eps, tau_rc, tau_ref)

    net = Hunsberger2015Params()
    x = np.linspace(-1.0, 10.0, 1101 if quick else 11001)
    unit_soft, unit_d = unit_output(x, net, "softlif"), unit_derivative(x, net, "softlif")

    result = {
        "paper": {"figure": "Fig. 1", "tau_rc_ms": 30.0, "tau_ref_ms": 2.0, "gamma": 0.01,
                  "j_range": list(FIG1["j_range"]),
                  "lif_derivative_at_threshold": "discontinuous and unbounded",
                  "soft_lif_derivative": "continuous and bounded"},
        "ours": {
            "soft_lif_rate_at_threshold_hz": float(soft_lif_rate(1.0, tau_rc, tau_ref, gamma)),
            "soft_lif_max_derivative": float(d_soft.max()),
            "soft_lif_argmax_derivative_j": float(j[np.argmax(d_soft)]),
            "max_abs_rate_difference_hz": float(np.max(np.abs(r_soft - r_lif))),
            "rate_at_j_1.5": {"lif": float(lif_rate(1.5, tau_rc, tau_ref)),
                              "soft_lif": float(soft_lif_rate(1.5, tau_rc, tau_ref, gamma))},
            "lif_derivative_at_1_plus_eps": {"eps": eps, "derivative": d_lif_near},
            "trained_unit": {
                "params": {"tau_rc": net.tau_rc, "tau_ref": net.tau_ref, "gamma": net.gamma,
                           "gain": net.gain, "amplitude": net.amplitude},
                "peak_derivative": float(unit_d.max()),
                "output_at_x_1": float(unit_output(1.0, net, "softlif")),
                "output_at_x_10": float(unit_output(10.0, net, "softlif")),
            },
        },
        "protocol": {"grid_points": int(j.size), "unit_x_range": [-1.0, 10.0]},
        "seed": seed,
        "device": device,
        "wall_s": None,
        "quick": bool(quick),
    }

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    ax = axes[0]
    ax.plot(j, r_lif, "k-", lw=1.5, label="LIF")
    ax.plot(j, r_soft, "k--", lw=1.5, label=f"soft LIF ($\\gamma$ = {gamma:g})")
    ax.set(xlim=FIG1["j_range"], ylim=(-1.5, 30), xlabel="input current j",
           ylabel="firing rate r [Hz]")
    ax.set_title("A  response functions", loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[1]
    ax.plot(j[j <= 1], d_lif[j <= 1], "k-", lw=1.5, label="LIF")
    ax.plot(j[j > 1], d_lif[j > 1], "k-", lw=1.5)
    ax.plot(j, d_soft, "k--", lw=1.5, label="soft LIF")
    ax.set(xlim=FIG1["j_range"], ylim=(-10, 300), xlabel="input current j",
           ylabel="dr/dj [Hz per unit current]")
    ax.set_title("B  derivatives", loc="left", fontsize=10)
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[2]
    ax.plot(x, np.maximum(x, 0), color="0.5", lw=1, label="ReLU")
    ax.plot(x, unit_soft, "tab:blue", lw=1.5,
            label=f"m r(a x + 1), soft LIF\n(m {net.amplitude:g}, a {net.gain:g}, "
                  f"$\\tau_{{RC}}$ {net.tau_rc * 1e3:g} ms,\n$\\tau_{{ref}}$ "
                  f"{net.tau_ref * 1e3:g} ms, $\\gamma$ {net.gamma:g})")
    ax.plot(x, unit_d, "tab:blue", lw=1, ls=":", label="its derivative")
    ax.set(xlabel="net input x", ylabel="unit output")
    ax.set_title("C  the unit trained here (MNIST settings)", loc="left", fontsize=10)
    ax.legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Hunsberger & Eliasmith 2015, Fig. 1 ($\\tau_{{RC}}$ = {tau_rc * 1e3:g} ms, "
                 f"$\\tau_{{ref}}$ = {tau_ref * 1e3:g} ms)", fontsize=11)
    return finish(fig, out_dir, NAME, result, start, dpi=150)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="a coarser grid", out=HERE,
                           seed="recorded only (nothing is random)")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    ours = result["ours"]
    print(f"soft LIF: rate at threshold {ours['soft_lif_rate_at_threshold_hz']:.2f} Hz, peak "
          f"derivative {ours['soft_lif_max_derivative']:.1f} Hz at j = "
          f"{ours['soft_lif_argmax_derivative_j']:.3f}; LIF derivative at 1 + 1e-8: "
          f"{ours['lif_derivative_at_1_plus_eps']['derivative'][-1]:.3g}; wrote "
          f"{args.out / NAME}.png/.json in {result['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
