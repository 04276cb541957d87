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
    out = fig4.run(tmp_path, quick=True, sweep_dir=tmp_path / "sweep", progress=lambda s: None)
    saved = _check(out, tmp_path / "fig4.json", ("LIF-BA",), ("1", "9"))
    assert saved["protocol"]["builds"] == 1 and not saved["ours"]["failed_trials"]
