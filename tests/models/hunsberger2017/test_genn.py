"""The Brian2GeNN-compatible formulation of the Hunsberger & Eliasmith network: GeNN's rules, and
the same spikes and weights as the reference formulation (on Brian2's own devices; no GeNN)."""

import shutil

import numpy as np
import pytest
from brian2 import NeuronGroup, SpikeMonitor, Synapses, ms, second

from spiketeach.core import devices
from spiketeach.core.devices import DeviceConfig, reset_device, select_device
from spiketeach.core.genn_rules import check_genn_constraints
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017
from spiketeach.models.hunsberger2017.genn import GeNNFANetwork
from spiketeach.models.hunsberger2017.network import initial_weights
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.protocols.hunsberger2017.linear_map import LinearMapTask

P = HunsbergerParams()
SMALL = dict(sizes=(10, 20, 20, 2), n_per_dim=20, eta=5.0)


def _build(n=2, **changes):
    p = P.replace(**(SMALL | changes))
    return hunsberger2017.build(PresentationSchedule(n, p.presentation, 0 * second), params=p,
                            seed=0)


def test_genn_formulation_follows_genn_rules(runtime):
    fan = _build(formulation="genn")
    assert isinstance(fan, GeNNFANetwork)
    objects = list(fan.net.objects)
    check_genn_constraints(objects)  # one clock, run_regularly in 'start', no links/events
    timed = ("stimulus", "target_values", "learning_gate", "record_gate")
    for obj in objects:
        if isinstance(obj, NeuronGroup):  # TimedArrays are read in run_regularly only
            assert not any(f in str(obj.equations) for f in timed), obj.name
        if isinstance(obj, Synapses):  # no subexpressions, at most one summed/post variable
            assert not obj.equations.subexpr_names
            summed = [o for o in obj.contained_objects if "_summed_variable_" in o.name]
            assert len(summed) + len(obj._pathways) <= 1, obj.name
    # the weight update runs as the forward synapses' dynamics, not as run_regularly
    for syn in fan.forward:
        assert "dw/dt = -eta_w * teach_post * apre_pre" in str(syn.equations).replace("  ", " ")
        assert not any(type(o).__name__ == "CodeRunner" for o in syn.contained_objects)
    # the two CPU formulations break the rules (that is why this one exists)
    for form, why in (("reference", "not defaultclock"), ("fast", "linked variables")):
        with pytest.raises(RuntimeError, match=why):
            check_genn_constraints(list(_build(formulation=form).net.objects))


def test_formulation_follows_the_device(runtime, monkeypatch):
    assert not isinstance(_build(formulation="fast"), GeNNFANetwork)
    monkeypatch.setattr(devices, "_current", DeviceConfig("genn"))
    assert isinstance(_build(formulation="fast"), GeNNFANetwork)  # built, not run


def _run(formulation, n, device, build_dir=None, presentation=220 * ms):
    """One block of the small network with learning on after the first presentation: spikes of
    every spiking group, weights (pending update folded in) and the decoded output."""
    p = P.replace(formulation=formulation, presentation=presentation, **SMALL)
    if device == "runtime":
        select_device("runtime", target="numpy")
    else:
        select_device(device, build_dir=build_dir)
    try:
        x, y = LinearMapTask(10, 2).sample(n, np.random.default_rng(0))
        fan = hunsberger2017.build(PresentationSchedule(n, p.presentation, 0 * second), params=p,
                               seed=0)
        mons = [SpikeMonitor(g) for g in [*fan.hidden, fan.output, *fan.errors]]
        fan.net.add(*mons)
        fan.runner.run({}, {fan.stimulus: x, fan.target_values: y,
                            fan.learning_gate: np.r_[0.0, np.ones(n - 1)],
                            fan.record_gate: np.ones(n)})
        spikes = [(np.asarray(m.i[:]), np.asarray(m.t[:])) for m in mons]
        return spikes, fan.weights(), np.asarray(fan.y_monitor.s[:])
    finally:
        reset_device()


def _assert_same(ref, genn):
    for (i1, t1), (i2, t2) in zip(ref[0], genn[0]):
        assert len(i1) > 0
        np.testing.assert_array_equal(i1, i2)
        np.testing.assert_array_equal(t1, t2)
    w0 = initial_weights(P.replace(sizes=SMALL["sizes"]), 0)[0]
    for w_ref, w_genn, w_init in zip(ref[1], genn[1], w0):
        assert np.abs(w_ref - w_init).max() > 1e-3  # learned (w0 ~ 4e-4)
        np.testing.assert_allclose(w_genn, w_ref, rtol=0, atol=1e-12 * np.abs(w_ref).max())
    np.testing.assert_allclose(genn[2], ref[2], rtol=0, atol=1e-12)


@pytest.mark.slow
def test_genn_formulation_equals_reference_runtime():
    # numpy target: 3 presentations of 150 ms, learning in the last two (~15 s)
    _assert_same(_run("reference", 3, "runtime", presentation=150 * ms),
                 _run("genn", 3, "runtime", presentation=150 * ms))


@pytest.mark.slow
@pytest.mark.standalone
def test_genn_formulation_equals_reference_cpp_standalone(tmp_path):
    # what Brian2GeNN would be given, run in GeNN's order of a step on cpp_standalone: the
    # same spikes in every spiking group, the same weights (two builds: ~1-2 min)
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    _assert_same(_run("reference", 3, "cpp_standalone", tmp_path / "reference"),
                 _run("genn", 3, "cpp_standalone", tmp_path / "genn"))
