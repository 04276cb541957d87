"""Parameters of the differentiable spiking networks of Huh & Sejnowski (2018).

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. Advances in Neural
Information Processing Systems 31 (NeurIPS 2018), 1433-1443. arXiv:1706.04698.

The paper's body could not be read (docs/papers/huh2018.md): the synapse equation (eq. 2), the
gate's shape in Fig. 1 (a boxcar of width Delta, height 1/Delta) and tau = 10 ms in Fig. 1 are
the paper's; every other value is **ours**, chosen for the reason given at its field. All of them
are plain fields: ``Huh2018Params(delta=0.5)`` or ``params.replace(tau_s=0.05)`` changes one.

Times are in seconds (plain floats: the forward pass and the adjoint are numpy; the Brian2
network attaches units itself). Voltages are dimensionless: the phase theta (radians) of the
theta neuron, or v of the QIF neuron.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from spiketeach.core.checks import check_finite, check_nonnegative, check_positive

__all__ = ["Huh2018Params", "NEURONS", "GATES"]

#: neuron models: "theta" (reset-free phase form of the QIF neuron; default) or "qif"
#: (quadratic integrate-and-fire with a hard reset, the other reading of the sources)
NEURONS = ("theta", "qif")
#: gate shapes: "boxcar" (the paper's Fig. 1) or "smooth" (a bump of the same variance)
GATES = ("boxcar", "smooth")

_POSITIVE = ("tau_v", "tau_s", "delta", "dt")
_FINITE = ("theta0", "v_gate", "v_peak", "v_reset", "input_scale", "recurrent_scale",
           "self_excitation", "bias_mean", "bias_std", "readout_scale")


@dataclass(frozen=True)
class Huh2018Params:
    """One network's constants. Invalid values raise a ValueError naming the field.

    Neuron (dimensionless voltage, ``I`` the summed input current, dimensionless)::

        theta:  tau_v dtheta/dt = (1 - cos theta) + (1 + cos theta) I      (no reset)
        qif:    tau_v dv/dt     = v^2 + I,   v > v_peak -> v = v_reset

    The theta neuron is the QIF neuron written in its phase, v = tan(theta / 2): the QIF's
    spike (v -> +inf, reset to -inf) is theta passing pi, with no reset at all.

    Synapse (the paper's eq. 2), one trace per neuron::

        tau_s ds/dt = -s + g(v) dv/dt,      I_k = sum_j W_kj s_j + sum_m U_km x_m + b_k

    with the gate g >= 0 over an active zone of width ``delta`` that integrates to 1 over v.
    """

    #: neuron model, one of :data:`NEURONS`. Ours: "theta". The sources do not settle the
    #: paper's neuron (an unreliable bibliography says QIF); the theta form is the QIF without
    #: a reset, so the adjoint needs no jump conditions and the gradient is exact everywhere.
    neuron: str = "theta"
    #: gate shape, one of :data:`GATES`. "boxcar" is the paper's Fig. 1 (g = 1/delta inside the
    #: zone); "smooth" (ours) is a bump with the boxcar's variance delta^2/12 (a von Mises bump
    #: around theta = pi for the theta neuron, a Gaussian around v_gate for the QIF), whose
    #: discretised loss has no jumps.
    gate: str = "boxcar"
    #: membrane time constant tau_v (s). Ours: 10 ms (a constant current I = 1 gives
    #: 1 / (pi tau_v) = 32 Hz; the paper's value is not known).
    tau_v: float = 0.010
    #: synaptic time constant tau (s): the paper's Fig. 1 caption (10 ms).
    tau_s: float = 0.010
    #: width Delta of the active zone, in the neuron's voltage (radians of theta for the theta
    #: neuron, units of v for the QIF). Ours: 1 rad, i.e. |v| > 3.9 on the QIF scale; a sweep
    #: through it at the theta neuron's speed at pi (2 / tau_v) lasts delta tau_v / 2 = 5 ms,
    #: ten steps of the default dt. The paper's value is not known.
    delta: float = 1.0
    #: QIF only: centre of the active zone (ours; must lie below v_peak by more than delta/2).
    v_gate: float = 5.0
    #: QIF only: spike cut-off (ours; the reset jump is not fed into s, see equations.py).
    v_peak: float = 10.0
    #: QIF only: reset value (ours; below the zone, so a reset never sweeps through it).
    v_reset: float = -10.0
    #: time step of the forward-Euler discretisation (s). Ours: 0.5 ms, ten steps per sweep
    #: through the zone. The gradient is exact for this discretised system at any dt.
    dt: float = 0.0005
    #: initial voltage of every neuron at t = 0 (theta = 0 is v = 0, the middle of the
    #: sub-threshold range); s starts at 0. Ours.
    theta0: float = 0.0
    #: initial weights (ours, as in rate RNNs): U ~ N(0, input_scale^2 / n_in);
    #: W ~ N(0, recurrent_scale^2 / n) * tau_s + self_excitation * tau_s * identity (W
    #: multiplies s, which has units 1/s, so tau_s keeps W s dimensionless and of order
    #: recurrent_scale * rate * tau_s); b ~ N(bias_mean, bias_std^2);
    #: O ~ N(0, readout_scale^2 / n) * tau_s. A self-excitation of ~1 with a negative bias
    #: makes each neuron bistable (silent, or firing on its own trace s): a memory the
    #: delayed XOR needed to learn at all within a few hundred steps (figures/huh2018/xor.py).
    input_scale: float = 1.0
    recurrent_scale: float = 1.0
    self_excitation: float = 0.0
    bias_mean: float = 0.5
    bias_std: float = 0.5
    readout_scale: float = 0.0

    def __post_init__(self):
        if self.neuron not in NEURONS:
            raise ValueError(f"neuron must be one of {NEURONS}, got {self.neuron!r}")
        if self.gate not in GATES:
            raise ValueError(f"gate must be one of {GATES}, got {self.gate!r}")
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _POSITIVE:
                object.__setattr__(self, f.name, check_positive(f.name, value))
            elif f.name in _FINITE:
                object.__setattr__(self, f.name, check_finite(f.name, value))
        for name in ("input_scale", "recurrent_scale", "bias_std", "readout_scale"):
            check_nonnegative(name, getattr(self, name))
        if self.dt >= self.tau_s:
            raise ValueError(f"dt ({self.dt} s) must be shorter than tau_s ({self.tau_s} s): "
                             "forward Euler on s is unstable otherwise")
        if self.neuron == "theta" and self.delta >= 2 * math.pi:
            raise ValueError(f"delta ({self.delta} rad) must be below 2 pi for the theta neuron "
                             "(the zone would cover the whole phase circle)")
        if self.neuron == "qif":
            lo, hi = self.v_gate - self.delta / 2, self.v_gate + self.delta / 2
            if not self.v_reset < lo:
                raise ValueError(f"v_reset ({self.v_reset}) must lie below the active zone "
                                 f"[{lo}, {hi}] (a reset must not sweep through it)")
            if not hi < self.v_peak:
                raise ValueError(f"v_peak ({self.v_peak}) must lie above the active zone "
                                 f"[{lo}, {hi}] (every spike must sweep through all of it)")

    def replace(self, **changes) -> "Huh2018Params":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def kappa(self) -> float:
        """Concentration of the theta neuron's smooth gate, exp(-kappa (1 + cos theta)): the
        von Mises bump whose variance 1/kappa equals the boxcar's delta^2 / 12."""
        return 12.0 / self.delta ** 2

    @property
    def sigma_gate(self) -> float:
        """Standard deviation of the QIF's smooth (Gaussian) gate, the boxcar's delta / sqrt 12."""
        return self.delta / math.sqrt(12.0)
