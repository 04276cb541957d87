"""The Hunsberger & Eliasmith (2015) figure scripts in --quick mode: they run, write PNG + JSON
with the paper's numbers beside ours, and what they measure is sane."""

import importlib.util
import json
from pathlib import Path

import pytest

FIGURES = Path(__file__).resolve().parents[2] / "figures" / "hunsberger2015"


def load(name):
    spec = importlib.util.spec_from_file_location(f"hunsberger2015_{name}", FIGURES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _written(tmp_path, name):
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    data = json.loads((tmp_path / f"{name}.json").read_text())
    assert {"paper", "ours", "protocol", "seed", "wall_s", "quick"} <= set(data)
    return data


def test_fig1_quick(tmp_path):
    assert load("fig1").main(["--quick", "--out", str(tmp_path)]) == 0
    data = _written(tmp_path, "fig1")
    ours = data["ours"]
    d = ours["lif_derivative_at_1_plus_eps"]["derivative"]
    assert all(b > 10 * a for a, b in zip(d, d[1:]))  # LIF: unbounded at threshold
    assert ours["soft_lif_max_derivative"] < 200  # soft LIF: bounded (about 95 Hz)
    rates = ours["rate_at_j_1.5"]
    assert rates["soft_lif"] == pytest.approx(rates["lif"], rel=1e-6)


def test_fig2_quick(tmp_path):
    assert load("fig2").main(["--quick", "--out", str(tmp_path)]) == 0
    data = _written(tmp_path, "fig2")
    ours = data["ours"]
    assert ours["mean_vs_analytic_max_rel_error"] < 0.03
    assert 15 < ours["std_hz_mean_above_threshold"] < 50  # the authors' rough check: ~30 Hz
    assert 5 < ours["training_noise"]["mean_sigma_hz"] < 30


def test_table_quick(tmp_path):
    assert load("table").main(["--quick", "--out", str(tmp_path)]) == 0
    data = _written(tmp_path, "table")
    err = data["ours"]["error"]
    assert set(err) >= {"ann relu", "ann softlif", "ann softlif noise", "snn softlif noise",
                        "snn softlif"}
    assert all(0 <= v < 10 for v in err.values())  # digits: a few percent
    assert data["ours"]["presentation_ms"] == 150 and data["ours"]["wall_s"] > 0
    assert data["paper"]["error"]["snn softlif noise"] == 0.88
    assert data["ours"]["spiking"]["softlif noise"]["agreement_with_hard_lif_rates"] >= 0.95
