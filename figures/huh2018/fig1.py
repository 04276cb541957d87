"""Huh & Sejnowski (2018), Fig. 1: the gated synapse deposits a unit charge per full sweep.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

The synaptic trace follows tau_s ds/dt = -s + g(v) dv/dt (eq. 2) with the gate g of width Delta
(the paper's boxcar, and our smooth option). The voltage is prescribed: a ramp through the
active zone at a constant speed. Shown: the gates; s(t) for sweeps of several speeds; the charge
int s dt against the sweep's duration (0.1 ms to 1 s), at 2000 steps per crossing and at the
network's own step dt; and the graded charge of partial sweeps that stop inside the zone.
The paper's caption: a full sweep deposits the same charge (1) whatever its speed, a partial
one a graded amount, and there is none below the zone; tau = 10 ms.

Writes ``fig1.png`` and ``fig1.json``. Usage:
``python figures/huh2018/fig1.py [--quick] [--seed N]`` (no randomness; --seed is recorded).
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.models.huh2018 import Huh2018Params  # noqa: E402
from spiketeach.models.huh2018.dynamics import gate  # noqa: E402
from spiketeach.models.huh2018.sweep import sweep, zone  # noqa: E402
from spiketeach.plotting import finish, letter_panels  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "fig1"
HERE = Path(__file__).resolve().parent
GATES = ("boxcar", "smooth")

MODES = {"quick": dict(durations=[2e-4, 2e-3, 2e-2, 0.2], depths=[0, 0.25, 0.5, 0.75, 1.0]),
         "full": dict(durations=list(np.geomspace(1e-4, 1.0, 17)),
                      depths=list(np.linspace(0, 1.0, 21)))}


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime") -> dict:
    """Compute, plot and write ``<out_dir>/fig1.{png,json}``; return the JSON dict."""
    start = time.perf_counter()
    out_dir = Path(out_dir)
    mode = MODES["quick" if quick else "full"]
    base = Huh2018Params()
    charges, at_dt, partial = {}, {}, {}
    for g in GATES:
        p = base.replace(gate=g)
        charges[g] = [sweep(p, 2.0, d, 2000)["charge"] for d in mode["durations"]]
        # the network's own step dt: sweeps that last at least one step (None for faster ones,
        # which that step cannot resolve)
        at_dt[g] = [sweep(p, 2.0, d, int(round(d / base.dt)))["charge"]
                    if d >= base.dt * (1 - 1e-9) else None for d in mode["durations"]]
        partial[g] = [sweep(p, dep, 0.01, 2000, hold=0.02)["charge"] for dep in mode["depths"]]
    dev = {g: float(np.max(np.abs(np.asarray(charges[g]) - 1))) for g in GATES}
    result = {
        "paper": {"figure": "Fig. 1", "tau_ms": 10.0, "gate": "boxcar, g = 1/Delta in the zone",
                  "full_sweep_charge": 1.0,
                  "claims": ["a full sweep deposits charge 1 whatever its speed",
                             "a partial sweep deposits a graded charge",
                             "no charge below the zone"]},
        "ours": {"full_sweep_charge": float(np.mean(charges["boxcar"])),
                 "full_sweep_max_deviation": dev,
                 "sweep_duration_s": mode["durations"], "charge": charges,
                 "charge_at_network_dt": at_dt, "network_dt_s": base.dt,
                 "partial_depth": mode["depths"], "partial_charge": partial,
                 "below_zone_charge": {g: partial[g][0] for g in GATES}},
        "protocol": {"tau_s": base.tau_s, "delta_rad": base.delta, "neuron": "theta (zone "
                     "around pi)", "steps_per_crossing": 2000,
                     "voltage": "prescribed ramp from one zone width below the zone; partial "
                                "sweeps stop inside it and hold 20 ms",
                     "charge": "dt sum s + tau_s s_end (what the filter still releases)"},
        "seed": seed, "device": "numpy", "wall_s": None, "quick": bool(quick),
    }

    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    lo, hi = zone(base)
    v = np.linspace(lo - base.delta, hi + base.delta, 1001)
    for g, style in zip(GATES, ("k-", "C1--")):
        axes[0].plot(v, gate(v, base.replace(gate=g))[0], style, label=g)
    axes[0].axvspan(lo, hi, color="0.9")
    axes[0].set(xlabel="theta [rad] (spike at pi)", ylabel="g(v)", title="gate (area 1)")
    axes[0].legend(fontsize=8)
    for d, col in zip((2e-3, 5e-3, 2e-2), ("C0", "C2", "C3")):
        r = sweep(base, 2.0, d, 2000, hold=0.05)
        axes[1].plot(r["t"] * 1e3, r["s"], color=col, label=f"sweep {d * 1e3:g} ms: "
                     f"charge {r['charge']:.4f}")
    axes[1].set(xlabel="time [ms]", ylabel="s [1/s]", title="s after a full sweep (boxcar)")
    axes[1].legend(fontsize=7)
    dur = np.asarray(mode["durations"]) * 1e3
    for g, m in zip(GATES, ("o", "s")):
        axes[2].semilogx(dur, charges[g], "-" + m, ms=4, label=f"{g}, 2000 steps/crossing")
        ok = [k for k, c in enumerate(at_dt[g]) if c is not None]
        axes[2].semilogx(dur[ok], [at_dt[g][k] for k in ok], ":" + m, ms=4,
                         label=f"{g}, dt ≈ {base.dt * 1e3:g} ms")
    axes[2].axhline(1, color="0.5", lw=0.8)
    axes[2].set(xlabel="sweep duration [ms]", ylabel="charge int s dt",
                title="full sweep: charge vs speed")
    axes[2].legend(fontsize=7)
    for g, m in zip(GATES, ("o", "s")):
        axes[3].plot(mode["depths"], partial[g], "-" + m, ms=4, label=g)
    axes[3].set(xlabel="depth reached (fraction of the zone)", ylabel="charge",
                title="partial sweep: graded charge")
    axes[3].legend(fontsize=8)
    letter_panels(axes)
    fig.suptitle(f"Huh & Sejnowski 2018, Fig. 1: tau_s = {base.tau_s * 1e3:g} ms, "
                 f"Delta = {base.delta:g} rad", fontsize=10)
    return finish(fig, out_dir, NAME, result, start, dpi=110)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="4 sweep speeds, 5 depths (seconds)", out=HERE)
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device)
    o = result["ours"]
    print(f"full sweep charge: max |charge - 1| boxcar {o['full_sweep_max_deviation']['boxcar']:.2e},"
          f" smooth {o['full_sweep_max_deviation']['smooth']:.2e}; partial (boxcar) "
          f"{[round(c, 3) for c in o['partial_charge']['boxcar']]}; wrote {args.out / NAME}"
          f".png/.json in {result['wall_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
