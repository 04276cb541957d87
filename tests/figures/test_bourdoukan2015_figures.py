"""The Bourdoukan & Denève (2015) figure script in --quick mode: it runs, writes PNG + JSON with
the issue's keys, and a short run already balances the network."""

import json

import pytest

KEYS = ("error_initial", "error_final", "rate_initial_hz", "rate_final_hz", "cv_final",
        "ei_correlation_final", "fano_final")


@pytest.mark.family("bourdoukan2015")
def test_dynamics_quick(tmp_path, figure_script):
    assert figure_script("bourdoukan2015/dynamics").main(["--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "dynamics.png").stat().st_size > 10_000
    data = json.loads((tmp_path / "dynamics.json").read_text())
    assert {"paper", "ours", "protocol", "seed", "wall_s", "quick"} <= set(data)
    ours = data["ours"]
    assert set(KEYS) <= set(ours)
    assert ours["ei_correlation_final"] > ours["ei_correlation_initial"] + 0.5
    assert ours["error_optimal"] < 0.1 < ours["error_initial"]
    assert len(ours["curve"]["error"]) == len(ours["curve"]["step"]) >= 3
