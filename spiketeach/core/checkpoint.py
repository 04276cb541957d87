"""Atomic checkpoints of long runs: weights, optimiser state, RNG state and progress.

A checkpoint is one ``.npz`` file written to a temporary name and renamed into place, so a kill
at any moment leaves either the previous or the new checkpoint, never a torn one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import numpy as np

__all__ = ["save_checkpoint", "load_checkpoint"]

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
    with np.load(path) as data:
        meta = json.loads(bytes(data["__meta__"]).decode())
        arrays = {k[2:]: data[k].copy() for k in data.files if k.startswith("a/")}
    return arrays, meta
