"""Neftci et al. (2017), eRBP: its effective plasticity window, and how its updates align with
back-propagation (the package's STDP-window and alignment-angle analyses applied to eRBP).

Neftci EO, Augustine C, Paul S, Detorakis G (2017). Event-driven random back-propagation:
enabling neuromorphic deep learning machines. Front. Neurosci. 11:324.

A one-hidden-layer eRBP network trains from its initial weights in blocks of digits (quick: 8x8
digits, 64-50-10, the learning figure's quick settings; full: MNIST 784-200-10, the code's size
and parameters, 20 blocks of 100 digits on cpp_standalone). In every block:

* **Window.** The weights of chosen synapses (brightest pixels → some hidden cells, some hidden
  cells → every output) are sampled every ``sample_dt`` (1 ms: shorter than the 3.8–4 ms dead
  times, so each sample interval holds at most one presynaptic spike); each presynaptic spike in
  a learning window is credited with its weight change
  (:func:`~spiketeach.analysis.stdp.updates_at_spikes`) and paired with the nearest spike of the
  postsynaptic cell (:func:`~spiketeach.analysis.stdp.nearest_dt`, ±50 ms). eRBP updates at the
  presynaptic spike by the dendrite U, gated by the synaptic current; the postsynaptic spike
  plays no part. So the window is expected flat in Δt, its sign set by the cell's error:
  the teaching signal T_i = Σ_k B_ik (r_label,k − r_out,k) of the digit (hidden cells) or
  r_label,k − r_out,k (outputs), rates in the digit's learning window.
* **Alignment.** The block's weight change ΔW of each layer against the descent directions of
  the equivalent rate network at the block's starting weights, from the rates measured in each
  digit's learning window and the boxcar as the derivative (the fraction of the window in
  which the cell's synaptic current lies inside (b_lo, b_hi), sampled every ``sample_dt``)
  (:func:`~spiketeach.analysis.alignment.two_layer_directions`): back-propagation for the
  hidden layer (W_outᵀ carries the error) and random back-propagation (B carries it), and the
  output layer's own gradient; and the angle between B and W_outᵀ after every block, which
  feedback alignment (Lillicrap et al. 2016) predicts falls below 90° as the forward weights
  come to match the fixed feedback.

Writes ``analysis.png`` and ``analysis.json`` (``ours.window.*``, ``ours.alignment.*``,
``claims.*.holds``). Usage: ``python figures/neftci2017/analysis.py [--quick] [--seed N]
[--out DIR] [--blocks N] [--block N] [--device cpp_standalone|runtime]``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from brian2 import StateMonitor, ms

from spiketeach.analysis.alignment import angle_deg, two_layer_directions
from spiketeach.analysis.stdp import (
    nearest_dt,
    updates_at_spikes,
    variance_explained,
    window_profile,
)
from spiketeach.core.devices import reset_device, select_device
from spiketeach.models.neftci2017 import ERBPParams, build
from spiketeach.models.neftci2017.network import learn_slots
from spiketeach.plotting import save_figure
from spiketeach.protocols.neftci2017.training import (
    TRAIN_STREAM,
    balanced_order,
    block_seed,
    load_pixels,
    run_erbp_block,
)
from spiketeach.results import figure_parser, finish_result

NAME = "analysis"
HERE = Path(__file__).resolve().parent
QUICK_PARAMS = dict(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, eta=2e-2,
                    noise_weight=0.0)
PAIR_WINDOW_MS = 50.0
EDGES_MS = np.arange(-50.0, 50.1, 5.0)
#: the claims' thresholds, fixed before the runs
FLAT_ETA2 = 0.05
SIGN_AGREEMENT = 0.9


def _counts(monitor, n_cells, n_digits, T, t_on):
    """Spike counts per (digit, cell) in each digit's learning window [t_on, T)."""
    t, i = np.asarray(monitor.t[:]), np.asarray(monitor.i[:], dtype=int)
    d = np.floor(t / T + 1e-9).astype(int)
    keep = (d < n_digits) & (t - d * T >= t_on - 1e-9)
    out = np.zeros((n_digits, n_cells))
    np.add.at(out, (d[keep], i[keep]), 1)
    return out


