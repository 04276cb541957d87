"""Neftci et al. (2017), eRBP: MNIST test accuracy per architecture beside the paper's.

Neftci EO, Augustine C, Paul S, Detorakis G (2017). Event-driven random back-propagation:
enabling neuromorphic deep learning machines. Front. Neurosci. 11:324.

The paper's numbers are as cited by Shrestha et al. 2019 (the eRBP paper's own table could not be
read: docs/papers/neftci2017.md): 784-500-10 97.71 %, 784-500-500-10 97.98 %; none for
784-200-10 (the size of the authors' single-hidden-layer script). Ours: the eRBP network with the
parameters of the authors' code (:class:`spiketeach.models.neftci2017.ERBPParams`), 250 ms per
digit without reset, learning off in the first 50 ms of each digit, an epoch = 50 000 digits drawn
with replacement, 5 000 per class (the code), tested on the first ``--n-test`` test digits with
η = 0 (default 1 000, the single-hidden script's test set).

Full mode: MNIST ($SPIKETEACH_DATA or --data-dir) on cpp_standalone; every architecture keeps a
checkpoint (after every block) and, when done, a result in --work-dir, so a stopped run resumes
and ``--report-only`` writes the table from whatever the work directory holds (a run still going
in the background is shown with the epochs it has finished). Quick mode: sklearn's 8x8 digits,
hidden layers 10x smaller (64-50-10, 64-50-50-10, 64-20-10), 1 ms steps, 50 ms digits, η = 0.02,
noise off, 100 training and 50 test digits on runtime (tens of seconds); the keys stay the MNIST
architecture names.

Writes ``table.png`` and ``table.json`` (``ours.accuracy["784-500-10"]`` etc. in percent, None
where not run; ``ours.epochs``, ``ours.wall_s`` per architecture). Usage:
``python figures/neftci2017/table.py [--quick] [--seed N] [--device D] [--out DIR] [--epochs N]
[--n-train N] [--n-test N] [--archs A,B] [--work-dir DIR] [--report-only]``.
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
from spiketeach.models.neftci2017 import ERBPParams
from spiketeach.plotting import save_figure
from spiketeach.protocols.neftci2017.training import load_pixels, run_configuration
from spiketeach.results import figure_parser, finish_result

NAME = "table"
HERE = Path(__file__).resolve().parent

ARCHS = ("784-500-10", "784-500-500-10", "784-200-10")
#: as cited by Shrestha et al. 2019 (Table, "Neftci (2017)"); best or final epoch unknown
PAPER = {"784-500-10": 97.71, "784-500-500-10": 97.98, "784-200-10": None}
#: quick mode: the same shapes, hidden layers 10x smaller, on 8x8 digits
QUICK_SIZES = {"784-500-10": [64, 50, 10], "784-500-500-10": [64, 50, 50, 10],
               "784-200-10": [64, 20, 10]}
QUICK_PARAMS = dict(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, eta=2e-2,
                    noise_weight=0.0)


def sizes_of(arch: str, quick: bool) -> list[int]:
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose from {ARCHS}")
    return QUICK_SIZES[arch] if quick else [int(n) for n in arch.split("-")]


def _data(quick: bool, data_dir, seed: int):
    if quick:
        from sklearn.datasets import load_digits
        d = load_digits()
        order = np.random.default_rng(seed).permutation(len(d.target))
        X, y = d.data[order] / 16.0, d.target[order]
        return (X[:1300], y[:1300], X[1300:], y[1300:]), "sklearn digits 8x8 (1300 / 497)"
    return load_pixels("mnist", data_dir), "MNIST (60000 train / 10000 test)"


def _partial(checkpoint: Path, block: int, n_train: int) -> dict | None:
    """What a checkpoint of a run still going (or stopped) says: its learning curve."""
    if not checkpoint.exists():
        return None
    _, meta = load_checkpoint(checkpoint)
    log = meta["log"]
    if not log["test_accuracy"]:
        return None
    return {"accuracy": 100.0 * log["test_accuracy"][-1], "log": log,
            "epochs": log["samples"][-1] / n_train, "wall_s": meta.get("wall_s"),
            "finished": False}


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str | None = None, *,
        epochs: int | None = None, n_train: int | None = None, n_test: int | None = None,
        archs=ARCHS, data_dir=None, work_dir=None, block: int | None = None,
        test_every_blocks: int | None = None, report_only: bool = False, log=print) -> dict:
    """Train and test each architecture (resuming from ``work_dir``), write the table."""
    out_dir = Path(out_dir)
    device = device or ("runtime" if quick else "cpp_standalone")
    work = Path(work_dir) if work_dir else out_dir / ("table_work_quick" if quick else "table_work")
    work.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    epochs = epochs or 1
    n_train = n_train or (100 if quick else 50_000)
    n_test = n_test or (50 if quick else 1000)
    block = block or (50 if quick else 100)
    params = ERBPParams(**QUICK_PARAMS) if quick else ERBPParams()
    data, data_name = (None, "MNIST") if report_only else _data(quick, data_dir, seed)
    per_arch = {}
    for arch in archs:
        sizes = sizes_of(arch, quick)
        result_path = work / f"{arch}.json"
        checkpoint = work / f"{arch}.npz"
        if result_path.exists():
            per_arch[arch] = {**json.loads(result_path.read_text()), "finished": True}
            log(f"{arch}: loaded {result_path}")
            continue
        if report_only:
            per_arch[arch] = _partial(checkpoint, block, n_train)
            continue
        res = run_configuration(data, sizes, params=params, epochs=epochs, n_train=n_train,
                                n_test=n_test, block=block, device=device,
                                build_dir=work / f"build_{arch}", checkpoint=checkpoint,
                                resume=True, seed=seed, balanced=True,
                                test_every_blocks=test_every_blocks, progress=log)
        result_path.write_text(json.dumps(res, indent=1))
        per_arch[arch] = {**res, "finished": True}
    ours = {"accuracy": {a: (per_arch.get(a) or {}).get("accuracy") for a in ARCHS},
            "epochs": {a: (per_arch.get(a) or {}).get("epochs") for a in ARCHS},
            "wall_s": {a: (per_arch.get(a) or {}).get("wall_s") for a in ARCHS},
            "finished": {a: (per_arch.get(a) or {}).get("finished") for a in ARCHS},
            "curves": {a: (per_arch.get(a) or {}).get("log") for a in ARCHS},
            "sizes": {a: sizes_of(a, quick) for a in ARCHS}}
    result = {
        "paper": {"accuracy": PAPER,
                  "source": "as cited by Shrestha et al. 2019 (comparison table); the eRBP "
                            "paper's own table could not be read"},
        "ours": ours,
        "protocol": {"data": data_name, "epoch_digits": n_train, "test_digits": n_test,
                     "block": block, "params": params.as_dict(), "balanced_sampling": True,
                     "readout": "argmax of output spike counts over each test digit, eta = 0"},
        "seed": seed, "device": device, "quick": bool(quick), "wall_s": None,
    }
    _plot(result, out_dir / f"{NAME}.png")
    return finish_result(out_dir, NAME, result, start)


def _plot(result, path):
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(ARCHS))
    ours = [result["ours"]["accuracy"][a] for a in ARCHS]
    paper = [result["paper"]["accuracy"][a] for a in ARCHS]
    ax.bar(x - 0.2, [v or 0 for v in paper], 0.4, color="0.6", label="paper (cited)")
    ax.bar(x + 0.2, [v or 0 for v in ours], 0.4, color="tab:blue", label="ours")
    for xi, v in zip(x - 0.2, paper):
        ax.text(xi, (v or 0) + 0.5, "—" if v is None else f"{v:.2f}", ha="center", fontsize=8)
    for xi, v, a in zip(x + 0.2, ours, ARCHS):
        ep = result["ours"]["epochs"][a]
        label = "not run" if v is None else f"{v:.2f}\n({ep:g} ep)"
        ax.text(xi, (v or 0) + 0.5, label, ha="center", fontsize=8)
    names = ARCHS if not result["quick"] else [f"{a}\n(digits: {'-'.join(map(str, result['ours']['sizes'][a]))})"
                                               for a in ARCHS]
    ax.set_xticks(x, names, fontsize=8)
    ax.set_ylabel("test accuracy [%]")
    ax.set_ylim(0, 110)
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(f"eRBP (Neftci et al. 2017): {result['protocol']['data']}", fontsize=10)
    save_figure(fig, path, dpi=150)


def main(argv=None) -> int:
    """Command line: parse ``argv``, :func:`run`, print a summary; 0 on success."""
    parser = figure_parser(__doc__, quick="8x8 digits, hidden layers 10x smaller, 100 training "
                           "and 50 test digits on runtime", out=HERE, device=None,
                           device_help="default: runtime quick, cpp_standalone full")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 1)")
    parser.add_argument("--n-train", type=int, default=None, help="digits per epoch")
    parser.add_argument("--n-test", type=int, default=None, help="test digits")
    parser.add_argument("--block", type=int, default=None, help="digits per block")
    parser.add_argument("--test-every-blocks", type=int, default=None)
    parser.add_argument("--archs", default=",".join(ARCHS), help="comma-separated")
    parser.add_argument("--data-dir", default=None, help="MNIST IDX files (else $SPIKETEACH_DATA)")
    parser.add_argument("--work-dir", default=None, help="checkpoints and results (resumable)")
    parser.add_argument("--report-only", action="store_true",
                        help="write the table from the work directory without training")
    args = parser.parse_args(argv)
    result = run(args.out, quick=args.quick, seed=args.seed, device=args.device,
                 epochs=args.epochs, n_train=args.n_train, n_test=args.n_test,
                 archs=[a for a in args.archs.split(",") if a], data_dir=args.data_dir,
                 work_dir=args.work_dir, block=args.block,
                 test_every_blocks=args.test_every_blocks, report_only=args.report_only)
    acc = result["ours"]["accuracy"]
    print("; ".join(f"{a}: {'-' if v is None else f'{v:.2f} %'}" for a, v in acc.items())
          + f"; wrote {args.out / NAME}.png/.json in {result['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
