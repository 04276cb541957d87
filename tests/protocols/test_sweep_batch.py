"""Batched spiking sweeps: seeds of one depth run together in one batched binary, fanned out
over Dask; the results equal the single-trial sweep's, a killed sweep resumes with no trial
lost or repeated, a failing trial is reported with its seed."""

import json
import shutil

import numpy as np
import pytest

from spiketeach.protocols.samadi2017 import depth_sweep as sweep
from spiketeach.protocols.sweep import batches

TINY_SPIKING = dict(kind="spiking", layer_sizes=[2, 4, 4, 2], n_train=4, eval_every=2, n_test=2)


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    """Unbalanced random teachers in the cache format (a balanced draw takes seconds)."""
    from spiketeach.protocols.samadi2017.teacher_student import TEACHER_SIZES

    path = tmp_path_factory.mktemp("teachers")
    for seed in range(5):
        rng = np.random.default_rng(100 + seed)
        pairs = list(zip(TEACHER_SIZES[:-1], TEACHER_SIZES[1:]))
        np.savez(path / f"teacher_{seed}.npz",
                 **{f"W{k}": rng.normal(0, 2 / np.sqrt(a), (b, a)) for k, (a, b) in enumerate(pairs)},
                 **{f"b{k}": rng.normal(0, 0.5, b) for k, (a, b) in enumerate(pairs)})
    sweep._teacher_cached.cache_clear()
    return path


def test_batches_keep_groups_apart_and_order():
    trials = sweep.make_trials(["LIF-BA"], [1, 3], range(5))   # seed-major
    jobs = batches(trials, 2, group=lambda t: t.depth)
    assert [[(t.depth, t.seed) for t in job] for job in jobs] == [
        [(1, 0), (1, 1)], [(3, 0), (3, 1)], [(1, 2), (1, 3)], [(3, 2), (3, 3)], [(1, 4)], [(3, 4)]]
    with pytest.raises(ValueError, match="at least one trial"):
        batches(trials, 0)
    with pytest.raises(ValueError, match="batch must be"):
        sweep.SweepConfig(**TINY_SPIKING, batch=0)


def _lines(out):
    return [json.loads(s) for s in (out / "results.jsonl").read_text().splitlines()
            if s.startswith("{") and s.endswith("}")]


@pytest.mark.standalone
def test_killed_batched_sweep_resumes_and_equals_the_single_trial_sweep(tmp_path, teachers):
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    pytest.importorskip("distributed")
    trials = sweep.make_trials([sweep.SPIKING_ALGORITHM], [1, 3], range(4))
    quiet = lambda line: None  # noqa: E731

    class Killed(Exception):
        pass

    seen = []

    def kill_after_4(rec):   # the driver dies after 4 trials, inside a batch's records
        seen.append(rec["key"])
        if len(seen) == 4:
            raise Killed

    cfg = sweep.SweepConfig(**TINY_SPIKING, batch=3)   # 4 seeds a depth: batches of 3 and 1
    out = tmp_path / "batched"
    with pytest.raises(Killed):
        sweep.run_sweep(cfg, trials, out, workers=0, teacher_cache=teachers, progress=quiet,
                        on_result=kill_after_4)
    assert len(sweep.load_results(out / "results.jsonl")) == 4
    rerun = []
    records = sweep.run_sweep(cfg, trials, out, workers=2, teacher_cache=teachers,
                              progress=quiet, on_result=lambda r: rerun.append(r["key"]))
    assert len(rerun) == 4 and not set(rerun) & set(seen)          # only the missing ones ran
    keys = [r["key"] for r in _lines(out)]
    assert sorted(keys) == sorted(t.key for t in trials)            # none lost, none repeated
    assert all(r["status"] == "done" and r["batch"] == 3 for r in records.values())
    assert (out / "build_batch3" / "sweep_builds.txt").read_text() == "1"

    # the single-trial binary gives every trial the same spikes, hence the same curves
    single = sweep.run_sweep(sweep.SweepConfig(**TINY_SPIKING), trials, tmp_path / "single",
                             workers=0, teacher_cache=teachers, progress=quiet)
    for key, rec in single.items():
        assert (records[key]["curve"], records[key]["n_spikes"]) == (rec["curve"], rec["n_spikes"]), key
    assert len({r["n_spikes"] for r in single.values()}) > 1        # the trials differ

    # the fast formulation, batched (its event-driven projections take W, DW as X, Q): the same
    # spikes as the reference alone
    fast = sweep.run_sweep(sweep.SweepConfig(**TINY_SPIKING, batch=2, formulation="fast"),
                           trials, tmp_path / "fast", workers=0, teacher_cache=teachers,
                           progress=quiet)
    manifest = json.loads((tmp_path / "fast" / "build_batch2" / sweep.MANIFEST).read_text())
    assert sorted(manifest["pulse_vars"]) == ["1", "2"]
    for key, rec in single.items():
        assert (fast[key]["curve"], fast[key]["n_spikes"]) == (rec["curve"], rec["n_spikes"]), key

    # a failing trial (no data for seed 2) is recorded with its seed; its batch-mates run
    original, lines = sweep.presentation_inputs, []

    def no_seed_2(cfg, seed, cache_dir=None):
        if seed == 2:
            raise RuntimeError("no balanced teacher found")
        return original(cfg, seed, cache_dir)

    sweep.presentation_inputs = no_seed_2
    try:
        flaky = sweep.run_sweep(cfg, [t for t in trials if t.depth == 1], tmp_path / "flaky", workers=0,
                                build_dir=out / "build_batch3", teacher_cache=teachers,
                                progress=lines.append)
    finally:
        sweep.presentation_inputs = original
    failed = [r for r in flaky.values() if r["status"] != "done"]
    assert [(r["seed"], r["depth"]) for r in failed] == [(2, 1)]
    assert "no balanced teacher" in failed[0]["error"]
    assert any("(seed 2) failed" in line for line in lines)
    for key, rec in flaky.items():
        if rec["status"] == "done":
            assert rec["curve"] == single[key]["curve"], key
