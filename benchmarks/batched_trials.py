"""Batched trials: trials per minute of the spiking Fig. 4 learner at batch 1, 10, 100, 1000.

Samadi A, Lillicrap TP, Tweed DB (2017), Neural Computation 29(3):578–602, §3.1–3.2: the
2-10×8-2 LIF learner of the depth-of-learning sweep (Fig. 4), trained by broadcast alignment,
all nine layers learning (depth 9, the costliest).

For each batch size N, in this one script, on cpp_standalone with one thread:
:func:`~spiketeach.protocols.samadi2017.depth_sweep.build_spiking` compiles ONE binary holding N
independent learners (:mod:`spiketeach.core.batch`: groups of N·n cells, block-diagonal
synapses, per-trial TimedArray columns), and
:func:`~spiketeach.protocols.samadi2017.depth_sweep.run_spiking_batch` runs N seeds in one run of
it — what a Dask worker of the batched sweep does. Batch 1 is the baseline (the single-trial
binary the sweep used before, one run per trial, averaged over ``--base-trials`` runs). The rate
is trials per wall minute of the runs (writing the trial values, running the binary, reading
and scoring the spikes; compilation is reported apart, it is paid once per sweep).

Scaled down: a trial here has ``--presentations`` presentations (default 110: a test set of 10
before and after two blocks of 40 training examples) instead of the figure's 11 100, so that
batch 1000 runs in minutes; per-trial cost is linear in presentations, so the ratios carry over
(the fixed cost of starting a run, which favours batches, is measured by the batch-1 runs and
is small at this length). The machine is shared, so besides wall time each run's CPU time is
measured (this process's and the binary's, ``getrusage``): the CPU-time rates are what one
dedicated core would give and are the ones compared (``speedup_per_trial``); the wall-time
rates are reported beside them. The teachers are random (unbalanced) networks of the teacher's shape
written into a scratch cache: a class-balanced draw takes seconds per seed and does not change
the speed. Each batched run is checked against the batch-1 runs of the same seeds (same test
errors and spike counts: the batch changes the speed, not the results).

Writes ``benchmarks/results/batched_trials.json`` with ``speedup_per_trial`` (batch 100's
trials/min over batch 1's; the issue's target on one core: ≥ 3).
Usage: ``python benchmarks/batched_trials.py [--quick] [--batches 1,10,100,1000]``.

:func:`gpu_check_stage` is the ``batched_trials`` stage of ``benchmarks/gpu_check.py``: the
same network and runs at N = 1, 100, 1000 on a given device (cuda_standalone) and on
cpp_standalone, within a time budget (issue 23's GPU target: ≥ 20x one CPU core's unbatched
trial rate at N ≥ 1000).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import spiketeach
from spiketeach.protocols.samadi2017 import depth_sweep as sweep
from spiketeach.protocols.samadi2017.teacher_student import TEACHER_SIZES

HERE = Path(__file__).resolve().parent
DEPTH = 9


def random_teachers(path: Path, seeds) -> None:
    """Teachers of the right shape in the sweep's cache format (speed only: not balanced)."""
    path.mkdir(parents=True, exist_ok=True)
    pairs = list(zip(TEACHER_SIZES[:-1], TEACHER_SIZES[1:]))
    for seed in seeds:
        rng = np.random.default_rng([seed, 77])
        np.savez(path / f"teacher_{seed}.npz",
                 **{f"W{k}": rng.normal(0, 2 / np.sqrt(a), (b, a)) for k, (a, b) in enumerate(pairs)},
                 **{f"b{k}": rng.normal(0, 0.5, b) for k, (a, b) in enumerate(pairs)})


