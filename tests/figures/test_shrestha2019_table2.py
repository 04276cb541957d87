"""Table 2 of EMSTDP (figures/shrestha2019/table2.py): ``--partial`` writes the row of a run that
is still going from its checkpoint, beside the rows already in the JSON, with the settings of
``--params sweep``; without a checkpoint the row is left as it was."""

import json

import numpy as np
import pytest

from spiketeach.core.checkpoint import save_checkpoint


def test_partial_rows_come_from_the_checkpoints(figure_script, tmp_path):
    table = figure_script("shrestha2019/table2")
    key = "mnist 784-500-10 SW"
    log = {"samples": [0, 5000, 7500, 10000], "test_accuracy": [0.1, 0.85, 0.86, 0.8725],
           "train_accuracy": [float("nan"), 0.8, 0.85, 0.88], "wall_s": [1.0, 2.0, 2.5, 3.0]}
    save_checkpoint(tmp_path / "run" / (key.replace(" ", "_") + ".npz"), {"w": np.zeros(2)},
                    {"log": log, "epoch": 1, "block": 0, "wall_s": 3.0, "order": None})
    out = tmp_path / "out"
    out.mkdir()
    old = {"ours": {"accuracy": {"mnist 784-500-10 DFA": 66.9},
                    "runs": {"mnist 784-500-10 DFA": {"accuracy": 66.9, "epochs": 2,
                                                       "train_samples_per_epoch": 10000,
                                                       "final_test_samples": 10000,
                                                       "wall_s": 1.0, "params": {}}}}}
    (out / "table2.json").write_text(json.dumps(old))
    res = table.run(out, configs=[key, "mnist 784-500-500-10 SW"], run_dir=tmp_path / "run",
                    partial=True, param_set="sweep", n_train=10000, n_test=2000)
    row = res["ours"]["runs"][key]
    assert res["ours"]["accuracy"][key] == pytest.approx(87.25)
    assert row["partial"] and row["samples_trained"] == 10000 and row["epochs"] == 1
    assert row["params"]["timing"] == "code" and row["params"]["T"] == 200
    assert row["params"]["hidden_ratio"] == 0.2 and row["params"]["output_ratio"] == 1.0
    assert res["ours"]["accuracy"]["mnist 784-500-10 DFA"] == 66.9
    # what the curve predicts at the paper's 2e6 samples: its line in log2(samples) from 5000 on
    slope, icpt = np.polyfit(np.log2([5000, 7500, 10000]), [85.0, 86.0, 87.25], 1)
    pred = res["ours"]["prediction"][key]
    assert pred["per_doubling"] == pytest.approx(slope)
    assert pred["predicted"] == pytest.approx(min(100.0, icpt + slope * np.log2(2e6)))
    assert "mnist 784-500-10 DFA" not in res["ours"]["prediction"]  # no curve to fit
    assert res["ours"]["accuracy"]["mnist 784-500-500-10 SW"] is None  # no checkpoint
    assert (out / "table2.png").exists()
    with pytest.raises(ValueError, match="--run-dir"):
        table.run(out, configs=[key], partial=True)


def _fake_mnist(dataset, data_dir=None):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, size=(50, 784)) * (rng.uniform(size=(50, 784)) < 0.2)
    y = rng.integers(0, 10, size=50)
    return x, y, x, y


def test_seeds_run_alone_or_as_one_batch_give_the_same_rows(figure_script, tmp_path,
                                                             monkeypatch):
    """``--seeds 0,1`` runs each seed; ``--batch`` runs them as one network and gives each seed
    the same accuracy (the batch's trials are the runs alone); the row is their mean."""
    table = figure_script("shrestha2019/table2")
    monkeypatch.setattr(table, "load_probabilities", _fake_mnist)
    key = "mnist 784-500-10 SW"
    rows = {}
    for batch in (False, True):
        res = table.run(tmp_path / str(batch), quick=True, configs=[key], param_set="code",
                        seeds=[0, 1], batch=batch, progress=lambda *a, **k: None)
        rows[batch] = res["ours"]["runs"][key]
        assert res["batched"] == batch and res["seeds"] == [0, 1]
    alone, batched = rows[False], rows[True]
    assert alone["seeds"] == batched["seeds"] == [0, 1]
    assert alone["accuracy_per_seed"] == batched["accuracy_per_seed"]
    assert batched["accuracy"] == pytest.approx(np.mean(batched["accuracy_per_seed"]))
    assert [r["log"]["test_accuracy"] for r in alone["per_seed"]] == \
        [r["log"]["test_accuracy"] for r in batched["per_seed"]]
    with pytest.raises(ValueError, match="give --seeds"):
        table.run(tmp_path / "x", quick=True, configs=[key], batch=True)
    with pytest.raises(SystemExit):
        table.main(["--quick", "--seeds", "0,1", "--batch", "--params", "paper"])
