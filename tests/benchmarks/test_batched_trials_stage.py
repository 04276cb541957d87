"""The batched_trials stage of benchmarks/gpu_check.py (benchmarks/batched_trials.py's
gpu_check_stage): a dry run on cpp_standalone with a tiny learner and short trials gives a rate
per N and the target's fields; with no time it skips every N, saying why, and builds nothing."""

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("batched_trials")


def _shape(result, device):
    assert result["device"] == device
    assert set(result["trials_per_min"]) == {device} | {"cpp_standalone"}
    assert {"speedup_vs_one_cpu_core", "skipped", "build_s", "target", "wall_s"} <= set(result)
    assert result["target"]["required"] == 20.0


def test_no_budget_skips_every_n_and_builds_nothing(bench, tmp_path):
    result = bench.gpu_check_stage("cuda_standalone", 1.0, batches=(1, 100, 1000),
                                   work_dir=tmp_path, progress=lambda s: None)
    _shape(result, "cuda_standalone")
    assert set(result["skipped"]["cuda_standalone"]) == {"1", "100", "1000"}
    assert set(result["skipped"]["cpp_standalone"]) == {"1", "100", "1000"}
    assert "budget" in result["skipped"]["cpp_standalone"]["1"]
    assert result["trials_per_min"] == {"cuda_standalone": {}, "cpp_standalone": {}}
    assert result["target"]["holds"] is None and not list(tmp_path.glob("build_*"))


@pytest.mark.standalone
def test_dry_run_on_cpp_standalone_gives_a_rate_per_n(bench, tmp_path):
    result = bench.gpu_check_stage("cpp_standalone", 900.0, batches=(1, 2), presentations=5,
                                   base_trials=2, layer_sizes=[2, 3, 2], work_dir=tmp_path,
                                   progress=lambda s: None)
    _shape(result, "cpp_standalone")
    assert result["network"] == "2-3-2" and result["presentations_per_trial"] == 5
    rates = result["trials_per_min"]["cpp_standalone"]
    assert set(rates) == {"1", "2"} and all(r > 0 for r in rates.values())
    assert result["cpu_trials_per_min"]["1"] > 0
    assert result["speedup_vs_one_cpu_core"]["1"] == 1.0
    assert result["skipped"] == {"cpp_standalone": {}}
    assert result["target"]["at_n"] is None and result["target"]["holds"] is None


def test_gpu_check_runs_the_stage_and_reports_what_it_skipped(load_benchmark, tmp_path):
    # a dry run (cpp_standalone) with no time for any build: the stage still reports, naming
    # every N it skipped
    import json
    gpu_check = load_benchmark("gpu_check")
    out = tmp_path / "gpu_check.json"
    assert gpu_check.main(["--device", "cpp_standalone", "--budget-s", "15", "--cases",
                           "samadi2017/reference", "--keep-builds", str(tmp_path / "builds"),
                           "--out", str(out)]) == 0
    stage = json.loads(out.read_text())["stages"]["batched_trials"]
    assert "error" not in stage, stage
    assert set(stage["skipped"]["cpp_standalone"]) == {"1", "100", "1000"}
    assert stage["target"]["required"] == 20.0 and stage["target"]["holds"] is None
