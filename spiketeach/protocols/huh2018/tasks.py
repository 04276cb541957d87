"""The two tasks of Huh & Sejnowski (2018), as we define them (the paper's specification could
not be read: docs/papers/huh2018.md).

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

* :class:`EncodingTask` — spike-based efficient encoding (auto-encoding / predictive coding):
  the readout must reproduce the network's own smooth input signals, o(t) = x(t), while a cost
  on the mean rate asks for few spikes. The paper's claim is that gradient descent shapes
  millisecond spike interactions; what is measured here is the decoding error and the spike
  count, before and over learning.
* :class:`XorTask` — delayed-memory XOR over about 1 s: two signed pulses on one channel,
  separated by a random delay, then a go cue on a second channel; after the cue the readout
  must give +1 if the signs differ and -1 if they agree (XOR of the signs, as a sign).

Each task draws batches from a numpy Generator: a :class:`Batch` of inputs, targets, score mask
(and the labels, for scoring the XOR).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spiketeach.core.checks import check_nonnegative, check_positive

__all__ = ["Batch", "EncodingTask", "XorTask", "bump"]


@dataclass(frozen=True)
class Batch:
    """Inputs ``x`` (batch x steps x n_in), targets ``y`` (batch x steps x n_out), score
    ``mask`` (batch x steps), ``labels`` (batch; XOR: +1 differ / -1 agree; else None)."""

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray
    labels: np.ndarray | None = None


def _steps(duration: float, dt: float, what: str = "duration") -> int:
    n = duration / dt
    if abs(n - round(n)) > 1e-6 or round(n) < 1:
        raise ValueError(f"{what} ({duration} s) must be a positive whole number of steps dt "
                         f"({dt} s)")
    return int(round(n))


def bump(t: np.ndarray, onset: float, width: float) -> np.ndarray:
    """A smooth pulse of peak 1: sin^2 over [onset, onset + width), 0 elsewhere."""
    u = (t - onset) / width
    return np.where((u >= 0) & (u < 1), np.sin(np.pi * u) ** 2, 0.0)


@dataclass(frozen=True)
class EncodingTask:
    """Reproduce ``n_signals`` smooth signals through the readout.

    Each signal is a sum of ``n_components`` sinusoids with frequencies drawn uniformly from
    [``f_min``, ``f_max``] Hz and random phases, scaled to standard deviation ``amplitude``
    over the trial. The first ``settle`` seconds are not scored (the network starts from rest).
    """

    dt: float
    duration: float = 0.5
    n_signals: int = 2
    n_components: int = 3
    f_min: float = 1.0
    f_max: float = 5.0
    amplitude: float = 0.5
    settle: float = 0.05

    def __post_init__(self):
        for name in ("dt", "duration", "f_max", "amplitude"):
            check_positive(name, getattr(self, name))
        check_nonnegative("f_min", self.f_min)
        check_nonnegative("settle", self.settle)
        if self.f_min > self.f_max:
            raise ValueError(f"f_min ({self.f_min}) must not exceed f_max ({self.f_max})")
        if self.settle >= self.duration:
            raise ValueError(f"settle ({self.settle} s) must be shorter than the trial "
                             f"({self.duration} s)")
        for name in ("n_signals", "n_components"):
            if int(getattr(self, name)) != getattr(self, name) or getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)!r}")
        _steps(self.duration, self.dt)

    @property
    def steps(self) -> int:
        return _steps(self.duration, self.dt)

    @property
    def n_in(self) -> int:
        return self.n_signals

    @property
    def n_out(self) -> int:
        return self.n_signals

    def sample(self, rng: np.random.Generator, batch: int) -> Batch:
        t = np.arange(self.steps) * self.dt
        shape = (batch, self.n_signals, self.n_components)
        f = rng.uniform(self.f_min, self.f_max, shape)
        phase = rng.uniform(0, 2 * np.pi, shape)
        x = np.sin(2 * np.pi * f[..., None] * t + phase[..., None]).sum(axis=2)  # B x sig x T
        x = x - x.mean(axis=2, keepdims=True)
        x *= self.amplitude / x.std(axis=2, keepdims=True)
        x = np.transpose(x, (0, 2, 1))
        mask = np.broadcast_to((t >= self.settle).astype(float), (batch, self.steps)).copy()
        return Batch(x, x.copy(), mask)


@dataclass(frozen=True)
class XorTask:
    """Delayed-memory XOR (ours; the paper's timing is not known).

    Channel 0 carries two signed pulses: the first at ``first_onset``, the second at a delay
    drawn uniformly from [``delay_min``, ``delay_max``] after the first's onset; each pulse is a
    sin^2 bump of width ``pulse`` and amplitude ``sign * A``, A drawn from
    [1 - ``jitter``, 1 + ``jitter``]. Channel 1 carries the go cue (a bump of amplitude 1) at
    ``cue_onset``. The readout is scored from ``response_delay`` after the cue's onset to the end
    of the trial, target +1 if the signs differ, -1 if they agree; before that it is asked to
    stay near 0 with weight ``quiet_weight`` (0: unscored). Trials are 1 s by default.
    """

    dt: float
    duration: float = 1.0
    first_onset: float = 0.05
    delay_min: float = 0.2
    delay_max: float = 0.4
    pulse: float = 0.05
    cue_onset: float = 0.75
    response_delay: float = 0.05
    jitter: float = 0.2
    quiet_weight: float = 0.1

    def __post_init__(self):
        for name in ("dt", "duration", "pulse"):
            check_positive(name, getattr(self, name))
        for name in ("first_onset", "delay_min", "response_delay", "jitter", "quiet_weight"):
            check_nonnegative(name, getattr(self, name))
        if self.delay_min > self.delay_max:
            raise ValueError(f"delay_min ({self.delay_min}) must not exceed delay_max "
                             f"({self.delay_max})")
        if self.delay_min < self.pulse:
            raise ValueError(f"delay_min ({self.delay_min} s) must be at least the pulse width "
                             f"({self.pulse} s): the pulses would overlap")
        if self.first_onset + self.delay_max + self.pulse > self.cue_onset:
            raise ValueError("the second pulse must end before the go cue (first_onset + "
                             "delay_max + pulse <= cue_onset)")
        if self.cue_onset + self.response_delay >= self.duration:
            raise ValueError("the response window (cue_onset + response_delay ..) must start "
                             "before the end of the trial")
        if self.jitter >= 1:
            raise ValueError(f"jitter must be below 1 (pulse signs must not flip), got "
                             f"{self.jitter}")
        _steps(self.duration, self.dt)

    @property
    def steps(self) -> int:
        return _steps(self.duration, self.dt)

    n_in = 2
    n_out = 1

    def response_window(self) -> np.ndarray:
        """Boolean (steps,): the scored response window."""
        t = np.arange(self.steps) * self.dt
        return t >= self.cue_onset + self.response_delay

    def sample(self, rng: np.random.Generator, batch: int, signs=None) -> Batch:
        """``batch`` trials; ``signs`` (batch x 2 of +-1) fixes the pulses' signs (default:
        drawn, the four combinations equally likely)."""
        t = np.arange(self.steps) * self.dt
        if signs is None:
            signs = rng.choice([-1.0, 1.0], size=(batch, 2))
        signs = np.asarray(signs, float)
        if signs.shape != (batch, 2) or not np.all(np.abs(signs) == 1):
            raise ValueError(f"signs must be ({batch} x 2) of +1/-1, got shape {signs.shape}")
        delay = rng.uniform(self.delay_min, self.delay_max, batch)
        amp = rng.uniform(1 - self.jitter, 1 + self.jitter, (batch, 2)) * signs
        x = np.zeros((batch, self.steps, 2))
        for k in range(batch):
            x[k, :, 0] = (amp[k, 0] * bump(t, self.first_onset, self.pulse)
                          + amp[k, 1] * bump(t, self.first_onset + delay[k], self.pulse))
        x[:, :, 1] = bump(t, self.cue_onset, self.pulse)
        labels = np.where(signs[:, 0] != signs[:, 1], 1.0, -1.0)
        window = self.response_window()
        y = np.where(window[None, :, None], labels[:, None, None], 0.0) * np.ones((batch, 1, 1))
        mask = np.where(window, 1.0, self.quiet_weight)
        return Batch(x, y, np.broadcast_to(mask, (batch, self.steps)).copy(), labels)

    def accuracy(self, o: np.ndarray, labels: np.ndarray) -> float:
        """Percent of trials whose answer, +1 if the mean readout over the response window is
        positive and -1 otherwise, equals the label; ``o`` is (batch x steps x 1)."""
        mean = np.asarray(o)[:, self.response_window(), 0].mean(axis=1)
        return 100.0 * float(np.mean(np.where(mean > 0, 1.0, -1.0) == labels))
