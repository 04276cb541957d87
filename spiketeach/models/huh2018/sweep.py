"""Fig. 1 of Huh & Sejnowski (2018): the charge a voltage sweep through the active zone deposits.

Huh D, Sejnowski TJ (2018). Gradient descent for spiking neural networks. NeurIPS 31.

The voltage is prescribed (no neuron): it rises at a constant speed from one zone width below
the zone to ``depth`` zones into it, then stays (the smooth gate's tails reach past the zone:
its mass beyond one width from the zone's edge is below 1e-6). The trace s follows the model's own forward-Euler
step of eq. 2, s_n+1 = s_n + dt/tau_s (g(v_n) dv/dt - s_n). In continuous time the charge
int s dt equals int g dv over the path: 1 for a full sweep at any speed, the fraction of the
zone crossed for a partial one (boxcar). Discretised, it is the Riemann sum of g dv, within one
step's share of the zone (boxcar) of that.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from spiketeach.core.checks import check_nonnegative, check_positive

from .dynamics import gate
from .params import Huh2018Params

__all__ = ["sweep", "zone"]


def zone(params: Huh2018Params) -> tuple[float, float]:
    """The active zone's lower and upper edge (theta: around pi; QIF: around v_gate)."""
    centre = math.pi if params.neuron == "theta" else params.v_gate
    return centre - params.delta / 2, centre + params.delta / 2


def sweep(params: Huh2018Params, depth: float, duration: float, steps_per_crossing: int = 2000,
          hold: float = 0.0) -> dict:
    """Sweep into the zone at speed delta / ``duration`` up to ``depth`` zones (>= 2: through
    it and one width beyond), then hold for ``hold`` seconds; ``dt = duration / steps_per_crossing``.

    Returns ``t``, ``v``, ``g``, ``s`` (arrays) and ``charge``: dt sum s plus the charge the
    filter still holds at the end (tau_s s_N, what it releases as it decays, exactly for the
    Euler recursion), so no long decay needs simulating.
    """
    check_nonnegative("depth", depth)
    check_positive("duration", duration)
    check_nonnegative("hold", hold)
    if int(steps_per_crossing) != steps_per_crossing or steps_per_crossing < 1:
        raise ValueError(f"steps_per_crossing must be a positive integer, got "
                         f"{steps_per_crossing!r}")
    p = params
    dt = duration / steps_per_crossing
    if dt >= p.tau_s:
        raise ValueError(f"the step duration / steps_per_crossing ({dt} s) must be shorter than "
                         f"tau_s ({p.tau_s} s)")
    lo, _ = zone(p)
    speed = p.delta / duration
    n_ramp = int(round((depth + 1.0) * steps_per_crossing))
    n_hold = int(round(hold / dt))
    vdot = np.r_[np.full(n_ramp, speed), np.zeros(n_hold + 1)]
    v = lo - p.delta + dt * np.concatenate([[0.0], np.cumsum(vdot[:-1])])
    g = gate(v, p)[0]
    k = dt / p.tau_s
    # s_n+1 = (1 - k) s_n + k g(v_n) vdot_n, s_0 = 0
    s = lfilter([0.0, k], [1.0, -(1.0 - k)], g * vdot)
    charge = dt * float(s.sum()) + p.tau_s * float(s[-1] * (1 - k) + k * g[-1] * vdot[-1])
    return {"t": np.arange(v.size) * dt, "v": v, "g": g, "s": s, "charge": charge, "dt": dt}
