"""Brendel et al. (2020), Fig. 2: 20 neurons learn to represent a 2-D signal, spike by spike.

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692.

From random feedforward weights and weak random inhibition (the authors' script
Figure2/twoDWhite.m: parameters ``CODE`` of spiketeach.models.brendel2020.params), both local
rules run on Gaussian-smoothed white-noise input. Weight snapshots along learning are evaluated
with learning frozen, as the authors' Learning.m does: optimal linear decoder fitted on a fresh
run, then coding error, mean rate, voltage variance, distance of Omega to -F F^T, and the
correlation of each neuron's excitatory and inhibitory currents; Fano factor and ISI CV over
constant inputs (FanoCV.m) before and after. Rasters and decoded signals before and after.

The paper's claims (caption): coding error and mean rate fall over learning; voltages become
confined near rest; tuning covers all directions. Learning runs in Brian2 (``--device``;
cpp_standalone for the full mode); evaluations run the numpy form of the same step
(spiketeach.models.brendel2020.reference, proven equal by the tests).

Writes ``fig2.png`` and ``fig2.json``. Usage:
``python figures/brendel2020/fig2.py [--quick] [--seed N] [--device D] [--steps N] [--params code|table]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _brendel2020 as common  # noqa: E402

from spiketeach.core.devices import using_device  # noqa: E402
from spiketeach.models.brendel2020 import CODE, TABLE, initial_weights  # noqa: E402
from spiketeach.models.brendel2020.reference import simulate  # noqa: E402
from spiketeach.plotting import finish, letter_panels, matrix_raster  # noqa: E402
from spiketeach.protocols.brendel2020 import evaluate, fano_cv, learn, smoothed_noise  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "fig2"
HERE = Path(__file__).resolve().parent

#: sizes of each mode: learning steps, weight-record interval, evaluation and FF/CV protocol
MODES = {
    "quick": dict(steps=6_000, every=500, fit_steps=3_000, test_steps=1_000, trials=1,
                  directions=2, ff_trials=5, ff_steps=500, n_eval=6),
    "full": dict(steps=14_000_000, every=10_000, fit_steps=50_000, test_steps=10_000, trials=3,
                 directions=10, ff_trials=20, ff_steps=2_000, n_eval=14),
}


def _largest_gap(angles_deg) -> float:
    """Largest gap (degrees) between neighbouring directions on the circle."""
    a = np.sort(np.asarray(angles_deg) % 360)
    return float(np.max(np.diff(np.r_[a, a[0] + 360])))


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        steps: int | None = None, params: str = "code") -> dict:
    """Learn, evaluate, plot and write ``<out_dir>/fig2.{png,json}``; return the JSON dict."""
    out_dir = Path(out_dir)
    start = time.perf_counter()
    mode = dict(MODES["quick" if quick else "full"])
    if steps is not None:
        mode["steps"] = int(steps)
    p = {"code": CODE, "table": TABLE}[params]
    rng = np.random.default_rng(seed)
    F0, omega0 = initial_weights(p, rng)

    with using_device(device):
        t0 = time.perf_counter()
        snaps, F1, omega1, spikes = learn(F0, omega0, p, mode["steps"], rng, every=mode["every"])
        learn_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    curve = {k: [] for k in ("step", "error", "rate_hz", "voltage_variance", "omega_distance",
                             "ei_correlation")}
    evals = {}
    for idx in common.eval_indices(len(snaps), mode["n_eval"]):
        step, Fk, Wk = snaps[idx]
        e = evaluate(Fk, Wk, p, np.random.default_rng(seed + 1), fit_steps=mode["fit_steps"],
                     test_steps=mode["test_steps"], trials=mode["trials"])
        evals[idx] = e
        curve["step"].append(step)
        for k in curve:
            if k != "step":
                curve[k].append(e[k])
    final = evaluate(F1, omega1, p, np.random.default_rng(seed + 1), fit_steps=mode["fit_steps"],
                     test_steps=mode["test_steps"], trials=mode["trials"])
    curve["step"].append(mode["steps"])
    for k in curve:
        if k != "step":
            curve[k].append(final[k])
    ff = {name: fano_cv(Fk, Wk, p, np.random.default_rng(seed + 2), directions=mode["directions"],
                        trials=mode["ff_trials"], steps=mode["ff_steps"])
          for name, Fk, Wk in (("initial", F0, omega0), ("final", F1, omega1))}
    eval_s = time.perf_counter() - t0

    # rasters and decoded signals before and after learning on the same input
    show = 500
    c_show = smoothed_noise(show, p, np.random.default_rng(seed + 3))
    runs = {name: simulate(Fk, Wk, c_show, p, rng=np.random.default_rng(seed + 4))
            for name, Fk, Wk in (("initial", F0, omega0), ("final", F1, omega1))}
    decoders = {"initial": evals[0]["decoder"], "final": final["decoder"]}
    initial = evals[0]
    angles = np.degrees(np.arctan2(F1[:, 1], F1[:, 0]))

    result = {
        "paper": {
            "figure": "PLOS Fig 2 (SI Fig 2)", "n_neurons": 20, "n_inputs": 2,
            "learning_steps": 14_000_000, "dt_ms": 1.0,
            "claims": ["coding error falls over learning", "mean rate falls over learning",
                       "voltages become confined near rest (variance falls)",
                       "feedforward weights (tuning) come to cover all directions"],
        },
        "ours": {
            "error_initial": initial["error"], "error_final": final["error"],
            "rate_initial_hz": initial["rate_hz"], "rate_final_hz": final["rate_hz"],
            "voltage_variance_initial": initial["voltage_variance"],
            "voltage_variance_final": final["voltage_variance"],
            "omega_distance_initial": initial["omega_distance"],
            "omega_distance_final": final["omega_distance"],
            "ei_correlation_initial": initial["ei_correlation"],
            "ei_correlation_final": final["ei_correlation"],
            "cv_initial": ff["initial"]["cv"], "cv_final": ff["final"]["cv"],
            "fano_initial": ff["initial"]["fano"], "fano_final": ff["final"]["fano"],
            "rate_during_learning_hz": float(spikes[0].size / (mode["steps"] * p.dt * p.n_neurons)),
            "feedforward_angles_final_deg": np.sort(angles),
            "largest_angle_gap_final_deg": _largest_gap(angles),
            "curve": curve,
        },
        "protocol": {"params": params, **{k: v for k, v in vars(p).items()}, **mode,
                     "learn_s": learn_s, "eval_s": eval_s,
                     "evaluation": "numpy reference step (same as Brian2), learning frozen; "
                                   "decoder fitted on a run with input 0.3 A (authors' code)",
                     "fano_cv": "constant input 90 x random unit direction (authors' FanoCV.m)"},
        "seed": seed, "device": device, "wall_s": None, "quick": bool(quick),
    }

    fig, axes = plt.subplots(3, 3, figsize=(13, 10))
    s = np.maximum(np.asarray(curve["step"], float), 1) * p.dt
    for ax, key, label in ((axes[0, 0], "error", "coding error"),
                           (axes[0, 1], "rate_hz", "mean rate [Hz]"),
                           (axes[0, 2], "voltage_variance", "voltage variance")):
        ax.loglog(s, curve[key], "ko-", ms=3)
        ax.set(xlabel="learning time [s]", ylabel=label)
    axes[1, 0].loglog(s, curve["omega_distance"], "ko-", ms=3)
    axes[1, 0].set(xlabel="learning time [s]", ylabel=r"$|\Omega - s(-FF^T)|^2 / |sFF^T|^2$")
    axes[1, 1].semilogx(s, curve["ei_correlation"], "ko-", ms=3)
    axes[1, 1].set(xlabel="learning time [s]", ylabel="E/I current correlation", ylim=(-1, 1))
    ax = axes[1, 2]
    for name, col in (("initial", "0.6"), ("final", "k")):
        Fk = F0 if name == "initial" else F1
        for f in Fk:
            ax.plot([0, f[0]], [0, f[1]], color=col, lw=1)
    ax.set(aspect="equal", title="F_n: grey before, black after")
    t_ms = np.arange(show) * p.dt * 1e3
    for col, name in enumerate(("initial", "final")):
        matrix_raster(axes[2, col], runs[name]["spikes"], t_ms, title=f"raster, {name}")
    for name, ls in (("initial", ":"), ("final", "-")):
        xh = runs[name]["r"] @ decoders[name].T
        axes[2, 2].plot(t_ms, xh[:, 0], ls, color="tab:red", lw=1, label=f"x̂₁ {name}")
    axes[2, 2].plot(t_ms, runs["final"]["x"][:, 0], "k-", lw=1.5, label="x₁")
    axes[2, 2].legend(fontsize=7)
    axes[2, 2].set(xlabel="time [ms]", title="signal and readout")
    letter_panels(axes)
    fig.suptitle(f"Brendel et al. 2020, Fig. 2 ({p.n_neurons} neurons, {p.n_inputs} inputs, "
                 f"{mode['steps']} learning steps, params {params})", fontsize=11)
    return finish(fig, out_dir, NAME, result, start, dpi=120)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="6000 learning steps and short evaluations (seconds)",
                           out=HERE)
    args, result = common.parse_and_run(parser, argv, run)
    o = result["ours"]
    print(f"error {o['error_initial']:.4f} -> {o['error_final']:.4f}; rate "
          f"{o['rate_initial_hz']:.1f} -> {o['rate_final_hz']:.1f} Hz; E/I corr "
          f"{o['ei_correlation_initial']:.2f} -> {o['ei_correlation_final']:.2f}; CV "
          f"{o['cv_initial']:.2f} -> {o['cv_final']:.2f}; Fano {o['fano_initial']:.2f} -> "
          f"{o['fano_final']:.2f}; wrote {args.out / NAME}.png/.json in {result['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
