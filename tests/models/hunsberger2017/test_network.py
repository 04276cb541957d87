"""Hunsberger & Eliasmith (2017): LIF neuron, alpha synapses, population-coded error, FA rules,
rate references and the assembled spiking network."""

import numpy as np
import pytest
from brian2 import (
    Clock,
    Network,
    NeuronGroup,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    ms,
    second,
)

from spiketeach.analysis.selectivity import linear_tuning, presentation_rates, selectivity_index
from spiketeach.core.runner import BlockRunner
from spiketeach.models.alpha import ALPHA_TARGET, alpha_kernel, alpha_projection
from spiketeach.models.hunsberger2017 import layers as fa_rules
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.models.hunsberger2017.rate import (
    RateNetwork,
    RateParams,
    feedback_matrices_fa,
    init_rate_weights,
    train_online,
)
from spiketeach.models.lif import (
    gain_bias,
    if_rate,
    lif_group,
    lif_rate,
    lif_rate_derivative,
    surrogate_derivative,
)
from spiketeach.models.nef import (
    decode_into,
    encode_from,
    make_population_code,
    population_group,
    value_node,
)
from spiketeach.protocols.hunsberger2017.linear_map import (
    LinearMapTask,
    PosterProtocol,
    run_spiking_protocol,
)

P = HunsbergerParams()
J_VALUES = np.array([1.1, 1.3, 1.6, 2.0, 3.0, 6.0])


# --------------------------------------------------------------------------- neuron

@pytest.mark.standalone_compatible
@pytest.mark.family("hunsberger2017")
@pytest.mark.parametrize("substep,dt", [(True, 1 * ms), (False, 0.05 * ms)])
def test_lif_rate_matches_closed_form(device, substep, dt):
    # in-step spike timing (the network's default) is exact at the network's dt = 1 ms; the plain
    # ODE form needs a fine step because its spike times are whole steps
    p = P.replace(substep_spikes=substep, dt=dt)
    clock = Clock(dt=dt)
    group = lif_group(len(J_VALUES), p.lif, clock, extra_equations="s : 1\n")
    group.gain, group.bias = 1.0, 0.0
    mon = SpikeMonitor(group)
    BlockRunner(Network(group, mon), 2 * second).run({group.s: J_VALUES})  # on any device
    rates = np.bincount(mon.i[:], minlength=len(J_VALUES)) / 2.0
    expected = lif_rate(J_VALUES, float(p.tau_rc), float(p.tau_ref))
    assert np.all(expected > 5)
    np.testing.assert_allclose(rates, expected, rtol=0.03)


def test_rate_derivatives_and_surrogates():
    tau_rc, tau_ref = 0.05, 0.002
    j = np.linspace(1.05, 30, 200)
    h = 1e-6
    num = (lif_rate(j + h) - lif_rate(j - h)) / (2 * h)
    np.testing.assert_allclose(lif_rate_derivative(j), num, rtol=1e-5)
    num_if = (if_rate(j + h) - if_rate(j - h)) / (2 * h)
    np.testing.assert_allclose(surrogate_derivative(j), num_if, rtol=1e-5)
    # poster values: peak amplitude/tau_rc = 0.48 at threshold, a quarter at j - 1 = tau_rc/tau_ref
    assert surrogate_derivative(1 + 1e-12, amplitude=0.024) == pytest.approx(0.48)
    assert surrogate_derivative(1 + tau_rc / tau_ref, amplitude=0.024) == pytest.approx(0.12)
    assert surrogate_derivative(0.9) == 0 and lif_rate(0.99) == 0
    assert lif_rate_derivative(1 + 1e-9) > 1e6  # the true derivative diverges at threshold
    # gains and biases hit the requested intercepts and max rates
    gain, bias = gain_bias(np.array([100.0, 120.0]), np.array([-0.5, 0.3]))
    np.testing.assert_allclose(lif_rate(gain + bias), [100.0, 120.0])
    np.testing.assert_allclose(gain * np.array([-0.5, 0.3]) + bias, 1.0)


# --------------------------------------------------------------------------- alpha synapse

