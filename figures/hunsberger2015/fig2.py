"""Hunsberger & Eliasmith (2015), Fig. 2: variability of alpha-filtered LIF spike trains vs input.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

Panel A is the paper's figure: LIF neurons (tau_RC = 20 ms, tau_ref = 4 ms) each driven by a
constant current j evenly over 0..10; the spike trains are filtered by an alpha synapse with
tau_s = 3 ms (caption; the networks use 5 ms). Mean of the filtered train (line; it equals the
analytic rate, eqn:lifss, drawn dashed), median (x), 25-75 % (solid bars) and min-max (dotted
bars). Authors' script: 50 neurons, dt = 0.1 ms, 10 s simulated, the first second dropped.

Panel B is the training noise derived from it for our MNIST network: the s.d. over time of the
filtered train with the network's own neuron (tau_RC 22 ms, tau_ref 2 ms), synapse (5 ms) and
step (1 ms), against the authors' fixed 10 Hz (spiketeach.protocols.hunsberger2015.noise).

Writes ``fig2.png`` and ``fig2.json``. Usage:
``python figures/hunsberger2015/fig2.py [--quick] [--seed N] [--device runtime] [--out DIR]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.core.devices import select_device  # noqa: E402
from spiketeach.models.hunsberger2015.params import FIG2, Hunsberger2015Params  # noqa: E402
from spiketeach.models.hunsberger2015.rates import lif_rate  # noqa: E402
from spiketeach.plotting import finish  # noqa: E402
from spiketeach.protocols.hunsberger2015.noise import measure_filtered_trains, measure_noise_model  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "fig2"
HERE = Path(__file__).resolve().parent


def protocol(quick: bool) -> dict:
    """Fig. 2's protocol; ``quick``: 20 neurons, 2 s simulated, 0.2 s dropped."""
    return {"n_neurons": 20 if quick else FIG2["n_neurons"], "j_range": list(FIG2["j_range"]),
            "tau_rc_ms": FIG2["tau_rc"] * 1e3, "tau_ref_ms": FIG2["tau_ref"] * 1e3,
            "tau_s_ms": FIG2["tau_s"] * 1e3, "dt_ms": FIG2["dt"] * 1e3,
            "duration_s": 2.0 if quick else FIG2["duration"],
            "discard_s": 0.2 if quick else FIG2["discard"],
            "initial_state": "V = 0 for every neuron; spikes located inside the step (Nengo's LIF)",
            "noise_duration_s": 2.0 if quick else 10.0, "noise_discard_s": 0.2 if quick else 1.0}


