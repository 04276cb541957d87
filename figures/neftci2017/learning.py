"""Neftci et al. (2017), eRBP: test error against epochs, and the dendrite against the rate
network's random-back-propagation teaching signal.

Neftci EO, Augustine C, Paul S, Detorakis G (2017). Event-driven random back-propagation:
enabling neuromorphic deep learning machines. Front. Neurosci. 11:324.

Left: test error after every epoch (quick: 8x8 digits, 64-50-10; full: the learning curve in the
checkpoint or result of ``figures/neftci2017/table.py``'s 784-500-10 run, ``--work-dir``).
Right: for a few digits shown with their labels (η = 0, so nothing changes), each hidden cell's
dendrite U averaged over the digit's learning window against the teaching signal a rate network
trained by random back-propagation would use, T_i = Σ_k B_ik (r_label,k − r_out,k) with the rates
measured in the same window; the correlation says how well the dendrite carries the RBP signal.

Writes ``learning.png`` and ``learning.json`` (``ours.test_error`` per epoch in percent,
``ours.dendrite_rbp_r``). Usage: ``python figures/neftci2017/learning.py [--quick] [--seed N]
[--out DIR] [--work-dir DIR] [--n-digits N]``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from brian2 import ms

from spiketeach.core.checkpoint import load_checkpoint
from spiketeach.core.devices import select_device
from spiketeach.models.neftci2017 import ERBPParams, build
from spiketeach.models.neftci2017.network import learn_slots
from spiketeach.plotting import finish
from spiketeach.protocols.neftci2017.training import (
    load_pixels,
    run_erbp_block,
    train_erbp,
)
from spiketeach.results import figure_parser

NAME = "learning"
HERE = Path(__file__).resolve().parent
QUICK_PARAMS = dict(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, eta=2e-2,
                    noise_weight=0.0)


def _rates(monitor, lo: float, hi: float, n: int) -> np.ndarray:
    """Firing rates (Hz) of ``n`` cells in [lo, hi) seconds."""
    tt, ii = np.asarray(monitor.t[:]), np.asarray(monitor.i[:])
    sel = (tt >= lo) & (tt < hi)
    return np.bincount(ii[sel], minlength=n) / (hi - lo)


def dendrite_vs_rbp(net, state, pixels, labels) -> dict:
    """Mean dendrite of every hidden cell in each digit's learning window vs Σ_k B_ik
    (r_label,k − r_out,k) from the rates in that window; one row per (digit, cell)."""
    n = net.n_presentations
    res = run_erbp_block(net, state, pixels, labels, np.ones(n))
    p = net.params
    T, t0 = float(p.sample_duration), float(p.sample_duration) / learn_slots(p)
    hid = net.layers[0]
    mon = net.monitors[f"{hid.name}.gU"]
    t = np.asarray(mon.t[:])
    U = np.asarray(mon.U[:])                       # cells × steps
    lab_mon = net.monitors[f"{net.label_units.name}.spikes"]
    out_mon = net.output_spikes
    n_cls = net.layer_sizes[-1]
    B = np.asarray(state["feedback0.B"]).reshape(2 * n_cls, -1)[:n_cls]   # classes × cells
    xs, ys = [], []
    for k in range(n):
        lo, hi = k * T + t0, (k + 1) * T
        window = (t >= lo) & (t < hi)
        u = U[:, window].mean(axis=1)
        teach = B.T @ (_rates(lab_mon, lo, hi, n_cls) - _rates(out_mon, lo, hi, n_cls))
        xs.append(teach)
        ys.append(u)
    x, y = np.concatenate(xs), np.concatenate(ys)
    r = float(np.corrcoef(x, y)[0, 1])
    slope = float(np.polyfit(x, y, 1)[0])
    return {"r": r, "slope": slope, "teach": x, "dendrite": y,
            # E± fire at (w_err / err_th) × the rate difference; each spike adds B to U, which
            # decays with tau_dend: mean U = (w_err / err_th) tau_dend T without rectification
            "expected_slope": float(p.w_err / p.err_th * float(p.tau_dend)),
            "counts": res.counts}


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str | None = None, *,
        work_dir=None, n_digits: int = 10, epochs: int = 3, data_dir=None, log=print) -> dict:
    out_dir = Path(out_dir)
    start = time.perf_counter()
    select_device("runtime")
    if quick:
        from sklearn.datasets import load_digits
        d = load_digits()
        order = np.random.default_rng(seed).permutation(len(d.target))
        X, y = d.data[order] / 16.0, d.target[order]
        xtr, ytr, xte, yte = X[:1300], y[:1300], X[1300:1400], y[1300:1400]
        params = ERBPParams(**QUICK_PARAMS)
        sizes = [64, 50, 10]
        net = build(sizes, 50, params=params, seed=seed)
        curve, state = train_erbp(net, xtr, ytr, xte, yte, epochs=epochs, n_train=100,
                                  rng=np.random.default_rng(seed + 1), seed=seed,
                                  progress=lambda *a, **k: None)
        samples, acc = curve.samples, curve.test_accuracy
        per_epoch = 100
        data_name = "sklearn digits 8x8"
    else:
        work = Path(work_dir) if work_dir else HERE / "table_work"
        xtr, ytr, xte, yte = load_pixels("mnist", data_dir)
        params, sizes, per_epoch = ERBPParams(), [784, 500, 10], 50_000
        result = work / "784-500-10.json"
        if result.exists():
            curve = json.loads(result.read_text())["log"]
            state, _ = load_checkpoint(work / "784-500-10.npz")
        else:
            state, meta = load_checkpoint(work / "784-500-10.npz")
            curve = meta["log"]
        samples, acc = curve["samples"], curve["test_accuracy"]
        data_name = "MNIST"
    probe = build(sizes, n_digits, params=params.replace(eta=0.0), seed=seed,
                  record=("gU", "spikes"), name="probe")
    dend = dendrite_vs_rbp(probe, state, xte[:n_digits], yte[:n_digits])
    ours = {"epochs": [s / per_epoch for s in samples],
            "test_error": [100 * (1 - a) for a in acc],
            "dendrite_rbp_r": dend["r"], "dendrite_rbp_slope": dend["slope"],
            "dendrite_rbp_slope_expected": dend["expected_slope"], "n_digits": n_digits,
            "sizes": sizes}
    result = {"paper": {"note": "the paper's learning curves could not be read"},
              "ours": ours,
              "protocol": {"data": data_name, "digits_per_epoch": per_epoch,
                           "teaching_signal": "sum_k B_ik (r_label,k - r_out,k), rates and mean "
                                              "dendrite over each digit's learning window, eta=0",
                           "params": params.as_dict()},
              "seed": seed, "device": "runtime", "quick": bool(quick), "wall_s": None}
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(ours["epochs"], ours["test_error"], "o-")
    ax.set(xlabel="epoch", ylabel="test error [%]", title=f"eRBP {'-'.join(map(str, sizes))}, "
           f"{data_name}")
    bx.plot(dend["teach"], dend["dendrite"], ".", ms=2, alpha=0.5)
    bx.set(xlabel="RBP teaching signal Σ B (r_label − r_out) [Hz]",
           ylabel="mean dendrite U", title=f"r = {dend['r']:.3f} ({n_digits} digits)")
    return finish(fig, out_dir, NAME, result, start, dpi=150)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="8x8 digits, 64-50-10, 3 epochs of 100 digits",
                           out=HERE)
    parser.add_argument("--work-dir", default=None, help="table.py's work directory (full)")
    parser.add_argument("--n-digits", type=int, default=10)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed, work_dir=args.work_dir,
              n_digits=args.n_digits, data_dir=args.data_dir)
    o = res["ours"]
    print(f"test error {o['test_error']}; dendrite vs RBP r = {o['dendrite_rbp_r']:.3f}; "
          f"wrote {args.out / NAME}.png/.json in {res['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
