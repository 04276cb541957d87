"""Neuron models as Brian2 equation strings.

Dynamic LIF neuron of Samadi, Lillicrap & Tweed (2017), §2.1 and Table 1
--------------------------------------------------------------------------
Each cell has a drive ``v`` (eq. 2.1), an axon-hillock potential ``h`` that relaxes towards it
(eq. 2.2) and an output ``a`` that is 1 during a 1 ms pulse after ``h`` crosses ``h_th`` and 0
otherwise (eq. 2.3); during the pulse ``h`` is held at 0. Print or edit the strings below; the
builder functions only add the threshold, reset and refractory period and name the namespace.
"""

from __future__ import annotations

from brian2 import Clock, NeuronGroup, TimedArray

from .samadi import SamadiParams

__all__ = [
    "DYNAMIC_LIF",
    "COUNTED_PULSE_LIF",
    "COUNTED_THRESHOLD",
    "COUNTED_RESET",
    "PULSE_END_EVENT",
    "pulse_steps",
    "GRADED_INPUT",
    "TARGET_LIF",
    "dynamic_lif_group",
    "graded_input_group",
    "target_group",
    "samadi_namespace",
]

#: Dynamic LIF neuron (Samadi et al. 2017, eqs. 2.1–2.3). ``v_ff`` is the summed input W·a_in
#: written by the forward synapses; ``b`` the bias.
DYNAMIC_LIF = """
v = v_ff + b : 1                               # drive, eq. 2.1: v = W a_in + b
dh/dt = (v - h) / tau : 1 (unless refractory)  # axon hillock, eq. 2.2; held at 0 during the pulse
a = 1.0 - int(not_refractory) : 1              # output, eq. 2.3: 1 during the pulse, 0 otherwise
v_ff : 1                                       # W a_in, summed by the forward synapses
b : 1                                          # bias
"""

#: The same neuron with its pulse timed by a step counter, as in the paper's own update (Table 1's
#: ``ref`` timer), instead of Brian2's ``refractory`` (which recomputes ``t - lastspike`` with a
#: division per cell and step). ``pulse_left`` is ``pulse_steps`` (t_ref/dt) after a spike,
#: counts down once per step and rests at −1. The hillock integrates again in the step in which
#: the pulse ends (``pulse_left`` 1 → 0), exactly as Brian2's refractory period releases it, so
#: spikes, ``a`` and ``h`` equal those of :data:`DYNAMIC_LIF` at every step
#: (tests/test_fast_input.py). Branch-free: ≈ 4× cheaper per step in cpp_standalone
#: (benchmarks/mnist_throughput.py, ``floor``). The fast formulation uses it.
COUNTED_PULSE_LIF = """
v = v_ff + b : 1                                     # drive, eq. 2.1: v = W a_in + b
dh/dt = int(pulse_left <= 1) * (v - h) / tau : 1     # axon hillock, eq. 2.2; held during the pulse
dpulse_left/dt = -int(pulse_left > -1) / dt : 1      # pulse steps left: one less per step, rests at -1
a = int(pulse_left > 0) : 1                          # output, eq. 2.3: 1 during the pulse, 0 otherwise
v_ff : 1                                             # W a_in, summed by the forward synapses
b : 1                                                # bias
"""

#: Graded (non-spiking) input layer: its activities are real numbers read from a TimedArray
#: ``stimulus(t, i)`` that holds one row per presentation.
GRADED_INPUT = """
a = stimulus(t, i) : 1                         # real-valued input activity
"""

#: Target cells: the same dynamic LIF neuron with its drive given by a TimedArray
#: ``target_drive(t, i)``, so that the target y* is a spike train like the output y (§2.5).
TARGET_LIF = """
v = target_drive(t, i) : 1                     # drive: high for the correct output, 0 otherwise
dh/dt = (v - h) / tau : 1 (unless refractory)  # eq. 2.2
a = 1.0 - int(not_refractory) : 1              # eq. 2.3
"""

#: threshold and reset of eq. 2.3
THRESHOLD = "h > h_th"
RESET = "h = 0"
#: the same for :data:`COUNTED_PULSE_LIF`: no spike during a pulse; the pulse lasts pulse_steps
COUNTED_THRESHOLD = "h > h_th and pulse_left <= 0"
COUNTED_RESET = """
h = 0
pulse_left = pulse_steps
"""
#: custom event of :data:`COUNTED_PULSE_LIF` in the step its pulse ends (a: 1 -> 0); the
#: event-driven projections of :mod:`spiketeach.models.pulse_projection` switch the pulse off then
PULSE_END_EVENT = {"pulse_end": "pulse_left == 0"}