def _rel_err(measured, analytic, above):
    return float(np.max(np.abs(measured[above] / analytic[above] - 1.0)))


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime") -> dict:
    """Simulate, plot and write ``<out_dir>/fig2.{png,json}``; return the JSON dict.

    The neurons are deterministic (``seed`` is recorded only).
    """
    out_dir = Path(out_dir)
    proto = protocol(quick)
    start = time.perf_counter()
    j = np.linspace(*FIG2["j_range"], proto["n_neurons"])
    select_device(device)
    st = measure_filtered_trains(j, tau_rc=FIG2["tau_rc"], tau_ref=FIG2["tau_ref"],
                                 tau_s=FIG2["tau_s"], dt=FIG2["dt"],
                                 duration=proto["duration_s"], discard=proto["discard_s"])
    net = Hunsberger2015Params()
    select_device(device)
    noise, nst = measure_noise_model(net, duration=proto["noise_duration_s"],
                                     discard=proto["noise_discard_s"])
    above = st["analytic"] > 0
    # currents at which the JSON reports the spread exactly
    probes = [2.0, 5.0, 10.0]
    idx = [int(np.argmin(np.abs(j - p))) for p in probes]
    result = {
        "paper": {"figure": "Fig. 2", "tau_rc_ms": 20.0, "tau_ref_ms": 4.0, "tau_s_ms": 3.0,
                  "tau_s_in_simulation_ms": 5.0,
                  "mean": "equals the analytic rate", "training_noise_sigma_hz": 10.0},
        "ours": {
            "mean_vs_analytic_max_rel_error": _rel_err(st["mean"], st["analytic"], above),
            "rate_vs_analytic_max_rel_error": _rel_err(st["rate"], st["analytic"], above),
            "std_hz_mean_above_threshold": float(st["std"][above].mean()),
            "at_j": {"j": j[idx], "analytic_hz": st["analytic"][idx], "mean_hz": st["mean"][idx],
                     "median_hz": st["median"][idx], "q25_hz": st["q25"][idx],
                     "q75_hz": st["q75"][idx], "min_hz": st["min"][idx], "max_hz": st["max"][idx],
                     "std_hz": st["std"][idx]},
            "training_noise": noise.as_dict() | {
                "mean_sigma_hz": float(np.mean(noise.sigma)),
                "mean_vs_analytic_max_rel_error": _rel_err(nst["mean"], nst["analytic"],
                                                           nst["analytic"] > 0)},
        },
        "protocol": proto,
        "seed": seed,
        "device": device,
        "wall_s": None,
        "quick": bool(quick),
    }

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.3))
    jj = np.linspace(*FIG2["j_range"], 1001)
    ax.plot(j, st["mean"], "k-", lw=1.5, label="mean of filtered train")
    ax.plot(jj, lif_rate(jj, FIG2["tau_rc"], FIG2["tau_ref"]), color="tab:red", ls="--", lw=1,
            label="analytic LIF rate")
    ax.plot(j, st["median"], "kx", ms=5, label="median")
    ax.vlines(j, st["q25"], st["q75"], color="k", lw=2, label="25-75 %")
    ax.vlines(j, st["min"], st["max"], color="k", lw=0.8, linestyles=":", label="min-max")
    ax.set(xlabel="input current j", ylabel="filtered response [Hz]")
    ax.set_title(f"A  $\\tau_{{RC}}$ = 20 ms, $\\tau_{{ref}}$ = 4 ms, $\\alpha$-filter "
                 f"$\\tau_s$ = 3 ms ({proto['duration_s'] - proto['discard_s']:g} s)", loc="left",
                 fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    bx.plot(noise.j, noise.sigma, "o-", ms=3, color="tab:blue",
            label="measured s.d. (our training noise)")
    bx.axhline(10.0, color="0.4", ls="--", label="authors' code: 10 Hz")
    bx.set(xlabel="input current j", ylabel="s.d. of filtered train [Hz]", ylim=(0, None))
    bx.set_title(f"B  our network: $\\tau_{{RC}}$ {net.tau_rc * 1e3:g} ms, $\\tau_{{ref}}$ "
                 f"{net.tau_ref * 1e3:g} ms, $\\tau_s$ {net.tau_s * 1e3:g} ms, dt "
                 f"{net.dt * 1e3:g} ms", loc="left", fontsize=10)
    bx.legend(loc="upper right", fontsize=8)
    fig.suptitle("Hunsberger & Eliasmith 2015, Fig. 2: variability of filtered spike trains",
                 fontsize=11)
    return finish(fig, out_dir, NAME, result, start, dpi=150)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="20 neurons, 2 s simulated (seconds)", out=HERE,
                           seed="recorded only (the neurons are deterministic)")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    ours = result["ours"]
    print(f"mean of filtered train vs analytic rate: max rel. error "
          f"{ours['mean_vs_analytic_max_rel_error']:.4f}; mean s.d. above threshold "
          f"{ours['std_hz_mean_above_threshold']:.1f} Hz (tau_s 3 ms); training noise of our "
          f"network {ours['training_noise']['mean_sigma_hz']:.1f} Hz on average (paper's code "
          f"10 Hz); wrote {args.out / NAME}.png/.json in {result['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
