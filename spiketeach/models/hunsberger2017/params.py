"""Parameters of the Hunsberger & Eliasmith (2017) spiking FA network: :class:`HunsbergerParams`.

Defaults are the poster's and its code's values (docs/papers/hunsberger2017.md); its ``lif``
and ``nef`` properties hand the shared parts (:mod:`spiketeach.models.lif`,
:mod:`spiketeach.models.nef`) their own small parameter classes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from brian2 import ms, second

from spiketeach.core.fields import quantity as _time
from spiketeach.models.lif import LIFParams
from spiketeach.models.nef import NEFParams

__all__ = ["HunsbergerParams", "ERROR_ROUTINGS"]

@dataclass(frozen=True)
class HunsbergerParams:
    """Parameters of the spiking FA network; defaults are the poster's (and its code's) values.

    Where the poster is silent the value is the thesis code's (hunse/phd, Dec 2017) and the
    comment says so; see docs/papers/hunsberger2017.md.
    """

    # --- architecture (poster: 30-80-80-10) ---
    sizes: tuple = (30, 80, 80, 10)
    # --- LIF neurons (all populations; Nengo defaults + code) ---
    #: membrane time constant (code: tau_rc = 50 ms)
    tau_rc: object = _time(50 * ms)
    #: refractory period (Nengo default 2 ms; max rate 500 Hz)
    tau_ref: object = _time(2 * ms)
    #: area of one spike (code: amplitude 0.024), so filtered activity = 0.024 x rate
    amplitude: float = 0.024
    #: locate spikes inside the step (Nengo's LIF; False: Brian2 ODE + refractoriness)
    substep_spikes: bool = True
    # --- synapses ---
    #: alpha synapse time constant on every connection (poster/code: 3 ms)
    tau_s: object = _time(3 * ms)
    #: extra low-pass of the pre-synaptic activity seen by the learning rules (code: 5 ms)
    tau_pre: object = _time(5 * ms)
    # --- input encoder: neuron i gets +x_i, 30+i gets -x_i, straight into the current ---
    #: max rates at |x| = 1 (code: U(100, 120) Hz); intercept 0 -> bias 1
    max_rates: tuple = (100.0, 120.0)
    # --- output and error populations (NEF) ---
    #: neurons per represented dimension (code: 40; the sweep script used 20)
    n_per_dim: int = 40
    #: intercepts of the output population (code: U(-1, 0.9))
    output_intercepts: tuple = (-1.0, 0.9)
    #: intercepts of the error populations (code: U(0, 0.8): small errors partly in a dead zone)
    error_intercepts: tuple = (0.0, 0.8)
    #: encoders: "onoff" (+-e_d, the code's choice) or "random" (unit vectors)
    encoders: str = "onoff"
    #: L2 regularisation of the least-squares decoders, relative to the max activity (Nengo 0.1)
    decoder_reg: float = 0.1
    #: current injected into every error neuron when learning is off (code: -20)
    inhibition: float = 20.0
    #: "layerwise": output error -> E2 -> E1 chained populations, each hidden layer fed by its own
    #: (thesis, FATwoStepNetwork); "direct": one error population broadcast to both (FASkipNetwork).
    #: Which one made the poster figure is not determinable; layerwise is the thesis version.
    error_routing: str = "layerwise"
    # --- initialisation ---
    #: forward weights N(0, std^2), all three matrices (code: 4.4e-4; tiny on purpose)
    w_init_std: float = 4.4e-4
    #: feedback matrices B_l (10 x 80), entries N(0, 1.7^2), one per hidden layer (code)
    feedback_std: float = 1.7
    # --- learning ---
    #: learning rate per second, all layers (code: 0.05; PES divides by the 80 pre neurons)
    eta: float = 0.05
    #: hidden-layer derivative: "if" (refractory-IF rate derivative, poster) or "step"
    surrogate: str = "if"
    #: height of the step derivative relative to amplitude/tau_rc (code: 0.33)
    step_height: float = 0.33
    # --- protocol (poster figure) ---
    #: presentation time per stimulus (poster: 220 ms; later code 250 ms)
    presentation: object = _time(220 * ms)
    #: input s.d. per dimension (code: x ~ N(0, 0.5^2))
    input_std: float = 0.5
    #: pre-test stimuli (learning off), training time, post-test fraction (poster figure)
    n_pretest: int = 20
    train_time: object = _time(1000 * second)
    posttest_fraction: float = 0.1
    #: simulation step (Nengo's 1 ms)
    dt: object = _time(1 * ms)
    # --- formulation (the same model either way; see spiketeach.models.hunsberger2017.spiking) ---
    #: "fast": event-driven exact weight updates and linked population inputs; "reference": the
    #: straightforward per-step weight updates and summed copies (kept to prove the two equal);
    #: "genn": what Brian2GeNN accepts (spiketeach.models.hunsberger2017.genn; built on genn always)
    formulation: str = "fast"
    #: "fast" only: the lazy weight updates are brought up to date at least this often (bounds
    #: the growth factor exp(lazy_flush / tau_pre) of their per-neuron accumulators)
    lazy_flush: object = _time(50 * ms)

    @property
    def lif(self) -> LIFParams:
        """The LIF constants every population of this network shares."""
        return LIFParams(tau_rc=self.tau_rc, tau_ref=self.tau_ref, amplitude=self.amplitude,
                         substep_spikes=self.substep_spikes, tau_s=self.tau_s,
                         tau_pre=self.tau_pre, step_height=self.step_height)

    @property
    def nef(self) -> NEFParams:
        """The population-code constants of the output and error populations."""
        return NEFParams(lif=self.lif, n_per_dim=self.n_per_dim, max_rates=self.max_rates,
                         encoders=self.encoders, decoder_reg=self.decoder_reg,
                         inhibition=self.inhibition)

    def replace(self, **changes) -> "HunsbergerParams":
        return replace(self, **changes)

ERROR_ROUTINGS = ("layerwise", "direct")
