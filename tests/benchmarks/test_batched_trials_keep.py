"""benchmarks/batched_trials.py --keep: a run of one formulation keeps the other formulation's
recorded rates, and its first formulation gives the headline speed-up."""

import argparse
import json


def _measured(rates: dict) -> dict:
    records = [{"seed": s, "curve": [0.5, 0.4], "n_spikes": 10 + s} for s in range(2)]
    return {n: {"batch": n, "trials_per_min": r, "trials_per_wall_min": r / 2,
                "records": records} for n, r in rates.items()}


def test_keep_carries_the_other_formulation_and_fast_gives_the_headline(tmp_path, load_benchmark):
    bench = load_benchmark("batched_trials")
    args = argparse.Namespace(out=str(tmp_path), quick=False, keep=False, presentations=110)
    bench.write({"reference": _measured({1: 100.0, 100: 160.0})}, args, 110, done=True)
    args.keep = True
    bench.write({"fast": _measured({1: 90.0, 100: 360.0, 1000: 400.0})}, args, 110, done=True)
    saved = json.loads((tmp_path / "batched_trials.json").read_text())
    assert saved["formulations"] == ["fast", "reference"]
    assert saved["trials_per_min"]["reference"] == {"1": 100.0, "100": 160.0}
    assert saved["speedup_per_trial_formulation"] == "fast"
    assert saved["speedup_per_trial"] == 360.0 / 90.0
    # the fast rates against the reference's batch 1 (the unbatched Fig. 4 trial)
    assert saved["speedup_over_reference_batch1"]["fast"]["1000"] == 400.0 / 100.0
    assert saved["target_holds"] == {"fast": True, "reference": False}
    assert "reference" in saved["kept_from_earlier_run"]


def test_without_keep_the_other_formulation_is_dropped(tmp_path, load_benchmark):
    bench = load_benchmark("batched_trials")
    args = argparse.Namespace(out=str(tmp_path), quick=False, keep=False, presentations=110)
    bench.write({"reference": _measured({1: 100.0, 100: 160.0})}, args, 110, done=True)
    bench.write({"fast": _measured({1: 90.0, 100: 360.0})}, args, 110, done=True)
    saved = json.loads((tmp_path / "batched_trials.json").read_text())
    assert saved["formulations"] == ["fast"] and saved["kept_from_earlier_run"] == {}
