"""Shrestha, Fang, Wu & Qiu (2019), Table 2: EMSTDP test accuracy on MNIST and Fashion-MNIST.

Trains the EMSTDP network (IF neurons, two-phase windows, spiking error circuit; see
spiketeach/models/shrestha2019/network.py) for each configuration asked for and writes our test accuracy
beside the paper's (symmetric weights "SW" and direct feedback alignment "DFA").

Configurations run separately (they take long) are merged into the existing JSON: a key that
was not run keeps its earlier value (or null). Long runs checkpoint after every block into
``--run-dir`` and continue with ``--resume``; ``--partial`` writes the rows of runs still going
(or stopped) from their checkpoints: the last test in the log, marked ``"partial": true``.

Parameter sets (``--params``): "paper" (the paper's values), "code" (the driver EMSTDP_main.py,
threshold ratios per configuration), "sweep" (the authors' sweep EMSTDP_disGridSearch.py:
T = 200, η = 1e−3, ratios 0.2 / 1.0, ε = 3, batches of 10, the code's timing).

Several seeds (``--seeds 0,1,2``): each configuration is trained once per seed and its row is
the mean accuracy (the seeds' own in ``runs[key]["accuracy_per_seed"]``); by default one run
after the other, with ``--batch`` all seeds at once as ONE network (batched trials,
spiketeach.core.batch; the shared-random encoding of ``--params code`` or ``sweep``), each
trial giving what its seed gives alone.

Usage::

    SPIKETEACH_DATA=/work/shared/data python figures/shrestha2019/table2.py \\
        --configs "mnist 784-500-10 SW" --epochs 3 --n-train 10000 --device cpp_standalone
    # the authors' sweep settings, 200 passes of 10 000 random images as the paper, resumable:
    python figures/shrestha2019/table2.py --params sweep --configs "mnist 784-500-10 SW" \
        --epochs 200 --n-train 10000 --device cpp_standalone --run-dir RUN --resume
    python figures/shrestha2019/table2.py --params sweep --configs ... --run-dir RUN --partial
    # three seeds as one batched network
    python figures/shrestha2019/table2.py --params sweep --configs "mnist 784-500-10 SW" \
        --seeds 0,1,2 --batch --device cpp_standalone --run-dir RUN
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import spiketeach  # noqa: E402
from spiketeach.analysis.learning_curves import log_linear_fit  # noqa: E402
from spiketeach.core.checkpoint import load_checkpoint  # noqa: E402
from spiketeach.core.devices import DEVICES  # noqa: E402
from spiketeach.core.progress import Progress  # noqa: E402
from spiketeach.models.shrestha2019.params import (  # noqa: E402
    code_params,
    code_threshold_ratios,
    paper_params,
    sweep_params,
)
from spiketeach.protocols.shrestha2019.batch import run_seeds  # noqa: E402
from spiketeach.protocols.shrestha2019.training import load_probabilities, run_configuration  # noqa: E402

NAME = "table2"
HERE = Path(__file__).resolve().parent

#: Table 2 of the paper (test accuracy, %)
PAPER = {"mnist 784-500-10 SW": 97.0, "mnist 784-500-10 DFA": 96.8,
         "mnist 784-500-500-10 SW": 97.3, "mnist 784-500-500-10 DFA": 96.8,
         "fashion 784-500-500-10 SW": 86.1, "fashion 784-500-500-10 DFA": 85.3}
#: the paper's training length: 200 epochs of 10 000 random training images (§4; the paper
#: notes, docs/papers/shrestha2019.md)
PAPER_TRAIN_SAMPLES = 200 * 10_000
#: learning-curve fits leave out the untrained test and the steep first half pass
FIT_FROM_SAMPLES = 5000
FEEDBACK = {"SW": "symmetric", "DFA": "dfa"}
#: --params: the paper's values, the driver's (EMSTDP_main.py), the sweep's (EMSTDP_disGridSearch.py)
PARAM_SETS = {"paper": paper_params, "code": code_params, "sweep": sweep_params}


def parse_config(key: str):
    dataset, arch, kind = key.split()
    return dataset, [int(n) for n in arch.split("-")], FEEDBACK[kind]


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        configs=None, epochs: int = 1, n_train: int | None = None, n_test: int | None = 2000,
        final_test: int | None = None, T: int = 200, block: int = 100, run_dir=None,
        resume: bool = False, data_dir=None, param_set: str = "paper",
        variant: str | None = None, eta: float | None = None,
        test_every_blocks: int | None = None, hidden_ratio: float | None = None,
        output_ratio: float | None = None, timing: str | None = None, partial: bool = False,
        seeds=None, batch: bool = False, progress=print) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    configs = list(configs or PAPER)
    params = PARAM_SETS[param_set](T=T)
    if eta is not None:
        params = replace(params, eta=eta)
    if timing is not None:
        params = replace(params, timing=timing)
    if partial and not run_dir:
        raise ValueError("--partial reads the checkpoints in --run-dir: give --run-dir")
    if batch and not seeds:
        raise ValueError("--batch runs the --seeds as one network: give --seeds")
    if partial and seeds:
        raise ValueError("--partial reads the checkpoints of single-seed runs: drop --seeds")
    if quick:  # a smoke run: small hidden layers, few samples, short windows
        params = replace(params, T=40)
        epochs, n_train, n_test, final_test, block = 1, 200, 100, 100, 50
    old = _read(out_dir / f"{NAME}.json") if not quick else None
    accuracy = {k: None for k in PAPER}
    details, variants = {}, {}
    if old and not old.get("quick"):
        accuracy.update(old["ours"].get("accuracy", {}))
        details.update(old["ours"].get("runs", {}))
        variants.update(old["ours"].get("variants", {}))
    cache, ran_here = {}, []
    for key in configs:
        dataset, sizes, feedback = parse_config(key)
        if quick:
            sizes = [sizes[0]] + [50] * (len(sizes) - 2) + [sizes[-1]]
        if dataset not in cache and not partial:
            cache[dataset] = load_probabilities(dataset, data_dir)
        # threshold ratios per configuration (the authors' code: models.emstdp
        # .CODE_THRESHOLD_RATIOS, with sources); the paper gives no ratios: its runs keep the
        # defaults. Either can be overridden from the command line.
        hr, orr = (code_threshold_ratios(sizes) if param_set == "code"
                   else (params.hidden_ratio, params.output_ratio))
        cfg_params = replace(params, hidden_ratio=hr if hidden_ratio is None else hidden_ratio,
                             output_ratio=orr if output_ratio is None else output_ratio)
        ckpt = Path(run_dir) / (key.replace(" ", "_") + ".npz") if run_dir else None
        build = Path(run_dir) / ("build_" + key.replace(" ", "_")) if run_dir else None
        print(f"== {key}: {sizes}, {feedback}, T={params.T}, {epochs} epoch(s), threshold "
              f"ratios {cfg_params.hidden_ratio} / {cfg_params.output_ratio}", flush=True)
        if partial:
            per_epoch = (n_train or 60000) // block * block
            res = _partial_result(ckpt, sizes, feedback, cfg_params, n_test, per_epoch, block)
            if res is None:
                print(f"   no checkpoint {ckpt}: row left as it was", flush=True)
                continue
        elif seeds:
            res = _merge_seeds(run_seeds(cache[dataset], sizes, seeds, batch=batch,
                                         feedback=feedback, params=cfg_params, epochs=epochs,
                                         n_train=n_train, n_test=n_test, block=block,
                                         device=device, build_dir=build, checkpoint=ckpt,
                                         resume=resume, final_test=final_test,
                                         test_every_blocks=test_every_blocks,
                                         progress=progress), batch)
        else:
            res = run_configuration(cache[dataset], sizes, feedback=feedback, params=cfg_params,
                                    epochs=epochs, n_train=n_train, n_test=n_test, block=block,
                                    device=device, build_dir=build, checkpoint=ckpt,
                                    resume=resume, seed=seed, final_test=final_test,
                                    test_every_blocks=test_every_blocks,
                                    progress=progress)
        if variant:  # an alternative protocol: kept beside the main table, not in it
            variants.setdefault(variant, {})[key] = res
        else:
            accuracy[key] = res["accuracy"]
            details[key] = res
        ran_here.append(key)
    # runs of other configurations may have finished meanwhile (several processes): merge
    # into the JSON as it is now, replacing only what this process ran
    new = _read(out_dir / f"{NAME}.json") if not quick else None
    if new and not new.get("quick"):
        for k, v in new["ours"].get("accuracy", {}).items():
            if k not in ran_here or variant:
                accuracy[k] = v
        for k, v in new["ours"].get("runs", {}).items():
            if k not in ran_here or variant:
                details[k] = v
        for name, runs in new["ours"].get("variants", {}).items():
            for k, v in runs.items():
                if not (name == variant and k in ran_here):
                    variants.setdefault(name, {})[k] = v
    ran = {k: v for k, v in details.items() if v is not None}
    result = {
        "paper": {"accuracy": PAPER, "table": "Table 2", "T": 200,
                  "train_samples": PAPER_TRAIN_SAMPLES,
                  "note": "paper: 200 epochs of 10 000 random training images, mean of 5 trials"},
        "ours": {"accuracy": accuracy,
                 "epochs": {k: v["epochs"] for k, v in ran.items()},
                 "train_samples_per_epoch": {k: v["train_samples_per_epoch"] for k, v in ran.items()},
                 "final_test_samples": {k: v["final_test_samples"] for k, v in ran.items()},
                 "wall_s": {k: v["wall_s"] for k, v in ran.items()},
                 "prediction": _predictions(ran),
                 "runs": details,
                 "variants": variants},
        "protocol": {"model": "spiketeach.models.shrestha2019.network (IF eq. 1, error neurons eq. 9, "
                              "eq. 13 drive, eq. 12 update at the window end)",
                     "params": {k: v["params"] for k, v in ran.items()},
                     "block": block, "device": device,
                     "not_run": [k for k, v in accuracy.items() if v is None],
                     "read_out": "test: most active output over the whole window, learning off"},
        "seed": seed, "seeds": list(seeds) if seeds else None, "batched": bool(batch),
        "device": device, "wall_s": time.perf_counter() - start,
        "version": spiketeach.__version__, "quick": quick,
    }
    _plot(result, out_dir / f"{NAME}.png")
    (out_dir / f"{NAME}.json").write_text(json.dumps(result, indent=1))
    return result


def _predictions(runs: dict) -> dict:
    """Per row, the line of its test accuracy against log2(training samples) read at the
    paper's length (:func:`~spiketeach.analysis.learning_curves.log_linear_fit`); rows with
    fewer than three tests from FIT_FROM_SAMPLES on are left out."""
    out = {}
    for key, run in runs.items():
        log = run.get("log") or {}
        samples, acc = log.get("samples", []), log.get("test_accuracy", [])
        if sum(s >= FIT_FROM_SAMPLES for s in samples) >= 3 and len(samples) == len(acc):
            out[key] = log_linear_fit(samples, 100 * np.asarray(acc, dtype=float),
                                      at=PAPER_TRAIN_SAMPLES, min_samples=FIT_FROM_SAMPLES)
    return out


def _merge_seeds(runs: list[dict], batched: bool) -> dict:
    """One row from the runs of several seeds: the mean accuracy (and s.d.), the mean learning
    curve, each seed's accuracy and run; wall time: the batch's, or the runs' sum."""
    accs = [r["accuracy"] for r in runs]
    first = runs[0]
    logs = [r["log"] for r in runs]
    log = {"samples": first["log"]["samples"],
           **{k: np.mean([lg[k] for lg in logs], axis=0).tolist()
              for k in ("test_accuracy", "train_accuracy")},
           "wall_s": first["log"]["wall_s"] if batched else None}
    wall = first["batch"]["wall_s_of_the_batch"] if batched else sum(r["wall_s"] for r in runs)
    return {**{k: first[k] for k in ("final_test_samples", "epochs", "train_samples_per_epoch",
                                     "params", "feedback", "sizes")},
            "accuracy": float(np.mean(accs)),
            "accuracy_sd": float(np.std(accs, ddof=1)) if len(accs) > 1 else None,
            "seeds": [r["seed"] for r in runs], "accuracy_per_seed": accs, "batched": batched,
            "log": log, "wall_s": wall, "per_seed": runs}


