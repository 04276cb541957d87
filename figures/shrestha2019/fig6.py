"""Shrestha, Fang, Wu & Qiu (2019), Fig. 6: convergence of EMSTDP (SW vs DFA) and of the MLPs.

Learning curves (test accuracy vs training samples) of

* the spiking EMSTDP networks, symmetric weights (SW) and direct feedback alignment (DFA) —
  read from the training logs in ``figures/shrestha2019/table2.json`` (the long runs), or trained
  here with ``--train-snn`` (784-100-10, T = 100, ``--snn-samples`` samples, on ``--device``);
* their MLP counterparts: the equivalent rate network (a = clip(W r / θ, 0, 1), same
  initialisation; :mod:`spiketeach.models.shrestha2019.rate`) trained by back-propagation and by DFA
  with minibatch SGD, tested every ``--eval-every`` samples.

Usage: ``python figures/shrestha2019/fig6.py [--quick] [--seed 0] [--train-snn] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import spiketeach  # noqa: E402
from spiketeach.core.devices import DEVICES  # noqa: E402
from spiketeach.core.progress import Progress  # noqa: E402
from spiketeach.models.shrestha2019.params import code_params  # noqa: E402
from spiketeach.models.shrestha2019.rate import accuracy, init_rate_mlp, train_rate_mlp  # noqa: E402
from spiketeach.protocols.shrestha2019.training import load_probabilities, run_configuration  # noqa: E402

NAME = "fig6"
HERE = Path(__file__).resolve().parent
KINDS = {"SW": "symmetric", "DFA": "dfa"}


def mlp_curves(data, sizes, n_samples, eval_every, seed, n_test):
    xtr, ytr, xte, yte = data
    rng = np.random.default_rng(seed)
    curves = {}
    for label, fb in KINDS.items():
        net = init_rate_mlp(sizes, fb, seed=seed)
        order = rng.permutation(len(ytr))
        samples, acc = [0], [accuracy(net, xte[:n_test], yte[:n_test])]
        done = 0
        while done < n_samples:
            step = min(eval_every, n_samples - done)
            idx = order[np.arange(done, done + step) % len(ytr)]
            train_rate_mlp(net, xtr[idx], ytr[idx])
            done += step
            samples.append(done)
            acc.append(accuracy(net, xte[:n_test], yte[:n_test]))
        curves[label] = {"samples": samples, "test_accuracy": [100 * a for a in acc]}
    return curves


def snn_curves_from_table(path: Path, arch: str = "784-500-10") -> dict:
    try:
        runs = json.loads(path.read_text())["ours"].get("runs", {})
    except (OSError, ValueError, KeyError):
        return {}
    out = {}
    for label in KINDS:
        run = runs.get(f"mnist {arch} {label}")
        if run:
            log = run["log"]
            out[label] = {"samples": log["samples"],
                          "test_accuracy": [100 * a for a in log["test_accuracy"]],
                          "source": f"{path.name}: mnist {arch} {label}"}
    return out


def run(out_dir=HERE, quick: bool = False, seed: int = 0, device: str = "runtime",
        train_snn: bool = False, snn_samples: int = 2000, eval_every: int = 1000,
        mlp_samples: int | None = None, data_dir=None, progress=print) -> dict:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    data = load_probabilities("mnist", data_dir)
    sizes = [784, 500, 10]
    snn = snn_curves_from_table(HERE / "table2.json")
    if train_snn:
        for label, fb in KINDS.items():
            res = run_configuration(data, [784, 100, 10], feedback=fb, params=code_params(),
                                    epochs=1, n_train=snn_samples, n_test=500 if quick else 2000,
                                    block=100, device=device, seed=seed,
                                    test_every_blocks=max(1, eval_every // 100),
                                    progress=progress)
            log = res["log"]
            snn[label + " (784-100-10, T=100)"] = {
                "samples": log["samples"], "test_accuracy": [100 * a for a in log["test_accuracy"]],
                "source": "trained here"}
    longest = max([c["samples"][-1] for c in snn.values()] or [0])
    n_mlp = mlp_samples or (2000 if quick else max(longest, 20000))
    n_test = 2000 if quick else 10000
    mlp = mlp_curves(data, sizes, n_mlp, 500 if quick else eval_every, seed, n_test)

    fig, ax = plt.subplots(figsize=(6, 4))
    for k, (label, c) in enumerate(snn.items()):
        ax.plot(c["samples"], c["test_accuracy"], "o-", color=f"C{k}", label=f"SNN {label}")
    for k, (label, c) in enumerate(mlp.items()):
        ax.plot(c["samples"], c["test_accuracy"], "--", color=f"C{k + 4}", label=f"MLP {label}")
    ax.set_xlabel("training samples")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8)
    ax.set_title("Fig. 6: convergence, MNIST 784-500-10" + (" (quick)" if quick else ""))
    fig.tight_layout()
    fig.savefig(out_dir / f"{NAME}.png", dpi=120)
    plt.close(fig)
    result = {
        "paper": {"figure": "Fig. 6", "description": "SNN with SW converges like its MLP "
                  "counterpart; DFA slightly slower/lower (Table 2: SW 97.0, DFA 96.8)"},
        "ours": {"snn": snn, "mlp": mlp,
                 "final_accuracy": {**{f"SNN {k}": v["test_accuracy"][-1] for k, v in snn.items()},
                                    **{f"MLP {k}": v["test_accuracy"][-1] for k, v in mlp.items()}}},
        "protocol": {"mlp": "equivalent rate network, minibatch 10 SGD, η = 0.1, squared error "
                            "to one-hot rates", "mlp_samples": n_mlp, "mlp_test_samples": n_test,
                     "snn_source": "table2.json logs" + (" + trained here" if train_snn else "")},
        "seed": seed, "device": device, "wall_s": time.perf_counter() - start,
        "version": spiketeach.__version__, "quick": quick,
    }
    (out_dir / f"{NAME}.json").write_text(json.dumps(result, indent=1))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short MLP curves only")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="runtime", choices=DEVICES)
    parser.add_argument("--out", default=str(HERE))
    parser.add_argument("--train-snn", action="store_true", help="also train small SNNs here")
    parser.add_argument("--snn-samples", type=int, default=2000)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--mlp-samples", type=int, default=None)
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    with Progress("fig6", unit="ex") as progress:
        res = run(args.out, args.quick, args.seed, args.device, args.train_snn, args.snn_samples,
                  args.eval_every, args.mlp_samples, args.data_dir, progress=progress)
    print(json.dumps(res["ours"]["final_accuracy"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
