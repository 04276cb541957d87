"""The clock a network steps on, chosen for the device (:func:`step_clock`)."""

from __future__ import annotations

from brian2 import Clock

from spiketeach.core.devices import current_device

__all__ = ["step_clock"]


def step_clock(dt, name: str):
    """A network's time-step clock: its own ``Clock(dt, name)``, except on cuda_standalone,
    where it is Brian2's ``defaultclock`` with ``dt`` set.

    Brian2CUDA 1.0b1's ``synapses.cu`` template reads ``defaultclock.timestep[0]`` in every
    pathway that applies its effects per synapse or with atomics (the event-driven pathways of
    the fast forms), and ``defaultclock`` is only declared where some object runs on it: a
    network on its own Clock fails to compile with ``identifier "defaultclock" is undefined``.
    No upstream issue reports it (searched brian-team/brian2cuda's tracker); the nearest is
    brian-team/brian2cuda#222 (event spaces of objects on another clock than defaultclock).
    On defaultclock the test that template makes (``timestep >= delay``) is also the right one.
    """
    if current_device().name == "cuda_standalone":
        from brian2 import get_device
        clock = get_device().defaultclock  # the clock itself, not the proxy (identity checks)
        clock.dt = dt
        return clock
    return Clock(dt=dt, name=name)
