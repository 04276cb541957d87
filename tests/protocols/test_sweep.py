"""Depth-of-learning sweeps: compile once, fan out on Dask, stream results, resume, report failures."""

import json
import os
import shutil

import numpy as np
import pytest

from spiketeach.protocols.samadi2017 import depth_sweep as sweep

TINY_SPIKING = dict(kind="spiking", layer_sizes=[2, 4, 4, 2], n_train=4, eval_every=2, n_test=2)
TINY_RATE = dict(kind="rate", layer_sizes=[2, 4, 4, 2], n_train=40, eval_every=20, n_test=30,
                 chunk=1)


@pytest.fixture(scope="module")
def teachers(tmp_path_factory):
    """A teacher cache for seeds 0-2 shared by the tests. Drawing a class-balanced teacher takes
    seconds (10^6 test inputs), so these are unbalanced random teachers of the same shape written
    in the cache format; the cache itself is tested against the real task teacher below."""
    from spiketeach.protocols.samadi2017.teacher_student import TEACHER_SIZES

    path = tmp_path_factory.mktemp("teachers")
    for seed in range(3):
        rng = np.random.default_rng(100 + seed)
        pairs = list(zip(TEACHER_SIZES[:-1], TEACHER_SIZES[1:]))
        np.savez(path / f"teacher_{seed}.npz",
                 **{f"W{k}": rng.normal(0, 2 / np.sqrt(a), (b, a)) for k, (a, b) in enumerate(pairs)},
                 **{f"b{k}": rng.normal(0, 0.5, b) for k, (a, b) in enumerate(pairs)})
    sweep._teacher_cached.cache_clear()
    return path


def _no_progress(line):
    pass


def test_teacher_cache_round_trip(tmp_path, monkeypatch):
    """A teacher is drawn once (TeacherStudentTask(seed).teacher), written, and read back exactly.
    The draw itself is stubbed: a real one checks class balance on 10^6 inputs (seconds)."""
    from spiketeach.protocols.samadi2017.teacher_student import Teacher

    draws = []

    class Task:
        def __init__(self, seed):
            draws.append(seed)
            rng = np.random.default_rng(seed)
            self.teacher = Teacher([rng.normal(size=(2, 2)) for _ in range(9)],
                                   [rng.normal(size=2) for _ in range(9)])

    monkeypatch.setattr(sweep, "TeacherStudentTask", Task)
    sweep._teacher_cached.cache_clear()
    first = sweep.teacher_for(5, tmp_path)
    assert (tmp_path / "teacher_5.npz").exists()
    sweep._teacher_cached.cache_clear()
    cached = sweep.teacher_for(5, tmp_path)          # read back from disk, not drawn again
    assert draws == [5] and cached is not first
    for a, b in zip(cached.weights + cached.biases, first.weights + first.biases):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(50, 2))
    np.testing.assert_array_equal(cached.labels(x), first.labels(x))
    sweep._teacher_cached.cache_clear()


@pytest.mark.parametrize("formulation, depth", [("reference", None), ("fast", 2)])
def test_worker_state_is_the_networks_initial_state(runtime, formulation, depth):
    """The per-seed state a worker writes, from what the manifest records at build time (the
    handle's state layout and state_views keys), equals BANetwork.initial_state(seed)."""
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.core.standalone import run_arg_name
    from spiketeach.models import samadi2017
    from spiketeach.models.samadi2017.params import SamadiParams

    p = SamadiParams()
    ban = samadi2017.build([2, 4, 4, 2], PresentationSchedule(2, p.presentation, p.settle),
                           formulation=formulation, depth=depth)
    manifest = json.loads(json.dumps(sweep.state_manifest(ban)))   # as a worker reads it
    ours = sweep.trial_state(manifest, 7, p)
    ref = ban.initial_state(7)
    assert set(ours) == set(ban.state_views())
    for key in ours:
        assert manifest["state_vars"][key]["name"] == run_arg_name(ban.state_views()[key])
        np.testing.assert_array_equal(ours[key], ref[key], err_msg=key)


def test_a_manifest_of_an_older_format_is_refused_in_one_line(tmp_path):
    """A build directory from before the manifest had a version (format 1) is not reused."""
    from spiketeach.errors import UsageError

    build = tmp_path / "build"
    build.mkdir()
    (build / sweep.MANIFEST).write_text(json.dumps({"fingerprint": "x", "state_vars": {}}))
    (build / "main").write_text("")
    with pytest.raises(UsageError) as err:
        sweep.build_spiking(sweep.SweepConfig(**TINY_SPIKING), build, progress=_no_progress)
    message = str(err.value)
    assert "\n" not in message and "format 1" in message and f"delete {build}" in message
    with pytest.raises(UsageError, match="format 1"):
        sweep.spiking_values({"config": TINY_SPIKING}, 1, 0)


