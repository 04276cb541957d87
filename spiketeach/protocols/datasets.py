"""MNIST and Fashion-MNIST from their IDX files.

Where the files are looked for, in order:

1. the ``data_dir`` argument,
2. the ``SPIKETEACH_DATA`` environment variable,
3. the user cache ``~/.cache/spiketeach`` (``XDG_CACHE_HOME`` respected),

each either holding the four files directly or in a sub-folder named after the data set
(``mnist/``, ``fashion-mnist/``). Files may be gzip-compressed (``.gz``, as distributed) or plain.
Every file is checked against the published MD5 of the distributed ``.gz`` (or of the
decompressed file). When no directory has the files and ``download=True``, they are fetched from
the data set's canonical address into the cache; any failure ends in an error naming the files
and the directories searched.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import struct
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spiketeach.errors import SpiketeachError

__all__ = ["DatasetSpec", "DATASETS", "DataError", "read_idx", "write_idx", "load_dataset",
           "find_data_dir", "cache_dir"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class DataError(SpiketeachError, RuntimeError):
    """Missing, unreadable or corrupted data files."""


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    #: role -> (file name, MD5 of the .gz file, MD5 of the decompressed file or None)
    files: dict
    urls: tuple


DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        {"train_images": ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
                          "6bbc9ace898e44ae57da46a324031adb"),
         "train_labels": ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
                          "a25bea736e30d166cdddb491f175f624"),
         "test_images": ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
                         "2646ac647ad5339dbf082846283269ea"),
         "test_labels": ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
                         "27ae3e4e09519cfbb04c329615203637")},
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
    ),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        {"train_images": ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d", None),
         "train_labels": ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe", None),
         "test_images": ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79", None),
         "test_labels": ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310", None)},
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
    ),
}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (gzip-compressed if its name ends in .gz)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read IDX file {path}: {exc}") from exc
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise DataError(f"{path} is not an IDX file (bad magic number)")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    dtype = np.dtype(_DTYPES[data[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    body = data[4 + 4 * ndim:]
    if len(body) != expected:
        raise DataError(f"{path}: header promises {shape} ({expected} bytes), file has {len(body)}")
    return np.frombuffer(body, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | os.PathLike, array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed if the name ends in .gz)."""
    path = Path(path)
    array = np.asarray(array)
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}
    if array.dtype not in codes:
        raise ValueError(f"write_idx supports uint8 and int8 arrays, not {array.dtype}")
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        fh.write(header + array.tobytes())
    return path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "spiketeach"


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _candidates(spec: DatasetSpec, data_dir) -> list[Path]:
    roots = []
    if data_dir is not None:
        roots.append(Path(data_dir))
    if os.environ.get("SPIKETEACH_DATA"):
        roots.append(Path(os.environ["SPIKETEACH_DATA"]))
    roots.append(cache_dir())
    out = []
    for root in roots:
        out += [root / spec.name, root]
    return out


def _locate(directory: Path, gz_name: str) -> Path | None:
    for name in (gz_name, gz_name[:-3]):
        if (directory / name).is_file():
            return directory / name
    return None


def find_data_dir(spec: DatasetSpec, data_dir=None) -> Path | None:
    """The first searched directory that holds all four files, or None."""
    for d in _candidates(spec, data_dir):
        if all(_locate(d, f[0]) for f in spec.files.values()):
            return d
    return None


def _download(spec: DatasetSpec, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name, md5_gz, _ in spec.files.values():
        dest = target / name
        if dest.exists():
            continue
        errors = []
        for base in spec.urls:
            tmp = dest.with_suffix(".part")
            try:
                with urllib.request.urlopen(base + name, timeout=60) as resp, open(tmp, "wb") as fh:
                    shutil.copyfileobj(resp, fh)
                if _md5(tmp) != md5_gz:
                    raise DataError(f"checksum mismatch for {base + name}")
                os.replace(tmp, dest)
                break
            except Exception as exc:  # noqa: BLE001 -- any failure moves on to the next mirror
                errors.append(f"{base + name}: {exc}")
                tmp.unlink(missing_ok=True)
        else:
            raise DataError("download failed: " + "; ".join(errors))


def load_dataset(name: str, data_dir: str | os.PathLike | None = None, *, download: bool = True,
                 checksums: dict | None = None):
    """Load a data set as ``(train_images, train_labels, test_images, test_labels)`` (uint8).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
    data_dir : path, optional
        Directory with the files (or with a sub-folder named ``name``).
    download : bool
        Fetch missing files into the cache (needs internet).
    checksums : dict, optional
        ``{file name: md5}`` overriding the published MD5s (for custom files); pass ``{}`` to
        skip verification.
    """
    if name not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of {sorted(DATASETS)}")
    spec = DATASETS[name]
    directory = find_data_dir(spec, data_dir)
    if directory is None and download:
        try:
            _download(spec, cache_dir() / spec.name)
        except Exception as exc:  # noqa: BLE001 -- reported below with the places searched
            download_error = exc
        else:
            download_error = None
        directory = find_data_dir(spec, data_dir)
    else:
        download_error = None
    if directory is None:
        searched = ", ".join(str(d) for d in _candidates(spec, data_dir))
        files = ", ".join(f[0] for f in spec.files.values())
        msg = (f"{name} not found: expected the files {files} (or the same without .gz) in one of: "
               f"{searched}. Pass data_dir=... or set SPIKETEACH_DATA.")
        if download_error is not None:
            msg += f" Download into {cache_dir() / spec.name} failed: {download_error}"
        raise DataError(msg)
    arrays = []
    for gz_name, md5_gz, md5_raw in spec.files.values():
        path = _locate(directory, gz_name)
        if checksums is None:
            expected = md5_gz if path.suffix == ".gz" else md5_raw
        else:
            expected = checksums.get(path.name)
        if expected is not None:
            actual = _md5(path)
            if actual != expected:
                raise DataError(f"{path} is corrupted or not the published file: MD5 {actual}, "
                                f"expected {expected}")
        arrays.append(read_idx(path))
    x_tr, y_tr, x_te, y_te = arrays
    if len(x_tr) != len(y_tr) or len(x_te) != len(y_te):
        raise DataError(f"{directory}: image and label counts differ")
    return x_tr, y_tr, x_te, y_te
