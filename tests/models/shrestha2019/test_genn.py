"""The Brian2GeNN-compatible formulation of EMSTDP (feedback "fa" and "dfa"): GeNN's rules, and
the same counts and weights as the reference formulation (on Brian2's own devices; no GeNN)."""

import shutil

import numpy as np
import pytest
from brian2 import NeuronGroup, Synapses
from brian2 import seed as brian_seed

from spiketeach.core import devices
from spiketeach.core.devices import DeviceConfig, reset_device, select_device
from spiketeach.core.genn_rules import check_genn_constraints
from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.genn import GeNNEMSTDPNetwork
from spiketeach.models.shrestha2019.params import code_params
from spiketeach.protocols.shrestha2019.training import run_emstdp_block

SIZES = [64, 30, 20, 10]


def test_genn_formulation_follows_genn_rules(runtime):
    for feedback in ("fa", "dfa"):
        net = shrestha2019.build(SIZES, 10, params=code_params(T=20), feedback=feedback,
                                   formulation="genn", record_counts="all", record_spikes=True)
        assert isinstance(net, GeNNEMSTDPNetwork)
        objects = list(net.net.objects)
        check_genn_constraints(objects)  # one clock, no custom events, run_regularly in 'start'
        for obj in objects:
            if isinstance(obj, NeuronGroup):
                assert set(obj.events) <= {"spike"}
                # TimedArrays are read in run_regularly only
                assert not {"stimulus", "label", "learn_gate"} & obj.equations.identifiers
            if isinstance(obj, Synapses):
                assert not obj.equations.subexpr_names
                summed = [o for o in obj.contained_objects if "_summed_variable_" in o.name]
                assert len(summed) + len(obj._pathways) == 1, obj.name
        # eq. 12 runs in the forward synapses' own dynamics
        for syn in net.forward:
            assert "h2_post - h1_post" in str(syn.equations)
        assert net.duration == 10 * net.params.window + net.params.dt  # one extra step
    with pytest.raises(NotImplementedError, match="symmetric feedback"):
        shrestha2019.build(SIZES, 10, feedback="symmetric", formulation="genn")
    # what the CPU formulations use and GeNN refuses
    for form in ("reference", "fast"):
        with pytest.raises(RuntimeError, match="custom events"):
            check_genn_constraints(list(shrestha2019.build(
                SIZES, 10, params=code_params(T=20), feedback="dfa", formulation=form).net.objects))


def test_formulation_follows_the_device(runtime, monkeypatch):
    monkeypatch.setattr(devices, "_current", DeviceConfig("genn"))
    net = shrestha2019.build(SIZES, 10, params=code_params(T=20), feedback="fa")
    assert isinstance(net, GeNNEMSTDPNetwork)  # built, not run


def _digits(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, SIZES[0])) * (rng.uniform(0, 1, (n, SIZES[0])) < 0.4)
    return x, rng.integers(0, SIZES[-1], n)


def _both(device, tmp_path, params, feedback, learn):
    """One block in the reference and the GeNN formulation from the same Brian2 seed."""
    x, y = _digits(len(learn))
    out = {}
    for form in ("reference", "genn"):
        if device == "runtime":
            select_device("runtime")
        else:
            select_device(device, build_dir=tmp_path / form)
        try:
            brian_seed(11)
            net = shrestha2019.build(SIZES, len(learn), params=params, seed=3,
                                       feedback=feedback, record_counts="all", formulation=form)
            res = run_emstdp_block(net, None, x, y, learn)
            out[form] = (res, net.get_state(), dict(net.built_state))
        finally:
            reset_device()
    return out


def _assert_same(out):
    (r_ref, s_ref, built), (r_genn, s_genn, _) = out["reference"], out["genn"]
    spikes = 0
    for layer_ref, layer_genn in zip(r_ref.layers, r_genn.layers):
        for c_ref, c_genn in zip(layer_ref, layer_genn):  # h1, h2 of every cell and window
            np.testing.assert_array_equal(c_genn, c_ref)
            spikes += c_ref.sum()
    assert spikes > 1000
    for key, val in s_ref.items():
        np.testing.assert_allclose(s_genn[key], val, rtol=0, atol=1e-12, err_msg=key)
        if key.endswith(".w"):
            assert np.abs(val - built[key]).max() > 1e-3, key  # learned


@pytest.mark.parametrize("feedback,encoding,update,batch", [
    ("dfa", "poisson", "rmsprop", 1),
    pytest.param("fa", "shared", "sgd", 5, marks=pytest.mark.slow),
    pytest.param("fa", "poisson", "rmsprop", 5, marks=pytest.mark.slow)])
def test_genn_formulation_equals_reference_runtime(tmp_path, feedback, encoding, update, batch):
    """Per-step error conditions, summed feedback and the gated per-step weight update are the
    same model: the same h1, h2 of every layer in every window, weights and RMSprop state to
    1e-12, over 10 samples of 40 steps (batches; with batch 1 the last two are test windows)."""
    params = code_params(T=40, eta=1e-2 if update == "rmsprop" else 1e-3, batch=batch,
                         encoding=encoding, update=update)
    learn = np.r_[np.ones(8), np.zeros(2)] if batch == 1 else np.ones(10)
    _assert_same(_both("runtime", tmp_path, params, feedback, learn))


@pytest.mark.slow
@pytest.mark.standalone
def test_genn_formulation_equals_reference_cpp_standalone(tmp_path):
    """The same on cpp_standalone (GeNN's order of a step), the authors' configuration
    (shared-random input, RMSprop on batches of 10), feedback alignment: two builds."""
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    _assert_same(_both("cpp_standalone", tmp_path, code_params(T=40, eta=1e-2), "fa",
                       np.ones(10)))


@pytest.mark.slow
def test_genn_formulation_equals_reference_code_count_window(tmp_path):
    """The same with the code's count windows (h over steps 2 … T/2, ĥ from T/2 + 1 on)."""
    from dataclasses import fields

    from spiketeach.models.shrestha2019.params import EMSTDPParams
    if "count_window" not in {f.name for f in fields(EMSTDPParams)}:
        pytest.skip("this EMSTDPParams has no count_window")
    params = code_params(T=40, eta=1e-2, batch=5, count_window="code")
    _assert_same(_both("runtime", tmp_path, params, "fa", np.ones(10)))
