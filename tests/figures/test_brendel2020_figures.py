"""The Brendel et al. (2020) figure script in --quick mode: it runs, writes PNG + JSON with the
issue's keys, and learning moves every measure the way the paper says."""

import json

import pytest

KEYS = ("error_initial", "error_final", "rate_initial_hz", "rate_final_hz", "cv_final",
        "ei_correlation_final")


@pytest.mark.family("brendel2020")
def test_fig2_quick(tmp_path, figure_script):
    assert figure_script("brendel2020/fig2").main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig2.png").stat().st_size > 10_000
    data = json.loads((tmp_path / "fig2.json").read_text())
    assert {"paper", "ours", "protocol", "seed", "wall_s", "quick"} <= set(data)
    ours = data["ours"]
    assert set(KEYS) <= set(ours)
    assert ours["error_final"] < 0.5 * ours["error_initial"]
    assert ours["rate_final_hz"] < ours["rate_initial_hz"]
    assert ours["ei_correlation_final"] > ours["ei_correlation_initial"]
    assert ours["voltage_variance_final"] < ours["voltage_variance_initial"]
    assert len(ours["curve"]["error"]) == len(ours["curve"]["step"]) >= 5


@pytest.mark.family("brendel2020")
def test_ei_quick(tmp_path, figure_script):
    assert figure_script("brendel2020/ei").main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "ei.png").stat().st_size > 10_000
    data = json.loads((tmp_path / "ei.json").read_text())
    ours = data["ours"]
    assert set(KEYS) | {"fano_final", "error_i_final"} <= set(ours)
    assert ours["error_final"] < ours["error_initial"]
    assert ours["ei_correlation_final"] > ours["ei_correlation_initial"]
    assert sum(ours["dale_violations_final"].values()) == 0
