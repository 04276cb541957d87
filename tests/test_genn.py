"""Brian2GeNN code generation for every model, without GeNN or a GPU (``make test-genn``).

GeNN itself is on no package registry, so these tests generate the GeNN project (``compile=False,
run=False``) and read the generated model: the plasticity must be in it, not merely "no
exception". They need Brian2GeNN (brian2 < 2.6, its own environment) and are skipped elsewhere.
"""

import re

import numpy as np
import pytest

pytest.importorskip("brian2genn")

from spiketeach.devices import (DeviceError, brian2_supports_run_args, reset_device,  # noqa: E402
                                select_device)
from brian2 import second  # noqa: E402

from spiketeach.models.genn_formulation import (GeNNBANetwork, check_genn_constraints,  # noqa: E402
                                                genn_violations)
from spiketeach.models.network import build_ba_network  # noqa: E402
from spiketeach.models.samadi import SamadiParams  # noqa: E402
from spiketeach.protocols.presentation import PresentationSchedule  # noqa: E402
from spiketeach.protocols.training import run_block, targets_to_drive  # noqa: E402

pytestmark = pytest.mark.genn

P = SamadiParams()


@pytest.fixture
def genn(tmp_path):
    cfg = select_device("genn", build_dir=tmp_path / "genn", generate_only=True)
    yield cfg
    reset_device()


def _model_code(build_dir) -> str:
    return (build_dir / "magicnetwork_model.cpp").read_text()


def _block(code: str, start: str, end: str = "IMPLEMENT_MODEL") -> str:
    """The text of one generated GeNN model class (from ``class <start>`` to its IMPLEMENT)."""
    i = code.index(f"class {start}")
    return code[i:code.index(end, i)]


def test_samadi_generates_genn_code_with_the_plasticity(genn):
    n = 2
    ban = build_ba_network([4, 5, 3], PresentationSchedule(n, P.presentation, P.settle), seed=0,
                           feedback="broadcast")
    assert isinstance(ban, GeNNBANetwork)  # chosen because the device is genn
    check_genn_constraints(list(ban.net.objects))
    rng = np.random.default_rng(0)
    timed = {ban.stimulus: rng.uniform(0, 1, (n, 4)),
             ban.target_drive: targets_to_drive([0, 2], 3, ban.target_drive_high),
             ban.learning_gate: ban.schedule.gate_values(np.ones(n))}
    bias = np.full(5, 0.777)  # a state to start from (pairs: brian2 2.5 cannot hash views)
    ban.runner.run([(ban.layers[0].b, bias)], timed)  # generates (GeNN would compile and run)
    static = {p.name: np.fromfile(p) for p in (genn.build_dir / "static_arrays").iterdir()}
    np.testing.assert_array_equal(static["stimulus_values"], timed[ban.stimulus].ravel())
    assert any(np.array_equal(a, bias) for a in static.values())  # the state is in the project
    code = _model_code(genn.build_dir)
    for k in range(2):
        syn = _block(code, f"forward{k}WEIGHTUPDATE")
        dynamics = syn[syn.index("SET_SYNAPSE_DYNAMICS_CODE"):]
        # eq. 2.13 with momentum, from the post cell's teaching signal and the pre activity
        assert re.search(r"_DW = \(\$\(DW\) \* \$\(mu\)\) - \(\$\(a_step_pre\) \* \$\(iota_post\)\)",
                         dynamics), dynamics
        assert "$(w) = _w;" in dynamics and "$(DW) = _DW;" in dynamics
        assert "$(addToInSyn,$(w)*$(a_pre))" in dynamics.replace(" ", "")  # W a, eq. 2.1
    for name, gated in (("hidden0", True), ("output", False)):
        neuron = _block(code, f"{name}NEURON")
        # eq. 2.11: sech^2 slope, learning gate, v > 0 gate on hidden cells only
        assert "_iota = " in neuron and "cosh($(c2)" in neuron and "$(gate)" in neuron
        assert ("int_(($(b) + $(v_ff)) > 0)" in neuron) == gated
        assert "$(Db) = _Db;" in neuron and "$(b) = _b;" in neuron  # eq. 2.12
    for k in range(2):  # delta = B e, one summed variable per Synapses
        fb = _block(code, f"feedback{k}WEIGHTUPDATE")
        assert "$(addToInSyn,$(B)*$(err_pre))" in fb.replace(" ", "")
    # the TimedArrays are read on the host, in run_regularly operations in the start slot
    engine = (genn.build_dir / "engine.cpp").read_text()
    for op in ("input_run_regularly_load", "target_run_regularly_load",
               "hidden0_run_regularly_gate", "output_run_regularly_gate"):
        assert f"_run_{op}_codeobject();" in engine
    with pytest.raises(DeviceError, match="one run"):  # GeNN: one run() per build
        ban.runner.run([], timed)