def _gates(monitor, n_digits, T, t_on, b_lo, b_hi):
    """Fraction of each digit's learning window with b_lo < g < b_hi, (digits × cells)."""
    t, g = np.asarray(monitor.t[:]), np.asarray(monitor.g[:])   # g: cells × samples
    d = np.floor(t / T + 1e-9).astype(int)
    keep = (d < n_digits) & (t - d * T >= t_on - 1e-9)
    inside = ((g > b_lo) & (g < b_hi))[:, keep].astype(float)
    n = np.bincount(d[keep], minlength=n_digits).astype(float)
    sums = np.stack([np.bincount(d[keep], weights=row, minlength=n_digits) for row in inside])
    return (sums / np.maximum(n, 1)).T


def _spike_times(monitor):
    t, i = np.asarray(monitor.t[:]), np.asarray(monitor.i[:], dtype=int)
    order = np.argsort(i, kind="stable")
    bounds = np.searchsorted(i[order], np.arange(int(i.max(initial=-1)) + 2))
    return lambda k: (t[order][bounds[k]:bounds[k + 1]] if k + 1 < len(bounds) else np.array([]))


def _window_pairs(w_mon, pairs, pre_times, post_times, teach, T, t_on):
    """(Δt, Δw, sign of the post cell's teaching signal) for every presynaptic spike in a
    learning window of the recorded synapses ``pairs`` [(pre, post), ...]."""
    st = np.asarray(w_mon.t[:])
    W = np.asarray(w_mon.w[:])                        # synapses × samples
    dts, dws, signs = [], [], []
    for k, (j, i) in enumerate(pairs):
        tp = pre_times(j)
        d = np.floor(tp / T + 1e-9).astype(int)
        learning = (tp - d * T >= t_on - 1e-9) & (d < teach.shape[0])
        tp, d = tp[learning], d[learning]
        dws.append(updates_at_spikes(st, W[k], tp))
        dts.append(nearest_dt(tp, post_times(i), window=PAIR_WINDOW_MS * 1e-3) * 1e3)
        signs.append(np.sign(teach[d, i]))
    return np.concatenate(dts), np.concatenate(dws), np.concatenate(signs)


def _setup(quick, seed, data_dir):
    if quick:
        from sklearn.datasets import load_digits
        d = load_digits()
        order = np.random.default_rng(seed).permutation(len(d.target))
        return (d.data[order] / 16.0, d.target[order], ERBPParams(**QUICK_PARAMS), [64, 50, 10],
                "sklearn digits 8x8")
    xtr, ytr, _, _ = load_pixels("mnist", data_dir)
    return xtr, ytr, ERBPParams(), [784, 200, 10], "MNIST"


