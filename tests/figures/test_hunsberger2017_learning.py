"""figures/hunsberger2017/learning.py --quick with --trials 2 --batch: the two seeds run as one
batched network and the JSON reports each seed beside the figure's own numbers."""

import json


def test_learning_quick_two_seeds_batched(tmp_path, figure_script):
    learning = figure_script("hunsberger2017/learning")
    assert learning.main(["--quick", "--trials", "2", "--batch", "--device", "runtime",
                          "--seed", "3", "--out", str(tmp_path)]) == 0
    data = json.loads((tmp_path / "learning.json").read_text())
    assert (tmp_path / "learning.png").stat().st_size > 10_000
    ours, trials = data["ours"], data["ours"]["trials"]
    assert trials["seeds"] == [3, 4] and trials["batched"] is True
    # the figure's numbers are the first seed's, whichever way it ran
    assert trials["spiking_final_nrmse"][0] == ours["final_nrmse"]["spiking FA"]
    assert trials["rate_FA_final_nrmse"][0] == ours["final_nrmse"]["FA"]
    a, b = trials["spiking_final_nrmse"]
    assert 0 < a < 2 and 0 < b < 2 and a != b
    assert len(trials["within_stated_factor"]) == 2
