"""Samadi, Lillicrap & Tweed (2017), Table 2: MNIST test accuracy, the paper's numbers beside ours.

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602.

The spiking rows (LIF-BA 3-layer, 4-layer, depth-1) come from ``fig5.json`` (run that
script first; this one only tabulates); non-spiking rows from ``rate_mnist.json`` when
the rate references have produced it, else they are left empty ("—").
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from spiketeach.plotting import save_figure  # noqa: E402
from spiketeach.results import figure_parser, write_result  # noqa: E402

NAME = "table2"
HERE = Path(__file__).resolve().parent
#: Table 2 of the paper (test accuracy, %). The LIF-BA rows are keyed by network.
PAPER = {"784-1000-10": 96.02, "784-630-370-10": 97.05, "784-1000-10 depth-1": 90.49,
         "BP": 98.56, "FA": 98.42, "BA": 97.67, "DF": 96.12, "BA depth-1": 95.98,
         "BA 4-layer": 97.64}
_SPIKING = {"784-1000-10": "3-layer", "784-630-370-10": "4-layer", "784-1000-10 depth-1": "depth-1"}


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        source_dir=HERE) -> dict:
    out_dir, source_dir = Path(out_dir), Path(source_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    fig5 = source_dir / "fig5.json"
    if not fig5.exists():
        raise FileNotFoundError(f"{fig5} is missing: run `spiketeach figure samadi2017-fig5` first")
    spiking = json.loads(fig5.read_text())
    rate_path = source_dir / "rate_mnist.json"
    rate_ours = json.loads(rate_path.read_text())["ours"] if rate_path.exists() else {}
    rate = rate_ours.get("rate_accuracy", rate_ours.get("accuracy", {}))
    ours = {row: spiking["ours"]["accuracy"].get(key) for row, key in _SPIKING.items()}
    ours.update({row: rate.get(row) for row in PAPER if row not in _SPIKING})
    epochs = {row: spiking["ours"]["epochs"].get(key) for row, key in _SPIKING.items()}
    wall = {row: spiking["ours"]["train_wall_s"].get(key) for row, key in _SPIKING.items()}
    out = {"paper": {"accuracy": PAPER},
           "ours": {"accuracy": ours, "epochs": epochs, "wall_s": wall,
                    # the rate rows: mean over trials, [min, max], and their training length
                    "rate_accuracy": {row: rate.get(row) for row in PAPER if row not in _SPIKING},
                    "rate_range": {row: rate_ours.get("rate_range", {}).get(row)
                                   for row in PAPER if row not in _SPIKING},
                    "rate_epochs": rate_ours.get("rate_epochs", rate_ours.get("epochs")),
                    "rate_trials": rate_ours.get("trials")},
           "protocol": {"spiking_source": fig5.name, "spiking_quick": spiking.get("quick"),
                        "rate_source": rate_path.name if rate else None},
           "seed": spiking.get("seed", seed), "device": spiking.get("device", device),
           "wall_s": time.perf_counter() - start,
           "quick": bool(spiking.get("quick"))}
    write_result(out_dir, NAME, out)
    _plot(out, out_dir / f"{NAME}.png")
    return out


def _fmt(v):
    return "—" if v is None else f"{v:.2f}"


def _plot(out, path):
    rows = [[k, _fmt(v), _fmt(out["ours"]["accuracy"][k])] for k, v in out["paper"]["accuracy"].items()]
    fig, ax = plt.subplots(figsize=(5, 0.35 * len(rows) + 0.8))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=["LIF-BA network / rate rule", "paper (%)", "ours (%)"], loc="center")
    table.scale(1, 1.3)
    ax.set_title("MNIST test accuracy (Samadi et al. 2017, Table 2)"
                 + (" — quick run" if out["quick"] else ""))
    save_figure(fig, path, dpi=120)


def main(argv=None) -> int:
    parser = figure_parser(__doc__, quick="tabulate (already fast)", out=HERE)
    parser.add_argument("--source", type=Path, default=None,
                        help="directory with fig5.json (default: --out)")
    args = parser.parse_args(argv)
    res = run(args.out, args.quick, args.seed, args.device, args.source or args.out)
    for k, v in res["paper"]["accuracy"].items():
        print(f"{k:16s} paper {v:6.2f}  ours {_fmt(res['ours']['accuracy'][k])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
