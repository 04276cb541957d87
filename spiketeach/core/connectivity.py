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

def check_weight_matrix(W, pre, post) -> np.ndarray:
    """``W`` as a float array of shape (len(post), len(pre)) with finite entries, or a clear error."""
    W = np.asarray(W, dtype=float)
    if W.shape != (len(post), len(pre)):
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} has shape {W.shape}; "
                         f"expected {(len(post), len(pre))}")
    if not np.all(np.isfinite(W)):
        raise ValueError(f"weight matrix for {pre.name} -> {post.name} contains NaN or inf")
    return W
