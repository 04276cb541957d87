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

__all__ = ["SamadiParams", "VARIANTS"]


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
    #: gate the teaching signal to v > 0 at the output layer too. Eq. 2.11 / Table 1 gate every
    #: cell ("0 whenever the drive v <= 0"); at the output this can kill learning (all outputs
    #: pushed below 0 together never recover: docs/papers/samadi2017.md), so the default keeps
    #: the output's sech^2(c2 v) ungated -- a named departure (docs/families/samadi2017.md);
    #: ``True`` is the literal rule.
    gate_output: bool = False
    #: c1 c2 on EVERY backward link of BP/FA, the one from the output layer included (issue 16).
    #: Eq. 2.11 drops c1 c2 only from each cell's OWN derivative (absorbed into eta); the
    #: downstream da/dv factors keep it, and A.6's worked example (n = 4 of 7 layers -> D = 3)
    #: counts the output layer among the D links that BA's gamma^D stands for. With ``True``
    #: every layer's teaching signal is the exact gradient / (c1 c2). ``False`` (the "session7"
    #: variant) leaves it off the link from the output layer: hidden signals then are
    #: gradient / (c1 c2)^2, about 15x too large relative to the output layer's.
    c1c2_on_output_link: bool = True

    # --- initialisation, Appendix B (eqs. A.1–A.6) ---
    #: bias of every cell at initialisation (b-bar, eq. A.4)
    b_bar: float = 0.8
    #: target mean of the drives (eq. A.2)
    v_bar: float = 8.0
    #: target s.d. of the drives (eq. A.3)
    sigma_v: float = 10.0
    #: slope gamma of eq. A.6 (B_BA = gamma^D prod B_FA). None means gamma = alpha = c1 c2,
    #: "the simpler approach" Appendix B's last sentence says §3.1 and §3.2 (Figs. 3-4) used;
    #: the paper's MNIST trials (§3.3) used its estimate of the mean da/dv, 0.034.
    gamma: float | None = None
    #: distribution of the forward weights: "uniform" = eq. A.4, W = W̄ + 2 sqrt(3) σ_W (rand - 0.5)
    #: (mean W̄ of A.2, s.d. σ_W from A.3); "normal" = the same mean and s.d. drawn normally
    #: (the "session7" variant).
    weight_distribution: str = "uniform"
    #: FA feedback (eq. A.5): "like_W" = B_FA(n) drawn as A.4 with layer n+1's W̄ and σ_W (mean
    #: W̄, NOT zero; independent of W); "zero_mean" = N(0, E[W²]) of the W it stands in for (the
    #: "session7" variant).
    fa_feedback: str = "like_W"
    #: BA/DF feedback (eq. A.6): "product" = gamma^D times the product of the D downstream A.5
    #: matrices B_FA(n) ... B_FA(L-1) (D = layers below n's, the output layer included);
    #: "gaussian" = zero-mean Gaussian with backprop's linearised variance and gamma^(D-1) (the
    #: "session7" variant, no c1 c2 for the output link).
    ba_feedback: str = "product"
    #: mean and s.d. of the network's (graded) inputs. Appendix B: v̄ = 8 and σ_v = 10 "imply
    #: that E(a) will have a mean of 0.64 and a standard deviation of 0.8. Therefore, we ensured
    #: that network inputs had these statistics". (The "session7" variant used the linearised
    #: alpha v̄ = 0.525 and alpha σ_v = 0.656 that A.2-A.3 are derived for.)
    input_mean: float = 0.64
    input_sd: float = 0.8
    #: which set of choices this is: "paper" (the defaults above) or a named variant of
    #: :data:`VARIANTS`, made by :meth:`preset`. A label only; the fields decide.
    variant: str = "paper"

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

    @classmethod
    def preset(cls, name: str = "paper", **changes) -> "SamadiParams":
        """The parameters of a named variant (:data:`VARIANTS`), with ``changes`` on top."""
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; choose one of {tuple(VARIANTS)}")
        return cls(**{**VARIANTS[name], "variant": name, **changes})

    def replace(self, **changes) -> "SamadiParams":
        """A copy with some fields changed (``dataclasses.replace``)."""
        return replace(self, **changes)


#: named sets of choices. "paper": the literal text (issue 16) with the one departure named in
#: ``gate_output``. "session7": the choices main used before issue 16 (output link without c1 c2,
#: Gaussian W, zero-mean Gaussian B_FA, Gaussian B_BA with gamma^(D-1), linearised input
#: statistics); its DF gated at v > 0 is the algorithm "DF-gated"
#: (spiketeach/models/samadi2017/rate.py); the sweep's per-algorithm eta and gamma = 0.034 of that
#: variant are protocol settings (spiketeach/protocols/samadi2017/depth_sweep.py SESSION7).
VARIANTS = {
    "paper": {},
    "session7": {"c1c2_on_output_link": False, "weight_distribution": "normal",
                 "fa_feedback": "zero_mean", "ba_feedback": "gaussian",
                 "input_mean": 0.82 * 0.08 * 8.0, "input_sd": 0.82 * 0.08 * 10.0},
}
