"""Samadi, Lillicrap & Tweed (2017), Fig. 5: MNIST learning curves of LIF networks trained by
broadcast alignment — 784-1000-10 (3-layer), 784-630-370-10 (4-layer) and depth-1 learning
(only the output layer learns).

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602.

Each configuration is trained with ``spiketeach.protocols.samadi2017.mnist.train_mnist`` (cpp_standalone:
one binary, re-run per block of 1000 examples; checkpoints after every block). Every 1000
examples the network is tested on 100 random test images (the curve), and at the end on the
whole test set (Table 2). Runs live in ``--runs DIR``: re-running the script resumes each run from
its checkpoint, so a 30-epoch reproduction can span sessions.

Full mode: the paper's 30 epochs (``--epochs`` to shorten, one number for every configuration
or one per configuration, e.g. ``--epochs 3-layer=3,4-layer=1,depth-1=1``: a run extended to more
epochs resumes from its checkpoint). ``--quick``: scikit-learn's 8×8
digits (64-100-10, 64-63-37-10, depth-1), 60 examples each — no MNIST needed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from spiketeach.core.devices import select_device  # noqa: E402
from spiketeach.core.progress import Progress  # noqa: E402
from spiketeach.plotting import save_figure  # noqa: E402
from spiketeach.protocols.samadi2017.mnist import MnistRun, digits_data, train_mnist  # noqa: E402
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "fig5"
HERE = Path(__file__).resolve().parent
#: Table 2 of the paper: final test accuracy (%) of the LIF-BA networks
PAPER = {"3-layer": 96.02, "4-layer": 97.05, "depth-1": 90.49}
CONFIGS = {"3-layer": ([784, 1000, 10], None), "4-layer": ([784, 630, 370, 10], None),
           "depth-1": ([784, 1000, 10], 1)}
QUICK_CONFIGS = {"3-layer": ([64, 100, 10], None), "4-layer": ([64, 63, 37, 10], None),
                 "depth-1": ([64, 100, 10], 1)}


def parse_epochs(text: str) -> float | dict[str, float]:
    """``"30"`` (every configuration) or ``"3-layer=3,depth-1=1"`` (per configuration)."""
    if "=" not in text:
        return float(text)
    epochs = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        if name.strip() not in CONFIGS:
            raise argparse.ArgumentTypeError(f"unknown configuration {name.strip()!r}; "
                                             f"choose from {', '.join(CONFIGS)}")
        epochs[name.strip()] = float(value)
    return epochs


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "cpp_standalone",
        epochs: float | dict[str, float] = 30.0, runs_dir=None, data_dir=None, configs=None,
        progress=print) -> dict:
    """Train (or resume) each configuration, plot the curves, write PNG + JSON; return the JSON."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs_dir = Path(runs_dir or Path("output") / f"samadi2017_{NAME}")
    start = time.perf_counter()
    table = QUICK_CONFIGS if quick else CONFIGS
    names = configs or list(table)
    missing = sorted(set(names) - set(epochs)) if isinstance(epochs, dict) else []
    if missing:
        raise ValueError(f"--epochs names no epochs for {', '.join(missing)}")
    data = digits_data(seed) if quick else None
    results = {}
    for name in names:
        layers, depth = table[name]
        opts = (dict(epochs=60 / 1500, block=30, n_test_per_block=10, final_test=30) if quick
                else dict(epochs=epochs[name] if isinstance(epochs, dict) else epochs))
        mnist_run = MnistRun(layers=layers, depth=depth, seed=seed, data_dir=data_dir,
                             dataset="digits" if quick else "mnist", **opts)
        run_dir = runs_dir / (f"quick-{name}" if quick else name)
        select_device(device, build_dir=run_dir / "build" if device != "runtime" else None)
        progress(f"--- {name}: {'-'.join(map(str, layers))}" + (" (depth-1)" if depth else ""))
        results[name] = train_mnist(mnist_run, run_dir, checkpoint=run_dir / "checkpoint.npz",
                                    resume=True, progress=progress, data=data)
    wall = time.perf_counter() - start
    _plot(results, out_dir / f"{NAME}.png", quick)
    out = {"paper": {"accuracy": {k: PAPER[k] for k in names}},
           "ours": {"accuracy": {k: round(r["accuracy"], 2) for k, r in results.items()},
                    "epochs": {k: r["epochs"] for k, r in results.items()},
                    "curves": {k: r["curve"] for k, r in results.items()},
                    "train_wall_s": {k: r["wall_s"] for k, r in results.items()}},
           "protocol": {"dataset": "sklearn digits 8x8 (quick)" if quick else "MNIST",
                        "layers": {k: table[k][0] for k in names},
                        "presentation_ms": 100, "settle_ms": 20, "block": 30 if quick else 1000,
                        "curve_test_images": 10 if quick else 100,
                        "preprocessing": "pixel/max * g, g = 0.64 / mean training pixel"},
           # wall_s: the training runs' own time (a resumed finished run takes seconds to reload)
           "seed": seed, "device": device, "script_wall_s": wall,
           "wall_s": sum(r["wall_s"] for r in results.values()),
           "quick": quick}
    write_result(out_dir, NAME, out)
    return out


def _plot(results, path, quick):
    """Each 100-image test (faint) and its running mean over 10 blocks, log error axis."""
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for k, (name, r) in enumerate(results.items()):
        c = r["curve"]
        x, err = np.asarray(c["examples"]) / 1000, 100 * np.asarray(c["test_error"])
        ax.plot(x, np.maximum(err, 0.5), ".", ms=2, color=f"C{k}", alpha=0.35)
        n = min(10, len(err))
        smooth = np.convolve(err, np.ones(n) / n, mode="valid")
        ax.plot(x[n - 1:], smooth, color=f"C{k}",
                label=f"{name}: {r['accuracy']:.2f} % after {r['epochs']:g} "
                      f"epoch{'' if r['epochs'] == 1 else 's'}")
    ax.set_yscale("log")
    ax.set_ylim(0.4, 100)
    ax.set_xlabel("training examples (thousands)")
    ax.set_ylabel("test error (%), running mean of 10 blocks")
    ax.set_title("LIF broadcast alignment" + (" (quick: 8×8 digits)" if quick else ", MNIST"))
    ax.legend(fontsize=7)
    save_figure(fig, path, dpi=120)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="8x8 digits, seconds", out=HERE, device="cpp_standalone")
    parser.add_argument("--epochs", type=parse_epochs, default=30.0,
                        help="paper: 30; or per configuration, e.g. 3-layer=3,4-layer=1,depth-1=1")
    parser.add_argument("--runs", default=None, help="run directories (default output/samadi2017_fig5)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--configs", default=None, help="comma-separated subset of " + ",".join(CONFIGS))
    args = parser.parse_args(argv)
    with Progress("fig5", unit="ex") as progress:  # examples/s, ETA, running error per block
        res = run(args.out, quick=args.quick, seed=args.seed, device=args.device,
                  epochs=args.epochs, runs_dir=args.runs, data_dir=args.data_dir,
                  configs=args.configs.split(",") if args.configs else None, progress=progress)
    for k, acc in res["ours"]["accuracy"].items():
        print(f"{k}: {acc:.2f} % (paper {res['paper']['accuracy'][k]} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
