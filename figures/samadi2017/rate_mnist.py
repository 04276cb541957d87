"""Samadi, Lillicrap & Tweed (2017), Table 2, non-spiking rows: MNIST with rate networks trained by
backpropagation, feedback alignment, broadcast alignment and derivative-free learning.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602, §3.2 and Table 2.

The learners are the vectorised numpy references of :mod:`spiketeach.models.samadi2017.rate` (activation
E(v) = max(0, c1 tanh(c2 v)), Appendix-B initialisation, momentum 0.9, bias learning), on the same
inputs as the spiking network (pixel/255 × g, mean training input 0.64). Protocol, from
docs/papers/samadi2017.md: the paper's minibatches of 100 (``--batch``), η = 1/fan-in applied per
example (to the sum over the minibatch), targets 0.8 for the correct class and 0 for the others,
output slope not gated; 30 epochs and three trials per row (mean and range), as Table 2.
Minibatches of 100 used to leave dead outputs (v ≈ −50…−100, sech² ≈ 0) when the hidden teaching
signals were 1/α ≈ 15x too large; with c1·c2 on every backward link (issue 16) none die
(``benchmarks/samadi2017_rate_epoch.py`` counts them), so the paper's batch is the default.

Rows: BP, FA, BA, DF (784-1000-10), BA depth-1 (only the output layer learns) and BA 4-layer
(784-630-370-10). The test answer is the most active output; ties count as errors.

Full mode: the paper's 30 epochs and 3 trials (``--epochs``, ``--trials`` to change). Each
finished (row, trial) is appended to ``<work-dir>/records.jsonl`` (default
``output/samadi2017_rate_mnist``) at once, so a killed run resumes with the next one and the JSON
always summarises what is finished. ``--quick``: scikit-learn's 8×8 digits (64-100-10 and
64-63-37-10), 3 epochs, 1 trial, seconds. Writes ``rate_mnist.{png,json}`` (``ours.rate_epochs``,
``ours.rate_accuracy[ROW]`` mean, ``ours.rate_range[ROW]`` [min, max], ``ours.trials[ROW]``);
``table2.py`` reads the JSON.
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

from spiketeach.analysis.accuracy import answers_from_counts  # noqa: E402
from spiketeach.models.samadi2017 import rate  # noqa: E402
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402
from spiketeach.plotting import save_figure  # noqa: E402
from spiketeach.protocols.samadi2017.mnist import MnistRun, digits_data, load_inputs  # noqa: E402
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "rate_mnist"
HERE = Path(__file__).resolve().parent
#: Table 2 of the paper, non-spiking rows (test accuracy, %, after 30 epochs)
PAPER = {"BP": 98.56, "FA": 98.42, "BA": 97.67, "DF": 96.12, "BA depth-1": 95.98,
         "BA 4-layer": 97.64}
#: row -> (algorithm, hidden layer sizes, depth); depth None = every layer learns
ROWS = {"BP": ("BP", [1000], None), "FA": ("FA", [1000], None), "BA": ("BA", [1000], None),
        "DF": ("DF", [1000], None), "BA depth-1": ("BA", [1000], 1),
        "BA 4-layer": ("BA", [630, 370], None)}
QUICK_HIDDEN = {(1000,): [100], (630, 370): [63, 37]}
BATCH = 100   # the paper's minibatch (§3.3)
TARGET_HIGH = 0.8


def train_row(row: str, x_tr, y_tr, x_te, y_te, epochs: int, seed: int, quick: bool,
              progress=print, batch: int = BATCH) -> dict:
    """Train one row's learner; return its test accuracy after every epoch."""
    algorithm, hidden, depth = ROWS[row]
    if quick:
        hidden = QUICK_HIDDEN[tuple(hidden)]
    sizes = [x_tr.shape[1], *hidden, 10]
    params = SamadiParams()
    net = rate.init_rate_network(sizes, algorithm, [seed], params=params, depth=depth)
    order_rng = np.random.default_rng([seed, 1])
    targets = np.zeros((len(y_tr), 10))
    targets[np.arange(len(y_tr)), y_tr] = TARGET_HIGH

    def accuracy() -> float:
        _, acts = rate.forward(net, x_te[None])
        y = acts[-1][0]
        if not np.all(np.isfinite(y)):
            raise FloatingPointError(f"{row}: outputs became NaN or inf")
        return 100.0 * float(np.mean(answers_from_counts(y) == y_te))

    curve = [accuracy()]
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = order_rng.permutation(len(y_tr))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            rate.train_step(net, x_tr[idx][None], targets[idx][None])
        curve.append(accuracy())
        elapsed = time.perf_counter() - t0
        progress(f"{row}: epoch {epoch + 1}/{epochs}, test accuracy {curve[-1]:.2f} %, "
                 f"{(epoch + 1) * len(y_tr) / elapsed:.0f} examples/s, "
                 f"ETA {elapsed / (epoch + 1) * (epochs - epoch - 1):.0f} s")
    return {"accuracy": curve[-1], "curve": curve, "layers": sizes, "wall_s": time.perf_counter() - t0}


def _load_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:   # a line cut by a kill: that trial runs again
            pass
    return records


