"""Brian2GeNN code generation for every model, without GeNN or a GPU (``make test-genn``).

GeNN itself is on no package registry, so these tests generate the GeNN project (``compile=False,
run=False``) and read the generated model: the plasticity must be in it, not merely "no
exception". They need Brian2GeNN (brian2 < 2.6, its own environment) and are skipped elsewhere.
"""

import re

import numpy as np
import pytest

pytest.importorskip("brian2genn")

from brian2 import second  # noqa: E402

from spiketeach.core.devices import (
    DeviceError,
    brian2_supports_run_args,
    reset_device,
    select_device,
)
from spiketeach.core.genn_rules import check_genn_constraints, genn_violations
from spiketeach.core.schedule import PresentationSchedule  # noqa: E402
from spiketeach.models import samadi2017  # noqa: E402
from spiketeach.models.samadi2017.genn import GeNNBANetwork
from spiketeach.models.samadi2017.params import SamadiParams  # noqa: E402
from spiketeach.protocols.samadi2017.training import run_block, targets_to_drive  # noqa: E402

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
    ban = samadi2017.build([4, 5, 3], PresentationSchedule(n, P.presentation, P.settle), seed=0,
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
    ban = samadi2017.build([4, 5, 3], PresentationSchedule(1, P.presentation, P.settle), seed=1,
                           feedback="derivative_free", depth=1, formulation="fast")
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
        ban = samadi2017.build([2, 2], PresentationSchedule(1, P.presentation, P.settle))
        run_block(ban, None, np.zeros((1, 2)), np.array([0]), np.ones(1))  # built with its values
        with pytest.raises(DeviceError, match=r"run_args\) needs brian2 >= 2.6"):
            run_block(ban, ban.get_state(), np.zeros((1, 2)), np.array([0]), np.ones(1))
    finally:
        reset_device()


# --- Hunsberger & Eliasmith: the GeNN formulation, and why the CPU ones are refused ------------

def _hunsberger(sizes=(4, 6, 6, 3), n_per_dim=4, **changes):
    from dataclasses import replace

    from spiketeach.models import hunsberger2017
    from spiketeach.models.hunsberger2017.params import HunsbergerParams

    params = replace(HunsbergerParams(), sizes=sizes, n_per_dim=n_per_dim, **changes)
    sched = PresentationSchedule(2, params.presentation, 0 * second)
    return hunsberger2017.build(sched, params=params, record_dt=None, record_hidden=True)


def test_hunsberger_generates_genn_code_with_the_fa_update(genn):
    from spiketeach.models.hunsberger2017.genn import GeNNFANetwork

    fan = _hunsberger()  # formulation "fast" asked for: the genn device builds the GeNN one
    assert isinstance(fan, GeNNFANetwork)
    check_genn_constraints(list(fan.net.objects))
    rng = np.random.default_rng(0)
    fan.runner.run({}, {fan.stimulus: rng.normal(0, 0.5, (2, 4)),
                        fan.target_values: rng.normal(0, 0.5, (2, 3)),
                        fan.learning_gate: np.ones(2), fan.record_gate: np.zeros(2)})
    code = _model_code(genn.build_dir)
    for k in range(3):  # encoder -> h0, h0 -> h1 (FA), h1 -> output node (PES)
        syn = _block(code, f"forward{k}WEIGHTUPDATE")
        dynamics = syn[syn.index("SET_SYNAPSE_DYNAMICS_CODE"):]
        # dW = -eta dt teach_post apre_pre, in the synapse dynamics (on the GPU), every step
        update = re.search(r"double _w = ([^;]*);", dynamics).group(1)
        for factor in ("$(apre_pre)", "DT", "$(eta_w)", "$(teach_post)", "$(w)"):
            assert factor in update, (factor, update)
        assert "$(w) = _w;" in dynamics and "double _w_prev = $(w);" in dynamics
        # each spike kicks the post cell's alpha filter with the weight before this update
        assert "$(w_prev)" in syn[syn.index("SET_SIM_CODE"):syn.index("SET_LEARN_POST_CODE")]
    for k in range(2):  # FA teaching signal: gate * (B e) * surrogate derivative f'(J)
        neuron = _block(code, f"hidden{k}NEURON")
        teach = re.search(r"double _teach = ([^;]*);", neuron).group(1)
        for factor in ("$(fb)", "$(gate)", "$(tau_ref)", "$(tau_rc)"):
            assert factor in teach, (factor, teach)
        assert "log1p(" in neuron  # the in-step spike time of the LIF reset
        fb = _block(code, f"feedback{k}WEIGHTUPDATE")  # B e, one summed variable
        assert "$(addToInSyn,$(B)*$(s_pre))" in fb.replace(" ", "")
    pes = re.search(r"double _teach = ([^;]*);", _block(code, "out_nodeNEURON")).group(1)
    assert "$(err)" in pes and "$(gate)" in pes
    engine = (genn.build_dir / "engine.cpp").read_text()
    for op in ("encoder_run_regularly_load", "target_run_regularly_load",
               "hidden0_run_regularly_gate", "error0_run_regularly_gate"):
        assert re.search(rf"_run_{op}_codeobject(_\d+)?\(\);", engine), op


def test_hunsberger_cpu_formulations_are_refused_and_why(tmp_path):
    select_device("runtime")
    try:
        found = "\n".join(genn_violations(list(_hunsberger(formulation="reference").net.objects)))
        fast = "\n".join(genn_violations(list(_hunsberger(formulation="fast").net.objects)))
    finally:
        reset_device()
    # its own clock, TimedArrays in equations, per-step learning in run_regularly outside the
    # start slot; the fast form also linked variables and custom events
    assert "not defaultclock" in found
    assert "TimedArray 'stimulus' read outside run_regularly" in found
    assert re.search(r"weight_update: run_regularly in the 'end' slot", found)
    assert "linked variables" in fast and "custom events ['lazy_flush'" in fast


# --- EMSTDP: the GeNN formulation (fa, dfa); symmetric feedback is blocked ------------------------

@pytest.mark.parametrize("feedback", ["fa", "dfa"])
def test_emstdp_generates_genn_code_with_the_weight_update(genn, feedback):
    from spiketeach.models import shrestha2019
    from spiketeach.models.shrestha2019.genn import GeNNEMSTDPNetwork
    from spiketeach.models.shrestha2019.params import code_params

    em = shrestha2019.build([16, 8, 6, 4], 10, params=code_params(T=20), feedback=feedback,
                              record_counts="all")
    assert isinstance(em, GeNNEMSTDPNetwork)  # chosen because the device is genn
    check_genn_constraints(list(em.net.objects))
    em.runner.run({}, {em.stimulus: np.full((10, 16), 0.5), em.label: np.eye(4)[np.arange(10) % 4],
                       em.learn_gate: np.ones(10)})
    code = _model_code(genn.build_dir)
    for k in range(3):
        syn = _block(code, f"emstdp_forward{k}WEIGHTUPDATE")
        dynamics = syn[syn.index("SET_SYNAPSE_DYNAMICS_CODE"):]
        # eq. 12, dW = eta (h2 - h1)_post h1_pre (RMSprop form, batch sum Dacc), gated by the
        # window end (lgw: learning gate, bw: end of batch), in the synapse dynamics
        update = re.search(r"double _w = ([^;]*);", dynamics).group(1)
        for factor in ("$(eta)", "$(h1_pre)", "$(h2_post)", "(- $(h1_post))", "$(lgw_post)",
                       "$(bw_post)", "$(Dacc)", "$(v)", "sqrt("):
            assert factor in update, (factor, update)
        assert "double _Dacc = " in dynamics and "double _v = " in dynamics
        assert "$(addToInSyn,$(w));" in syn  # forward spikes into I_ff
    for k in range(2):  # the error feedback: sum of B * esign (no custom events)
        fb = _block(code, f"emstdp_feedback{k}WEIGHTUPDATE")
        assert "$(addToInSyn,$(B)*$(esign_pre))" in fb.replace(" ", "")
        neuron = _block(code, f"emstdp_hidden{k}NEURON")
        # error neuron: this step's signed error spike, its push on the forward cell (eq. 13)
        assert "double _esign = " in neuron and "$(theta_e)" in neuron
        assert re.search(r"double _I_err = \(\$\(gamma\) \* \$\(theta\)\)", neuron)
    out = _block(code, "emstdp_outputNEURON")
    assert "$(target_spike) = int_(_rand($(_seed)) < ($(target_rate) * $(lab)));" in out
    engine = (genn.build_dir / "engine.cpp").read_text()
    for op in ("emstdp_input_run_regularly_load", "emstdp_output_run_regularly_load",
               "emstdp_input_run_regularly_random"):  # (a second build in a process: _1)
        assert re.search(rf"_run_{op}_codeobject(_\d+)?\(\);", engine), op


def test_emstdp_symmetric_feedback_is_blocked(genn):
    from spiketeach.models import shrestha2019
    from spiketeach.models.shrestha2019.params import code_params

    with pytest.raises(NotImplementedError, match="symmetric feedback is not expressible"):
        shrestha2019.build([16, 8, 4], 10, params=code_params(T=20), feedback="symmetric")


def test_brian2genn_preferences_do_not_reach_a_later_device(tmp_path):
    """Brian2GeNN sets its own schedule (synapses before groups) and leaves it for the rest of
    the process ("reset them manually"): a cpp_standalone run after a GeNN one took GeNN's order
    of a step (the Hunsberger reference then differed from GeNN by 17 error spikes in 239)."""
    from brian2 import prefs
    keys = ("core.network.default_schedule", "codegen.loop_invariant_optimisations")
    before = {k: prefs[k] for k in keys}
    select_device("genn", build_dir=tmp_path / "genn", generate_only=True)
    try:
        assert list(prefs["core.network.default_schedule"])[:2] == ["start", "synapses"]
        select_device("cpp_standalone", build_dir=tmp_path / "cpp")
        assert {k: prefs[k] for k in keys} == before
    finally:
        reset_device()