def config(presentations: int, batch: int, formulation: str = "reference",
           layer_sizes=None) -> sweep.SweepConfig:
    n_test = max(1, presentations // 11)
    eval_every = max(1, (presentations - 3 * n_test) // 2)
    sizes = {} if layer_sizes is None else {"layer_sizes": [int(n) for n in layer_sizes]}
    return sweep.SweepConfig(kind="spiking", n_train=2 * eval_every, eval_every=eval_every,
                             n_test=n_test, batch=batch, formulation=formulation, **sizes)


def measure(formulation: str, batch: int, seeds: list[int], presentations: int, work: Path,
            teachers: Path, progress=print, device: str = "cpp_standalone", layer_sizes=None,
            deadline: float | None = None, keep_results: bool = False) -> dict:
    """Build ``batch`` trials' binary on ``device`` and run ``seeds`` through it, ``batch`` per
    run; ``deadline`` (``time.monotonic()``): a run still going then is killed (TimeoutError).
    ``keep_results``: leave each run's result files (``results_dir`` in the returned dict; a
    later run of the same first seed overwrites an earlier one)."""
    cfg = config(presentations, batch, formulation, layer_sizes)
    depth = min(DEPTH, len(cfg.layer_sizes) - 1)
    t0 = time.perf_counter()
    # one build directory per formulation (and device): make recompiles only the files a batch
    # size changes
    tag = formulation if device == "cpp_standalone" else f"{formulation}_{device}"
    manifest = sweep.build_spiking(cfg, work / f"build_{tag}", progress=lambda s: None,
                                   device=device)
    build_s = time.perf_counter() - t0
    run_s, cpu_s, records = [], [], []
    for start in range(0, len(seeds), batch):
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            raise TimeoutError(f"budget spent after {len(run_s)} runs of batch {batch} on {device}")
        t, c = time.perf_counter(), _cpu()
        recs = sweep.run_spiking_batch(manifest, depth, seeds[start:start + batch],
                                       work / f"runs_{tag}_{batch}", cache_dir=teachers,
                                       timeout=left, keep_results=keep_results)
        run_s.append(time.perf_counter() - t)
        cpu_s.append(_cpu() - c)
        bad = [r for r in recs if r["status"] != "done"]
        if bad and deadline is not None and time.monotonic() >= deadline:
            raise TimeoutError(f"budget spent during run {len(run_s)} of batch {batch} on {device}")
        if bad:
            raise RuntimeError(bad[0]["error"])
        records += recs
    per_min = 60 * len(seeds) / sum(cpu_s)
    per_min_wall = 60 * len(seeds) / sum(run_s)
    progress(f"{formulation} batch {batch} on {device}: {len(seeds)} trials in {sum(cpu_s):.1f} CPU s, "
             f"{sum(run_s):.1f} wall s ({per_min:.1f} trials per CPU minute, {per_min_wall:.1f} "
             f"per wall minute; build {build_s:.0f} s)")
    return {"batch": batch, "trials": len(seeds), "runs": len(run_s), "run_s": run_s,
            "cpu_s": cpu_s, "build_s": build_s, "trials_per_min": per_min,
            "trials_per_wall_min": per_min_wall,
            "trial_presentations_per_s": per_min / 60 * len(sweep.spiking_schedule_flags(cfg)),
            "records": records,
            **({"results_dir": str(work / f"runs_{tag}_{batch}")} if keep_results else {})}


#: what a first build is guessed to take before one was timed on that device (seconds; the
#: budget check of :func:`gpu_check_stage`): cpp_standalone of the Fig. 4 reference network
#: took 60-470 s on a loaded 2-core machine; nvcc compiles ~3x slower per file
FIRST_BUILD_GUESS_S = {"cpp_standalone": 90.0, "cuda_standalone": 300.0}
#: the issue's target on a GPU: trials/min at N >= 1000 over one CPU core's at N = 1
GPU_TARGET = 20.0


def gpu_check_stage(device: str = "cuda_standalone", budget_s: float = 900.0, *,
                    batches=(1, 100, 1000), presentations: int = 110, base_trials: int = 3,
                    formulation: str = "reference", layer_sizes=None, work_dir=None,
                    min_run_s: float = 10.0, progress=print) -> dict:
    """Trials per minute of the batched spiking Fig. 4 learner at each N of ``batches`` on
    ``device`` and on cpp_standalone (one thread), within ``budget_s`` seconds.

    The network, runs and scoring are :func:`measure`'s (the sweep's compiled binary re-run
    with ``run_args``; compilation excluded from the rates): each N is one build, then
    ``max(N, base_trials)`` trials in runs of N. The rates compared are wall-clock (a GPU's
    time is not this process's CPU time); cpp_standalone's CPU-time rates are given beside.
    The steps run in the order that settles the target first: cpp_standalone at N = 1 (the
    baseline), then ``device`` at each N upwards, then cpp_standalone at the larger N. Before
    each step its cost is estimated (the device's last build time, or
    :data:`FIRST_BUILD_GUESS_S`; its runs from the slowest per-trial time measured so far on
    that device, else on any); a step that would not end within the budget is skipped, and so
    are the larger N of that device, each with the reason. A build once started is not
    interrupted. ``device`` may be cpp_standalone (a dry run without a GPU: one measurement
    per N serves both sides). ``layer_sizes`` (default: the Fig. 4 learner, 2-10x8-2) and the
    other options shrink the stage for a test.

    Returns ``{"device", "network", "depth", "formulation", "presentations_per_trial",
    "trials_per_min": {device: {N: rate}}, "cpu_trials_per_min" (cpp_standalone, per CPU
    minute), "build_s", "skipped": {device: {N: reason}}, "speedup_vs_one_cpu_core":
    {N: device's rate over cpp_standalone's at N = 1}, "target": {"ratio", "at_n", "required",
    "holds"} (the best N >= 1000 measured; "holds" None when none was), "wall_s",
    "budget_s"}``.
    """
    start = time.monotonic()
    deadline = start + float(budget_s)
    cpu = "cpp_standalone"
    batches = sorted({int(n) for n in batches})
    if 1 not in batches:
        raise ValueError("the baseline, N = 1, must be among the batches")
    devices = [device] if device == cpu else [device, cpu]
    plan = [(cpu, 1)] + [(device, n) for n in batches if (device, n) != (cpu, 1)]
    plan += [(cpu, n) for n in batches if device != cpu and n != 1]
    rates = {d: {} for d in devices}
    cpu_rates, build_s, skipped = {}, {d: {} for d in devices}, {d: {} for d in devices}
    work = Path(work_dir or tempfile.mkdtemp(prefix="spiketeach-gpu-batched-"))
    teachers = work / "teachers"
    random_teachers(teachers, range(max(batches + [base_trials])))
    cfg = config(presentations, 1, formulation, layer_sizes)
    try:
        for dev, n in plan:
            if n in skipped[dev] or any(m < n for m in skipped[dev]):
                skipped[dev].setdefault(n, "a smaller N of this device was skipped")
                continue
            trials = max(n, base_trials) if n == 1 else n
            build_guess = max(build_s[dev].values(), default=FIRST_BUILD_GUESS_S.get(dev, 300.0))
            left = deadline - time.monotonic()
            if build_guess + min_run_s > left:
                skipped[dev][n] = (f"a build (~{build_guess:.0f} s) and a run would not fit in "
                                   f"the {max(left, 0):.0f} s left of the budget")
                progress(f"batched_trials: N = {n} on {dev} skipped: {skipped[dev][n]}")
                continue
            try:
                res = measure(formulation, n, list(range(trials)), presentations, work, teachers,
                              progress=progress, device=dev, layer_sizes=layer_sizes,
                              deadline=deadline)
            except TimeoutError as exc:
                skipped[dev][n] = f"stopped: {exc}"
                progress(f"batched_trials: N = {n} on {dev} {skipped[dev][n]}")
                continue
            except Exception as exc:  # noqa: BLE001 -- a failing device is the stage's result
                skipped[dev][n] = f"failed: {type(exc).__name__}: {str(exc)[-500:]}"
                progress(f"batched_trials: N = {n} on {dev} failed: {skipped[dev][n]}")
                continue
            rates[dev][n] = res["trials_per_wall_min"]
            build_s[dev][n] = res["build_s"]
            if dev == cpu:
                cpu_rates[n] = res["trials_per_min"]
    finally:
        if work_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    base = rates[cpu].get(1)
    speedup = {n: r / base for n, r in rates[device].items()} if base else {}
    big = {n: s for n, s in speedup.items() if n >= 1000}
    at = max(big, key=big.get) if big else None
    return {
        "device": device, "cpu_device": f"{cpu}, 1 thread",
        "network": "-".join(map(str, cfg.layer_sizes)),
        "depth": min(DEPTH, len(cfg.layer_sizes) - 1), "formulation": formulation,
        "presentations_per_trial": int(len(sweep.spiking_schedule_flags(cfg))),
        "trials_per_min": {d: {str(n): r for n, r in by_n.items()} for d, by_n in rates.items()},
        "rate_note": "trials per wall minute of the runs (compilation excluded)",
        "cpu_trials_per_min": {str(n): r for n, r in cpu_rates.items()},
        "build_s": {d: {str(n): b for n, b in by_n.items()} for d, by_n in build_s.items()},
        "skipped": {d: {str(n): why for n, why in by_n.items()} for d, by_n in skipped.items()},
        "speedup_vs_one_cpu_core": {str(n): s for n, s in speedup.items()},
        "target": {"ratio": big.get(at), "at_n": at, "required": GPU_TARGET,
                   "holds": None if at is None else bool(big[at] >= GPU_TARGET),
                   "what": f"{device} trials/min at N >= 1000 over cpp_standalone's at N = 1"},
        "wall_s": time.monotonic() - start, "budget_s": float(budget_s),
    }


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the binaries) so far."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batches", default="1,10,100,1000", help="batch sizes (comma-separated)")
    parser.add_argument("--presentations", type=int, default=110,
                        help="presentations per trial (the figure: 11 100)")
    parser.add_argument("--base-trials", type=int, default=10,
                        help="batch-1 runs averaged for the baseline")
    parser.add_argument("--formulations", default="reference,fast",
                        help="reference (as the Fig. 4 sweep ran) and/or fast (same spikes, "
                             "less work per step)")
    parser.add_argument("--quick", action="store_true", help="batches 1 and 10, 22 presentations")
    parser.add_argument("--out", default=str(HERE / "results"))
    parser.add_argument("--keep", action="store_true",
                        help="keep the formulations of the existing result that this run does "
                             "not measure (their rates and same-results flags as recorded); the "
                             "first of --formulations gives the headline")
    args = parser.parse_args(argv)
    sizes = [1, 10] if args.quick else [int(b) for b in args.batches.split(",")]
    presentations = 22 if args.quick else args.presentations
    base_trials = 2 if args.quick else args.base_trials
    if 1 not in sizes:
        parser.error("the baseline, batch 1, must be among --batches")
    work = Path(tempfile.mkdtemp(prefix="spiketeach-batched-bench-"))
    teachers = work / "teachers"
    random_teachers(teachers, range(max(sizes + [base_trials])))
    forms = args.formulations.split(",")
    results = {f: {} for f in forms}
    try:
        for n in sizes:
            for form in forms:
                seeds = list(range(base_trials if n == 1 else n))
                results[form][n] = measure(form, n, seeds, presentations, work, teachers)
                # written after every measurement: a long run stopped early keeps what it has
                write(results, args, presentations, done=False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write(results, args, presentations, done=True)
    return 0


def _kept(args, forms: list) -> dict:
    """With ``--keep``: the formulations of the existing result that this run does not measure,
    each with what that run recorded (same presentations per trial, or refused)."""
    path = Path(args.out) / "batched_trials.json"
    if not getattr(args, "keep", False) or args.quick or not path.exists():
        return {}
    old = json.loads(path.read_text())
    kept = {}
    for form in old.get("formulations", []):
        if form in forms:
            continue
        if old["presentations_per_trial"] != len(sweep.spiking_schedule_flags(
                config(args.presentations, 1))):
            raise SystemExit(f"--keep: {path} was measured with other presentations per trial")
        kept[form] = {
            "batches": old["batches"][form], "trials_per_min": old["trials_per_min"][form],
            "trials_per_wall_min": old["trials_per_wall_min"][form],
            "speedup_over_batch1": old["speedup_over_batch1"][form],
            "same_results_as_reference_batch1": old["same_results_as_reference_batch1"][form],
            "run": old.get("kept_from_earlier_run", {}).get(form) or {
                "version": old.get("version"), "load_average": old.get("load_average"),
                "complete": old.get("complete")}}
    return kept


def write(results: dict, args, presentations: int, done: bool) -> None:
    forms = list(results)
    # every seed that the reference at batch 1 ran: the same test errors and spike counts
    base = {r["seed"]: r for r in results[forms[0]][1]["records"]}
    same = {form: {str(n): all(r["curve"] == base[r["seed"]]["curve"]
                               and r["n_spikes"] == base[r["seed"]]["n_spikes"]
                               for r in res["records"] if r["seed"] in base)
                   for n, res in by_n.items()} for form, by_n in results.items()}
    rate = {form: {n: res["trials_per_min"] for n, res in by_n.items()}
            for form, by_n in results.items()}
    wall = {form: {str(n): res["trials_per_wall_min"] for n, res in by_n.items()}
            for form, by_n in results.items()}
    speedup = {form: {str(n): r[n] / r[1] for n in r} for form, r in rate.items() if 1 in r}
    main_form = forms[0]
    cfg = config(presentations, 1)
    kept = _kept(args, forms)
    for form, old in kept.items():
        # recorded by an earlier run of this script: its rates and check as they were
        rate[form] = {int(n): v for n, v in old["trials_per_min"].items()}
        wall[form] = old["trials_per_wall_min"]
        speedup[form] = old["speedup_over_batch1"]
        same[form] = old["same_results_as_reference_batch1"]
    ref1 = rate["reference"][1] if "reference" in rate else rate[forms[0]][1]
    over_fig4 = {form: {str(n): r[n] / ref1 for n in r} for form, r in rate.items()}
    result = {
        "benchmark": "batched_trials",
        "network": "-".join(map(str, sweep.LEARNER_SIZES)), "depth": DEPTH,
        "formulations": forms + list(kept),
        "kept_from_earlier_run": {form: old["run"] for form, old in kept.items()},
        "device": "cpp_standalone, 1 thread",
        "presentations_per_trial": int(len(sweep.spiking_schedule_flags(cfg))),
        "figure_presentations_per_trial": 11_100,
        "config": {k: v for k, v in cfg.as_dict().items() if k not in ("batch", "formulation")},
        "batches": {**{form: {str(n): {k: v for k, v in res.items() if k != "records"}
                              for n, res in by_n.items()} for form, by_n in results.items()},
                    **{form: old["batches"] for form, old in kept.items()}},
        "trials_per_min": {form: {str(n): v for n, v in r.items()} for form, r in rate.items()},
        "trials_per_wall_min": wall,
        "rate_note": "trials per minute of CPU time (this process + the binary; the machine is "
                     "shared); trials_per_wall_min beside it",
        "speedup_over_batch1": speedup,
        "speedup_over_reference_batch1": over_fig4,
        # the batch's gain on the network as the Fig. 4 sweep built it (the first formulation)
        "speedup_per_trial": speedup.get(main_form, {}).get("100"),
        "speedup_per_trial_formulation": main_form,
        "target_speedup_per_trial": 3.0,
        "target_holds": {form: (s["100"] >= 3.0) if "100" in s else None
                         for form, s in speedup.items()},
        "same_results_as_reference_batch1": same,
        "same_results_base": f"{forms[0]} at batch 1 (the fast formulation's spikes equal the "
                             "reference's: tests/models/samadi2017/test_batch.py)",
        "teachers": "random, unbalanced (speed only)",
        "machine": platform.platform(), "cpus": os.cpu_count(),
        "cpu_note": "one core of a shared 2-core machine (other jobs running: timings noisy)",
        "version": spiketeach.__version__, "quick": args.quick, "complete": done,
        "load_average": os.getloadavg(),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "batched_trials.json.tmp"
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, out / ("batched_trials_quick.json" if args.quick else "batched_trials.json"))
    if done:
        for form in forms:
            print(f"{form}: trials per CPU minute " + ", ".join(
                f"batch {n}: {r:.1f}" for n, r in rate[form].items())
                + f"; over batch 1: {speedup.get(form)}; same results: {same[form]}")


if __name__ == "__main__":
    raise SystemExit(main())
