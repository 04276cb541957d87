"""Quick modes of the depth-of-learning scripts (Samadi et al. 2017 Figs. 3-4): files and keys."""

import json

import pytest


def _check(out, path, algorithms, depths):
    saved = json.loads(path.read_text())
    assert saved["quick"] is True and path.with_suffix(".png").exists()
    for alg in algorithms:
        errors = saved["ours"]["final_error"][alg]
        assert set(depths) <= set(errors)
        assert all(0.0 <= errors[d] <= 1.0 for d in depths)
    assert saved["protocol"]["feedback_gamma"] in ("c1*c2 (Appendix B, last sentence)", None)
    return saved


def test_fig3_quick_writes_every_panel(tmp_path, figure_script):
    fig3 = figure_script("samadi2017/fig3")
    out = fig3.run(tmp_path, quick=True, sweep_dir=tmp_path / "sweep", progress=lambda s: None)
    saved = _check(out, tmp_path / "fig3.json", ("BP", "FA", "BA", "DF"), ("1", "9"))
    assert saved["protocol"]["trials_per_config"] == 4
    assert saved["protocol"]["eta_scale"] == 1.0 and saved["protocol"]["trials"] == 4
    assert saved["claims"]["BP_depth9_below_depth8"]["n"] == 4
    assert {"holds", "diff", "stderr"} <= set(saved["claims"]["FA_below_BA_depth9"])


@pytest.mark.standalone
def test_fig4_quick_runs_one_binary(tmp_path, figure_script):
    fig4 = figure_script("samadi2017/fig4")
    rate = tmp_path / "rate"  # Fig. 3 records of the same seeds: error 0.25 at 40 examples
    rate.mkdir()
    rate_errors = {(d, s): 0.25 + 0.01 * s for d in (1, 9) for s in (0, 1)}
    (rate / "results.jsonl").write_text("".join(
        json.dumps({"key": f"BA/{d}/{s}", "algorithm": "BA", "depth": d, "seed": s,
                    "status": "done", "final_error": 0.5, "curve": [0.5, 0.4, e, 0.1],
                    "examples": [0, 20, 40, 60]}) + "\n" for (d, s), e in rate_errors.items()))
    out = fig4.run(tmp_path, quick=True, sweep_dir=tmp_path / "sweep", progress=lambda s: None,
                   rate_sweep_dir=rate)
    saved = _check(out, tmp_path / "fig4.json", ("LIF-BA",), ("1", "9"))
    assert saved["protocol"]["builds"] == 1 and not saved["ours"]["failed_trials"]
    assert saved["protocol"]["sweep_wall_s"] >= saved["protocol"]["build_s"] > 0
    # the claim pairs each spiking trial with the rate trial of its seed at the same examples (40)
    claim = saved["claims"]["spiking_BA_about_as_good_as_rate_BA"]
    records = [json.loads(line) for line in (tmp_path / "sweep" / "results.jsonl").open()]
    diffs = [r["final_error"] - rate_errors[(9, r["seed"])] for r in records if r["depth"] == 9]
    assert claim["n"] == 2 and claim["diff"] == pytest.approx(sum(diffs) / 2)
    assert claim["holds"] == (abs(claim["diff"]) + 2 * claim["stderr"] <= 0.02)
    assert set(claim["by_depth"]) == {"1", "9"}
    assert "depth9_below_depth8" not in saved["claims"]  # quick mode runs depths 1 and 9 only
