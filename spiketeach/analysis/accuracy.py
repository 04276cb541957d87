"""Read-out and accuracy from output pulse counts (Samadi et al. 2017, §2.7)."""

from __future__ import annotations

import numpy as np

__all__ = ["answers_from_counts", "error_rate"]


def answers_from_counts(counts: np.ndarray) -> np.ndarray:
    """The most active output per presentation; −1 (no answer) where the maximum is tied.

    A tie (e.g. all outputs silent) counts as a wrong answer rather than an arbitrary class, so
    a silent network scores 100 % error, not chance.
    """
    counts = np.asarray(counts)
    if counts.ndim != 2:
        raise ValueError(f"counts must be (presentations, outputs); got shape {counts.shape}")
    best = counts.argmax(axis=1)
    top = counts.max(axis=1)
    tied = (counts == top[:, None]).sum(axis=1) > 1
    return np.where(tied, -1, best)


def error_rate(answers: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of wrong answers (NaN for no presentations)."""
    answers, labels = np.asarray(answers), np.asarray(labels)
    if answers.shape != labels.shape:
        raise ValueError(f"answers {answers.shape} and labels {labels.shape} differ in shape")
    return float(np.mean(answers != labels)) if answers.size else float("nan")
