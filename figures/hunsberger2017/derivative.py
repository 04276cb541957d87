"""Hunsberger & Eliasmith (COSYNE 2017 poster), panel "LIF derivative": rate, derivative, surrogate.

The LIF rate r(j) = 1/(t_ref + tau_rc log(1 + 1/(j-1))) has a derivative that diverges at
threshold (j -> 1+), so the learning rule uses the derivative of the refractory integrate-and-fire
rate 1/(t_ref + tau_rc/(j-1)) instead, tau_rc / (t_ref (j-1) + tau_rc)^2, which is finite (1/tau_rc)
at threshold and approaches the LIF derivative for large j; the plain IF step derivative also
works (poster). The poster's plot uses tau_rc = 50 ms, tau_ref = 5 ms for illustration; the
network uses tau_ref = 2 ms (both are in the JSON). Analytic: no simulation, any device.

Usage: ``python figures/hunsberger2017/derivative.py [--out DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.models.lif import (
    if_rate,
    lif_rate,
    lif_rate_derivative,
    step_derivative,
    surrogate_derivative,
)
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "derivative"
HERE = Path(__file__).resolve().parent
TAU_RC, TAU_REF_POSTER = 0.05, 0.005


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime") -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    p = HunsbergerParams()
    j = np.linspace(0, 10, 2001 if not quick else 501)
    panels = {}
    for label, tau_ref in (("poster (tau_ref 5 ms)", TAU_REF_POSTER), ("network (tau_ref 2 ms)",
                                                                       float(p.tau_ref))):
        panels[label] = {
            "lif": lif_rate(j, TAU_RC, tau_ref),
            "dlif": lif_rate_derivative(j, TAU_RC, tau_ref),
            "if": if_rate(j, TAU_RC, tau_ref),
            "dif": surrogate_derivative(j, TAU_RC, tau_ref),
            "step": step_derivative(j, TAU_RC, 1.0, p.step_height),
            "tau_ref": tau_ref,
        }
    big = 1 + np.array([2.0, 10.0, 50.0])
    ratio = (surrogate_derivative(big, TAU_RC, float(p.tau_ref))
             / lif_rate_derivative(big, TAU_RC, float(p.tau_ref)))
    result = {
        "paper": {"panel": "lifderivative.pdf (makefigures.py)", "tau_rc_ms": 50, "tau_ref_ms": 5,
                  "claims": ["LIF derivative diverges at threshold",
                             "refractory-IF derivative is a finite surrogate",
                             "plain IF (step) derivative also works"]},
        "ours": {
            "surrogate_at_threshold_per_s": float(surrogate_derivative(1 + 1e-12, TAU_RC, float(p.tau_ref))),
            "surrogate_at_threshold_scaled_by_amplitude": float(
                surrogate_derivative(1 + 1e-12, TAU_RC, float(p.tau_ref), p.amplitude)),
            "lif_derivative_at_j_1.001_per_s": float(lif_rate_derivative(1.001, TAU_RC, float(p.tau_ref))),
            "surrogate_over_lif_derivative_at_j": dict(zip(map(str, big.tolist()), ratio.tolist())),
            "step_height_scaled": float(step_derivative(2.0, TAU_RC, p.amplitude, p.step_height)),
        },
        "protocol": {"j_range": [0, 10], "tau_rc_ms": 50, "tau_ref_ms": [5, float(p.tau_ref) * 1e3],
                     "step_height": p.step_height, "analytic": True},
        "seed": seed, "device": device, "wall_s": None,
        "quick": bool(quick),
    }
    fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
    for col, (label, d) in enumerate(panels.items()):
        ax = axes[0, col]
        ax.plot(j, d["lif"], "k", label="LIF rate")
        ax.plot(j, d["if"], "tab:blue", ls="--", label="refractory IF rate")
        ax.set_title(label, fontsize=9)
        ax.set_ylabel("rate (Hz)")
        ax.legend(fontsize=7)
        ax = axes[1, col]
        ax.plot(j, np.where(d["dlif"] > 0, d["dlif"], np.nan), "k", label="LIF derivative")
        ax.plot(j, d["dif"], "tab:blue", ls="--", label="IF derivative (surrogate)")
        ax.plot(j, d["step"], "tab:green", ls=":", label=f"step ({p.step_height} / tau_rc)")
        ax.set_ylim(0, 3 / TAU_RC)
        ax.set_xlabel("input current j")
        ax.set_ylabel("dr/dj (Hz)")
        ax.legend(fontsize=7)
    fig.suptitle("LIF rate, its derivative and the surrogates (tau_rc = 50 ms)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out_dir / f"{NAME}.png", dpi=130)
    plt.close(fig)
    result["wall_s"] = time.perf_counter() - start
    write_result(out_dir, NAME, result)
    return result


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="coarser curves", out=HERE, seed="recorded only (analytic)", device_help="recorded only")
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    print(f"surrogate at threshold {res['ours']['surrogate_at_threshold_scaled_by_amplitude']:.3f} "
          f"(x amplitude); wrote {args.out / NAME}.png/.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
