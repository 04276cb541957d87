"""Atomic checkpoints of long runs: weights, optimiser state, RNG state and progress.

A checkpoint is one ``.npz`` file written to a temporary name and renamed into place, so a kill
at any moment leaves either the previous or the new checkpoint, never a torn one.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from spiketeach.errors import SpiketeachError

__all__ = ["save_checkpoint", "load_checkpoint", "CheckpointError", "check_checkpoint_fits"]


class CheckpointError(SpiketeachError, ValueError):
    """A checkpoint that cannot be read, or that was written for another network."""

def save_checkpoint(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict) -> None:
    """Write ``arrays`` and JSON-serialisable ``meta`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, __meta__=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                 **{f"a/{k}": np.asarray(v) for k, v in arrays.items()})
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)

def load_checkpoint(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """The ``(arrays, meta)`` saved by :func:`save_checkpoint`."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"{path} is not a checkpoint (not an .npz archive: truncated, or "
                              "another file?); delete it to start afresh")
    try:
        with np.load(path) as data:
            meta = json.loads(bytes(data["__meta__"]).decode())
            arrays = {k[2:]: data[k].copy() for k in data.files if k.startswith("a/")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"cannot read checkpoint {path} ({type(exc).__name__}: {exc}); "
                              "delete it to start afresh") from exc
    return arrays, meta


def check_checkpoint_fits(arrays: dict[str, np.ndarray], expected: dict[str, np.ndarray],
                          path: str | os.PathLike, optional: tuple[str, ...] = ()) -> None:
    """Raise :class:`CheckpointError` unless ``arrays`` (read from ``path``) hold every key of
    ``expected`` (e.g. the network's ``initial_state``; keys in ``optional`` may be absent) with
    the same shape."""
    missing = sorted(set(expected) - set(arrays) - set(optional))
    if missing:
        raise CheckpointError(f"checkpoint {path} does not fit the network: it lacks "
                              f"{', '.join(missing)} (written for another network or model?)")
    # (a shared scalar reads as shape () from a view and (1,) from an initial state)
    shapes = {key: (np.atleast_1d(arrays[key]).shape, np.atleast_1d(expected[key]).shape)
              for key in sorted(set(expected) & set(arrays))}
    wrong = [f"{key} has shape {got} in the checkpoint, the network needs {want}"
             for key, (got, want) in shapes.items() if got != want]
    if wrong:
        more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
        raise CheckpointError(f"checkpoint {path} does not fit the network: {'; '.join(wrong[:3])}"
                              f"{more} (written for other layer sizes? use another --checkpoint "
                              "or drop --resume)")
