"""The huh2018 figure scripts in --quick mode: each runs in seconds, writes PNG + JSON with the
issue's keys (ours.initial_loss, ours.final_loss; ours.accuracy for the XOR), and fig1's
charges hold the paper's claim."""

import json

import pytest

pytestmark = pytest.mark.family("huh2018")


def _read(tmp_path, name):
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    data = json.loads((tmp_path / f"{name}.json").read_text())
    assert {"paper", "ours", "protocol", "seed", "wall_s", "quick"} <= set(data)
    return data["ours"]


def test_fig1_quick(tmp_path, figure_script):
    assert figure_script("huh2018/fig1").main(["--quick", "--out", str(tmp_path)]) == 0
    ours = _read(tmp_path, "fig1")
    for gate in ("boxcar", "smooth"):
        assert all(abs(c - 1) < 1e-3 for c in ours["charge"][gate])
        assert ours["below_zone_charge"][gate] < 0.05
    assert ours["partial_charge"]["boxcar"] == pytest.approx(ours["partial_depth"], abs=2e-3)


def test_encoding_quick(tmp_path, figure_script):
    assert figure_script("huh2018/encoding").main(["--quick", "--out", str(tmp_path)]) == 0
    ours = _read(tmp_path, "encoding")
    assert {"initial_loss", "final_loss", "initial_rate_hz", "final_rate_hz"} <= set(ours)
    assert ours["final_loss"] < ours["initial_loss"]


def test_xor_quick(tmp_path, figure_script):
    assert figure_script("huh2018/xor").main(["--quick", "--out", str(tmp_path)]) == 0
    ours = _read(tmp_path, "xor")
    assert {"initial_loss", "final_loss", "accuracy"} <= set(ours)
    assert 0 <= ours["accuracy"] <= 100
    assert len(ours["curve"]["test"]) == 4  # before training and after each of 3 blocks
