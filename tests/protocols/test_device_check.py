"""spiketeach.protocols.device_check: the comparison and the rules the device tests rely on."""

import numpy as np
import pytest

from spiketeach.protocols.device_check import CaseRun, compare, rule_holds, run_case


def _run(spikes, w, device="a"):
    start = {"forward0.w": np.zeros(4)}
    return CaseRun("samadi2017", "reference", device, start=start,
                   spikes=[{"out": (np.array(spikes), np.arange(len(spikes)) * 1e-3)}],
                   weights=[[np.asarray(w, dtype=float).reshape(2, 2)]])


def test_compare_sees_a_missing_spike_and_a_weight_difference():
    a = _run([0, 1, 1], [1, 2, 3, 4])
    same = compare(a, _run([0, 1, 1], [1, 2, 3, 4 + 1e-14], "b"))
    assert same["same_spikes"] and same["spikes_compared"] == 3
    assert 0 < same["weights_rel"] < 1e-14 and same["weight_change"] == 4
    other = compare(a, _run([0, 1], [1, 2, 3, 5], "b"))
    assert not other["same_spikes"] and "out" in other["first_difference"]
    assert other["weights_rel"] == pytest.approx(0.25)


def test_erbp_rule_holds_and_catches_a_lost_state(runtime):
    """Learning in the first block, none in the second: the second leaves exactly the state it
    was given (a binary that lost that state would leave the built weights)."""
    run = run_case("neftci2017", "fast", blocks=2)
    check = rule_holds(run)
    assert check["holds"] and check["learned"] and check["max_deviation"] == 0, check
    run.states[1] = dict(run.start)  # what a lost state looks like
    assert not rule_holds(run)["holds"]
    with pytest.raises(ValueError, match="not by a rule"):
        rule_holds(_run([0], [1, 2, 3, 4]))
    with pytest.raises(ValueError, match="no device check"):
        run_case("bourdoukan2015", "reference")
