"""Parameters of the soft-LIF networks of Hunsberger & Eliasmith (2015).

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons.
arXiv:1510.08829.

The paper's body (tables, printed parameter values) could not be read; its figure captions and
abstract could. Where a value comes from the authors' own code (hunse/cuda-convnet2 at the last
commit before submission, its MNIST configuration) or from the first author's thesis, the field
says so. Sources and what is unknown: docs/papers/hunsberger2015.md.

All times are in seconds, rates in Hz (plain floats: the rate functions are numpy code; the Brian2
network attaches units itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from spiketeach.core.checks import check_nonnegative, check_positive

__all__ = ["Hunsberger2015Params", "FIG1", "FIG2", "check_positive", "check_nonnegative"]


_POSITIVE = ("tau_rc", "gamma", "gain", "amplitude", "dt", "presentation")
_NONNEGATIVE = ("tau_ref", "tau_s", "noise_sigma", "settle")


@dataclass(frozen=True)
class Hunsberger2015Params:
    """One soft-LIF / spiking-LIF network of the paper, MNIST settings.

    A hidden unit with net input ``x`` (weighted input plus learned bias) has the current
    ``j = gain * x + 1`` (LIF bias 1 built in: the threshold sits at x = 0) and outputs
    ``amplitude * r(j)``, r the (soft) LIF rate of :mod:`.rates`. Invalid values raise a
    ValueError naming the field.
    """

    #: membrane time constant tau_RC (s). Code [C] MNIST config softlif[..., tau_rc = 0.022];
    #: the CIFAR-10 config and the thesis use 0.05.
    tau_rc: float = 0.022
    #: refractory period tau_ref (s). Code [C] MNIST config (0.002; CIFAR-10: 0.001).
    tau_ref: float = 0.002
    #: smoothing gamma of rho_gamma(x) = gamma log(1 + e^{x/gamma}). Code [C] (0.02, both data
    #: sets) and thesis; the paper's Fig. 1 caption figure was drawn with 0.01 (see FIG1).
    gamma: float = 0.02
    #: gain a on the net input, j = a x + 1. Code [C] MNIST config (1.0; CIFAR-10: 0.825).
    gain: float = 1.0
    #: amplitude m: a unit's output (and a spike's area) is m x rate. Code [C] (0.063, both).
    amplitude: float = 0.063
    #: training noise: s.d. (Hz, before the amplitude) of the Gaussian added to the rate of
    #: units above threshold. Code [C] (10, the only nonzero level up to Oct 2015); our own
    #: measured alternative: :mod:`spiketeach.protocols.hunsberger2015.noise`.
    noise_sigma: float = 10.0
    #: alpha-synapse time constant of the spiking network (s). Paper, Fig. 2 caption: "the
    #: tau_s = 0.005 used in simulation"; code [C] run_nengo.py the same.
    tau_s: float = 0.005
    #: simulation step (s). Code [C]: Nengo's default 1 ms.
    dt: float = 0.001
    #: presentation time per test image (s), images back to back without reset. Code [C]
    #: run_nengo.py: 150 ms (later code and thesis: 80-200 ms).
    presentation: float = 0.15
    #: settling time t_c (s): the class is read from the output averaged over
    #: [settle, presentation) of each image. Thesis readout rule (window [t_c, t_p]); our value.
    settle: float = 0.05

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _POSITIVE:
                object.__setattr__(self, f.name, check_positive(f.name, value))
            elif f.name in _NONNEGATIVE:
                object.__setattr__(self, f.name, check_nonnegative(f.name, value))
        if self.settle >= self.presentation:
            raise ValueError(f"settle ({self.settle} s) must be shorter than presentation "
                             f"({self.presentation} s)")

    def replace(self, **changes) -> "Hunsberger2015Params":
        return replace(self, **changes)

    @property
    def max_rate(self) -> float:
        """1 / tau_ref (Hz), the LIF rate as j -> infinity."""
        return math.inf if self.tau_ref == 0 else 1.0 / self.tau_ref


#: Plot settings of the paper's Fig. 1 (authors' figure script, hunse/phd make_figures.py
#: ``make_softlif``; the thesis caption repeats gamma = 0.01).
FIG1 = {"tau_rc": 0.030, "tau_ref": 0.002, "gamma": 0.01, "j_range": (0.5, 1.5)}

#: Settings of the paper's Fig. 2 (caption: tau_RC = 0.02, tau_ref = 0.004, tau_s = 0.003 s;
#: authors' script ``make_spikenoise``: 50 neurons, j evenly over 0..10, dt 0.1 ms, 10 s simulated
#: and the first 1 s dropped).
FIG2 = {"tau_rc": 0.020, "tau_ref": 0.004, "tau_s": 0.003, "n_neurons": 50, "j_range": (0.0, 10.0),
        "dt": 1e-4, "duration": 10.0, "discard": 1.0}
