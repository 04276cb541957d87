"""Why a batch of 1000 Fig. 4 learners gains nothing over batch 100 on a CPU: per-trial cost
against the bytes of state a batch holds, beside the CPU's cache sizes.

``benchmarks/batched_trials.py`` measured (fast formulation, one core) 235 trials per CPU
minute at batch 1, 698 at batch 100 and 238 at batch 1000: past batch 100 each trial costs
more, not less. Nothing in the batched network is O(N²) (every group, synapse and TimedArray
grows linearly with the trials; :mod:`spiketeach.core.batch`), so this script tests the other
explanation — the per-step working set leaves the cache. For each batch size, in this one script
(cpp_standalone, one thread, the first batch size the baseline): the CPU seconds per trial
(the same runs as ``batched_trials.py``, shorter trials; the fastest of ``--repeats`` runs,
since other jobs on the machine share the cache), and the bytes of every array the
binary holds at the end, split into the groups' state (touched every step), the synapses'
(the event-driven fast form touches the forward synapses at spikes and once per presentation;
the summed feedback synapses every step), the monitors and the run-time values. An O(N²) cost
would keep growing per trial with N; a cache effect grows while the state crosses the cache
size and then levels off.

Writes ``benchmarks/results/batched_trials_cache.json``.
Usage: ``python benchmarks/batched_trials_cache.py [--batches 100,300,1000] [--presentations 22]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import batched_trials as bt

import spiketeach
from spiketeach.protocols.samadi2017 import depth_sweep as sweep

HERE = Path(__file__).resolve().parent


def cache_sizes() -> dict:
    """The CPU's cache sizes as Linux reports them for cpu0 (empty where it does not)."""
    out = {}
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            out[f"L{level} {kind}"] = (index / "size").read_text().strip()
        except OSError:
            continue
    return out


def state_bytes(results_dir: Path) -> dict[str, int]:
    """Bytes of the arrays a standalone run left in ``results_dir``, by what holds them."""
    parts: Counter = Counter()
    for f in results_dir.iterdir():
        size = f.stat().st_size
        if f.name.startswith("init_"):
            parts["run_time_values"] += size
        elif "spikes" in f.name or "monitor" in f.name:
            parts["monitors"] += size
        elif f.name.startswith("_dynamic_array_"):
            parts["synapses"] += size
        elif f.name.startswith("_array_"):
            parts["groups"] += size
    return dict(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", default="100,300,1000",
                        help="batch sizes (comma-separated; the first is the baseline)")
    parser.add_argument("--presentations", type=int, default=22, help="presentations per trial")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs per batch size; the fastest counts (the machine is shared)")
    parser.add_argument("--work", default=None,
                        help="build directory to keep between runs (default: a temporary one)")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    sizes = [int(b) for b in args.batches.split(",")]
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="spiketeach-cache-"))
    work.mkdir(parents=True, exist_ok=True)
    teachers = work / "teachers"
    bt.random_teachers(teachers, range(max(sizes)))
    rows = {}
    try:
        for n in sizes:
            seeds = list(range(n))
            # one build directory per batch size: a re-run of this script compiles nothing
            r = bt.measure("fast", n, seeds * args.repeats, args.presentations, work / f"b{n}",
                           teachers, keep_results=True)
            results = Path(r["results_dir"]) / f"d{bt.DEPTH}_s0_b{n}"
            rows[str(n)] = {"cpu_s_per_trial": min(r["cpu_s"]) / n,
                            "cpu_s_per_trial_runs": [c / n for c in r["cpu_s"]],
                            "wall_s_per_trial": min(r["run_s"]) / n,
                            "state_bytes": state_bytes(results), "build_s": r["build_s"]}
            shutil.rmtree(r["results_dir"], ignore_errors=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    base = rows[str(sizes[0])]["cpu_s_per_trial"]
    for row in rows.values():
        row["cost_per_trial_over_baseline"] = row["cpu_s_per_trial"] / base
        row["per_step_state_mb"] = (row["state_bytes"].get("groups", 0)
                                    + row["state_bytes"].get("synapses", 0)) / 1e6
    result = {"benchmark": "batched_trials_cache", "network": "-".join(map(str, sweep.LEARNER_SIZES)),
              "formulation": "fast", "device": "cpp_standalone, 1 thread",
              "presentations_per_trial": args.presentations, "baseline_batch": sizes[0],
              "batches": rows, "cpu_caches": cache_sizes(), "load_average": os.getloadavg(),
              "version": spiketeach.__version__}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "batched_trials_cache.json.tmp"
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, out / "batched_trials_cache.json")
    for n, row in rows.items():
        print(f"batch {n}: {row['cpu_s_per_trial']:.4f} CPU s per trial "
              f"({row['cost_per_trial_over_baseline']:.2f}x batch {sizes[0]}), "
              f"groups + synapses {row['per_step_state_mb']:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
