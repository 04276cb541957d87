import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spiketeach.cli import figure_scripts, main
from spiketeach.core.checkpoint import save_checkpoint
from spiketeach.protocols.datasets import write_idx


def test_figures_lists_the_scripts(capsys):
    assert main(["figures"]) == 0
    out = capsys.readouterr().out
    assert "samadi2017-fig2" in out and "samadi2017-fig2" in figure_scripts()


def test_unknown_figure_and_device(capsys):
    assert main(["figure", "nosuch-fig"]) == 2
    assert "unknown figure 'nosuch-fig'" in capsys.readouterr().err
    assert main(["demo", "--device", "tpu"]) == 2
    assert "invalid choice: 'tpu'" in capsys.readouterr().err


def test_figure_runs_quick_through_the_cli(tmp_path):
    assert main(["figure", "samadi2017-fig1", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "fig1.json").exists() and (tmp_path / "fig1.png").exists()


def test_figure_hands_its_own_options_to_the_script(capsys):
    # --epochs is the Fig. 5 script's option, not the command's: it reaches the script's parser
    with pytest.raises(SystemExit):
        main(["figure", "samadi2017-fig5", "--epochs", "9-layer=1"])
    assert "unknown configuration '9-layer'" in capsys.readouterr().err
    # other commands still refuse what they do not know
    assert main(["demo", "--epochs", "3"]) == 2
    assert "unrecognized arguments: --epochs 3" in capsys.readouterr().err


# --------------------------------------------------------------------------- expected errors:
# one line `spiketeach: ...` on stderr, exit code 2, no traceback (issue 24)

ROOT = Path(__file__).resolve().parents[1]
#: what the quick run needs: --quick tests 5 images before its block and 25 at the end
N_TRAIN, N_TEST = 30, 10


def one_error_line(err: str) -> str:
    """The one stderr line of an expected error (and nothing else on stderr)."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("spiketeach: "), err
    return lines[0]


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No data outside the test's own directories, and no download."""
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("spiketeach.protocols.datasets.urllib.request.urlopen",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("offline")))