def window_summary(dt, dw, sign) -> dict:
    """The window's numbers: profiles per error sign, variance explained by timing and by the
    error sign, sign agreement, pre-before-post vs post-before-pre means."""
    ok = np.isfinite(dt) & np.isfinite(dw) & (sign != 0)
    dt, dw, sign = dt[ok], dw[ok], sign[ok]
    bins = np.clip(np.searchsorted(EDGES_MS, dt, side="right") - 1, 0, len(EDGES_MS) - 2)
    signed = dw * sign                                   # > 0: the update follows the error
    nz = dw != 0
    causal = (dt > 0) & (dt <= 20)
    acausal = (dt < 0) & (dt >= -20)
    within = [variance_explained(signed[sign == s], bins[sign == s]) for s in (1, -1)]
    prof = {name: window_profile(dt[sign == s], dw[sign == s], EDGES_MS)
            for name, s in (("error_positive", 1), ("error_negative", -1))}
    near, far = np.abs(dt) <= 5, np.abs(dt) >= 20
    return {
        "n_updates": int(dw.size), "n_nonzero": int(nz.sum()),
        "eta2_timing": variance_explained(dw, bins),
        "eta2_timing_given_error_sign": float(np.nanmean(within)),
        "eta2_error_sign": variance_explained(dw, sign),
        "sign_agreement": float(np.mean(np.sign(dw[nz]) == sign[nz])) if nz.any() else float("nan"),
        "signed_mean_pre_before_post": float(signed[causal].mean()),
        "signed_mean_post_before_pre": float(signed[acausal].mean()),
        "abs_mean_near_post_spike": float(np.abs(dw[near]).mean()),
        "abs_mean_far_from_post_spike": float(np.abs(dw[far]).mean()),
        "zero_fraction_near_post_spike": float(np.mean(dw[near] == 0)),
        "zero_fraction_far_from_post_spike": float(np.mean(dw[far] == 0)),
        "profile": {name: {k: v.tolist() for k, v in p.items()} for name, p in prof.items()},
    }


