"""The teacher–student task of Samadi, Lillicrap & Tweed (2017), §3.1.

A 10-layer *teacher* (2 inputs, 8 hidden layers of 2 non-rectified tanh cells, 2 outputs) labels
random inputs with the index of its larger output; a 10-layer *learner* (2 inputs, 8 hidden
layers of 10 cells, 2 outputs) learns to reproduce the labels.

Choices where §3.1 is silent (documented in the README):

* inputs x ~ N(0, I₂); the learner sees them as graded activities ``input_mean + input_sd x``
  (Appendix B: the statistics of E(a), mean 0.64, s.d. 0.8; the "session7" variant used the
  linearised alpha v̄ ≈ 0.53, alpha sigma_v ≈ 0.66);
* teacher weights ~ N(0, gain²/fan-in) with gain 2 (clearly non-linear without saturating every
  cell), biases ~ N(0, 0.5²);
* the two classes are balanced by shifting the teacher's output bias to the median of its output
  difference over 200 000 inputs; a teacher is accepted when, on an independent 10⁶ inputs,
  each class probability is within 0.001 of 0.5 (else a new one is drawn).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["TEACHER_SIZES", "LEARNER_SIZES", "Teacher", "make_teacher", "TeacherStudentTask"]

TEACHER_SIZES = [2] + [2] * 8 + [2]

LEARNER_SIZES = [2] + [10] * 8 + [2]

@dataclass
class Teacher:
    """A deep tanh network that labels 2-D inputs."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]

    def outputs(self, x: np.ndarray) -> np.ndarray:
        h = np.asarray(x, dtype=float)
        for k, (W, b) in enumerate(zip(self.weights, self.biases)):
            h = h @ W.T + b
            if k < len(self.weights) - 1:
                h = np.tanh(h)
        return h

    def labels(self, x: np.ndarray) -> np.ndarray:
        return self.outputs(x).argmax(axis=1)

def make_teacher(rng: np.random.Generator, sizes=TEACHER_SIZES, gain: float = 2.0,
                 tolerance: float = 1e-3, max_tries: int = 50) -> Teacher:
    """Draw a teacher whose two classes each have probability within ``tolerance`` of 0.5."""
    for _ in range(max_tries):
        weights = [rng.normal(0, gain / np.sqrt(n_in), size=(n_out, n_in))
                   for n_in, n_out in zip(sizes[:-1], sizes[1:])]
        biases = [rng.normal(0, 0.5, size=n_out) for n_out in sizes[1:]]
        teacher = Teacher(weights, biases)
        z = teacher.outputs(rng.standard_normal((200_000, sizes[0])))
        shift = np.median(z[:, 0] - z[:, 1])
        if not np.isfinite(shift) or np.ptp(z[:, 0] - z[:, 1]) < 1e-6:
            continue
        teacher.biases[-1] = teacher.biases[-1] - np.array([shift / 2, -shift / 2])
        p = teacher.labels(rng.standard_normal((1_000_000, sizes[0]))).mean()
        if abs(p - 0.5) <= tolerance:
            return teacher
    raise RuntimeError(f"no balanced teacher found in {max_tries} draws")

@dataclass
class TeacherStudentTask:
    """Inputs, labels and learner stimuli for one teacher (reproducible from ``seed``)."""

    seed: int = 0
    params: SamadiParams = field(default_factory=SamadiParams)

    def __post_init__(self):
        self.rng = np.random.default_rng(self.seed)
        self.teacher = make_teacher(self.rng)

    @property
    def n_inputs(self) -> int:
        return TEACHER_SIZES[0]

    @property
    def n_classes(self) -> int:
        return TEACHER_SIZES[-1]

    def sample(self, n: int, rng: np.random.Generator | None = None):
        """``n`` examples: (learner input activities, labels)."""
        rng = rng or self.rng
        x = rng.standard_normal((n, self.n_inputs))
        return self.to_activity(x), self.teacher.labels(x)

    def to_activity(self, x: np.ndarray) -> np.ndarray:
        p = self.params
        return p.input_mean + p.input_sd * np.asarray(x, dtype=float)
