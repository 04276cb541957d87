"""Parameters and rate functions of the dynamic LIF neuron of Samadi, Lillicrap & Tweed (2017).

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602.

The equations themselves are in :mod:`spiketeach.models.samadi2017.layers` (the neuron),
:mod:`spiketeach.models.samadi2017.layers` (error populations), :mod:`spiketeach.models.samadi2017.layers`
(teaching signal and weight updates) and :mod:`spiketeach.models.samadi2017.initialisation` (Appendix B).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from brian2 import ms

from spiketeach.core.fields import quantity as _time

__all__ = ["SamadiParams"]


@dataclass(frozen=True)
class SamadiParams:
    """Parameters of the Samadi et al. (2017) LIF network; defaults are the paper's values.

    Times are Brian2 quantities; everything else is dimensionless, as in the paper (drives and
    hillock potentials are in units of the threshold scale of Table 1).
    """

    # --- neuron, §2.1 and Table 1 ---
    #: hillock time constant. §2.1 prints "2 ms"; Table 1 and §2.4 use 20 ms, which is the value
    #: that reproduces E(a) and its tanh fit (Fig. 2), so "2 ms" is a misprint.
    tau: object = _time(20 * ms)
    #: hillock threshold h_th (Table 1)
    h_th: float = 0.4
    #: duration of the output pulse a = 1, during which h is held at 0 (eq. 2.3). Brian2's
    #: ``refractory=1*ms`` holds it for 4 steps of 0.25 ms; Table 1's ``ref > 1 ms`` test holds it
    #: for 5 steps -- set ``t_ref=1.25*ms`` to reproduce that literally.
    t_ref: object = _time(1 * ms)
    #: Euler step (Table 1)
    dt: object = _time(0.25 * ms)

    # --- activation fit, eq. 2.10 ---
    c1: float = 0.82
    c2: float = 0.08

    # --- learning, §2.6–2.7 ---
    #: momentum (eq. 2.13)
    mu: float = 0.9
    #: learning rate numerator: eta_l = eta_scale / fan_in per presentation (§2.6). The paper
    #: applies eta to the sum over a minibatch of 100; learning online (one example at a time),
    #: the per-example update is the same. It is spread evenly over the learning window of each
    #: presentation: each 0.25 ms step applies eta_l * dt / (presentation - settle).
    eta_scale: float = 1.0
    #: each example is shown for this long (§2.7)
    presentation: object = _time(100 * ms)
    #: outputs and learning are ignored for the first part of each presentation (§2.7)
    settle: object = _time(20 * ms)
    #: gate the teaching signal to v > 0 at the output layer too. The paper's text gates every
    #: cell; at the output this kills learning (all outputs are pushed below 0 together and never
    #: recover; docs/papers/samadi2017.md), so by default only hidden cells are gated.
    gate_output: bool = False

    # --- initialisation, Appendix B (eqs. A.1–A.6) ---
    #: bias of every cell at initialisation (b-bar, eq. A.4)
    b_bar: float = 0.8
    #: target mean of the drives (eq. A.2)
    v_bar: float = 8.0
    #: target s.d. of the drives (eq. A.3)
    sigma_v: float = 10.0
    #: slope used to scale the feedback weights (eqs. A.5–A.6); None means gamma = alpha = c1*c2,
    #: the simple choice of Appendix A.
    gamma: float | None = None

    @property
    def alpha(self) -> float:
        """Slope of the linear approximation a = alpha v at the origin (eq. A.1), c1*c2."""
        return self.c1 * self.c2

    @property
    def feedback_gamma(self) -> float:
        return self.alpha if self.gamma is None else self.gamma

    @property
    def learning_window(self):
        """Part of each presentation during which learning is on and outputs are read."""
        return self.presentation - self.settle

    def replace(self, **changes) -> "SamadiParams":
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)
