"""What a learning curve predicts: test accuracy against the number of training samples.

A run that stops long before the paper's length (EMSTDP's Table 2: the paper trains on 2 · 10⁶
samples, ours on 2–4 · 10⁴) can only be compared with the paper through its curve. Over the
range we can run, these curves rise by a roughly constant amount per doubling of the samples,
so :func:`log_linear_fit` fits ``accuracy = a + b · log2(samples)`` and reads the fit at the
paper's length. That is an extrapolation over many doublings; it states what the curve
*would* reach if it kept its slope (curves usually bend down, so it is an upper estimate), and
the fit's residual says how straight the measured part is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["log_linear_fit"]


def log_linear_fit(samples, accuracy, at: float, *, min_samples: float = 1.0) -> dict:
    """Least-squares line of ``accuracy`` (percent) against log2(``samples``), over the tests at
    ``samples >= min_samples`` (e.g. leave out the untrained test at 0 and the steep start).

    Returns ``per_doubling`` (slope, points per doubling), ``at`` and ``predicted`` (the line at
    ``at`` samples, capped at 100), ``rms_residual`` (points) and ``n_points``.

    Raises
    ------
    ValueError
        On fewer than three usable tests, samples <= 0, lengths that differ, or NaN.
    """
    s, a = np.asarray(samples, dtype=float), np.asarray(accuracy, dtype=float)
    if s.shape != a.shape or s.ndim != 1:
        raise ValueError(f"samples {s.shape} and accuracy {a.shape} must be 1-d of one length")
    if np.isnan(s).any() or np.isnan(a).any():
        raise ValueError("a learning curve with NaN cannot be fitted")
    keep = s >= max(float(min_samples), np.finfo(float).tiny)
    if keep.sum() < 3:
        raise ValueError(f"a fit needs at least 3 tests at >= {min_samples:g} samples, "
                         f"got {int(keep.sum())}")
    if not at > 0:
        raise ValueError(f"the prediction point must be > 0 samples, got {at!r}")
    x, y = np.log2(s[keep]), a[keep]
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    return {"per_doubling": float(slope), "at": float(at),
            "predicted": float(min(100.0, intercept + slope * np.log2(at))),
            "rms_residual": float(np.sqrt(np.mean(residual ** 2))), "n_points": int(keep.sum()),
            "fitted_from": [float(s[keep].min()), float(s[keep].max())]}
