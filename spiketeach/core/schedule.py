"""Presentation windows (Samadi et al. 2017, §2.7).

Each example is shown for ``presentation`` (100 ms). Learning is off and outputs are ignored for
the first ``settle`` (20 ms); the network's answer is the output activity over the rest. A block
of presentations runs in ONE ``run()`` call, driven by TimedArrays built here, so the same code
serves runtime, cpp_standalone (re-run with new TimedArray values through ``run_args``) and GPUs.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

import numpy as np
from brian2 import TimedArray, second

__all__ = ["PresentationSchedule", "window_counts", "padded_blocks"]

_US = 1e-6

@dataclass(frozen=True)
class PresentationSchedule:
    """Timing of a block of ``n`` presentations.

    Parameters
    ----------
    n : int
        Presentations per block (one ``run()``).
    presentation, settle : Quantity
        Length of each presentation and of the initial part during which learning is off.
    """

    n: int
    presentation: object
    settle: object

    def __post_init__(self):
        if self.n < 1:
            raise ValueError(f"a block needs at least one presentation, got n={self.n}")
        if not 0 <= float(self.settle) < float(self.presentation):
            raise ValueError("settle must lie within the presentation")

    @property
    def duration(self):
        return self.n * self.presentation

    @property
    def gate_dt(self):
        """Resolution of the learning gate: the largest step that divides both periods."""
        p, s = round(float(self.presentation) / _US), round(float(self.settle) / _US)
        return gcd(p, s) * _US * second if s else self.presentation

    def stimulus_array(self, values: np.ndarray, name: str) -> TimedArray:
        """A (presentations × cells) TimedArray that holds row k during presentation k."""
        values = self.check_rows(values, name)
        return TimedArray(values, dt=self.presentation, name=name)

    def check_rows(self, values, name: str) -> np.ndarray:
        values = np.asarray(values, dtype=float)
        if values.ndim != 2 or values.shape[0] != self.n:
            raise ValueError(f"{name} must have shape ({self.n}, n_cells); got {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name} contains NaN or inf")
        return values

    def gate_values(self, learn: np.ndarray) -> np.ndarray:
        """Learning-gate samples: 0 during each settle period and in presentations with learn=0."""
        learn = np.asarray(learn, dtype=float).reshape(-1)
        if learn.shape != (self.n,):
            raise ValueError(f"learn flags must have shape ({self.n},); got {learn.shape}")
        per = round(float(self.presentation) / float(self.gate_dt))
        off = round(float(self.settle) / float(self.gate_dt))
        window = np.ones(per)
        window[:off] = 0.0
        return (learn[:, None] * window[None, :]).ravel()

    def gate_array(self, learn: np.ndarray, name: str = "learning_gate") -> TimedArray:
        return TimedArray(self.gate_values(learn), dt=self.gate_dt, name=name)

    def presentation_starts(self) -> np.ndarray:
        return np.arange(self.n) * float(self.presentation)

def window_counts(spike_i: np.ndarray, spike_t: np.ndarray, n_cells: int,
                  schedule: PresentationSchedule) -> np.ndarray:
    """Pulses of each cell in the read-out window of each presentation, shape (n, n_cells).

    Spike times are in seconds, relative to the start of the block.
    """
    spike_i = np.asarray(spike_i, dtype=int)
    spike_t = np.asarray(spike_t, dtype=float)
    T, S = float(schedule.presentation), float(schedule.settle)
    k = np.floor(spike_t / T + 1e-9).astype(int)
    phase = spike_t - k * T
    keep = (phase >= S - 1e-12) & (k < schedule.n)
    counts = np.zeros((schedule.n, n_cells), dtype=int)
    np.add.at(counts, (k[keep], spike_i[keep]), 1)
    return counts

def padded_blocks(inputs: np.ndarray, labels: np.ndarray, n: int):
    """Split a test set into blocks of exactly ``n`` presentations (a compiled network's block
    size), padding the last with copies of its first example.

    Yields ``(inputs, labels, n_valid, n_done)``: only the first ``n_valid`` rows are real;
    ``n_done`` examples of the set are covered once this block is run.
    """
    for start in range(0, len(labels), n):
        x, y = inputs[start:start + n], labels[start:start + n]
        pad = n - len(y)
        if pad:
            x = np.vstack([x, np.repeat(x[:1], pad, axis=0)])
            y = np.r_[y, np.repeat(y[:1], pad)]
        yield x, y, n - pad, start + n - pad
