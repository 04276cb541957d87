"""Tuning-curve protocols for the dynamic LIF neuron of Samadi, Lillicrap & Tweed (2017).

Samadi A, Lillicrap TP, Tweed DB (2017). Deep learning with dynamic spiking neurons and fixed
feedback weights. Neural Computation 29(3):578–602.

Appendix A measures the neuron's mean output E(a) as a function of a constant drive v: 1000 drives
in [-50, 50], each held for 100 ms, with the first 20 ms ignored so that the hillock has settled;
E(a) is the mean of the output a over the remaining 80 ms. The tanh fit of eq. 2.10 (c1 = 0.82,
c2 = 0.08) is fitted to that curve (Fig. 2). :func:`simulate_activity` runs this protocol for all
drives at once, one cell per drive; :func:`simulate_trace` records one cell whose drive steps
through a few values (Fig. 1).

Both run on whatever device :func:`spiketeach.core.devices.select_device` chose last. A standalone
device is built once per selection, so select it again before each call there.
"""

from __future__ import annotations

import numpy as np
from brian2 import Clock, Network, StateMonitor, TimedArray, ms, second

from spiketeach.core.runner import BlockRunner
from spiketeach.models.samadi2017.layers import dynamic_lif_group
from spiketeach.models.samadi2017.params import SamadiParams

__all__ = ["ACTIVITY_ACCUMULATOR", "ACCUMULATE", "FIG1_DRIVE_STEPS", "simulate_activity", "simulate_trace"]

#: Running mean of the output over the read-out window. ``A`` is declared with the neuron's
#: equations and incremented by :data:`ACCUMULATE` at the end of every step.
ACTIVITY_ACCUMULATOR = """
A : 1                                          # mean of a over the read-out window
"""

#: Why at the end of the step and not as ``dA/dt = a * ... : 1`` in the state update: the state
#: updater recomputes ``not_refractory`` before it integrates, so during the update ``a`` is 0
#: in the step whose threshold starts a pulse and already 0 again in the pulse's last step; an
#: ODE accumulator sees pulses of t_ref - dt (3 steps of 0.25 ms, E(a) = 0.75 for a saturated
#: cell). After the threshold and reset, ``a`` is 1 for exactly t_ref (4 steps), which is also
#: what the forward synapses read at the start of the next step. The gate compares with
#: ``settle_time - dt/2`` because ``t = step * dt`` is rounded and ``t >= settle_time`` could
#: drop or add the window's first step.
ACCUMULATE = "A += a * int(t > settle_time - 0.5 * dt) * dt / window_time"

#: Drive steps of the paper's Fig. 1: below threshold, just above it, well above it.
FIG1_DRIVE_STEPS = ((0.3, 100 * ms), (0.6, 100 * ms), (1.2, 100 * ms))

def simulate_activity(drives, params: SamadiParams | None = None, dt=None, duration=100 * ms,
                      settle=20 * ms) -> np.ndarray:
    """Mean output E(a) of the dynamic LIF neuron for each constant drive (Appendix A).

    One cell per drive, all in one NeuronGroup and one ``run()``; every cell starts at h = 0.

    Parameters
    ----------
    drives : array_like
        Constant drives v (dimensionless; the bias b is 0 and v_ff holds the drive).
    params : SamadiParams, optional
        Neuron constants (tau, h_th, t_ref); the paper's by default.
    dt : Quantity, optional
        Integration step; ``params.dt`` (0.25 ms, Table 1) by default. The closed form of §2.4 is
        the dt → 0 limit (see :func:`spiketeach.models.samadi2017.activation.closed_form_activity`).
    duration, settle : Quantity
        How long each drive is held and how much of the start is ignored (100 ms and 20 ms).

    Returns
    -------
    numpy.ndarray
        E(a) per drive, the mean of a over [settle, duration).
    """
    params = params or SamadiParams()
    dt = params.dt if dt is None else dt
    drives = np.asarray(drives, dtype=float).reshape(-1)
    if drives.size == 0:
        raise ValueError("need at least one drive")
    if not np.all(np.isfinite(drives)):
        raise ValueError("drives contain NaN or inf")
    if not 0 <= float(settle) < float(duration):
        raise ValueError("settle must lie within the duration")

    clock = Clock(dt=dt, name="tuning_clock*")
    group = dynamic_lif_group(
        drives.size, params, clock, extra_equations=ACTIVITY_ACCUMULATOR,
        namespace={"settle_time": settle, "window_time": duration - settle}, name="tuning*")
    group.v_ff = drives
    group.b = 0.0
    group.run_regularly(ACCUMULATE, when="end", name=f"{group.name}_accumulate")
    BlockRunner(Network(group), duration).run()
    return np.asarray(group.A[:], dtype=float)

def _schedule_array(drive_steps, dt) -> tuple[TimedArray, int]:
    """The drive steps as a 1-D TimedArray with one value per simulation step.

    Sampling at the clock's own dt (rather than at the steps' durations) keeps the TimedArray's
    grid aligned with the clock's, so each step switches exactly at its start.
    """
    if not drive_steps:
        raise ValueError("drive_steps must be a non-empty sequence of (drive, duration)")
    counts = []
    for level, length in drive_steps:
        n = float(length) / float(dt)
        if round(n) < 1 or abs(n - round(n)) > 1e-6:
            raise ValueError(f"each duration must be a positive whole number of steps of {dt}; "
                             f"got {length}")
        counts.append(round(n))
    values = np.concatenate([np.full(n, float(v)) for (v, _), n in zip(drive_steps, counts)])
    if not np.all(np.isfinite(values)):
        raise ValueError("drives contain NaN or inf")
    return TimedArray(values, dt=dt, name="drive_schedule*"), int(values.size)

def simulate_trace(drive_steps=FIG1_DRIVE_STEPS, params: SamadiParams | None = None, dt=None):
    """Drive v, hillock h and output a of one cell whose drive steps through values (Fig. 1).

    Parameters
    ----------
    drive_steps : sequence of (float, Quantity)
        (drive, how long it is held), in order; by default the paper's 0.3 → 0.6 → 1.2,
        100 ms each. Each duration must be a whole number of steps.
    params : SamadiParams, optional
        Neuron constants; the paper's by default.
    dt : Quantity, optional
        Integration step; ``params.dt`` by default.

    Returns
    -------
    t, v, h, a : numpy.ndarray
        Time in seconds and the three variables, one sample per step, recorded at the end of
        each step (so the step in which h crosses h_th shows h = 0 and a = 1).
    """
    params = params or SamadiParams()
    dt = params.dt if dt is None else dt
    schedule, n_steps = _schedule_array(drive_steps, dt)

    clock = Clock(dt=dt, name="trace_clock*")
    group = dynamic_lif_group(1, params, clock, namespace={"drive_schedule": schedule},
                              name="trace*")
    group.b = 0.0
    # v_ff is a parameter of DYNAMIC_LIF (the forward synapses write it), so the schedule writes
    # it too, in the 'start' slot before the state update; run_regularly is also the only way
    # Brian2GeNN accepts a TimedArray.
    group.run_regularly("v_ff = drive_schedule(t)", when="start")
    # Recorded at 'end' so that a sample reflects the step's threshold and reset.
    mon = StateMonitor(group, ["v", "h", "a"], record=0, when="end")
    BlockRunner(Network(group, mon), n_steps * dt).run()
    return (np.asarray(mon.t[:] / second, dtype=float), np.asarray(mon.v[0], dtype=float),
            np.asarray(mon.h[0], dtype=float), np.asarray(mon.a[0], dtype=float))
