"""figures/neftci2017/analysis.py: the quick mode writes the window and alignment numbers, and
they say what the model makes them say."""

import importlib.util
import json
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "figures" / "neftci2017" / "analysis.py"


def test_quick_analysis_window_and_alignment(tmp_path):
    spec = importlib.util.spec_from_file_location("neftci2017_analysis", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    res = mod.run(tmp_path, quick=True, n_blocks=2, block=10, log=lambda *a, **k: None)
    saved = json.loads((tmp_path / "analysis.json").read_text())
    assert (tmp_path / "analysis.png").exists()
    assert set(saved["claims"]) == set(res["claims"]) and all(
        isinstance(c["holds"], bool) for c in saved["claims"].values())
    hid = res["ours"]["window"]["hidden"]
    assert hid["n_nonzero"] > 1000
    # every update is η·U at a presynaptic spike: its sign follows the cell's error far more
    # often than chance, and the error sign explains more of Δw than the pre/post timing
    assert hid["sign_agreement"] > 0.7
    assert hid["eta2_error_sign"] > hid["eta2_timing_given_error_sign"]
    a = res["ours"]["alignment"]["per_block"]
    # the hidden update follows the random feedback (RBP), not back-propagation, at the start
    assert max(a["hidden_vs_rbp"]) < 60 and min(a["hidden_vs_bp"]) > 60
    assert len(a["B_vs_Wout"]) == 3 and np.all(np.isfinite(a["B_vs_Wout"]))