def long_run_alignment(checkpoint, seed: int = 0, block: int = 100,
                       blocks_per_epoch: int = 500) -> dict:
    """B vs W_outᵀ in the checkpoint of a longer one-hidden-layer run (e.g. table.py's
    784-500-10: blocks of 100 digits, epochs of 50 000), with W_out(0) rebuilt from ``seed``;
    the checkpoint's B must be that seed's B."""
    from spiketeach.core.checkpoint import load_checkpoint
    from spiketeach.models.neftci2017.network import initial_values

    state, meta = load_checkpoint(checkpoint)
    n_out = 10
    n_h = state["feedback0.B"].size // (2 * n_out)
    n_in = state["forward0.w"].size // n_h
    if "forward2.w" in state or state["forward1.w"].size != n_h * n_out:
        raise ValueError(f"{checkpoint}: not a one-hidden-layer network with {n_out} outputs")
    W0, B0 = initial_values([n_in, n_h, n_out], ERBPParams(), seed)
    B = state["feedback0.B"].reshape(2 * n_out, n_h)[:n_out].T
    if not np.allclose(B, B0):
        raise ValueError(f"{checkpoint}: its feedback B is not the initial B of seed {seed}")
    W_out = state["forward1.w"].reshape(n_h, n_out).T
    digits = meta["log"]["samples"][-1] if meta.get("log", {}).get("samples") else None
    blocks_done = meta.get("epoch", 0) * blocks_per_epoch + meta.get("block", 0)
    return {"checkpoint": str(checkpoint), "sizes": [n_in, n_h, n_out],
            "digits_trained": blocks_done * block, "last_test_at_digits": digits,
            "last_test_accuracy": meta["log"]["test_accuracy"][-1] if digits else None,
            "B_vs_Wout_initial": float(angle_deg(B, W0[1].T, trial_axes=0)),
            "B_vs_Wout": float(angle_deg(B, W_out.T, trial_axes=0)),
            "B_vs_Wout_change": float(angle_deg(B, (W_out - W0[1]).T, trial_axes=0))}


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str | None = None, *,
        n_blocks: int | None = None, block: int | None = None, data_dir=None,
        build_dir=None, long_run=None, log=print) -> dict:
    out_dir = Path(out_dir)
    start = time.perf_counter()
    device = device or ("runtime" if quick else "cpp_standalone")
    n_blocks = n_blocks or (4 if quick else 20)
    block = block or (50 if quick else 100)
    x_all, y_all, params, sizes, data_name = _setup(quick, seed, data_dir)
    n_in, n_h, n_out = sizes
    if n_blocks < 2 or block < 1:
        raise ValueError(f"need >= 2 blocks of >= 1 digit, got {n_blocks} blocks of {block}")
    tmp = None
    if device == "runtime":
        select_device("runtime")
    else:
        if build_dir is None:
            tmp = tempfile.TemporaryDirectory()
            build_dir = Path(tmp.name) / "build"
        select_device(device, build_dir=build_dir, threads=1)
    try:
        net = build(sizes, block, params=params, seed=seed, record=("spikes",))
        T = float(params.sample_duration)
        t_on = T / learn_slots(params)
        sample_dt = max(1 * ms, params.dt)
        # the synapses whose weights are sampled: the brightest pixels onto the first hidden
        # cells (input units fire most there) and the first hidden cells onto every output
        bright = np.argsort(-x_all.mean(axis=0))[: (16 if quick else 20)]
        hid_cells = np.arange(20)
        pairs_in = [(int(j), int(i)) for j in bright for i in hid_cells]
        pairs_out = [(int(j), int(k)) for j in hid_cells for k in range(n_out)]
        probes = {
            "g_hidden": StateMonitor(net.layers[0], "g", record=True, dt=sample_dt,
                                     when="synapses", order=-3, name="probe_g_hidden"),
            "g_output": StateMonitor(net.layers[1], "g", record=True, dt=sample_dt,
                                     when="synapses", order=-3, name="probe_g_output"),
            "w_in": StateMonitor(net.forward[0], "w", dt=sample_dt, when="end",
                                 record=[j * n_h + i for j, i in pairs_in], name="probe_w_in"),
            "w_out": StateMonitor(net.forward[1], "w", dt=sample_dt, when="end",
                                  record=[j * n_out + k for j, k in pairs_out],
                                  name="probe_w_out"),
        }
        net.net.add(*probes.values())
        mons = net.monitors
        rng = np.random.default_rng(seed + 1)
        order = balanced_order(y_all, n_blocks * block, rng)
        state = net.initial_state(seed)
        B = state["feedback0.B"].reshape(2 * n_out, n_h)[:n_out].T          # n_h × n_out

        def mats(s):
            return (s["forward0.w"].reshape(n_in, n_h).T, s["forward1.w"].reshape(n_h, n_out).T)

        W_out0 = mats(state)[1]
        angles = {k: [] for k in ("hidden_vs_bp", "hidden_vs_rbp", "output_vs_gradient",
                                  "B_vs_Wout", "B_vs_Wout_change", "rbp_vs_bp")}
        angles["B_vs_Wout"].append(float(angle_deg(B, W_out0.T, trial_axes=0)))
        train_acc, win = [], {"hidden": [], "output": []}
        for b in range(n_blocks):
            idx = order[b * block:(b + 1) * block]
            res = run_erbp_block(net, state, x_all[idx], y_all[idx], np.ones(block),
                                 seed=block_seed(seed, TRAIN_STREAM, 0, b))
            new = net.get_state()
            W_in_a, W_out_a = mats(state)
            W_in_b, W_out_b = mats(new)
            span = T - t_on
            x = _counts(mons["erbp_input.spikes"], n_in, block, T, t_on) / span
            h = _counts(mons["erbp_hidden0.spikes"], n_h, block, T, t_on) / span
            o = _counts(net.output_spikes, n_out, block, T, t_on) / span
            lab = _counts(mons["erbp_labels.spikes"], n_out, block, T, t_on) / span
            err = lab - o
            gate_h = _gates(probes["g_hidden"], block, T, t_on, params.b_lo, params.b_hi)
            gate_o = _gates(probes["g_output"], block, T, t_on, params.b_lo, params.b_hi)
            d = two_layer_directions(x, h, err, W_out_a, B, gate_h=gate_h, gate_o=gate_o)
            a = lambda u, v: float(angle_deg(u, v, trial_axes=0))  # noqa: E731
            angles["hidden_vs_bp"].append(a(W_in_b - W_in_a, d["hidden_bp"]))
            angles["hidden_vs_rbp"].append(a(W_in_b - W_in_a, d["hidden_rbp"]))
            angles["rbp_vs_bp"].append(a(d["hidden_rbp"], d["hidden_bp"]))
            angles["output_vs_gradient"].append(a(W_out_b - W_out_a, d["output"]))
            angles["B_vs_Wout"].append(a(B, W_out_b.T))
            angles["B_vs_Wout_change"].append(a(B, (W_out_b - W_out0).T))
            train_acc.append(float(res.correct.mean()))
            pre_in = _spike_times(mons["erbp_input.spikes"])
            post_h = _spike_times(mons["erbp_hidden0.spikes"])
            post_o = _spike_times(net.output_spikes)
            win["hidden"].append(_window_pairs(probes["w_in"], pairs_in, pre_in, post_h,
                                               err @ B.T, T, t_on))
            win["output"].append(_window_pairs(probes["w_out"], pairs_out, post_h, post_o,
                                               err, T, t_on))
            state = new
            log(f"block {b + 1}/{n_blocks}: train acc {100 * train_acc[-1]:.0f} %, hidden vs BP "
                f"{angles['hidden_vs_bp'][-1]:.1f}°, B vs W_out {angles['B_vs_Wout'][-1]:.1f}°")
    finally:
        reset_device()
        if tmp is not None:
            tmp.cleanup()
    window = {}
    for layer, parts in win.items():
        dt_ms, dw, sign = (np.concatenate([p[k] for p in parts]) for k in range(3))
        window[layer] = window_summary(dt_ms, dw, sign)
    half = n_blocks // 2
    late = {k: float(np.mean(v[-half:])) for k, v in angles.items() if k not in
            ("B_vs_Wout", "B_vs_Wout_change")}
    claims = {}
    for layer in ("hidden", "output"):
        w = window[layer]
        claims[f"{layer}_window_flat_in_timing"] = {
            "statement": f"given the error sign, the pre/post timing explains < {FLAT_ETA2:.0%} of "
                         f"the variance of Δw ({layer} synapses)",
            "eta2": w["eta2_timing_given_error_sign"],
            "holds": bool(w["eta2_timing_given_error_sign"] < FLAT_ETA2)}
        claims[f"{layer}_sign_set_by_error"] = {
            "statement": f">= {SIGN_AGREEMENT:.0%} of the non-zero updates have the sign of the "
                         f"post cell's teaching signal ({layer} synapses)",
            "agreement": w["sign_agreement"],
            "holds": bool(w["sign_agreement"] >= SIGN_AGREEMENT)}
        claims[f"{layer}_no_stdp_sign_reversal"] = {
            "statement": "pre-before-post and post-before-pre pairs (|Δt| <= 20 ms) change the "
                         "weight in the same direction, the error's",
            "pre_before_post": w["signed_mean_pre_before_post"],
            "post_before_pre": w["signed_mean_post_before_pre"],
            "holds": bool(w["signed_mean_pre_before_post"] > 0
                          and w["signed_mean_post_before_pre"] > 0)}
    claims["hidden_update_descends_bp_gradient"] = {
        "statement": "the hidden layer's block update lies within 90° of the back-propagation "
                     "gradient (mean over the second half of the blocks)",
        "angle_deg": late["hidden_vs_bp"], "holds": bool(late["hidden_vs_bp"] < 90)}
    first, last = angles["B_vs_Wout"][0], angles["B_vs_Wout"][-1]
    claims["feedback_alignment_B_vs_Wout"] = {
        "statement": "feedback alignment: the angle between B and W_outᵀ falls below 90° and "
                     "below its initial value",
        "initial_deg": first, "final_deg": last, "holds": bool(last < 90 and last < first)}
    if long_run is not None:
        angles_long = long_run_alignment(long_run, seed)
        claims["feedback_alignment_long_run"] = {
            "statement": "after a long run (the checkpoint's network) the angle between B and "
                         "W_outᵀ is below 90°",
            "digits": angles_long["digits_trained"], "angle_deg": angles_long["B_vs_Wout"],
            "holds": bool(angles_long["B_vs_Wout"] < 90)}
    ours = {"window": window,
            "alignment": {"per_block": angles, "second_half_mean": late,
                          "B_vs_Wout_initial": first, "B_vs_Wout_final": last,
                          "long_run": angles_long if long_run is not None else None},
            "train_accuracy_per_block": train_acc, "sizes": sizes,
            "digits_trained": n_blocks * block}
    result = {"paper": {"note": "the paper body could not be read; it reports no window or "
                                "alignment analysis that we know of",
                        "prediction_feedback_alignment": "angle(B, W_out^T) < 90 deg after "
                        "learning (Lillicrap et al. 2016)"},
              "claims": claims, "ours": ours,
              "protocol": {"data": data_name, "blocks": n_blocks, "digits_per_block": block,
                           "sample_dt_ms": float(sample_dt / ms),
                           "pair_window_ms": PAIR_WINDOW_MS, "bins_ms": EDGES_MS.tolist(),
                           "teaching_signal": "hidden: B (r_label - r_out); output: r_label - "
                                              "r_out; rates in each digit's learning window",
                           "gradients": "rate network at the block's starting weights, "
                                        "measured rates, boxcar gate fraction as f'",
                           "params": params.as_dict()},
              "seed": seed, "device": device, "quick": bool(quick), "wall_s": None}
    _plot(out_dir, window, angles, sizes, data_name)
    return finish_result(out_dir, NAME, result, start)