def pulse_steps(params: SamadiParams) -> int:
    """Steps a pulse lasts: t_ref in whole steps, rounded as Brian2 rounds ``refractory``."""
    return int((float(params.t_ref) + 1e-3 * float(params.dt)) / float(params.dt))


def samadi_namespace(params: SamadiParams) -> dict:
    """Constants of the neuron and plasticity equations (compiled in as constants in standalone)."""
    return {
        "tau": params.tau,
        "h_th": params.h_th,
        "c2": params.c2,
        "mu": params.mu,
    }


def dynamic_lif_group(n: int, params: SamadiParams, clock: Clock, *, extra_equations: str = "",
                      namespace: dict | None = None, name: str | None = None,
                      equations: str = DYNAMIC_LIF, events: dict | None = None,
                      pulse: str = "refractory") -> NeuronGroup:
    """A layer of ``n`` dynamic LIF cells (eqs. 2.1–2.3), Euler-integrated at ``params.dt``.

    Parameters
    ----------
    n : int
        Number of cells.
    params : SamadiParams
        Neuron constants.
    clock : Clock
        The network's one clock (dt = ``params.dt``); one shared clock keeps the network
        expressible for Brian2GeNN.
    extra_equations : str, optional
        Appended to :data:`DYNAMIC_LIF` (e.g. the teaching signal of
        :mod:`spiketeach.models.plasticity`).
    namespace : dict, optional
        Further names the equations use (e.g. the TimedArray ``learning_gate``).
    name : str, optional
        Brian2 name of the group.
    equations : str, optional
        The neuron's equations, :data:`DYNAMIC_LIF` by default.
    events : dict, optional
        Custom events besides the spike (name -> condition).
    pulse : {"refractory", "counter"}
        How the 1 ms pulse is timed: Brian2's ``refractory`` (:data:`DYNAMIC_LIF`), or a step
        counter (:data:`COUNTED_PULSE_LIF`, same spikes, cheaper; pass its equations, or ones
        built from them, as ``equations``).
    """
    # (a copy of events: NeuronGroup adds its 'spike' event to the dict it is given)
    if pulse == "refractory":
        return NeuronGroup(n, equations + extra_equations, threshold=THRESHOLD, reset=RESET,
                           refractory=params.t_ref, method="euler",
                           namespace=samadi_namespace(params) | (namespace or {}),
                           clock=clock, name=name or "layer*", events=dict(events) if events else None)
    if pulse != "counter":
        raise ValueError(f"unknown pulse timing {pulse!r}; choose 'refractory' or 'counter'")
    if "pulse_left" not in equations:
        raise ValueError("pulse='counter' needs equations with the pulse counter "
                         "(COUNTED_PULSE_LIF)")
    group = NeuronGroup(n, equations + extra_equations, threshold=COUNTED_THRESHOLD,
                        reset=COUNTED_RESET, method="euler",
                        namespace=samadi_namespace(params) | {"pulse_steps": pulse_steps(params)}
                        | (namespace or {}),
                        clock=clock, name=name or "layer*", events=dict(events) if events else None)
    group.pulse_left = -1  # no pulse running
    return group


def graded_input_group(stimulus: TimedArray, clock: Clock, name: str = "input") -> NeuronGroup:
    """The graded input layer; ``stimulus`` is a 2-D TimedArray (presentations × inputs).

    Synapses that read ``a_pre`` from it need ``stimulus`` in their namespace too.
    """
    n = stimulus.values.shape[1]
    return NeuronGroup(n, GRADED_INPUT, namespace={"stimulus": stimulus}, clock=clock, name=name)


def target_group(target_drive: TimedArray, params: SamadiParams, clock: Clock,
                 name: str = "target") -> NeuronGroup:
    """Target cells whose pulses are the target y* (one per output)."""
    n = target_drive.values.shape[1]
    ns = samadi_namespace(params) | {"target_drive": target_drive}
    return NeuronGroup(n, TARGET_LIF, threshold=THRESHOLD, reset=RESET, refractory=params.t_ref,
                       method="euler", namespace=ns, clock=clock, name=name)
