"""One MNIST epoch of the numpy rate reference 784-1000-10 (Samadi et al. 2017, §3.3, Table 2).

Samadi A, Lillicrap TP, Tweed DB (2017), Neural Computation 29(3):578–602. The learner is
:mod:`spiketeach.models.samadi2017.rate` under the paper's settings (``SamadiParams()``: c1 c2 on
every backward link, A.4–A.6 initialisation), η = 1/fan-in applied to the SUM over a minibatch,
momentum 0.9, targets y* = 1 for the correct digit, inputs pixel/255 × gain (mean 0.64).

Two ways, in this one script, on one core:

``per_example``
    the baseline: one :func:`rate.train_step` per example (online, minibatch 1), as the sweep
    and the earlier per-example MNIST loop did. Timed on ``--baseline-examples`` examples and
    extrapolated to 60 000 (it is linear in the number of examples).
``minibatch``
    one :func:`rate.train_step` per minibatch of ``--batch`` examples (the paper's 100: §2.7),
    i.e. one BLAS matrix product per layer and minibatch; a whole epoch, timed.

Then, for BP, FA, BA and DF, one full epoch at minibatch 100 and at 10: test accuracy and the
number of "dead" outputs (an output whose drive is ≤ 0 on every test image) -- does the paper's
minibatch of 100 work now that hidden teaching signals are no longer (c1 c2)⁻¹ ≈ 15× too large?

Writes ``benchmarks/results/samadi2017_rate_epoch.json``.
Usage: ``python benchmarks/samadi2017_rate_epoch.py [--batch 100] [--baseline-examples 3000]
[--no-accuracy]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from spiketeach.models.samadi2017 import rate
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.mnist import MnistRun, load_inputs

OUT = Path(__file__).resolve().parent / "results" / "samadi2017_rate_epoch.json"
SIZES = [784, 1000, 10]
N_EPOCH = 60_000


def targets(labels: np.ndarray, high: float = 1.0) -> np.ndarray:
    t = np.zeros((len(labels), 10))
    t[np.arange(len(labels)), labels] = high
    return t


def train_epoch(net, x, t, batch: int, order: np.ndarray, n: int | None = None) -> float:
    """Train on ``order[:n]`` in minibatches of ``batch``; return the wall seconds."""
    order = order[:n] if n else order
    t0 = time.perf_counter()
    for start in range(0, len(order), batch):
        idx = order[start:start + batch]
        rate.train_step(net, x[idx][None], t[idx][None])
    return time.perf_counter() - t0


def accuracy_and_dead(net, x_te, y_te) -> tuple[float, int]:
    vs, acts = rate.forward(net, x_te[None])
    y = acts[-1][0]
    acc = 100.0 * float(np.mean(y.argmax(axis=1) == y_te))
    dead = int(np.sum(np.all(vs[-1][0] <= 0, axis=0)))
    return acc, dead


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--baseline-examples", type=int, default=3000)
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    x_tr, y_tr, x_te, y_te, gain = load_inputs(MnistRun())
    t_tr = targets(y_tr)
    order = np.random.default_rng([args.seed, 1]).permutation(len(y_tr))
    params = SamadiParams()

    net = rate.init_rate_network(SIZES, "BA", [args.seed], params=params)
    base_s = train_epoch(net, x_tr, t_tr, 1, order, args.baseline_examples)
    per_example_epoch_s = base_s / args.baseline_examples * len(y_tr)

    net = rate.init_rate_network(SIZES, "BA", [args.seed], params=params)
    batch_epoch_s = train_epoch(net, x_tr, t_tr, args.batch, order)

    result = {
        "what": "one MNIST epoch (60 000 examples) of the numpy rate reference 784-1000-10, BA",
        "per_example": {"examples_timed": args.baseline_examples, "wall_s": base_s,
                        "epoch_s_extrapolated": per_example_epoch_s},
        "minibatch": {"batch": args.batch, "epoch_s": batch_epoch_s},
        "speedup": per_example_epoch_s / batch_epoch_s,
        "params": "SamadiParams() (the paper's settings), eta = 1/fan-in per example (sum over "
                  "the minibatch), momentum 0.9, y* = 1",
        "gain": gain,
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpus_visible": os.cpu_count(),
                    "threads": os.environ.get("OMP_NUM_THREADS", "unset")},
        "numpy": np.__version__,
    }
    print(f"per-example: {per_example_epoch_s:.1f} s/epoch (from {args.baseline_examples} "
          f"examples in {base_s:.1f} s); minibatch {args.batch}: {batch_epoch_s:.2f} s/epoch; "
          f"{result['speedup']:.0f}x", flush=True)

    if not args.no_accuracy:
        acc = {}
        for batch in (100, 10):
            for alg in ("BP", "FA", "BA", "DF"):
                net = rate.init_rate_network(SIZES, alg, [args.seed], params=params)
                s = train_epoch(net, x_tr, t_tr, batch, order)
                a, dead = accuracy_and_dead(net, x_te, y_te)
                acc[f"{alg} batch {batch}"] = {"accuracy": a, "dead_outputs": dead, "epoch_s": s}
                print(f"{alg} batch {batch}: {a:.2f} % after 1 epoch, {dead} dead outputs, "
                      f"{s:.1f} s", flush=True)
        result["one_epoch"] = acc
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
