"""EMSTDP training speed on cpp_standalone, 1 thread (issue 7 benchmark).

Measures training samples per second (real MNIST images, learning on, one compiled binary
re-run with ``run_args`` per block; the first block, which generates and compiles the code, is
left out) for

* ``784-500-10 T=200`` — the paper's MNIST network and window (paper parameters), and
* ``784-100-10 T=100`` — the authors' reference configuration (``--reference-config``; the
  code's choices: shared-random input, no target train, ε = 3, RMSprop on batches of 10;
  against their numpy code in the same script: ``benchmarks/emstdp_vs_authors.py``),

each in the fast formulation (the default; on/off input changes, pre-side updates, lazy
RMSprop decay, one signed error event) and, as the baseline measured in the same run, the
reference formulation (``formulation="reference"``: every input spike to every hidden cell,
every synapse updated at every window end); see :mod:`spiketeach.models.shrestha2019.network`.

Two rates per measurement: ``samples_per_s`` from wall-clock time (what a user waits; on this
shared 2-core machine it depends on the load, recorded before and after) and
``samples_per_cpu_s`` from the CPU time (user + system) of the simulation processes and of
Python together, which the other jobs on the machine disturb much less.

For the reference configuration it also trains ``--passes`` passes over the first 10 000
training images in fixed order (as the authors' driver) and records the test accuracy after each
pass (``accuracy_after_passes``), beside the numpy code's 80.75 % (1 pass), 84.75 % (2),
89.38 % (10), 90.60 % (23). The accuracy run checkpoints (``--checkpoint``, ``--resume``).

Writes ``benchmarks/results/emstdp_speed.json`` (merged with earlier runs of other
configurations) with ``samples_per_s`` keyed by configuration; the side-by-side headline that
``emstdp_vs_authors.py`` copies into that file (``samples_per_cpu_s.ours`` / ``.authors``,
``speedup_cpu``, ``side_by_side``) is kept.

Usage::

    SPIKETEACH_DATA=/work/shared/data python benchmarks/emstdp_speed.py [--reference-config]
        [--paper-config] [--passes 1] [--n-measure 4000] [--block 1000] [--formulations fast,reference] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

import spiketeach
from spiketeach.core.devices import select_device
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.params import code_params, paper_params
from spiketeach.protocols.shrestha2019.training import (
    load_probabilities,
    run_emstdp_block,
    train_emstdp,
)

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "emstdp_speed.json"
SIDE_BY_SIDE_KEYS = ("samples_per_cpu_s", "speedup_cpu", "side_by_side")
REFERENCE = "784-100-10 T=100"
PAPER_NET = "784-500-10 T=200"
#: the authors' numpy code after passes of the first 10 000 images (docs/papers/shrestha2019.md);
#: their speed is measured in the same script as ours by benchmarks/emstdp_vs_authors.py
NUMPY_REFERENCE = {"accuracy_after_passes": {"1": 80.75, "2": 84.75, "10": 89.38, "23": 90.60}}


def _cpu_s() -> float:
    """CPU seconds (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(sizes, params, data, *, n_measure: int, block: int, build_dir, seed: int = 0,
            formulation: str = "fast"):
    """Training samples per wall second and per CPU second after the first (compiling) block;
    returns (wall rate, cpu rate, first block s, net)."""
    xtr, ytr = data[0], data[1]
    select_device("cpp_standalone", build_dir=build_dir, threads=1)
    net = shrestha2019.build(sizes, block, params=params, seed=seed, formulation=formulation)
    t0 = time.perf_counter()
    run_emstdp_block(net, None, xtr[:block], ytr[:block], np.ones(block))
    first = time.perf_counter() - t0
    state = net.get_state()
    n_blocks = max(1, n_measure // block)
    t0, c0 = time.perf_counter(), _cpu_s()
    for b in range(1, n_blocks + 1):
        idx = np.arange(b * block, (b + 1) * block) % len(ytr)
        run_emstdp_block(net, state, xtr[idx], ytr[idx], np.ones(block))
        state = net.get_state()
    wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    return n_blocks * block / wall, n_blocks * block / cpu, first, net


def fast_vs_reference(by_form: dict) -> dict:
    """Per configuration: samples per CPU second of the fast formulation over the reference
    formulation's (the baseline), where both were measured."""
    fast, ref = by_form.get("fast", {}), by_form.get("reference", {})
    return {k: fast[k]["samples_per_cpu_s"] / ref[k]["samples_per_cpu_s"]
            for k in fast if k in ref}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-config", action="store_true",
                        help="only the authors' 784-100-10, T=100 configuration")
    parser.add_argument("--paper-config", action="store_true",
                        help="only the paper's 784-500-10, T=200 configuration")
    parser.add_argument("--passes", type=int, default=1,
                        help="training passes of 10 000 images for accuracy_after_passes (0: none)")
    parser.add_argument("--n-measure", type=int, default=4000, help="samples timed per config")
    parser.add_argument("--block", type=int, default=1000, help="samples per run()")
    parser.add_argument("--formulations", default="fast,reference",
                        help="comma-separated: fast (first: also the accuracy run), reference")
    parser.add_argument("--quick", action="store_true", help="few samples, no accuracy run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", default=None, help="checkpoint of the accuracy run")
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    if args.quick:
        args.n_measure, args.block, args.passes = 200, 100, 0
    forms = [f.strip() for f in args.formulations.split(",") if f.strip()]
    out = Path(args.out)
    old = json.loads(out.read_text()) if out.exists() else {}
    if old.get("quick"):
        old = {}
    old_protocol = old.get("protocol", {})
    if not isinstance(old_protocol.get("block"), dict):
        old_protocol["block"] = {}
    data = load_probabilities("mnist", args.data_dir)
    configs = {REFERENCE: ([784, 100, 10], code_params())}
    if args.paper_config:
        configs = {PAPER_NET: ([784, 500, 10], paper_params())}
    elif not args.reference_config:
        configs = {PAPER_NET: ([784, 500, 10], paper_params()), **configs}
    start = time.perf_counter()
    ours = old.get("ours", {})
    rates = dict(ours.get("samples_per_s", {}))
    cpu_rates = dict(ours.get("samples_per_cpu_s", {}))
    by_form = {f: dict(ours.get("formulations", {}).get(f, {})) for f in ("fast", "reference")}
    compile_s = dict(ours.get("first_block_s", {}))
    loads = dict(ours.get("load_average", {}))
    acc = old.get("accuracy_after_passes")
    for key, (sizes, params) in configs.items():
        for form in forms:
            load0 = os.getloadavg()
            build = Path(tempfile.mkdtemp(prefix=f"emstdp-bench-{form}-"))
            rate, cpu_rate, first, net = measure(sizes, params, data, n_measure=args.n_measure,
                                                 block=args.block, build_dir=build,
                                                 seed=args.seed, formulation=form)
            load1 = os.getloadavg()
            by_form[form][key] = {"samples_per_s": rate, "samples_per_cpu_s": cpu_rate,
                                  "first_block_s": first, "load_average_before": load0,
                                  "load_average_after": load1}
            if form == forms[0]:
                rates[key], cpu_rates[key], compile_s[key] = rate, cpu_rate, first
                loads[key] = {"before": load0, "after": load1}
            print(f"{key} [{form}]: {rate:.1f} training samples/s, {cpu_rate:.1f} per CPU s "
                  f"(first block incl. build {first:.0f} s; load {load0[0]:.1f} -> "
                  f"{load1[0]:.1f})", flush=True)
            if key == REFERENCE and form == forms[0] and args.passes > 0:
                xtr, ytr, xte, yte = data
                log, state = train_emstdp(net, xtr[:10000], ytr[:10000], xte, yte,
                                          epochs=args.passes, n_train=10000, shuffle=False,
                                          rng=np.random.default_rng(args.seed),
                                          initial_state=net.initial_state(args.seed),
                                          checkpoint=args.checkpoint, resume=args.resume,
                                          progress=lambda s: print(s, flush=True))
                acc = {"passes_of_10000": args.passes, "formulation": form,
                       "test_accuracy": {str(p + 1): 100 * a
                                         for p, a in enumerate(log.test_accuracy[1:])},
                       "test_samples": len(yte), "wall_s": log.wall_s[-1],
                       "block": args.block, "load_average_after": os.getloadavg()}
    result = {
        "samples_per_s": rates,
        "accuracy_after_passes": acc,
        "paper": {"note": "the authors' numpy code: speed in emstdp_vs_authors.json (same "
                          "script, same machine); accuracy after passes below"},
        "ours": {"samples_per_s": rates, "samples_per_cpu_s": cpu_rates,
                 "formulations": by_form, "first_block_s": compile_s, "load_average": loads,
                 "speedup_fast_vs_reference_cpu": fast_vs_reference(by_form)},
        "reference_accuracy_after_passes": NUMPY_REFERENCE["accuracy_after_passes"],
        "protocol": {"device": "cpp_standalone", "threads": 1,
                     "block": {**old_protocol.get("block", {}), **{k: args.block for k in configs}},
                     "formulations": forms,
                     "params": {**old_protocol.get("params", {}),
                                **{k: p.as_dict() for k, (_, p) in configs.items()}},
                     "n_measure": args.n_measure, "first block excluded (code generation and "
                     "compilation)": True, "machine": platform.processor() or platform.machine(),
                     "cpu_time": "user + system of Python and the simulation processes",
                     "load_note": "2-core machine shared with other jobs: load averages "
                                  "(1, 5, 15 min) recorded before and after each measurement"},
        "seed": args.seed, "device": "cpp_standalone", "wall_s": time.perf_counter() - start,
        "version": spiketeach.__version__, "quick": args.quick,
    }
    for key in SIDE_BY_SIDE_KEYS:  # emstdp_vs_authors.py's, not this script's
        if key in old:
            result[key] = old[key]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(out)
    print(json.dumps(result["samples_per_s"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
