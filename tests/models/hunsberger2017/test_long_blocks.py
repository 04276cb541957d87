"""Hunsberger's fast (lazy) formulation does not rely on a second clock (issue 17).

A second clock's ticks can fall one ulp after the step they should coincide with on
cpp_standalone (from t ≈ 64 s; this broke EMSTDP's and Samadi's fast forms). Here the model runs
on one clock; the lazy flushes are integer arithmetic on ``t_in_timesteps``; the TimedArrays are
read with the float time of the step and give the presentation index at every step of the longest
block the protocol runs (the poster's 1000 s of training in one block, ≈ 5000 presentations). The
monitors sampled every ``record_dt`` keep their own clock: they write nothing into the model,
so a late tick moves a recorded sample by one step and changes no spike or weight.
"""

import numpy as np
from brian2.input.timedarray import _find_K

from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017
from spiketeach.models.hunsberger2017.equations import LAZY_E, LAZY_EVENTS
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.protocols.hunsberger2017.linear_map import PosterProtocol


def test_lazy_form_is_one_clock_and_integer_steps_over_the_longest_block(runtime):
    p = HunsbergerParams()
    n = PosterProtocol.from_params(p).n
    assert n > 1100
    schedule = PresentationSchedule(4, p.presentation, 0 * p.presentation)
    fan = hunsberger2017.build(schedule, formulation="fast", record_dt=None)
    clocks = {o.clock for obj in fan.net.objects
              for o in [obj, *getattr(obj, "contained_objects", [])]}
    assert len(clocks) == 1
    assert "t_in_timesteps" in LAZY_EVENTS["lazy_flush"] and "t_in_timesteps" in LAZY_E
    assert "(t," not in LAZY_EVENTS["lazy_flush"] + LAZY_E and "t/" not in LAZY_E
    dt, pres = float(p.dt), float(p.presentation)
    steps_per = round(pres / dt)
    steps = np.arange(n * steps_per, dtype=np.int64)
    K = _find_K(dt, pres)
    row = ((steps * dt / (pres / K) + 0.5) / K).astype(np.int64)  # TimedArray, cpp template
    np.testing.assert_array_equal(row, steps // steps_per)