def test_alpha_kernel_integrates_to_weight_and_peaks_at_tau(runtime):
    t = np.arange(0, 0.1, 1e-5)
    assert np.trapezoid(alpha_kernel(t), t) == pytest.approx(1.0, rel=1e-3)
    assert t[np.argmax(alpha_kernel(t))] == pytest.approx(0.003, abs=1e-5)
    # the Brian2 form: one spike of weight w at 10 ms into a target with ALPHA_TARGET
    dt = 0.05 * ms
    clock = Clock(dt=dt)
    w = 2.5
    src = SpikeGeneratorGroup(1, [0], [10] * ms, clock=clock)
    ns = {"tau_s": P.tau_s, "area": P.amplitude * second}
    tgt = NeuronGroup(1, ALPHA_TARGET, method="exact", namespace=ns, clock=clock)
    syn = alpha_projection(src, tgt, np.array([[w]]), namespace=ns)
    mon = StateMonitor(tgt, "s", record=0)
    Network(src, tgt, syn, mon).run(100 * ms)
    s, tt = mon.s[0], np.asarray(mon.t)
    assert np.sum(s) * float(dt) == pytest.approx(w * P.amplitude, rel=5e-3)
    assert tt[np.argmax(s)] - 0.010 == pytest.approx(float(P.tau_s), abs=2 * float(dt))
    assert s[tt < 0.010].max() == 0.0  # causal: nothing before the spike


# --------------------------------------------------------------------------- error population

def test_error_population_decodes_constant_error(runtime):
    clock = Clock(dt=P.dt)
    code = make_population_code(10, P.nef, P.error_intercepts, np.random.default_rng(0))
    src = NeuronGroup(10, "value : 1", clock=clock)
    pop = population_group(code, P.nef, clock)
    node = value_node(10, P.nef, clock)
    err = np.array([0.5, -0.5, 0.8, -0.8, 0.3, -0.3, 1.0, -1.0, 0.6, -0.6])
    src.value = err
    mon = StateMonitor(node, "s", record=True)
    Network(src, pop, node, encode_from(src, "value", pop, code),
            decode_into(pop, code, node), mon).run(1 * second)
    decoded = mon.s[:, 200:].mean(axis=1)  # after 200 ms
    # stated tolerance: 0.07 per dimension for |e| in [0.3, 1] (the dead zone of intercepts
    # U(0, 0.8) shrinks small errors), and the spiking estimate matches the rate model to 0.02
    np.testing.assert_allclose(decoded, err, atol=0.07)
    np.testing.assert_allclose(decoded, code.decode(err[None])[0], atol=0.02)
    assert np.all(np.sign(decoded) == np.sign(err))
    # both signs are carried by positive spike trains: every dimension has on and off neurons
    assert np.all((code.encoders > 0).sum(axis=0) == 20) and np.all((code.encoders < 0).sum(axis=0) == 20)
    rand = make_population_code(10, P.replace(encoders="random").nef, P.error_intercepts,
                                np.random.default_rng(1))
    np.testing.assert_allclose(np.linalg.norm(rand.encoders, axis=1), 1.0)
    small = np.full((1, 10), 0.1)
    assert np.abs(rand.decode(small) - small).max() < 0.1


# --------------------------------------------------------------------------- learning rules

def test_teaching_code_switches_derivative_not_network():
    assert "tau_ref * (J - 1)" in fa_rules.teach_code("if")
    assert "step_height" in fa_rules.teach_code("step")
    assert fa_rules.teach_code("pes") == "teach = learning_gate(t) * err"
    with pytest.raises(ValueError, match="unknown surrogate"):
        fa_rules.teach_code("relu")


