"""Samadi, Lillicrap & Tweed (2017), Table 2, non-spiking rows: MNIST with rate networks trained by
backpropagation, feedback alignment, broadcast alignment and derivative-free learning.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602, §3.2 and Table 2.

The learners are the vectorised numpy references of :mod:`spiketeach.models.samadi2017.rate` (activation
E(v) = max(0, c1 tanh(c2 v)), Appendix-B initialisation, momentum 0.9, bias learning), on the same
inputs as the spiking network (pixel/255 × g, mean training input 0.64). Protocol choices, from
docs/papers/samadi2017.md: η = 1/fan-in applied per example (to the sum over the
minibatch), targets 0.8 for the correct class and 0 for the others, output slope not gated.
Minibatches of 10, not the notes' 100: summing 100 examples into one step (with momentum 0.9)
drives some outputs to v ≈ −50…−100 in the first epoch, where sech²(c2 v) ≈ 0 and they never
recover (measured on 20 000 examples: FA 72 % with 2 dead outputs, BP 84 % / 1, BA 65 % / 3 at
batch 100; FA 90.0 %, BA 89.4 %, none dead at batch 10; FA 90.6 % online, batch 1).

Rows: BP, FA, BA, DF (784-1000-10), BA depth-1 (only the output layer learns) and BA 4-layer
(784-630-370-10). The test answer is the most active output; ties count as errors.

Full mode: the paper's 30 epochs (``--epochs`` to change). ``--quick``: scikit-learn's 8×8 digits
(64-100-10 and 64-63-37-10), 3 epochs, seconds. Writes ``rate_mnist.{png,json}``;
``table2.py`` reads the JSON.
"""

from __future__ import annotations

import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.analysis.accuracy import answers_from_counts  # noqa: E402
from spiketeach.models.samadi2017 import rate  # noqa: E402
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402
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
BATCH = 10
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


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        epochs: int | None = None, data_dir=None, rows=None, batch: int = BATCH,
        progress=print) -> dict:
    """Train every row, plot the test-accuracy curves, write PNG + JSON; return the JSON.

    ``device`` is recorded only: the references are numpy (no Brian2 device).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    epochs = epochs if epochs is not None else (3 if quick else 30)
    if quick:
        x_tr, y_tr, x_te, y_te, gain = digits_data(seed)
    else:
        x_tr, y_tr, x_te, y_te, gain = load_inputs(MnistRun(data_dir=data_dir))
    names = rows or list(ROWS)
    unknown = [r for r in names if r not in ROWS]
    if unknown:
        raise ValueError(f"unknown rows {unknown}; choose from {list(ROWS)}")
    results = {r: train_row(r, x_tr, y_tr, x_te, y_te, epochs, seed, quick, progress, batch)
               for r in names}
    out = {"paper": {"accuracy": {r: PAPER[r] for r in names}},
           "ours": {"accuracy": {r: round(res["accuracy"], 2) for r, res in results.items()},
                    "curves": {r: res["curve"] for r, res in results.items()},
                    "train_wall_s": {r: res["wall_s"] for r, res in results.items()},
                    "epochs": epochs},
           "protocol": {"dataset": "sklearn digits 8x8 (quick)" if quick else "MNIST",
                        "layers": {r: res["layers"] for r, res in results.items()},
                        "minibatch": batch, "eta": "1/fan-in per example (sum over minibatch)",
                        "momentum": SamadiParams().mu, "target": f"{TARGET_HIGH} / 0",
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
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="8x8 digits, 3 epochs, seconds", out=HERE, device_help="recorded only (numpy references)")
    parser.add_argument("--epochs", type=int, default=None, help="paper: 30")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rows", default=None, help="comma-separated subset of " + ",".join(ROWS))
    parser.add_argument("--batch", type=int, default=BATCH, help="examples per update (sum)")
    args = parser.parse_args(argv)
    res = run(args.out, quick=args.quick, seed=args.seed, device=args.device, epochs=args.epochs,
              data_dir=args.data_dir, rows=args.rows.split(",") if args.rows else None,
              batch=args.batch)
    for row, acc in res["ours"]["accuracy"].items():
        print(f"{row}: {acc:.2f} % (paper {res['paper']['accuracy'][row]} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