def _plot(out_dir, window, angles, sizes, data_name):
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for ax, layer in zip(axes[:2], ("hidden", "output")):
        for name, colour in (("error_positive", "C0"), ("error_negative", "C3")):
            p = window[layer]["profile"][name]
            ax.errorbar(p["centers"], np.asarray(p["mean"]) * 1e3, yerr=np.asarray(p["sem"]) * 1e3,
                        fmt="o-", color=colour, ms=3, label=name.replace("_", " "))
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        w = window[layer]
        ax.set(xlabel="Δt = t_post − t_pre [ms]", ylabel="mean Δw per pre spike [×1e-3]",
               title=f"{layer} synapses: η²(Δt | sign) = {w['eta2_timing_given_error_sign']:.3f}")
        ax.legend(fontsize=8)
    bx = axes[2]
    blocks = np.arange(1, len(angles["hidden_vs_bp"]) + 1)
    for key, lab in (("hidden_vs_bp", "ΔW_hidden vs BP"), ("hidden_vs_rbp", "ΔW_hidden vs RBP"),
                     ("output_vs_gradient", "ΔW_out vs gradient")):
        bx.plot(blocks, angles[key], "o-", ms=3, label=lab)
    bx.plot(np.arange(len(angles["B_vs_Wout"])), angles["B_vs_Wout"], "k--", label="B vs W_outᵀ")
    bx.axhline(90, color="grey", lw=0.5)
    bx.set(xlabel="block", ylabel="angle [°]", ylim=(0, 120),
           title=f"eRBP {'-'.join(map(str, sizes))}, {data_name}")
    bx.legend(fontsize=8)
    save_figure(fig, out_dir / f"{NAME}.png", dpi=150)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="8x8 digits, 64-50-10, 4 blocks of 50 digits",
                           out=HERE, device="cpp_standalone")
    parser.add_argument("--blocks", type=int, default=None, help="training blocks (full: 20)")
    parser.add_argument("--block", type=int, default=None, help="digits per block (full: 100)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--long-run", default=None,
                        help="checkpoint of a longer 1-hidden-layer run (table.py's "
                             "784-500-10.npz): B vs W_out there too")
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed,
              device="runtime" if args.quick else args.device, n_blocks=args.blocks,
              block=args.block, data_dir=args.data_dir, long_run=args.long_run)
    for name, c in res["claims"].items():
        print(f"{name}: {'holds' if c['holds'] else 'does not hold'}")
    print(f"wrote {Path(args.out) / NAME}.png/.json in {res['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