@pytest.mark.standalone
def test_spiking_sweep_on_two_dask_workers_compiles_once(tmp_path, teachers):
    """4 spiking trials on a local Dask cluster of 2 workers from ONE compiled binary, each in its
    own results directory; a trial run alone gives the same spikes; the binary a worker runs gives
    the same spikes as Brian2's runtime device with a depth-k build (so η = 0 freezes exactly)."""
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    pytest.importorskip("distributed")
    cfg = sweep.SweepConfig(**TINY_SPIKING)
    out = tmp_path / "sweep"
    trials = sweep.make_trials([sweep.SPIKING_ALGORITHM], [1, 3], [0, 1])
    records = sweep.run_sweep(cfg, trials, out, workers=2, teacher_cache=teachers,
                              keep_runs=True, progress=_no_progress)
    assert {r["key"] for r in records.values()} == {t.key for t in trials}
    assert all(r["status"] == "done" for r in records.values()), records
    build = out / "build"
    assert (build / "sweep_builds.txt").read_text() == "1"
    binary_mtime = os.stat(build / "main").st_mtime_ns
    run_dirs = sorted(p.name for p in (out / "runs").iterdir())
    assert run_dirs == ["d1_s0", "d1_s1", "d3_s0", "d3_s1"]
    manifest = json.loads((build / sweep.MANIFEST).read_text())
    spike_file = manifest["outputs"]["i"][0]
    assert all((out / "runs" / d / spike_file).exists() for d in run_dirs)
    assert len({r["n_spikes"] for r in records.values()}) > 1          # trials really differ

    # the same trial alone, in this process, in another directory: identical spikes
    alone = sweep.run_spiking_trial(manifest, 3, 1, tmp_path / "alone", cache_dir=teachers,
                                    keep_results=True)
    assert alone["status"] == "done", alone.get("error")
    for name, _ in manifest["outputs"].values():
        assert (tmp_path / "alone" / "d3_s1" / name).read_bytes() == \
            (out / "runs" / "d3_s1" / name).read_bytes()
    assert alone["curve"] == records["LIF-BA/3/1"]["curve"]

    # a re-run with more trials reuses the binary
    more = sweep.make_trials([sweep.SPIKING_ALGORITHM], [1, 3], [0, 1, 2])
    records = sweep.run_sweep(cfg, more, out, workers=0, teacher_cache=teachers,
                              progress=_no_progress)
    assert len(records) == 6 and (build / "sweep_builds.txt").read_text() == "1"
    assert os.stat(build / "main").st_mtime_ns == binary_mtime

    # the depth-1 run (hidden layers frozen by eta = 0) equals a runtime depth-1 build
    _compare_with_runtime(manifest, out / "runs" / "d1_s0", depth=1, seed=0, teachers=teachers)


def _compare_with_runtime(manifest, run_dir, depth, seed, teachers):
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import samadi2017
    from spiketeach.models.samadi2017.params import SamadiParams
    from spiketeach.protocols.samadi2017.training import run_block

    values, meta = sweep.spiking_values(manifest, depth, seed, teachers)
    p = SamadiParams()
    select_device("runtime")
    try:
        sched = PresentationSchedule(manifest["n_presentations"], p.presentation, p.settle)
        ban = samadi2017.build(manifest["config"]["layer_sizes"], sched, depth=depth,
                               target_drive_high=manifest["config"]["target_drive_high"])
        state = ban.initial_state(seed)
        inputs = values[manifest["timed"]["stimulus"]["name"]]
        run_block(ban, state, inputs, meta["labels"], meta["flags"])
        t_rt = np.asarray(ban.output_spikes.t[:])
        i_rt = np.asarray(ban.output_spikes.i[:])
    finally:
        reset_device()
    i_sa = np.fromfile(run_dir / manifest["outputs"]["i"][0], dtype=manifest["outputs"]["i"][1])
    t_sa = np.fromfile(run_dir / manifest["outputs"]["t"][0], dtype=manifest["outputs"]["t"][1])
    assert len(i_rt) > 20
    np.testing.assert_array_equal(i_sa, i_rt)
    np.testing.assert_allclose(t_sa, t_rt, atol=1e-9)


