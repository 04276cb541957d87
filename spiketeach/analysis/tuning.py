"""Tuning-curve analysis for Samadi, Lillicrap & Tweed (2017), §2.4 and Fig. 2.

The paper approximates the dynamic LIF neuron's mean output by E(a) = max(0, c1 tanh(c2 v))
(eq. 2.10) with c1 = 0.82 and c2 = 0.08, a least-squares fit over drives v in [-50, 50]. These
functions take measured (or closed-form) E(a) arrays; they never run simulations
(:mod:`spiketeach.protocols.samadi2017.tuning` does).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import curve_fit

__all__ = ["fit_tanh", "relative_error", "pulse_counts"]


def fit_tanh(v, activity, p0=(0.8, 0.1)) -> tuple[float, float]:
    """Least-squares fit of E(a) = max(0, c1 tanh(c2 v)) to measured activity (eq. 2.10).

    Parameters
    ----------
    v, activity : array_like
        Drives and the mean output measured at each drive (same shape).
    p0 : (float, float)
        Starting guess for (c1, c2).

    Returns
    -------
    c1, c2 : float
        The fitted constants (the paper reports 0.82 and 0.08).
    """
    v = np.asarray(v, dtype=float).reshape(-1)
    activity = np.asarray(activity, dtype=float).reshape(-1)
    if v.shape != activity.shape:
        raise ValueError(f"v and activity differ in shape: {v.shape} vs {activity.shape}")
    ok = np.isfinite(v) & np.isfinite(activity)
    # Points with v <= 0 carry no information about c1, c2 (the model is 0 there), and a fit
    # needs at least as many informative points as parameters.
    if np.count_nonzero(ok & (v > 0)) < 2:
        raise ValueError("need at least two finite points with v > 0 to fit c1 and c2")
    (c1, c2), _ = curve_fit(lambda x, c1, c2: np.maximum(0.0, c1 * np.tanh(c2 * x)),
                            v[ok], activity[ok], p0=p0)
    return float(c1), float(c2)


def relative_error(sim, ref) -> np.ndarray:
    """Elementwise (sim - ref) / |ref|; NaN where ref is 0 (no relative error is defined there)."""
    sim = np.asarray(sim, dtype=float)
    ref = np.asarray(ref, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ref != 0, (sim - ref) / np.abs(ref), np.nan)


def pulse_counts(t, a, boundaries) -> np.ndarray:
    """Number of output pulses (rising edges of a) between consecutive boundaries.

    The intervals are numpy.histogram bins: half-open, except the last, which is closed.

    Parameters
    ----------
    t, a : array_like
        Sample times (seconds) and the output a recorded at each (0 or 1).
    boundaries : array_like
        Increasing interval edges in seconds.
    """
    t = np.asarray(t, dtype=float)
    a = np.asarray(a, dtype=float)
    rising = np.flatnonzero(np.diff(np.concatenate([[0.0], a])) > 0.5)
    counts, _ = np.histogram(t[rising], bins=np.asarray(boundaries, dtype=float))
    return counts
