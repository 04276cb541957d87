"""Spiking sweep throughput: compile once + run_args vs. rebuild per trial (Samadi 2017 Fig. 4).

Samadi A, Lillicrap TP, Tweed DB (2017), Neural Computation 29(3):578–602, §3.1: the spiking
2-10×8-2 learner of the depth-of-learning sweep, trained by broadcast alignment.

Both ways run the same trials (same seeds, teachers, initial weights, stimuli), one at a time on
one core, in this one script:

``compile_once``
    :func:`spiketeach.protocols.samadi2017.depth_sweep.build_spiking` generates and compiles ONE binary; every
    trial is a run of it with the trial's values on the command line (``run_args``), in its own
    results directory (:func:`spiketeach.protocols.samadi2017.depth_sweep.run_spiking_trial`) -- what a Dask
    worker does.
``rebuild``
    the straightforward way: per trial, build the network with the trial's seed and depth, generate
    code and compile it (in the same build directory, so ``make`` only recompiles files whose
    code changed), then run it (:func:`spiketeach.protocols.samadi2017.training.run_block`).

Reports trials per minute each way (compile-once both with and without its one build) and the
ratio; writes ``benchmarks/results/samadi_sweep_speed.json``.
Usage: ``python benchmarks/samadi_sweep_speed.py [--trials N] [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import spiketeach
from spiketeach.core.devices import reset_device, select_device
from spiketeach.protocols.samadi2017 import depth_sweep as sweep

HERE = Path(__file__).resolve().parent


def compile_once(cfg, trials, work: Path, teachers: Path) -> dict:
    t0 = time.perf_counter()
    manifest = sweep.build_spiking(cfg, work / "once_build", progress=lambda s: None)
    build_s = time.perf_counter() - t0
    finals, run_s = [], []
    for depth, seed in trials:
        t = time.perf_counter()
        rec = sweep.run_spiking_trial(manifest, depth, seed, work / "once_runs", cache_dir=teachers)
        if rec["status"] != "done":
            raise RuntimeError(rec["error"])
        run_s.append(time.perf_counter() - t)
        finals.append(rec["curve"])
    return {"build_s": build_s, "trial_s": run_s, "curves": finals}


def rebuild(cfg, trials, work: Path, teachers: Path) -> dict:
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import samadi2017
    from spiketeach.models.samadi2017.params import SamadiParams
    from spiketeach.protocols.samadi2017.training import run_block

    params = SamadiParams()
    flags = sweep.spiking_schedule_flags(cfg)
    trial_s, curves = [], []
    for depth, seed in trials:
        t = time.perf_counter()
        select_device("cpp_standalone", build_dir=work / "rebuild_build")
        try:
            sched = PresentationSchedule(len(flags), params.presentation, params.settle)
            ban = samadi2017.build(cfg.layer_sizes, sched, params=params, seed=seed, depth=depth,
                                   target_drive_high=cfg.target_drive_high)
            # the same inputs and labels as the compile-once trial
            inputs, labels = sweep.presentation_inputs(cfg, seed, teachers)
            result = run_block(ban, None, inputs, labels, flags)
            wrong = (result.answers != result.labels)[flags == 0].reshape(-1, cfg.n_test)
            curves.append(wrong.mean(axis=1).tolist())
        finally:
            reset_device()
        trial_s.append(time.perf_counter() - t)
    return {"trial_s": trial_s, "curves": curves}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=3, help="trials each way (default 3)")
    parser.add_argument("--quick", action="store_true", help="2 trials of 20 presentations")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    n = 2 if args.quick else args.trials
    cfg = sweep.SweepConfig(kind="spiking", n_train=10 if args.quick else 100,
                            eval_every=10 if args.quick else 50, n_test=5 if args.quick else 20)
    depths = [9, 1, 5, 3, 7]
    trials = [(depths[k % len(depths)], k) for k in range(n)]
    work = Path(tempfile.mkdtemp(prefix="spiketeach-sweep-bench-"))
    teachers = work / "teachers"
    for _, seed in trials:          # drawn once, outside both timings
        sweep.teacher_for(seed, teachers)
    try:
        once = compile_once(cfg, trials, work, teachers)
        again = rebuild(cfg, trials, work, teachers)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    same = all(np.allclose(a, b) for a, b in zip(once["curves"], again["curves"]))
    per_min_once = 60 * n / sum(once["trial_s"])
    per_min_once_amortised = 60 * n / (sum(once["trial_s"]) + once["build_s"])
    per_min_rebuild = 60 * n / sum(again["trial_s"])
    result = {
        "benchmark": "samadi_sweep_speed",
        "network": "-".join(map(str, sweep.LEARNER_SIZES)), "config": cfg.as_dict(),
        "presentations_per_trial": int(len(sweep.spiking_schedule_flags(cfg))),
        "trials": n, "depth_seed": trials,
        "compile_once": {"build_s": once["build_s"], "trial_s": once["trial_s"],
                         "trials_per_min": per_min_once,
                         "trials_per_min_incl_build": per_min_once_amortised},
        "rebuild": {"trial_s": again["trial_s"], "trials_per_min": per_min_rebuild},
        "ratio": per_min_once / per_min_rebuild,
        "ratio_incl_build": per_min_once_amortised / per_min_rebuild,
        "same_test_errors": same,
        "machine": platform.platform(), "cpu_note": "one core of a shared 2-core machine",
        "version": spiketeach.__version__, "quick": args.quick,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "samadi_sweep_speed.json").write_text(json.dumps(result, indent=1))
    print(f"compile once: {per_min_once:.1f} trials/min ({per_min_once_amortised:.1f} incl. its "
          f"{once['build_s']:.0f} s build); rebuild per trial: {per_min_rebuild:.2f} trials/min; "
          f"ratio {result['ratio']:.1f}x ({result['ratio_incl_build']:.1f}x incl. build); "
          f"same test errors: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
