"""IDX reading, checksums and the search for data files (tiny files written here)."""

import gzip
import hashlib

import numpy as np
import pytest

from spiketeach.protocols import datasets
from spiketeach.protocols.datasets import DataError, load_dataset, read_idx, write_idx


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    d = tmp_path / "data" / "mnist"
    d.mkdir(parents=True)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 6, dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3, dtype=np.uint8)}
    sums = {}
    for name, arr in arrays.items():
        write_idx(d / name, arr)
        sums[name] = hashlib.md5((d / name).read_bytes()).hexdigest()
    return tmp_path / "data", arrays, sums


@pytest.mark.parametrize("suffix", [".gz", ""])
def test_idx_round_trip(tmp_path, suffix):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    back = read_idx(write_idx(tmp_path / f"x.idx{suffix}", arr))
    np.testing.assert_array_equal(arr, back)


def test_load_from_dir_and_env(tiny_mnist, monkeypatch):
    root, arrays, sums = tiny_mnist
    x_tr, y_tr, x_te, y_te = load_dataset("mnist", root, download=False, checksums=sums)
    np.testing.assert_array_equal(x_tr, arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_te, arrays["t10k-labels-idx1-ubyte.gz"])
    monkeypatch.setenv("SPIKETEACH_DATA", str(root))
    assert load_dataset("mnist", download=False, checksums=sums)[2].shape == (3, 28, 28)


def test_corrupted_file_fails_its_checksum(tiny_mnist):
    root, _, sums = tiny_mnist
    path = root / "mnist" / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[-1] ^= 1
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte.gz is corrupted.*MD5"):
        load_dataset("mnist", root, download=False, checksums=sums)


def test_published_checksums_reject_other_files(tiny_mnist):
    root, _, _ = tiny_mnist
    with pytest.raises(DataError, match="corrupted or not the published file"):
        load_dataset("mnist", root, download=False)


def test_missing_data_names_files_and_directories(tmp_path, monkeypatch):
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte.gz.*" + str(tmp_path / "nowhere")):
        load_dataset("fashion-mnist", tmp_path / "nowhere", download=False)


def test_failed_download_is_reported(tmp_path, monkeypatch):
    monkeypatch.delenv("SPIKETEACH_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def refuse(url, timeout):
        raise OSError("network unreachable")
    monkeypatch.setattr(datasets.urllib.request, "urlopen", refuse)
    with pytest.raises(DataError, match="Download into .* failed: .*network unreachable"):
        load_dataset("mnist", tmp_path / "nowhere")


def test_bad_files_and_names(tmp_path):
    (tmp_path / "junk.idx").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(DataError, match="not an IDX file"):
        read_idx(tmp_path / "junk.idx")
    write_idx(tmp_path / "short.idx", np.zeros((2, 2), np.uint8))
    (tmp_path / "short.idx").write_bytes((tmp_path / "short.idx").read_bytes()[:-1])
    with pytest.raises(DataError, match="header promises"):
        read_idx(tmp_path / "short.idx")
    with pytest.raises(DataError, match="unknown data set"):
        load_dataset("cifar")