def test_samadi_derivative_free_and_depth_1(genn):
    ban = build_ba_network([4, 5, 3], PresentationSchedule(1, P.presentation, P.settle), seed=1,
                           feedback="derivative_free", depth=1, plasticity="fast")
    assert list(ban.feedback) == [1] and isinstance(ban, GeNNBANetwork)
    ban.net.run(ban.schedule.duration, namespace={})
    code = _model_code(genn.build_dir)
    assert "_DW" not in _block(code, "forward0WEIGHTUPDATE")  # frozen first layer
    assert "_DW = " in _block(code, "forward1WEIGHTUPDATE")
    neuron = _block(code, "outputNEURON")
    assert "_iota = " in neuron and "cosh" not in neuron  # DF: no slope factor


@pytest.mark.skipif(brian2_supports_run_args(), reason="brian2 >= 2.6 has run_args")
def test_rerunning_a_binary_needs_brian2_2_6(tmp_path):
    select_device("cpp_standalone", build_dir=tmp_path / "cpp")
    try:
        ban = build_ba_network([2, 2], PresentationSchedule(1, P.presentation, P.settle))
        with pytest.raises(DeviceError, match=r"run_args\) needs brian2 >= 2.6"):
            run_block(ban, None, np.zeros((1, 2)), np.array([0]), np.ones(1))
    finally:
        reset_device()


# --- the models without a GeNN formulation yet: what blocks them, named -------------------------

def test_hunsberger_standard_formulation_is_refused_and_why(genn):
    from dataclasses import replace

    from spiketeach.models.hunsberger import build_fa_network
    from spiketeach.models.lif import HunsbergerParams

    params = replace(HunsbergerParams(), formulation="reference", sizes=(4, 6, 6, 3))
    sched = PresentationSchedule(1, P.presentation, P.settle)
    fa = build_fa_network(sched, params=params, record_dt=None, record_hidden=False)
    found = "\n".join(genn_violations(list(fa.net.objects)))
    # the same kinds of obstacle the Samadi rewrite removed: its own clock, TimedArrays in
    # equations, per-step learning in run_regularly outside the start slot
    assert "not defaultclock" in found
    assert "TimedArray 'stimulus' read outside run_regularly" in found
    assert re.search(r"weight_update: run_regularly in the 'end' slot", found)
    with pytest.raises(NotImplementedError):  # and Brian2GeNN agrees
        fa.net.run(sched.duration, namespace={})


def test_emstdp_is_refused_and_why(genn):
    from spiketeach.models.emstdp import build_emstdp_network, code_params

    em = build_emstdp_network([16, 8, 4], 10, params=code_params(T=20), feedback="dfa")
    found = "\n".join(genn_violations(list(em.net.objects)))
    # error spikes and window ends are custom events with their own synaptic pathways (the
    # error feedback, the window-end weight update)
    assert "custom events" in found
    assert re.search(r"pathway '\w+' on event '\w+'", found)
    with pytest.raises(NotImplementedError):
        em.net.run(0.02 * second, namespace={})
