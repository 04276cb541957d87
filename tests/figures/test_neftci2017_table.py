"""figures/neftci2017/table.py: the quick mode writes the result keys the issue names."""

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "figures" / "neftci2017" / "table.py"


@pytest.mark.slow
def test_quick_table_writes_the_keys(tmp_path):
    spec = importlib.util.spec_from_file_location("neftci2017_table", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.run(tmp_path, quick=True, archs=["784-200-10"], n_train=50, n_test=10, block=25,
            log=lambda *a, **k: None)
    res = json.loads((tmp_path / "table.json").read_text())
    assert (tmp_path / "table.png").exists()
    acc = res["ours"]["accuracy"]
    assert set(acc) == {"784-500-10", "784-500-500-10", "784-200-10"}
    assert acc["784-500-10"] is None and 0 <= acc["784-200-10"] <= 100
    assert res["ours"]["epochs"]["784-200-10"] == 1 and res["ours"]["wall_s"]["784-200-10"] > 0
    assert res["paper"]["accuracy"]["784-500-10"] == 97.71
    # a second run reads the finished architecture back instead of training it again
    again = mod.run(tmp_path, quick=True, archs=["784-200-10"], n_train=50, n_test=10,
                    block=25, log=lambda *a, **k: None)
    assert again["ours"]["accuracy"] == res["ours"]["accuracy"]


@pytest.mark.slow
def test_quick_learning_curve_falls_and_dendrite_tracks_rbp(tmp_path):
    spec = importlib.util.spec_from_file_location("neftci2017_learning", SCRIPT.with_name("learning.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.run(tmp_path, quick=True, log=lambda *a, **k: None)
    o = res["ours"]
    assert o["test_error"][-1] < o["test_error"][0]
    assert o["dendrite_rbp_r"] > 0.8   # measured 0.977 (seed 0)
