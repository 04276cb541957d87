"""Figs. 2-3 of EMSTDP (figures/shrestha2019/fig2_3.py): the quick mode on made-up images, and
the same ``--seed`` giving the same counts (the input spike trains are drawn from the seed)."""

import json

import numpy as np


def _fake_mnist(dataset, data_dir=None):
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, size=(20, 784)) * (rng.uniform(size=(20, 784)) < 0.2)
    y = rng.integers(0, 10, size=20)
    return x, y, x, y


def test_fig2_3_quick_is_repeatable_for_a_seed(figure_script, tmp_path, monkeypatch):
    fig = figure_script("shrestha2019/fig2_3")
    monkeypatch.setattr(fig, "load_probabilities", _fake_mnist)
    keys = ("forward_correlation", "backward_correlation")
    runs = []
    for k, seed in enumerate((0, 0, 1)):
        fig.run(tmp_path / str(k), quick=True, seed=seed, device="runtime")
        ours = json.loads((tmp_path / str(k) / "fig2_3.json").read_text())["ours"]
        runs.append([ours[key] for key in keys])
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    assert all(np.isfinite(runs[0]))
