"""Brendel et al. (2020), Fig. 4: an E/I network (300 E, 75 I) learns to code a 3-D signal.

Brendel W, Bourdoukan R, Vertechi P, Machens CK, Denève S (2020). Learning to represent signals
spike by spike. PLOS Comput Biol 16(3):e1007692.

From random feedforward weights, no E->E or I->I connections and a stacked-identity E->I->E loop
(the authors' script Figure4/LearningDale.m: parameters ``EI_CODE`` of
spiketeach.models.brendel2020.params), the five local rules run on Gaussian-smoothed white noise,
Dale's law kept by clipping every update at zero. Weight snapshots are evaluated with learning
frozen, as the authors' Learning.m: optimal linear decoders of the E and the I population fitted
on a fresh run, then the coding error of each, mean rates, voltage variance, and the correlation
of each E neuron's excitatory and inhibitory currents; Fano factor and ISI CV of the E neurons
over constant inputs (FanoCV.m) before and after. Rasters and readouts before and after.

The paper's claims (caption, SI): the coding error of both readouts falls; mean rates fall; the
spike trains become irregular (CV and Fano factor over learning; Poisson-like in the 2012 paper);
after learning inhibitory currents tightly balance excitatory ones. The authors learn for 2^20 x
1000 steps (10^5 s); the full mode here runs 2 x 10^6 steps (200 s) in Brian2 (cpp_standalone;
about 115 us per step on one core, so the authors' length would take 33 h; ``--steps`` sets it).

Writes ``ei.png`` and ``ei.json``. Usage:
``python figures/brendel2020/ei.py [--quick] [--seed N] [--device D] [--steps N] [--params code|table]``.
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
from spiketeach.models.brendel2020 import (  # noqa: E402
    EI_CODE,
    EI_TABLE,
    dale_violations,
    initial_ei_weights,  # noqa: E402
)
from spiketeach.models.brendel2020.reference_ei import simulate_ei  # noqa: E402
from spiketeach.plotting import finish, letter_panels, matrix_raster  # noqa: E402
from spiketeach.protocols.brendel2020 import evaluate_ei, fano_cv_ei, learn_ei  # noqa: E402
from spiketeach.protocols.brendel2020.learning import smoothed_noise  # noqa: E402
from spiketeach.results import figure_parser  # noqa: E402

NAME = "ei"
HERE = Path(__file__).resolve().parent

#: sizes of each mode. Quick: the paper's small network (60 E / 15 I, its panel D) with 10x the
#: learning rates, so that a few thousand steps show the direction of every measure.
MODES = {
    "quick": dict(n_e=60, n_i=15, rate_scale=10.0, steps=8_000, every=2_000, fit_steps=4_000,
                  test_steps=2_000, trials=1, directions=2, ff_trials=4, ff_steps=1_000,
                  n_eval=4),
    "full": dict(n_e=300, n_i=75, rate_scale=1.0, steps=2_000_000, every=50_000,
                 fit_steps=40_000, test_steps=10_000, trials=2, directions=10, ff_trials=10,
                 ff_steps=2_000, n_eval=12),
}

CURVE_KEYS = ("error", "error_i", "rate_hz", "rate_i_hz", "voltage_variance", "ei_correlation")


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        steps: int | None = None, params: str = "code") -> dict:
    """Learn, evaluate, plot and write ``<out_dir>/ei.{png,json}``; return the JSON dict."""
    out_dir = Path(out_dir)
    start = time.perf_counter()
    mode = dict(MODES["quick" if quick else "full"])
    if steps is not None:
        mode["steps"] = int(steps)
    base = {"code": EI_CODE, "table": EI_TABLE}[params]
    p = base.replace(n_e=mode["n_e"], n_i=mode["n_i"],
                     eps_rec=base.eps_rec * mode["rate_scale"],
                     eps_ff=base.eps_ff * mode["rate_scale"])
    rng = np.random.default_rng(seed)
    w0 = initial_ei_weights(p, rng)

    with using_device(device):
        t0 = time.perf_counter()
        snaps, w1, counts = learn_ei(w0, p, mode["steps"], rng, every=mode["every"])
        learn_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    ev = dict(fit_steps=mode["fit_steps"], test_steps=mode["test_steps"], trials=mode["trials"])
    curve = {k: [] for k in ("step",) + CURVE_KEYS}
    points = [snaps[i] for i in common.eval_indices(len(snaps), mode["n_eval"])]
    points.append((mode["steps"], w1))
    evals = []
    for step, w in points:
        e = evaluate_ei(w, p, np.random.default_rng(seed + 1), **ev)
        evals.append(e)
        curve["step"].append(step)
        for k in CURVE_KEYS:
            curve[k].append(e[k])
    initial, final = evals[0], evals[-1]
    ff = {name: fano_cv_ei(w, p, np.random.default_rng(seed + 2), directions=mode["directions"],
                           trials=mode["ff_trials"], steps=mode["ff_steps"])
          for name, w in (("initial", w0), ("final", w1))}
    eval_s = time.perf_counter() - t0

    show = 2_000
    c_show = smoothed_noise(show, p, np.random.default_rng(seed + 3))
    runs = {name: simulate_ei(w, c_show, p, rng=np.random.default_rng(seed + 4))
            for name, w in (("initial", w0), ("final", w1))}
    dale = dale_violations(w1)
    w_stats = {k: float(np.mean(np.abs(getattr(w1, k)))) for k in ("ee", "ei", "ie", "ii")}

    result = {
        "paper": {
            "figure": "PLOS Fig 4 (SI Fig 3)", "n_e": 300, "n_i": 75, "n_inputs": 3,
            "learning_steps": 2 ** 20 * 1000, "dt_ms": 0.1,
            "claims": ["coding error of the E and of the I readout falls over learning",
                       "mean rates fall over learning",
                       "spike trains irregular after learning (CV, Fano; Poisson-like in the "
                       "2012 paper)",
                       "after learning inhibitory currents tightly balance excitatory currents"],
        },
        "ours": {
            "error_initial": initial["error"], "error_final": final["error"],
            "error_i_initial": initial["error_i"], "error_i_final": final["error_i"],
            "rate_initial_hz": initial["rate_hz"], "rate_final_hz": final["rate_hz"],
            "rate_i_initial_hz": initial["rate_i_hz"], "rate_i_final_hz": final["rate_i_hz"],
            "voltage_variance_initial": initial["voltage_variance"],
            "voltage_variance_final": final["voltage_variance"],
            "ei_correlation_initial": initial["ei_correlation"],
            "ei_correlation_final": final["ei_correlation"],
            "cv_initial": ff["initial"]["cv"], "cv_final": ff["final"]["cv"],
            "fano_initial": ff["initial"]["fano"], "fano_final": ff["final"]["fano"],
            "rate_during_learning_e_hz": counts[0] / (mode["steps"] * p.dt * p.n_e),
            "rate_during_learning_i_hz": counts[1] / (mode["steps"] * p.dt * p.n_i),
            "dale_violations_final": dale, "mean_abs_weight_final": w_stats,
            "curve": curve,
        },
        "protocol": {"params": params, **{k: v for k, v in vars(p).items()}, **mode,
                     "learn_s": learn_s, "eval_s": eval_s,
                     "evaluation": "numpy reference step (same as Brian2), learning frozen; "
                                   "decoders fitted on a run with input amplitude A (E/I code)",
                     "fano_cv": "E neurons, constant input 90 x random unit direction "
                                "(authors' FanoCV.m)"},
        "seed": seed, "device": device, "wall_s": None, "quick": bool(quick),
    }

    fig, axes = plt.subplots(3, 3, figsize=(13, 10))
    s = np.maximum(np.asarray(curve["step"], float), 1) * p.dt
    for ax, keys, label in ((axes[0, 0], ("error", "error_i"), "coding error"),
                            (axes[0, 1], ("rate_hz", "rate_i_hz"), "mean rate [Hz]")):
        for key, col, lab in zip(keys, ("tab:green", "tab:orange"), ("E", "I")):
            ax.loglog(s, curve[key], "o-", color=col, ms=3, label=lab)
        ax.legend(fontsize=7)
        ax.set(xlabel="learning time [s]", ylabel=label)
    axes[0, 2].loglog(s, curve["voltage_variance"], "o-", color="tab:green", ms=3)
    axes[0, 2].set(xlabel="learning time [s]", ylabel="E voltage variance")
    axes[1, 0].semilogx(s, curve["ei_correlation"], "ko-", ms=3)
    axes[1, 0].set(xlabel="learning time [s]", ylabel="E/I current correlation (E cells)",
                   ylim=(-1, 1))
    ax = axes[1, 1]
    names = ("initial", "final")
    x = np.arange(2)
    ax.bar(x - 0.2, [ff[n]["cv"] for n in names], 0.4, label="ISI CV")
    ax.bar(x + 0.2, [ff[n]["fano"] for n in names], 0.4, label="Fano factor")
    ax.axhline(1, color="k", lw=0.5, ls=":")
    ax.set(xticks=x, xticklabels=["before", "after"], title="E irregularity (const. input)")
    ax.legend(fontsize=7)
    R = runs["final"]
    n_e = p.n_e
    exc_in = np.maximum(c_show @ w1.F.T, 0) * p.dt + R["spikes_e"] @ np.maximum(
        w1.ee - np.diag(np.diag(w1.ee)), 0).T
    inh_in = np.minimum(c_show @ w1.F.T, 0) * p.dt + R["spikes_i"] @ w1.ie.T
    a = 1 - p.lam * p.dt
    from scipy.signal import lfilter
    t_ms = np.arange(show) * p.dt * 1e3
    axes[1, 2].plot(t_ms, lfilter([1], [1, -a], exc_in[:, 0]), color="tab:red", lw=1, label="exc")
    axes[1, 2].plot(t_ms, -lfilter([1], [1, -a], inh_in[:, 0]), color="tab:blue", lw=1,
                    label="−inh")
    axes[1, 2].legend(fontsize=7)
    axes[1, 2].set(xlabel="time [ms]", title="E cell 0 currents after learning (filtered)")
    for col, name in enumerate(names):
        for key, first, color in (("spikes_e", 0, "tab:green"), ("spikes_i", n_e, "tab:orange")):
            matrix_raster(axes[2, col], runs[name][key], t_ms, first=first, color=color, ms=2,
                          ylabel="neuron (E, then I)", title=f"raster, {name}")
    D = evals[-1]["decoder_e"]
    D0 = evals[0]["decoder_e"]
    axes[2, 2].plot(t_ms, runs["final"]["x"][:, 0], "k-", lw=1.5, label="x₁")
    axes[2, 2].plot(t_ms, runs["initial"]["r_e"] @ D0[0], ":", color="tab:green", lw=1,
                    label="x̂₁ (E) before")
    axes[2, 2].plot(t_ms, runs["final"]["r_e"] @ D[0], "-", color="tab:green", lw=1,
                    label="x̂₁ (E) after")
    axes[2, 2].legend(fontsize=7)
    axes[2, 2].set(xlabel="time [ms]", title="signal and E readout")
    letter_panels(axes)
    fig.suptitle(f"Brendel et al. 2020, Fig. 4: E/I network ({p.n_e} E, {p.n_i} I, "
                 f"{p.n_inputs} inputs, {mode['steps']} learning steps, params {params})",
                 fontsize=11)
    return finish(fig, out_dir, NAME, result, start, dpi=120)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="60 E / 15 I, 10x learning rates, 8000 steps (seconds)",
                           out=HERE)
    args, result = common.parse_and_run(parser, argv, run)
    o = result["ours"]
    print(f"E error {o['error_initial']:.3f} -> {o['error_final']:.3f} (I {o['error_i_initial']:.3f}"
          f" -> {o['error_i_final']:.3f}); rate E {o['rate_initial_hz']:.1f} -> "
          f"{o['rate_final_hz']:.1f} Hz, I {o['rate_i_initial_hz']:.1f} -> "
          f"{o['rate_i_final_hz']:.1f} Hz; E/I corr {o['ei_correlation_initial']:.2f} -> "
          f"{o['ei_correlation_final']:.2f}; CV {o['cv_initial']:.2f} -> {o['cv_final']:.2f}; "
          f"Fano {o['fano_initial']:.2f} -> {o['fano_final']:.2f}; Dale violations "
          f"{o['dale_violations_final']}; wrote {args.out / NAME}.png/.json in "
          f"{result['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
