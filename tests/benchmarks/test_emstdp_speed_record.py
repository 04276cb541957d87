"""The side-by-side EMSTDP run's headline lands in the family's speed record (issue 17)."""

import json

import pytest


def _result(quick=False):
    return {"samples_per_cpu_s": {"ours": 900.0, "authors": 200.0}, "speedup_cpu": 4.5,
            "samples_per_s": {"ours": 100.0, "authors": 20.0}, "speedup_wall": 5.0,
            "test_accuracy": {"ours": 80.0, "authors": 79.0}, "seed": 3, "version": "x",
            "quick": quick, "protocol": {"sizes": [784, 100, 10], "T": 100, "n_train": 2000,
                                         "n_test": 500}}


def test_merge_keeps_the_speed_record_and_adds_both_codes(tmp_path, load_benchmark):
    speed = tmp_path / "emstdp_speed.json"
    speed.write_text(json.dumps({"samples_per_s": {"784-100-10 T=100": 150.0}}))
    load_benchmark("emstdp_vs_authors").merge_into_speed(_result(), tmp_path / "side.json", speed)
    record = json.loads(speed.read_text())
    assert record["samples_per_s"] == {"784-100-10 T=100": 150.0}
    assert record["samples_per_cpu_s"] == {"ours": 900.0, "authors": 200.0}
    assert record["speedup_cpu"] == pytest.approx(900.0 / 200.0)
    assert record["side_by_side"]["n_train"] == 2000
    assert record["side_by_side"]["source"].startswith("benchmarks/results/side.json")


def test_merge_refuses_a_quick_run_and_leaves_the_record_alone(tmp_path, load_benchmark):
    speed = tmp_path / "emstdp_speed.json"
    speed.write_text("{}")
    with pytest.raises(ValueError, match="quick"):
        load_benchmark("emstdp_vs_authors").merge_into_speed(_result(quick=True), tmp_path / "side.json", speed)
    assert speed.read_text() == "{}"
