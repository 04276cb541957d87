"""Checks of scalar parameters that name the parameter in their one-line error."""

from __future__ import annotations

import math

__all__ = ["check_finite", "check_positive", "check_nonnegative"]


def check_finite(name: str, value) -> float:
    """``value`` as a float if it is a finite number, else a ValueError naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def check_positive(name: str, value) -> float:
    """``value`` as a float if it is finite and > 0, else a ValueError naming ``name``."""
    v = check_finite(name, value)
    if v <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return v


def check_nonnegative(name: str, value) -> float:
    """``value`` as a float if it is finite and >= 0, else a ValueError naming ``name``."""
    v = check_finite(name, value)
    if v < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return v