def _append_record(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")
        f.flush()
        os.fsync(f.fileno())


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        epochs: int | None = None, data_dir=None, rows=None, batch: int = BATCH,
        trials: int | None = None, work_dir=None, report_only: bool = False,
        progress=print) -> dict:
    """Train every row ``trials`` times (seeds ``seed``, ``seed + 1``, …), plot the mean
    test-accuracy curves, write PNG + JSON; return the JSON. Finished trials are kept in
    ``work_dir/records.jsonl`` and not run again; ``report_only`` summarises those records
    (the rows and trials finished so far) and trains nothing.

    ``device`` is recorded only: the references are numpy (no Brian2 device).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    epochs = epochs if epochs is not None else (3 if quick else 30)
    trials = trials if trials is not None else (1 if quick else 3)
    if epochs < 1 or trials < 1 or batch < 1:
        raise ValueError(f"epochs ({epochs}), trials ({trials}) and batch ({batch}) must be >= 1")
    names = rows or list(ROWS)
    unknown = [r for r in names if r not in ROWS]
    if unknown:
        raise ValueError(f"unknown rows {unknown}; choose from {list(ROWS)}")
    if work_dir is None and not quick:   # a quick run (seconds) keeps nothing unless asked
        work_dir = HERE.parents[1] / "output" / "samadi2017_rate_mnist"
    records_path = Path(work_dir) / "records.jsonl" if work_dir is not None else None
    if report_only:
        if records_path is None or not records_path.exists():
            raise FileNotFoundError(f"no finished trials to report: {records_path} is missing")
        gain = None
    elif quick:
        x_tr, y_tr, x_te, y_te, gain = digits_data(seed)
    else:
        x_tr, y_tr, x_te, y_te, gain = load_inputs(MnistRun(data_dir=data_dir))

    def key(r):
        return (r["row"], r["seed"], r["epochs"], r["batch"], r["quick"])

    done = {key(r): r for r in _load_records(records_path)} if records_path else {}
    results: dict[str, list[dict]] = {r: [] for r in names}
    for s in range(seed, seed + trials):
        for row in names:
            k = (row, s, epochs, batch, quick)
            if k not in done and report_only:
                continue
            if k not in done:
                res = train_row(row, x_tr, y_tr, x_te, y_te, epochs, s, quick, progress, batch)
                done[k] = {"row": row, "seed": s, "epochs": epochs, "batch": batch,
                           "quick": quick, **res}
                if records_path:
                    _append_record(records_path, done[k])
            results[row].append(done[k])
    results = {r: res for r, res in results.items() if res}
    if not results:
        raise ValueError(f"no finished trials of {names} with {epochs} epochs, batch {batch} "
                         f"in {records_path}")
    names = list(results)
    acc = {r: [t["accuracy"] for t in res] for r, res in results.items()}
    out = {"paper": {"accuracy": {r: PAPER[r] for r in names},
                     "protocol": "30 epochs, 3 trials per row (mean and range), minibatch 100"},
           "ours": {"accuracy": {r: round(float(np.mean(a)), 2) for r, a in acc.items()},
                    "rate_accuracy": {r: round(float(np.mean(a)), 2) for r, a in acc.items()},
                    "rate_range": {r: [round(min(a), 2), round(max(a), 2)] for r, a in acc.items()},
                    "trials": {r: len(a) for r, a in acc.items()},
                    "seeds": {r: [t["seed"] for t in res] for r, res in results.items()},
                    "curves": {r: np.mean([t["curve"] for t in res], axis=0).tolist()
                               for r, res in results.items()},
                    "train_wall_s": {r: float(np.mean([t["wall_s"] for t in res]))
                                     for r, res in results.items()},
                    "rate_epochs": epochs, "epochs": epochs},
           "protocol": {"dataset": "sklearn digits 8x8 (quick)" if quick else "MNIST",
                        "layers": {r: res[0]["layers"] for r, res in results.items()},
                        "minibatch": batch, "eta": "1/fan-in per example (sum over minibatch)",
                        "momentum": SamadiParams().mu, "target": f"{TARGET_HIGH} / 0",
                        "trials": trials, "records": str(records_path) if records_path else None,
                        "gain": gain, "preprocessing": "pixel/255 * gain, mean training input 0.64"},
           "seed": seed, "device": device, "wall_s": time.perf_counter() - start, "quick": quick}
    _plot(out, out_dir / f"{NAME}.png")
    write_result(out_dir, NAME, out)
    return out


def _plot(out, path):
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for row, curve in out["ours"]["curves"].items():
        ax.plot(np.arange(len(curve)), 100 - np.asarray(curve), ".-", label=row)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("test error (%)")
    ax.set_title("Rate networks on " + out["protocol"]["dataset"])
    ax.legend(fontsize=8)
    save_figure(fig, path, dpi=120)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="8x8 digits, 3 epochs, seconds", out=HERE, device_help="recorded only (numpy references)")
    parser.add_argument("--epochs", type=int, default=None, help="paper: 30")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rows", default=None, help="comma-separated subset of " + ",".join(ROWS))
    parser.add_argument("--batch", type=int, default=BATCH,
                        help="examples per update (sum); the paper's 100")
    parser.add_argument("--trials", type=int, default=None, help="seeds per row (paper: 3)")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="where finished trials are kept (default output/samadi2017_rate_mnist)")
    parser.add_argument("--report-only", action="store_true",
                        help="summarise the finished trials in --work-dir; train nothing")
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed, device=args.device, epochs=args.epochs,
              data_dir=args.data_dir, rows=args.rows.split(",") if args.rows else None,
              batch=args.batch, trials=args.trials, work_dir=args.work_dir,
              report_only=args.report_only)
    for row, acc in res["ours"]["rate_accuracy"].items():
        lo, hi = res["ours"]["rate_range"][row]
        print(f"{row}: {acc:.2f} % [{lo:.2f}, {hi:.2f}] over {res['ours']['trials'][row]} trials "
              f"(paper {res['paper']['accuracy'][row]} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
