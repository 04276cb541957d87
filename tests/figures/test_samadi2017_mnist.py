"""Quick modes of the Fig. 5 / Table 2 scripts (8×8 digits, numpy target): files and keys."""

import json


def test_fig5_quick_and_table2(tmp_path, figure_script):
    fig5 = figure_script("samadi2017/fig5")
    out = fig5.run(tmp_path, quick=True, device="runtime", runs_dir=tmp_path / "runs",
                   configs=["3-layer"], progress=lambda s: None)
    saved = json.loads((tmp_path / "fig5.json").read_text())
    assert (tmp_path / "fig5.png").stat().st_size > 0
    assert saved["paper"]["accuracy"]["3-layer"] == 96.02
    acc = saved["ours"]["accuracy"]["3-layer"]
    assert 0 <= acc <= 100 and acc == out["ours"]["accuracy"]["3-layer"]
    assert saved["quick"] is True and len(saved["ours"]["curves"]["3-layer"]["examples"]) == 2

    # the non-spiking rows: BP learns the 8×8 digits well above chance in 3 epochs
    rate_fig = figure_script("samadi2017/rate_mnist")
    rate_out = rate_fig.run(tmp_path, quick=True, rows=["BP", "BA"], progress=lambda s: None)
    rate_saved = json.loads((tmp_path / "rate_mnist.json").read_text())
    assert rate_saved["paper"]["accuracy"] == {"BP": 98.56, "BA": 97.67}
    curve = rate_saved["ours"]["curves"]["BP"]
    assert len(curve) == 4 and curve[-1] > 60 > curve[0]       # chance is 10 %
    assert rate_saved["ours"]["accuracy"]["BP"] == rate_out["ours"]["accuracy"]["BP"]
    assert rate_saved["protocol"]["layers"]["BP"] == [64, 100, 10]

    table = figure_script("samadi2017/table2")
    assert table.main(["--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "table2.json").read_text())
    assert rows["ours"]["accuracy"]["784-1000-10"] == acc
    assert rows["paper"]["accuracy"]["784-630-370-10"] == 97.05
    assert rows["ours"]["accuracy"]["784-630-370-10"] is None  # not run: shown as "—"
    assert rows["ours"]["wall_s"]["784-1000-10"] > 0
    assert rows["ours"]["accuracy"]["BP"] == rate_saved["ours"]["accuracy"]["BP"]
    assert rows["ours"]["accuracy"]["FA"] is None



def test_fig5_epochs_per_configuration(figure_script):
    import argparse

    import pytest

    fig5 = figure_script("samadi2017/fig5")
    assert fig5.parse_epochs("30") == 30.0
    assert fig5.parse_epochs("3-layer=3,depth-1=0.5") == {"3-layer": 3.0, "depth-1": 0.5}
    with pytest.raises(argparse.ArgumentTypeError, match="unknown configuration '5-layer'"):
        fig5.parse_epochs("5-layer=1")
    with pytest.raises(ValueError, match="no epochs for 4-layer"):  # checked before any training
        fig5.run(quick=True, epochs={"3-layer": 1.0}, configs=["3-layer", "4-layer"])


def test_rate_rows_trials_resume(tmp_path, figure_script):
    """Three trials per row give mean and range; a second call finds every trial in the records
    and trains nothing (the resume of a killed 30-epoch run), with the same summary."""
    rate_fig = figure_script("samadi2017/rate_mnist")
    calls = []
    real = rate_fig.train_row

    def counting(row, *args, **kwargs):
        calls.append(row)
        return real(row, *args, **kwargs)

    rate_fig.train_row = counting
    try:
        kw = dict(quick=True, rows=["BA"], epochs=1, trials=3, work_dir=tmp_path / "work",
                  progress=lambda s: None)
        first = rate_fig.run(tmp_path, **kw)
        assert calls == ["BA"] * 3
        ours = first["ours"]
        assert ours["trials"]["BA"] == 3 and ours["seeds"]["BA"] == [0, 1, 2]
        lo, hi = ours["rate_range"]["BA"]
        assert lo <= ours["rate_accuracy"]["BA"] <= hi and lo < hi   # seeds differ
        assert ours["rate_epochs"] == 1
        again = rate_fig.run(tmp_path, **kw)
        assert calls == ["BA"] * 3
        assert again["ours"]["rate_accuracy"] == ours["rate_accuracy"]
        assert again["ours"]["rate_range"] == ours["rate_range"]
    finally:
        rate_fig.train_row = real


def test_rate_rows_report_only(tmp_path, figure_script):
    """--report-only summarises the finished trials (what a long run has so far) and trains
    nothing; with no records it says so in one line."""
    import pytest

    rate_fig = figure_script("samadi2017/rate_mnist")
    work = tmp_path / "work"
    with pytest.raises(FileNotFoundError, match="no finished trials"):
        rate_fig.run(tmp_path, quick=True, work_dir=work, report_only=True)
    full = rate_fig.run(tmp_path, quick=True, rows=["BA"], epochs=1, trials=2, work_dir=work,
                        progress=lambda s: None)
    report = rate_fig.run(tmp_path, quick=True, rows=["BA", "BP"], epochs=1, trials=3,
                          work_dir=work, report_only=True)
    assert list(report["ours"]["rate_accuracy"]) == ["BA"]        # BP never ran
    assert report["ours"]["trials"]["BA"] == 2
    assert report["ours"]["rate_accuracy"] == full["ours"]["rate_accuracy"]