def test_gate_off_leaves_weights_untouched_and_network_is_wired(runtime):
    proto = PosterProtocol(2, 0, 1)  # three presentations, learning off throughout
    # dt = 2 ms halves the numpy-target run time; spike times inside steps keep rates exact
    run, fan = run_spiking_protocol(P.replace(dt=2 * ms), proto, LinearMapTask(), seed=1,
                                    progress=lambda s: None)
    for w0, w1 in zip(run.weights_before, run.weights_after):
        np.testing.assert_array_equal(w0, w1)
    assert [w.shape for w in run.weights_after] == [(80, 60), (80, 80), (10, 80)]
    assert len(fan.errors) == 3 and all(len(e) == 400 for e in fan.errors)  # layerwise chain
    assert len(fan.output) == 400
    # with tiny initial weights the output is ~0, so the error is ~ the target: NRMSE ~ 1
    assert 0.8 < run.initial_nrmse < 1.2
    # hidden neurons sit at threshold (J ~ 1) and spike sparsely
    n_spikes = sum(len(i) for i, _ in run.hidden_spikes)
    assert 0 < n_spikes < 160 * 0.66 * 100


def test_rate_bp_gradients_match_finite_differences():
    p = RateParams(sizes=(5, 7, 6, 3), derivative="true", w_std=0.6)
    rng = np.random.default_rng(0)
    net = RateNetwork(p, init_rate_weights(p.sizes, p.w_std, rng), feedback_matrices_fa(p.sizes, rng))
    x, y = rng.normal(0, 1, (2, 5)), rng.normal(0, 1, (2, 3))
    js, _, _ = net.forward(x)
    assert min(np.abs(j).min() for j in js) > 1e-3  # away from the kink at threshold
    grads = net.gradients(x, y, "bp")
    eps = 1e-7
    for W, g in zip(net.W, grads):
        num = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            old = W[idx]
            W[idx] = old + eps
            up = net.loss(x, y)
            W[idx] = old - eps
            down = net.loss(x, y)
            W[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-7)
    # FA uses B instead of W^T: same output-layer gradient, different hidden ones
    fa = net.gradients(x, y, "fa")
    np.testing.assert_allclose(fa[-1], grads[-1])
    assert not np.allclose(fa[0], grads[0])


def test_rate_references_learn_the_linear_map():
    task = LinearMapTask()
    bp = train_online("bp", task, 3000, test_every=1500, n_test=300)
    fa = train_online("fa", task, 3000, test_every=1500, n_test=300)
    assert bp["test_nrmse"][0] > 0.95 and fa["test_nrmse"][0] > 0.95
    assert bp["test_nrmse"][-1] < 0.6 and fa["test_nrmse"][-1] < 0.35
    # poster: FA is faster at first (small forward weights, larger feedback weights)
    assert fa["test_nrmse"][1] < bp["test_nrmse"][1]


# --------------------------------------------------------------------------- analysis

def test_selectivity_index_and_rates():
    flat = np.ones((20, 3))
    assert np.allclose(selectivity_index(flat), 0.0)
    onehot = np.zeros((20, 3))
    onehot[4] = 5.0
    assert np.allclose(selectivity_index(onehot), 1.0)
    assert np.isnan(selectivity_index(np.zeros((5, 1))))[0]
    x = np.random.default_rng(0).normal(size=(200, 4))
    r = np.maximum(0, 1 + x @ np.array([[1.0], [0], [0], [0]]))
    pref, r2 = linear_tuning(x, r)
    assert np.argmax(np.abs(pref[0])) == 0 and r2[0] > 0.5
    rates = presentation_rates([0, 0, 1], [0.05, 0.30, 0.31], 2, 0.22, np.array([0, 1]), skip=0.0)
    np.testing.assert_allclose(rates, [[1 / 0.22, 0], [1 / 0.22, 1 / 0.22]])


# --------------------------------------------------------------------------- spiking learning

def test_spiking_fa_lowers_normalised_error_small_network(runtime):
    # the same builder and rules on a 10-20-20-2 map (20 neurons per error dimension, one error
    # population broadcast to both hidden layers), 40 training presentations = 8.8 s of learning,
    # dt = 2 ms to halve the numpy-target run time (~20 s of CPU)
    p = P.replace(sizes=(10, 20, 20, 2), n_per_dim=20, error_routing="direct", eta=1.0,
                  dt=2 * ms)
    run, fan = run_spiking_protocol(p, PosterProtocol(10, 40, 10), LinearMapTask(10, 2), seed=0,
                                    progress=lambda s: None)
    assert len(fan.errors) == 1 and len(fan.errors[0]) == 40
    assert run.initial_nrmse > 0.85
    assert run.final_nrmse < 0.8 * run.initial_nrmse  # measured: 0.92 -> 0.65
    assert any(not np.allclose(a, b) for a, b in zip(run.weights_before, run.weights_after))


