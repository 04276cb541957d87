"""Connectivity helpers shared by every family: dense index lists and weight-matrix checks."""

from __future__ import annotations

import numpy as np

__all__ = ["dense_indices", "check_weight_matrix"]

def dense_indices(n_pre: int, n_post: int) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post indices of an all-to-all projection in the order used for weight arrays.

    A weight matrix ``W`` of shape (n_post, n_pre) maps to synapse values ``W[j, i]``, i.e.
    ``W.T.ravel()`` (pre-major order).
    """
    i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
    return i.ravel(), j.ravel()

def check_weight_matrix(W, pre, post, trials: int = 1) -> np.ndarray:
    """``W`` as a float array of shape (len(post), len(pre)) with finite entries, or a clear error.

    ``trials``: the groups hold that many trials (:mod:`spiketeach.core.batch`) and ``W`` is one
    trial's, (len(post) / trials, len(pre) / trials)."""
    W = np.asarray(W, dtype=float)
    shape = (len(post) // trials, len(pre) // trials)
    if W.shape != shape:
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} has shape {W.shape}; "
                         f"expected {shape}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} contains NaN or inf")
    return W
