"""Parameters of eRBP (Neftci, Augustine, Paul & Detorakis 2017): :class:`ERBPParams`.

The paper body could not be read; every value below comes from the authors' Auryn code
(github.com/HBPNeurorobotics/auryn, Jan-Apr 2017 commits: ``SIFGroup``, ``LinGroup``,
``peRBPConnection``, ``exp_rbp_dual.cpp``, ``experimentLib.py``) unless marked "abstract" or
"ours". Sources and the reading: docs/papers/neftci2017.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from brian2 import Hz, ms

from spiketeach.core.fields import quantity

__all__ = ["ENCODINGS", "ERBPParams"]

#: input encodings: the code's escape-noise units, or plain Poisson (rate ∝ pixel)
ENCODINGS = ("escape", "poisson")


@dataclass(frozen=True)
class ERBPParams:
    """Constants of an eRBP network (units: Brian2 quantities; potentials dimensionless).

    Time (code)
        dt : simulation step (Auryn's default 0.1 ms).
        sample_duration : each digit is shown this long, back to back, no reset (250 ms).
        no_learning : learning is off for this long at the start of each digit (50 ms; the
        code's ``clock % 2500 > 500``). ``sample_duration`` must be a whole multiple of it.
    Two-compartment neuron (abstract: "two-compartment leaky I&F"; values: code, SIFGroup)
        tau_m : soma (1 GΩ · 1 pF = 1 ms); tau_syn : synaptic current g (4 ms);
        tau_dend : dendrite U (5 ms); v_th : threshold 0.1; v_reset : 0;
        refractory : 3.8 ms (3.9 ms set, truncated to 38 steps of 0.1 ms).
        noise_rate, noise_weight : Poisson events added to the soma, 1000 Hz × 0.05 (the
        1-hidden-layer script; the deep script uses 0). Set noise_weight=0 to switch off.
    Error neurons (code, LinGroup + exp_rbp_dual.cpp)
        err_th : threshold 0.1, subtractive reset, floor at 0 (non-leaky integrator).
        w_err : label spike +w_err onto E+, −w_err onto E−; output spike the opposite (0.09).
        w_fb_out : E+ → its own output's dendrite +w_fb_out, E− → −w_fb_out (0.09).
    Rule (abstract: "one addition and two comparisons"; values: code)
        eta : 6e-4 (all MNIST scripts).
        b_lo, b_hi : boxcar on the post cell's synaptic current g, input→hidden and last
        hidden→output (±1.15, Jan 2017 scripts; the Apr 2017 deep script: ±0.6).
        b_hidden : the boxcar half-width of hidden→hidden blocks (25: practically ungated).
        p_transmit : peRBP transmission probability in (0, 1] (1: eRBP; deep Apr 2017
        script: 0.65); a dropped spike neither transmits nor updates (Apr 2017 order).
    Input (code, SRM0Group escape noise; PatternStimulator)
        encoding : "escape" (code) or "poisson" (rate = pixel × poisson_rate; ours).
        hazard0 : hazard at the threshold (100 Hz); in_th : 0.1; in_delta : 0.05 — hazard
        = hazard0 · exp((I − in_th) / in_delta); dead_time : 4 ms.
        pixel_gain, pixel_offset : I = pixel_gain · (p − pixel_offset) for p > 0 (0.5, 0.43),
        I = pixel_zero for p = 0 (−1).
        label_on, label_off : the label units' current, true class / others (0.48 / −0.5);
        at test all labels are off (the code uses −10.5; both are silent).
        poisson_rate : the "poisson" encoding's rate of a white pixel (ours: 250 Hz, the
        escape units' saturated rate 1/dead_time).
    Initialisation (code, init_rbp1h/2h_parameters)
        init_scale : forward w ~ U(±√(init_scale / (n_pre + n_post))) with n_pre of the input
        layer counting the label units (7); feedback B ~ U(±√(init_scale / (n_classes +
        n_hidden_total))), then shifted to zero mean over the classes per hidden cell.
    """

    dt: object = quantity(0.1 * ms)
    sample_duration: object = quantity(250 * ms)
    no_learning: object = quantity(50 * ms)
    tau_m: object = quantity(1 * ms)
    tau_syn: object = quantity(4 * ms)
    tau_dend: object = quantity(5 * ms)
    v_th: float = 0.1
    v_reset: float = 0.0
    refractory: object = quantity(3.8 * ms)
    noise_rate: object = quantity(1000 * Hz)
    noise_weight: float = 0.05
    err_th: float = 0.1
    w_err: float = 0.09
    w_fb_out: float = 0.09
    eta: float = 6e-4
    b_lo: float = -1.15
    b_hi: float = 1.15
    b_hidden: float = 25.0
    p_transmit: float = 1.0
    encoding: str = "escape"
    hazard0: object = quantity(100 * Hz)
    in_th: float = 0.1
    in_delta: float = 0.05
    dead_time: object = quantity(4 * ms)
    pixel_gain: float = 0.5
    pixel_offset: float = 0.43
    pixel_zero: float = -1.0
    label_on: float = 0.48
    label_off: float = -0.5
    poisson_rate: object = quantity(250 * Hz)
    init_scale: float = 7.0

    def __post_init__(self):
        if not self.b_lo < self.b_hi:
            raise ValueError(f"the boxcar needs b_lo < b_hi, got b_lo={self.b_lo}, "
                             f"b_hi={self.b_hi}")
        if not self.b_hidden > 0:
            raise ValueError(f"b_hidden (half-width of the hidden→hidden boxcar) must be > 0, "
                             f"got {self.b_hidden}")
        if not 0 < self.p_transmit <= 1:
            raise ValueError(f"the transmission probability p_transmit must lie in (0, 1], "
                             f"got {self.p_transmit}")
        if self.encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {self.encoding!r}; choose one of {ENCODINGS}")
        if self.eta < 0:
            raise ValueError(f"eta must be >= 0, got {self.eta}")
        ratio = float(self.sample_duration / self.no_learning) if float(self.no_learning) > 0 else 1.0
        if float(self.no_learning) < 0 or abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError("sample_duration must be a whole multiple (>= 1) of no_learning "
                             f"(got {self.sample_duration} and {self.no_learning})")
        steps = float(self.sample_duration / self.dt)
        if abs(steps - round(steps)) > 1e-6:
            raise ValueError(f"sample_duration {self.sample_duration} is not a whole number of "
                             f"steps of {self.dt}")
        for name in ("v_th", "err_th"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0")

    def replace(self, **changes) -> "ERBPParams":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        """JSON-ready: quantities as strings."""
        return {k: (v if isinstance(v, (int, float, str)) else str(v))
                for k, v in asdict(self).items()}