@pytest.mark.slow
@pytest.mark.standalone
def test_spiking_fa_lowers_normalised_error(cpp_standalone):
    # the poster's network and parameters, ~205 s of its protocol (compiling dominates: ~1-2 min)
    proto = PosterProtocol(20, 900, 20)
    run, _ = run_spiking_protocol(P, proto, LinearMapTask(), seed=0, progress=lambda s: None)
    assert run.initial_nrmse > 0.9
    assert run.final_nrmse < 0.75 * run.initial_nrmse
    assert any(not np.allclose(a, b) for a, b in zip(run.weights_before, run.weights_after))


def test_split_half_reliability_separates_noise_from_tuning():
    from spiketeach.analysis.selectivity import split_half_reliability
    rng = np.random.default_rng(0)
    pres, n = 0.2, 40
    drive = rng.uniform(0, 100, n)  # neuron 0: stimulus-driven rate; neuron 1: constant 20 Hz
    idx, times = [], []
    for k in range(n):
        for neuron, rate in ((0, drive[k]), (1, 20.0)):
            ts = k * pres + np.sort(rng.uniform(0, pres, rng.poisson(rate * pres)))
            idx += [neuron] * len(ts)
            times += list(ts)
    rel = split_half_reliability(idx, times, 2, pres, np.arange(n), skip=0.0)
    assert rel[0] > 0.6 and abs(rel[1]) < 0.4


# --------------------------------------------------------------------------- formulations

def _run_formulation(formulation, n, build_dir=None, **changes):
    """One block of a small network (learning on after the first presentation) in one formulation:
    spikes of every spiking group, final weights and the decoded output."""
    from brian2 import SpikeMonitor

    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import hunsberger2017

    # a large learning rate and a short flush period make every part of the lazy updates matter
    p = P.replace(sizes=(10, 20, 20, 2), n_per_dim=20, eta=5.0, formulation=formulation,
                  lazy_flush=10 * ms, **changes)
    if build_dir is None:
        select_device("runtime", target="numpy")
    else:
        select_device("cpp_standalone", build_dir=build_dir)
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


def _assert_same_run(ref, fast):
    for (i1, t1), (i2, t2) in zip(ref[0], fast[0]):
        assert len(i1) > 0
        np.testing.assert_array_equal(i1, i2)
        np.testing.assert_array_equal(t1, t2)
    for w_ref, w_fast, w0 in zip(ref[1], fast[1], initial_weights_small()):
        assert np.abs(w_ref - w0).max() > 1e-3  # the weights did learn (w0 ~ 4e-4)
        np.testing.assert_allclose(w_fast, w_ref, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ref[2], fast[2])


def initial_weights_small():
    from spiketeach.models.hunsberger2017.network import initial_weights
    return initial_weights(P.replace(sizes=(10, 20, 20, 2)), 0)[0]


@pytest.mark.parametrize("changes", [{}, {"error_routing": "direct", "encoders": "random"}])
def test_fast_formulation_equals_reference_runtime(changes):
    # lazy exact weight updates + linked population inputs vs per-step updates + summed copies:
    # the same spikes, weights within 1e-9 (only the rounding of the weight sums differs)
    ref = _run_formulation("reference", 3, **changes)
    fast = _run_formulation("fast", 3, **changes)
    _assert_same_run(ref, fast)


@pytest.mark.slow
@pytest.mark.standalone
def test_fast_formulation_equals_reference_cpp_standalone(tmp_path):
    # the same on the device the benchmark times (two builds: ~1-3 min of compiling)
    import shutil
    if shutil.which("g++") is None and shutil.which("c++") is None:
        pytest.skip("no C++ compiler")
    ref = _run_formulation("reference", 6, build_dir=tmp_path / "reference")
    fast = _run_formulation("fast", 6, build_dir=tmp_path / "fast")
    _assert_same_run(ref, fast)
