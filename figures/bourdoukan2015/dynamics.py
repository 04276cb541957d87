"""Bourdoukan & Denève (2015): a spiking network learns a 2-D damped oscillator with local rules.

Bourdoukan R, Denève S (2015). Enforcing balance allows local supervised learning in spiking
recurrent networks. NIPS 28, pp. 982-990.

From a network that only integrates its input (resets right, no lateral fast connections, no
slow ones), the output error x - D r is fed back as an input current while the fast connections
learn balance (the voltage rule of Brendel et al. 2020) and the slow connections learn to cancel
the fed-back error (postsynaptic error current x presynaptic rate). Evaluation, learning frozen
and the feedback **off**: does the network alone produce x? Coding error with the fixed readout,
mean rate, voltage variance, E/I current correlation, distances of the fast and slow weights to
the optimal ones of Boerlin et al. (2013); Fano factor and ISI CV over constant inputs; rasters
and trajectories before and after.

The paper's claims (abstract; its body was not readable): the network learns the dynamical
system; balance makes the error locally available; the fast connections learn balance; the slow
ones cancel the fed-back error. Task, sizes and rates are ours (docs/families/bourdoukan2015.md).

Writes ``dynamics.png`` and ``dynamics.json``. Usage:
``python figures/bourdoukan2015/dynamics.py [--quick] [--seed N] [--device D] [--steps N]``.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.core.devices import using_device  # noqa: E402
from spiketeach.models.bourdoukan2015 import DEFAULT, initial_weights, optimal_weights  # noqa: E402
from spiketeach.models.bourdoukan2015.reference import simulate  # noqa: E402
from spiketeach.plotting import finish, letter_panels, matrix_raster  # noqa: E402
from spiketeach.protocols.bourdoukan2015 import evaluate, fano_cv, learn, smoothed_noise  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "dynamics"
HERE = Path(__file__).resolve().parent

#: sizes of each mode: learning steps in one Brian2 run, weight snapshots every ``every`` steps,
#: evaluation and FF/CV protocol. Quick: 3x the slow rate for 1 s (a direction, not a result).
MODES = {
    "quick": dict(steps=10_000, every=5_000, fast_scale=1.0, slow_scale=3.0, eval_steps=3_000,
                  trials=1, directions=2, ff_trials=3, ff_steps=3_000),
    "full": dict(steps=400_000, every=50_000, fast_scale=1.0, slow_scale=1.0, eval_steps=10_000,
                 trials=3, directions=5, ff_trials=5, ff_steps=5_000),
}

CURVE = ("error", "error_feedback", "rate_hz", "voltage_variance", "ei_correlation",
         "fast_distance", "slow_distance", "slow_scale")


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        steps: int | None = None) -> dict:
    """Learn, evaluate, plot and write ``<out_dir>/dynamics.{png,json}``; return the JSON dict."""
    out_dir = Path(out_dir)
    start = time.perf_counter()
    mode = dict(MODES["quick" if quick else "full"])
    if steps is not None:
        mode["steps"] = int(steps)
    p = DEFAULT.replace(eps_fast=DEFAULT.eps_fast * mode["fast_scale"],
                        eps_slow=DEFAULT.eps_slow * mode["slow_scale"])
    rng = np.random.default_rng(seed)
    w0 = initial_weights(p)
    opt = optimal_weights(w0.D, p)
    with using_device(device):
        t0 = time.perf_counter()
        snaps, w, n_spikes = learn(w0, p, mode["steps"], rng, every=mode["every"])
        learn_s = time.perf_counter() - t0
    snaps.append((mode["steps"], w))

    t0 = time.perf_counter()
    curve = {k: [] for k in ("step",) + CURVE}
    evals = []
    for step, wk in snaps:
        e = evaluate(wk, p, np.random.default_rng(seed + 1), steps=mode["eval_steps"],
                     trials=mode["trials"])
        evals.append(e)
        curve["step"].append(step)
        for k in CURVE:
            curve[k].append(e[k])
    optimal = evaluate(opt, p, np.random.default_rng(seed + 1), steps=mode["eval_steps"],
                       trials=mode["trials"])
    ff = {name: fano_cv(wk, p, np.random.default_rng(seed + 2), directions=mode["directions"],
                        trials=mode["ff_trials"], steps=mode["ff_steps"])
          for name, wk in (("initial", w0), ("final", w))}
    eval_s = time.perf_counter() - t0
    initial, final = evals[0], evals[-1]

    show = 5_000
    c_show = smoothed_noise(show, p, np.random.default_rng(seed + 3))
    runs = {name: simulate(wk, c_show, p, feedback=False, rng=np.random.default_rng(seed + 4))
            for name, wk in (("initial", w0), ("final", w))}

    result = {
        "paper": {
            "source": "NIPS 2015 abstract and reviews (body not readable)",
            "claims": ["the network learns an arbitrary linear dynamical system",
                       "fast connections learn E/I balance (voltage-based rule)",
                       "slow connections learn to cancel the fed-back error (current-based "
                       "Hebbian rule)",
                       "very small networks suffice (reviews)"],
            "task_here_is_ours": "dx/dt = A x + c, A = [[-5, -4 pi], [4 pi, -5]] (2 Hz, "
                                 "decay 5/s)",
        },
        "ours": {
            "error_initial": initial["error"], "error_final": final["error"],
            "error_optimal": optimal["error"],
            "error_feedback_initial": initial["error_feedback"],
            "error_feedback_final": final["error_feedback"],
            "rate_initial_hz": initial["rate_hz"], "rate_final_hz": final["rate_hz"],
            "rate_optimal_hz": optimal["rate_hz"],
            "voltage_variance_initial": initial["voltage_variance"],
            "voltage_variance_final": final["voltage_variance"],
            "ei_correlation_initial": initial["ei_correlation"],
            "ei_correlation_final": final["ei_correlation"],
            "ei_correlation_optimal": optimal["ei_correlation"],
            "fast_distance_final": final["fast_distance"],
            "slow_distance_final": final["slow_distance"],
            "slow_scale_final": final["slow_scale"],
            "cv_initial": ff["initial"]["cv"], "cv_final": ff["final"]["cv"],
            "fano_initial": ff["initial"]["fano"], "fano_final": ff["final"]["fano"],
            "rate_during_learning_hz": n_spikes / (mode["steps"] * p.dt * p.n_neurons),
            "curve": curve,
        },
        "protocol": {**{k: v for k, v in vars(p).items()}, **mode, "learn_s": learn_s,
                     "eval_s": eval_s,
                     "evaluation": "numpy reference step (same as Brian2), learning frozen, "
                                   "error feedback off (K = 0) unless 'feedback' in the key; "
                                   "fixed readout D"},
        "seed": seed, "device": device, "wall_s": None, "quick": bool(quick),
    }

    fig, axes = plt.subplots(3, 3, figsize=(13, 10))
    s = np.maximum(np.asarray(curve["step"], float), 1) * p.dt
    axes[0, 0].loglog(s, curve["error"], "ko-", ms=3, label="alone (K = 0)")
    axes[0, 0].loglog(s, curve["error_feedback"], "o-", color="0.6", ms=3, label="with feedback")
    axes[0, 0].axhline(optimal["error"], color="tab:blue", ls=":", label="optimal weights")
    axes[0, 0].legend(fontsize=7)
    axes[0, 0].set(xlabel="learning time [s]", ylabel="coding error")
    axes[0, 1].semilogx(s, curve["rate_hz"], "ko-", ms=3)
    axes[0, 1].set(xlabel="learning time [s]", ylabel="mean rate [Hz]")
    axes[0, 2].semilogx(s, curve["ei_correlation"], "ko-", ms=3)
    axes[0, 2].set(xlabel="learning time [s]", ylabel="E/I current correlation", ylim=(-1, 1))
    axes[1, 0].loglog(s[1:], curve["fast_distance"][1:], "o-", color="tab:red", ms=3,
                      label="fast vs −FFᵀ")
    axes[1, 0].loglog(s[1:], curve["slow_distance"][1:], "o-", color="tab:green", ms=3,
                      label="slow vs F(A+λI)D")
    axes[1, 0].legend(fontsize=7)
    axes[1, 0].set(xlabel="learning time [s]", ylabel="distance (best scale)")
    axes[1, 1].semilogx(s, curve["slow_scale"], "o-", color="tab:green", ms=3)
    axes[1, 1].axhline(1, color="k", lw=0.5, ls=":")
    axes[1, 1].set(xlabel="learning time [s]", ylabel="slow weights / optimal (scale)")
    vmax = np.abs(opt.slow).max()
    axes[1, 2].imshow(np.hstack([w.slow, opt.slow]), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    axes[1, 2].set(title="slow weights: learned | optimal")
    t_ms = np.arange(show) * p.dt * 1e3
    for col, name in enumerate(("initial", "final")):
        matrix_raster(axes[2, col], runs[name]["spikes"], t_ms, ms=3,
                      title=f"raster, {name} (K = 0)")
    axes[2, 2].plot(t_ms, runs["final"]["x"][:, 0], "k-", lw=1.5, label="x₁ (target)")
    axes[2, 2].plot(t_ms, runs["initial"]["r"] @ w0.D[0], ":", color="tab:red", lw=1,
                    label="x̂₁ before")
    axes[2, 2].plot(t_ms, runs["final"]["r"] @ w.D[0], "-", color="tab:red", lw=1,
                    label="x̂₁ after")
    axes[2, 2].legend(fontsize=7)
    axes[2, 2].set(xlabel="time [ms]", title="target and readout, network alone")
    letter_panels(axes)
    fig.suptitle(f"Bourdoukan & Denève 2015: learning a damped oscillator ({p.n_neurons} neurons, "
                 f"{mode['steps']} learning steps)", fontsize=11)
    return finish(fig, out_dir, NAME, result, start, dpi=120)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="10000 learning steps, 3x slow rate (seconds)", out=HERE)
    parser.add_argument("--steps", type=int, default=None, help="learning steps (override)")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device, steps=args.steps)
    o = result["ours"]
    print(f"error alone {o['error_initial']:.3f} -> {o['error_final']:.3f} (optimal "
          f"{o['error_optimal']:.3f}); with feedback {o['error_feedback_initial']:.3f} -> "
          f"{o['error_feedback_final']:.3f}; rate {o['rate_initial_hz']:.1f} -> "
          f"{o['rate_final_hz']:.1f} Hz; E/I corr {o['ei_correlation_initial']:.2f} -> "
          f"{o['ei_correlation_final']:.2f}; slow scale {o['slow_scale_final']:.2f}, distances "
          f"fast {o['fast_distance_final']:.3f} slow {o['slow_distance_final']:.3f}; CV "
          f"{o['cv_initial']:.2f} -> {o['cv_final']:.2f}; Fano {o['fano_initial']:.2f} -> "
          f"{o['fano_final']:.2f}; wrote {args.out / NAME}.png/.json in {result['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