def _partial_result(ckpt: Path, sizes, feedback, params, n_test, per_epoch, block) -> dict | None:
    """A row from a run's checkpoint: its learning curve so far and its last test (on the
    first ``n_test`` test samples), marked partial; None if there is no checkpoint or test."""
    if not ckpt.exists():
        return None
    _, meta = load_checkpoint(ckpt)
    log = meta["log"]
    if not log["test_accuracy"]:
        return None
    samples = log["samples"][-1]
    return {"accuracy": 100.0 * log["test_accuracy"][-1], "final_test_samples": n_test,
            "log": log, "epochs": samples / per_epoch, "partial": True,
            "samples_trained": samples, "train_samples_per_epoch": per_epoch,
            "train_wall_s": meta["wall_s"], "wall_s": meta["wall_s"],
            "params": params.as_dict(), "feedback": feedback, "sizes": list(sizes),
            "block": block}


def _plot(result, path):
    keys = list(PAPER)
    ours = [result["ours"]["accuracy"].get(k) for k in keys]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    x = np.arange(len(keys))
    ax.bar(x - 0.2, [PAPER[k] for k in keys], 0.4, label="paper")
    ax.bar(x + 0.2, [o if o is not None else 0 for o in ours], 0.4, label="ours")
    for xi, o in zip(x, ours):
        ax.text(xi + 0.2, (o or 0) + 1, "n/a" if o is None else f"{o:.1f}", ha="center", fontsize=7)
    ax.set_xticks(x, [k.replace(" ", "\n", 1) for k in keys], fontsize=7)
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 105)
    ax.legend(loc="lower right")
    ax.set_title("EMSTDP, Table 2" + (" (quick)" if result["quick"] else ""))
    # learning curves: test accuracy against training samples, per row
    for key, run in result["ours"]["runs"].items():
        log = (run or {}).get("log") or {}
        if len(log.get("samples", [])) > 1:
            params = run.get("params", {})
            label = (f"{key} (T={params.get('T')}, timing {params.get('timing', 'paper')}"
                     + (", partial" if run.get("partial") else "") + ")")
            ax2.plot(np.asarray(log["samples"]) / 1000,
                     100 * np.asarray(log["test_accuracy"]), ".-", label=label)
    ax2.set_xlabel("training samples (thousands)")
    ax2.set_ylabel("test accuracy (%)")
    ax2.set_ylim(0, 100)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=6, loc="lower right")
    ax2.set_title("learning curves")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", default=None,
                        help="comma-separated seeds: one run per seed, the row their mean "
                             "(instead of --seed)")
    parser.add_argument("--batch", action="store_true",
                        help="run the --seeds as one batched network (shared-random input: "
                             "--params code or sweep); each seed gives what it gives alone")
    parser.add_argument("--device", default="runtime", choices=DEVICES)
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--configs", default=None,
                        help="comma-separated keys of Table 2 (default: all)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-train", type=int, default=None, help="training samples per epoch")
    parser.add_argument("--n-test", type=int, default=2000, help="test samples after each epoch")
    parser.add_argument("--final-test", type=int, default=None, help="test samples at the end")
    parser.add_argument("--T", type=int, default=200, help="steps per sample")
    parser.add_argument("--block", type=int, default=100, help="samples per run()")
    parser.add_argument("--run-dir", default=None, help="checkpoints and builds")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--params", default="paper", choices=list(PARAM_SETS),
                        help="paper: Poisson input, target train 0.2, theta_L 5; code: the "
                             "authors' driver (shared-random input, no target train, eps 3); "
                             "sweep: the authors' sweep (T 200, eta 1e-3, ratios 0.2 / 1.0, "
                             "the code's timing)")
    parser.add_argument("--timing", default=None, choices=["paper", "code"],
                        help="timing of the error circuit (default: that of --params)")
    parser.add_argument("--partial", action="store_true",
                        help="write the rows of the runs in --run-dir from their checkpoints")
    parser.add_argument("--eta", type=float, default=None, help="learning rate (default: params)")
    parser.add_argument("--test-every-blocks", type=int, default=None)
    parser.add_argument("--hidden-ratio", type=float, default=None,
                        help="threshold ratio of the hidden layers (default: per configuration)")
    parser.add_argument("--output-ratio", type=float, default=None,
                        help="threshold ratio of the output layer (default: per configuration)")
    parser.add_argument("--variant", default=None,
                        help="store the result as ours.variants[VARIANT] instead of the table")
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    try:
        seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else None
    except ValueError:
        parser.error(f"--seeds takes comma-separated whole numbers, got {args.seeds!r}")
    if args.batch and not seeds:
        parser.error("--batch runs the --seeds as one network: give --seeds")
    if args.batch and args.params == "paper":
        parser.error("--batch needs the shared-random input encoding: --params code or sweep "
                     "(the paper's Poisson input draws inside the run)")
    configs = [c.strip() for c in args.configs.split(",")] if args.configs else None
    for c in configs or []:
        if c not in PAPER:
            parser.error(f"unknown configuration {c!r}; choose from {list(PAPER)}")
    with Progress("table2", unit="ex") as progress:
        res = run(args.out, args.quick, args.seed, args.device, configs, args.epochs, args.n_train,
                  args.n_test, args.final_test, args.T, args.block, args.run_dir, args.resume,
                  args.data_dir, args.params, args.variant, args.eta, args.test_every_blocks,
                  args.hidden_ratio, args.output_ratio, args.timing, args.partial,
                  seeds=seeds, batch=args.batch, progress=progress)
    print(json.dumps(res["ours"]["accuracy"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
