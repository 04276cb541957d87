"""MNIST protocol on tiny IDX files written here (the suite never reads the shared data directory)."""

import json

import numpy as np
import pytest

from spiketeach.cli import main
from spiketeach.protocols.datasets import DataError, read_idx, write_idx
from spiketeach.protocols.samadi2017.mnist import EpochSampler, MnistRun, input_gain, train_mnist


@pytest.fixture
def tiny_mnist_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    d = tmp_path / "mnist"
    d.mkdir()
    # two classes that differ in which half of the image is bright
    def images(labels):
        x = rng.integers(0, 40, (len(labels), 28, 28)).astype(np.uint8)
        for k, lab in enumerate(labels):
            x[k, :, 14 * lab:14 * lab + 14] += 150
        return x
    y_tr, y_te = rng.integers(0, 2, 12).astype(np.uint8), rng.integers(0, 2, 6).astype(np.uint8)
    write_idx(d / "train-images-idx3-ubyte", images(y_tr))
    write_idx(d / "train-labels-idx1-ubyte", y_tr)
    write_idx(d / "t10k-images-idx3-ubyte", images(y_te))
    write_idx(d / "t10k-labels-idx1-ubyte", y_te)
    return tmp_path


def test_input_gain_sets_mean_to_0_64():
    x = np.random.default_rng(1).integers(0, 256, (50, 28, 28))
    g = input_gain(x)
    assert (x / 255.0 * g).mean() == pytest.approx(0.64)


def test_epoch_sampler_visits_every_example_once_per_epoch_and_resumes():
    inputs, labels = np.arange(10)[:, None].astype(float), np.arange(10)
    s = EpochSampler(inputs, labels, seed=3)
    first = np.r_[s(4)[1], s(4)[1], s(2)[1]]
    assert sorted(first) == list(range(10)) and s.get_state() == {"epoch": 1, "pos": 0}
    s2 = EpochSampler(inputs, labels, seed=3)
    s2.set_state(s.get_state())
    np.testing.assert_array_equal(s(7)[1], s2(7)[1])      # crosses into epoch 2 identically
    assert s.get_state() == {"epoch": 1, "pos": 7}


def test_train_mnist_runs_and_records(tiny_mnist_dir, runtime):
    # verify=False: the tiny files are not the published ones
    run = MnistRun(layers=[784, 4, 10], epochs=1.0, block=6, n_test_per_block=2,
                   data_dir=str(tiny_mnist_dir), final_test=6, verify=False)
    lines = []
    result = train_mnist(run, tiny_mnist_dir / "out", progress=lines.append)
    saved = json.loads((tiny_mnist_dir / "out" / "result.json").read_text())
    assert saved["accuracy"] == result["accuracy"] and 0 <= result["accuracy"] <= 100
    assert result["curve"]["examples"] == [0, 6] and result["examples_trained"] == 12
    assert result["test_images"] == 6
    assert any("presentations/s" in line and "ETA" in line for line in lines)
    train_images = read_idx(tiny_mnist_dir / "mnist" / "train-images-idx3-ubyte")
    assert result["gain"] == pytest.approx(input_gain(train_images))
    # resuming a finished run returns its stored result instead of training or testing again
    lines.clear()
    again = train_mnist(run, tiny_mnist_dir / "out", resume=True, progress=lines.append)
    assert again == saved and any("nothing to resume" in line for line in lines)
    # ... without loading the data set again (a finished run needs no data directory)
    elsewhere = MnistRun(**{**run.__dict__, "data_dir": str(tiny_mnist_dir / "absent")})
    assert train_mnist(elsewhere, tiny_mnist_dir / "out", resume=True,
                       progress=lines.append) == saved
    longer = MnistRun(**{**run.__dict__, "epochs": 2.0})
    assert train_mnist(longer, tiny_mnist_dir / "out", resume=True,
                       progress=lines.append)["examples_trained"] == 24
    with pytest.raises(DataError, match="corrupted or not the published file"):
        train_mnist(MnistRun(layers=[784, 4, 10], data_dir=str(tiny_mnist_dir)),
                    tiny_mnist_dir / "out2", progress=lines.append)


def test_train_command_rejects_bad_layers(capsys):
    assert main(["train", "mnist", "--layers", "784-x-10", "--device", "runtime"]) == 2
    assert "--layers must look like" in capsys.readouterr().err


def test_train_command_names_missing_data(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("spiketeach.protocols.datasets.urllib.request.urlopen",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))
    assert main(["train", "mnist", "--device", "runtime", "--data-dir", str(tmp_path / "nodata"),
                 "--out", str(tmp_path / "o")]) == 2  # one line, no traceback: tests/test_cli.py
    assert str(tmp_path / "nodata") in capsys.readouterr().err


def test_padded_blocks_cover_the_set_once():
    from spiketeach.core.schedule import padded_blocks
    x, y = np.arange(7)[:, None].astype(float), np.arange(7)
    blocks = list(padded_blocks(x, y, 3))
    assert [(len(b[1]), b[2], b[3]) for b in blocks] == [(3, 3, 3), (3, 3, 6), (3, 1, 7)]
    np.testing.assert_array_equal(np.concatenate([b[1][:b[2]] for b in blocks]), y)
    np.testing.assert_array_equal(blocks[-1][1], [6, 6, 6])
