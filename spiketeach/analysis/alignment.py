"""Alignment of feedback-alignment-style updates with the true gradient.

The standard diagnostic of feedback alignment (Lillicrap et al. 2016) applied to the algorithms of
Samadi, Lillicrap & Tweed (2017), §2.5–2.6: the angle between the weight change a layer actually
makes (FA, eq. 2.6; BA, eqs. 2.7–2.9; DF) and the one backpropagation (eqs. 2.4–2.5) would make
from the same weights and examples. Angles below 90° mean the update descends the loss.

The functions take arrays only, so they serve the rate networks of
:mod:`spiketeach.models.samadi2017.rate` and recorded spiking networks alike (pass the weight change a
spiking layer made over a window and the gradient of the rate model at the same weights).
"""

from __future__ import annotations

import numpy as np

__all__ = ["angle_deg", "layer_angles"]


def angle_deg(a: np.ndarray, b: np.ndarray, trial_axes: int = 1) -> np.ndarray:
    """Angle in degrees between ``a`` and ``b`` flattened beyond the first ``trial_axes`` axes.

    Parameters
    ----------
    a, b : arrays of the same shape
        E.g. (T, n_out, n_in) weight changes of T independent learners.
    trial_axes : int
        Leading axes kept (0: one angle for the whole arrays).

    Returns
    -------
    ndarray
        Angles in [0, 180]; NaN where either vector is zero.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    lead = a.shape[:trial_axes]
    a2, b2 = a.reshape(*lead, -1), b.reshape(*lead, -1)
    dot = (a2 * b2).sum(-1)
    norm = np.sqrt((a2 * a2).sum(-1) * (b2 * b2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, dot / np.where(norm > 0, norm, 1.0), np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def layer_angles(updates: dict[int, np.ndarray], gradients: dict[int, np.ndarray],
                 trial_axes: int = 1) -> dict[int, np.ndarray]:
    """Per-layer angle between an update direction and the gradient (same sign convention).

    Both dicts map weight-layer index -> array; only layers present in both are compared.
    """
    return {k: angle_deg(updates[k], gradients[k], trial_axes)
            for k in sorted(set(updates) & set(gradients))}
