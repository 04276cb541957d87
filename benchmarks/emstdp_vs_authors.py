"""EMSTDP side by side with the authors' numpy code: training samples per CPU second and the
test accuracy after the same short training (issue 17).

Both train 784-100-10, T = 100, on the same first ``--n-train`` MNIST training images in fixed
order and test on the same ``--n-test`` test images, with the settings of the authors' driver
``EMSTDP_main.py`` (shared-random input, ε = 3, RMSprop on batches of 10 with η = 1e−4, hidden
ratio 0.5, output 0.1, derivative gate, clipping):

* **ours**: :mod:`spiketeach.models.shrestha2019`, fast formulation, cpp_standalone on one
  thread, ``code_params(timing="code")`` (the code's timing: pushes at s + 2, its count windows
  and gate), blocks of ``--block`` samples; CPU time = user + system of Python and the
  simulation processes over the training blocks after the first (the first generates and
  compiles the code: ``first_block_s``);
* **authors**: their ``EMSTDP_algo.py``, imported unchanged from ``--authors-dir`` (a copy of
  zmeidd/EMSTDP outside this repository) by ``benchmarks/emstdp_authors_driver.py`` in its
  own process with ``--authors-python`` (an interpreter with numpy and opt_einsum), BLAS on one
  thread; CPU time = ``time.process_time`` of the training loop.

What differs by construction: the random numbers (our shared number per step is drawn per
sample, theirs per step of a batch of 10 running side by side) and the initial weights (same
distributions, other draws), so the accuracies are two samples of the same procedure.

Writes ``benchmarks/results/emstdp_vs_authors.json``: ``samples_per_cpu_s.ours``,
``samples_per_cpu_s.authors``, ``speedup_cpu`` (ours / authors), the wall-clock rates, and
``test_accuracy.ours`` / ``.authors``; and copies the run's headline (``samples_per_cpu_s``,
``speedup_cpu``, ``side_by_side``: its protocol and accuracies) into
``benchmarks/results/emstdp_speed.json``, the speed record of this family, so that one file
holds both codes' rates from one run (``--merge-from FILE`` copies an earlier run's result
without running anything).

Usage::

    git -C <zmeidd/EMSTDP clone> show HEAD:EMSTDP_python/EMSTDP_algo.py > AUTHORS/EMSTDP_algo.py
    SPIKETEACH_DATA=/work/shared/data python benchmarks/emstdp_vs_authors.py \\
        --authors-dir AUTHORS --authors-python AUTHORS/venv/bin/python [--n-train 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import spiketeach
from spiketeach.core.devices import select_device
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.params import code_params
from spiketeach.protocols.shrestha2019.training import (
    TRAIN_STREAM,
    block_seed,
    evaluate_emstdp,
    load_probabilities,
    run_emstdp_block,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "emstdp_vs_authors.json"
SPEED = HERE / "results" / "emstdp_speed.json"
SIZES = [784, 100, 10]


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ours(data, *, n_train: int, n_test: int, block: int, seed: int, build_dir,
         timing: str = "code") -> dict:
    """Train our fast form on the first ``n_train`` images in fixed order, then test."""
    xtr, ytr, xte, yte = data
    params = code_params(timing=timing)
    select_device("cpp_standalone", build_dir=build_dir, threads=1)
    net = shrestha2019.build(SIZES, block, params=params, seed=seed)
    state, first, cpu, wall, correct = None, 0.0, 0.0, 0.0, 0
    for b in range(n_train // block):
        idx = np.arange(b * block, (b + 1) * block)
        t0, c0 = time.perf_counter(), _cpu_s()
        res = run_emstdp_block(net, state, xtr[idx], ytr[idx], np.ones(block),
                               seed=block_seed(seed, TRAIN_STREAM, 0, b))
        state = net.get_state()
        if b == 0:
            first = time.perf_counter() - t0
        else:
            wall, cpu = wall + time.perf_counter() - t0, cpu + _cpu_s() - c0
        correct += int(res.correct.sum())
    timed = n_train // block * block - block
    acc = evaluate_emstdp(net, state, xte[:n_test], yte[:n_test], seed=seed)
    return {"samples_per_cpu_s": timed / cpu, "samples_per_s": timed / wall,
            "timed_samples": timed, "train_cpu_s": cpu, "first_block_s": first,
            "train_accuracy": 100.0 * correct / (n_train // block * block),
            "test_accuracy": 100.0 * acc, "params": params.as_dict()}


def authors(data, *, n_train: int, n_test: int, seed: int, authors_dir, python) -> dict:
    """Their code in its own process (:mod:`emstdp_authors_driver`) on the same images."""
    xtr, ytr, xte, yte = data
    with tempfile.TemporaryDirectory(prefix="emstdp-authors-") as tmp:
        npz, out = Path(tmp) / "data.npz", Path(tmp) / "out.json"
        np.savez(npz, x_train=xtr[:n_train], y_train=ytr[:n_train], x_test=xte[:n_test],
                 y_test=yte[:n_test])
        subprocess.run([python, str(HERE / "emstdp_authors_driver.py"), "--authors-dir",
                        str(authors_dir), "--data", str(npz), "--seed", str(seed),
                        "--hidden", str(SIZES[1]), "--out", str(out)], check=True)
        return json.loads(out.read_text())


def _write_json(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(path)


def merge_into_speed(result: dict, source: Path, speed: Path = SPEED) -> dict:
    """Copy one side-by-side run's headline into the family's speed record (issue 17 asks
    ``emstdp_speed.json`` for both codes' samples per CPU second from one run); everything
    else in that file is ``emstdp_speed.py``'s and is kept."""
    if result.get("quick"):
        raise ValueError(f"{source} is a --quick run; its rates are not a measurement")
    missing = [k for k in ("samples_per_cpu_s", "speedup_cpu", "protocol") if k not in result]
    if missing:
        raise ValueError(f"{source} is not an emstdp_vs_authors result (no {', '.join(missing)})")
    record = json.loads(speed.read_text()) if speed.exists() else {}
    record["samples_per_cpu_s"] = dict(result["samples_per_cpu_s"])
    record["speedup_cpu"] = result["speedup_cpu"]
    record["side_by_side"] = {
        "source": f"benchmarks/results/{source.name} (benchmarks/emstdp_vs_authors.py)",
        "sizes": result["protocol"]["sizes"], "T": result["protocol"]["T"],
        "n_train": result["protocol"]["n_train"], "n_test": result["protocol"]["n_test"],
        "samples_per_s": result["samples_per_s"], "speedup_wall": result["speedup_wall"],
        "test_accuracy": result["test_accuracy"], "seed": result["seed"],
        "version": result["version"]}
    _write_json(speed, record)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--authors-dir", default=os.environ.get("EMSTDP_AUTHORS_DIR"),
                        help="folder with the authors' EMSTDP_algo.py (zmeidd/EMSTDP)")
    parser.add_argument("--authors-python", default=sys.executable,
                        help="interpreter for their code (needs numpy and opt_einsum)")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--block", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="a few hundred samples")
    parser.add_argument("--ours-timing", default="code", choices=["code", "paper"],
                        help="our timing (default the code's; 'paper' shows what it changes)")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    parser.add_argument("--speed-out", default=str(SPEED),
                        help="the speed record the headline is copied into")
    parser.add_argument("--merge-from", default=None,
                        help="copy this earlier result's headline into --speed-out; run nothing")
    args = parser.parse_args(argv)
    if args.merge_from:
        source = Path(args.merge_from)
        if not source.exists():
            parser.error(f"--merge-from: no file {source}")
        try:
            merge_into_speed(json.loads(source.read_text()), source, Path(args.speed_out))
        except ValueError as exc:
            parser.error(str(exc))
        return 0
    if not args.authors_dir or not (Path(args.authors_dir) / "EMSTDP_algo.py").exists():
        parser.error("--authors-dir must name a folder holding the authors' EMSTDP_algo.py")
    if args.quick:
        args.n_train, args.n_test, args.block = 300, 500, 100
    if args.n_train < 2 * args.block or args.n_train % 10:
        parser.error("--n-train must be a multiple of 10 holding at least two blocks")
    start = time.perf_counter()
    data = load_probabilities("mnist", args.data_dir)
    load0 = os.getloadavg()
    theirs = authors(data, n_train=args.n_train, n_test=args.n_test, seed=args.seed,
                     authors_dir=args.authors_dir, python=args.authors_python)
    print(f"authors: {theirs['samples_per_cpu_s']:.1f} samples per CPU s, test "
          f"{theirs['test_accuracy']:.2f} %", flush=True)
    build = Path(tempfile.mkdtemp(prefix="emstdp-vs-authors-"))
    mine = ours(data, n_train=args.n_train, n_test=args.n_test, block=args.block,
                seed=args.seed, build_dir=build, timing=args.ours_timing)
    print(f"ours: {mine['samples_per_cpu_s']:.1f} samples per CPU s, test "
          f"{mine['test_accuracy']:.2f} %", flush=True)
    commit = Path(args.authors_dir) / "COMMIT"
    result = {
        "samples_per_cpu_s": {"ours": mine["samples_per_cpu_s"],
                              "authors": theirs["samples_per_cpu_s"]},
        "speedup_cpu": mine["samples_per_cpu_s"] / theirs["samples_per_cpu_s"],
        "samples_per_s": {"ours": mine["samples_per_s"], "authors": theirs["samples_per_s"]},
        "speedup_wall": mine["samples_per_s"] / theirs["samples_per_s"],
        "test_accuracy": {"ours": mine["test_accuracy"], "authors": theirs["test_accuracy"]},
        "train_accuracy": {"ours": mine["train_accuracy"], "authors": theirs["train_accuracy"]},
        "ours": mine, "authors": theirs,
        "protocol": {"sizes": SIZES, "T": 100, "n_train": args.n_train,
                     "order": "first n_train training images, fixed order (EMSTDP_main.py)",
                     "n_test": args.n_test, "block": args.block, "device": "cpp_standalone",
                     "threads": 1, "formulation": "fast",
                     "authors_code": "zmeidd/EMSTDP EMSTDP_python/EMSTDP_algo.py, unchanged"
                                     + (f", commit {commit.read_text().strip()}"
                                        if commit.exists() else ""),
                     "cpu_time": "ours: user + system of Python and the simulation processes, "
                                 "blocks after the first; authors: process_time of the "
                                 "training loop, BLAS on one thread",
                     "load_average_before": load0, "load_average_after": os.getloadavg(),
                     "machine": platform.processor() or platform.machine()},
        "seed": args.seed, "device": "cpp_standalone", "wall_s": time.perf_counter() - start,
        "version": spiketeach.__version__, "quick": args.quick,
    }
    out = Path(args.out)
    _write_json(out, result)
    if not args.quick:
        merge_into_speed(result, out, Path(args.speed_out))
    print(json.dumps({k: result[k] for k in ("samples_per_cpu_s", "speedup_cpu",
                                              "test_accuracy")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