@pytest.fixture
def tiny_data(tmp_path, offline):
    """MNIST-shaped IDX files (28x28 images, labels 0-9) in tmp_path/data/mnist."""
    rng = np.random.default_rng(0)
    d = tmp_path / "data" / "mnist"
    d.mkdir(parents=True)
    for stem, n in (("train", N_TRAIN), ("t10k", N_TEST)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        images[np.arange(n), labels] += 150  # one bright row per class
        write_idx(d / f"{stem}-images-idx3-ubyte", images)
        write_idx(d / f"{stem}-labels-idx1-ubyte", labels)
    return tmp_path / "data"


def train(*args, data=None, out=None):
    """`spiketeach train mnist` on the runtime device (numpy), with the tiny data."""
    argv = ["train", "mnist", "--device", "runtime", *args]
    if data is not None:
        argv += ["--data-dir", str(data)]
    if out is not None:
        argv += ["--out", str(out)]
    return main(argv)


def test_missing_data_dir_is_one_line(tmp_path, offline, runtime, capsys):
    assert train(data=tmp_path / "nodata", out=tmp_path / "o") == 2
    line = one_error_line(capsys.readouterr().err)
    assert "mnist not found" in line and str(tmp_path / "nodata") in line
    assert "train-images-idx3-ubyte.gz" in line and "offline" in line


def test_corrupted_data_file_is_one_line(tiny_data, tmp_path, runtime, capsys):
    # the tiny files are not the published ones: their MD5s do not match
    assert train(data=tiny_data, out=tmp_path / "o") == 2
    line = one_error_line(capsys.readouterr().err)
    assert "corrupted or not the published file" in line and str(tiny_data / "mnist") in line
    # a truncated IDX file (checksums off, as for one's own files)
    path = tiny_data / "mnist" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    assert train("--no-verify", data=tiny_data, out=tmp_path / "o") == 2
    line = one_error_line(capsys.readouterr().err)
    assert str(path) in line and "header promises (30, 28, 28)" in line


def test_unknown_or_unavailable_device_is_one_line(capsys):
    assert main(["train", "mnist", "--device", "tpu"]) == 2
    line = one_error_line(capsys.readouterr().err)
    assert "invalid choice: 'tpu'" in line and "cpp_standalone" in line
    for device, module, hint in (("genn", "brian2genn", "spiketeach[genn]"),
                                 ("cuda_standalone", "brian2cuda", "spiketeach[cuda]")):
        if importlib.util.find_spec(module) is not None:
            continue  # installed here: nothing to refuse
        assert main(["demo", "--device", device, "--quick"]) == 2
        line = one_error_line(capsys.readouterr().err)
        assert f"device {device!r} is not available" in line and hint in line


@pytest.mark.parametrize("args, says", [
    (["--epochs", "-1"], "argument --epochs: must be a finite number > 0, got -1"),
    (["--epochs", "nan"], "argument --epochs: must be a finite number > 0, got nan"),
    (["--layers", "100-10"], "mnist needs 784 inputs (its image size) and 10 outputs"),
    (["--layers", "784-100-9"], "got 784 inputs and 9 outputs"),
    (["--layers", "abc"], "--layers must look like 784-1000-10"),
    (["--layers", "784"], "two or more positive sizes"),
    (["--layers", "784-0-10"], "two or more positive sizes"),
    (["--threads", "0"], "argument --threads: must be an integer >= 1, got 0"),
    (["--seed", "-1"], "argument --seed: must be an integer >= 0, got -1"),
    (["--bogus"], "unrecognized arguments: --bogus"),
])
def test_bad_arguments_are_one_line(args, says, capsys):
    assert train(*args) == 2
    assert says in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("args, says", [
    (["--trials", "0"], "--trials must be >= 1"),
    (["--depths", "0-3"], "--depths must look like 1-9"),
    (["--depths", "x"], "--depths must look like 1-9"),
    (["--batch", "0"], "--batch must be >= 1"),
])
def test_bad_sweep_arguments_are_one_line(args, says, tmp_path, capsys):
    assert main(["sweep", "rate", "--workers", "0", "--out", str(tmp_path), *args]) == 2
    assert says in one_error_line(capsys.readouterr().err)


def test_debug_shows_the_traceback(capsys):
    assert train("--epochs", "-1", "--debug") == 2
    err = capsys.readouterr().err
    assert "Traceback" in err and "UsageError" in err
    assert err.splitlines()[-1].startswith("spiketeach: train: argument --epochs")


def test_no_traceback_reaches_the_terminal():
    # the real command in its own process: stderr is all a user sees
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": path}
    proc = subprocess.run([sys.executable, "-m", "spiketeach.cli", "train", "mnist",
                           "--layers", "100-10", "--device", "runtime"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "mnist needs 784 inputs" in one_error_line(proc.stderr)
    assert proc.stdout == ""


def test_quick_training_runs_and_a_checkpoint_must_fit(tiny_data, tmp_path, runtime, capsys):
    # `train --quick` (it once crashed: MnistRun() got multiple values for 'epochs'); --epochs
    # is overridden by --quick; checksums off: the tiny files are not the published ones
    out = tmp_path / "out"
    assert train("--quick", "--epochs", "3", "--no-verify", "--layers", "784-10-10",
                 data=tiny_data, out=out) == 0
    captured = capsys.readouterr()
    result = json.loads((out / "result.json").read_text())
    assert result["examples_trained"] == 20 and result["run"]["layers"] == [784, 10, 10]
    assert result["test_images"] == N_TEST and 0 <= result["accuracy"] <= 100
    assert "test accuracy" in captured.out
    # stderr is not a terminal here: progress comes as plain lines, rate and running error
    assert "train: 25/25 ex" in captured.err and "train_err=" in captured.err
    assert (out / "checkpoint.npz").exists()

    # that checkpoint, resumed by a network of other layer sizes
    again = ["--quick", "--no-verify", "--resume", "--checkpoint", str(out / "checkpoint.npz")]
    assert train(*again, "--layers", "784-12-10", data=tiny_data, out=tmp_path / "o2") == 2
    line = one_error_line(capsys.readouterr().err)
    assert f"checkpoint {out / 'checkpoint.npz'} does not fit the network" in line
    assert "forward0.w has shape (7840,) in the checkpoint, the network needs (9408,)" in line
    # one of another model (keys missing), and a file that is no checkpoint at all
    other = tmp_path / "other.npz"
    save_checkpoint(other, {"forward0.w": np.zeros(3)}, {"block": 1})
    again[-1] = str(other)
    assert train(*again, "--layers", "784-10-10", data=tiny_data, out=tmp_path / "o3") == 2
    assert "it lacks" in one_error_line(capsys.readouterr().err)
    other.write_bytes(b"not a checkpoint")
    assert train(*again, "--layers", "784-10-10", data=tiny_data, out=tmp_path / "o4") == 2
    assert "is not a checkpoint" in one_error_line(capsys.readouterr().err)