def test_interrupted_sweep_resumes_without_losing_or_repeating(tmp_path, teachers):
    cfg = sweep.SweepConfig(**TINY_RATE)
    trials = sweep.make_trials(["BP", "BA"], [1, 3], [0, 1])

    class Killed(Exception):
        pass

    def kill_after(n):
        seen = []

        def on_result(rec):
            seen.append(rec["key"])
            if len(seen) == n:
                raise Killed
        return on_result

    out = tmp_path / "cut"
    with pytest.raises(Killed):
        sweep.run_sweep(cfg, trials, out, workers=0, teacher_cache=teachers,
                        progress=_no_progress, on_result=kill_after(3))
    with open(out / "results.jsonl", "a") as f:   # and a torn line, as if killed mid-write
        f.write('{"key": "BA/3/1", "status": "do')
    assert len(sweep.load_results(out / "results.jsonl")) == 3
    rerun = []
    records = sweep.run_sweep(cfg, trials, out, workers=0, teacher_cache=teachers,
                              progress=_no_progress, on_result=lambda r: rerun.append(r["key"]))
    assert len(rerun) == 5                                   # only the missing trials ran
    lines = [json.loads(s) for s in (out / "results.jsonl").read_text().splitlines()
             if s.startswith("{") and s.endswith("}")]
    keys = [r["key"] for r in lines]
    assert sorted(keys) == sorted(t.key for t in trials)      # none lost, none repeated
    clean = sweep.run_sweep(cfg, trials, tmp_path / "clean", workers=0, teacher_cache=teachers,
                            progress=_no_progress)
    for key, rec in clean.items():
        assert records[key]["curve"] == rec["curve"], key
    assert len({tuple(r["curve"]) for r in records.values()}) > 1
    # a finished sweep re-run does nothing
    again = []
    sweep.run_sweep(cfg, trials, out, workers=0, teacher_cache=teachers,
                    progress=_no_progress, on_result=lambda r: again.append(r))
    assert again == []


def test_a_failing_trial_is_reported_with_its_seed_and_the_sweep_goes_on(tmp_path, teachers):
    cfg = sweep.SweepConfig(**(TINY_RATE | {"chunk": 2}))
    trials = sweep.make_trials(["BA"], [3], [0, 1])
    lines = []
    original = sweep._rate_batch

    def flaky(cfg, algorithm, depth, seeds, cache_dir):   # seed 1 blows up, seed 0 is fine
        if 1 in list(seeds):
            raise FloatingPointError("outputs became NaN or inf")
        return original(cfg, algorithm, depth, seeds, cache_dir)

    sweep._rate_batch = flaky
    try:
        records = sweep.run_sweep(cfg, trials, tmp_path, workers=0, teacher_cache=teachers,
                                  progress=lines.append)
    finally:
        sweep._rate_batch = original
    assert records["BA/3/0"]["status"] == "done"
    assert records["BA/3/1"]["status"] == "failed" and records["BA/3/1"]["seed"] == 1
    assert "FloatingPointError" in records["BA/3/1"]["error"]
    assert any("(seed 1) failed" in line for line in lines)
    assert any("2/2 trials done (1 failed)" in line and "ETA" in line for line in lines)
    # the failed trial is tried again on the next run (and now succeeds)
    records = sweep.run_sweep(cfg, trials, tmp_path, workers=0, teacher_cache=teachers,
                              progress=_no_progress)
    assert records["BA/3/1"]["status"] == "done"


def test_summary_and_cli_arguments(tmp_path, teachers, capsys):
    import argparse

    parser = argparse.ArgumentParser()
    sweep.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["sweep", "rate", "--algorithms", "DF", "--depths", "1,3",
                              "--trials", "2", "--workers", "0", "--out", str(tmp_path),
                              "--n-train", "20", "--eval-every", "10", "--n-test", "10"])
    assert sweep._parse_depths("1-3,5") == [1, 2, 3, 5]
    shutil.copytree(teachers, tmp_path / "teachers")
    assert sweep.run_from_args(args) == 0
    records = sweep.load_results(tmp_path / "results.jsonl")
    assert sorted(records) == ["DF/1/0", "DF/1/1", "DF/3/0", "DF/3/1"]
    summary = sweep.summarise(records)
    assert summary["trials"]["DF"] == {"1": 2, "3": 2}
    finals = [records[f"DF/1/{s}"]["final_error"] for s in (0, 1)]
    assert summary["final_error"]["DF"]["1"] == pytest.approx(np.mean(finals))
    assert summary["stderr"]["DF"]["1"] == pytest.approx(np.std(finals, ddof=1) / np.sqrt(2))
    assert "DF" in capsys.readouterr().out
