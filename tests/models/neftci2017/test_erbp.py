"""eRBP (neftci2017): the rule on recorded variables, the error neurons, bad inputs.

Runtime (numpy) only; small networks with dt = 1 ms and 50 ms digits to keep the set fast.
"""

import numpy as np
import pytest
from brian2 import Hz, Network, PoissonGroup, SpikeMonitor, ms, second

from spiketeach.models.neftci2017 import UNSUPPORTED_DEVICES, ERBPParams, build
from spiketeach.models.neftci2017.network import (
    label_currents,
    learn_schedule,
    pixel_currents,
)
from spiketeach.models.neftci2017.spiking import error_input, error_neurons
from spiketeach.protocols.neftci2017.training import run_erbp_block

FAST = dict(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms)


def test_update_on_recorded_variables_equals_the_rule(runtime):
    """Δw of every forward synapse at every step = η · learn_on(t) · U_post · [b_lo < g_post <
    b_hi] at each presynaptic spike, 0 otherwise — exactly, with g and U recorded where the rule
    reads them (before any transmission of the step). A large η makes every term visible."""
    p = ERBPParams(**FAST, eta=0.05, b_lo=-0.3, b_hi=0.3)
    rng = np.random.default_rng(3)
    n_pres = 3
    net = build([6, 5, 4, 3], n_pres, params=p, seed=1, record=("state", "spikes"))
    x = rng.uniform(0, 1, (n_pres, 6))
    run_erbp_block(net, None, x, np.array([0, 2, 1]), np.array([1, 1, 0]), seed=7)
    learn = learn_schedule(np.array([1, 1, 0]), p)
    slot = float(p.sample_duration) / (len(learn) // n_pres)
    dt = float(p.dt)
    pres = [net.monitors["erbp_input.spikes"], net.monitors["erbp_hidden0.spikes"],
            net.monitors["erbp_hidden1.spikes"]]
    gated = 0
    for k, (pre_mon, post) in enumerate(zip(pres, net.layers)):
        n_post = net.layer_sizes[k + 1]
        W = net.monitors[f"forward{k}.w"].w[:]            # (synapses × steps), at each step's end
        gU = net.monitors[f"{post.name}.gU"]
        G, U = gU.g[:], gU.U[:]                           # (cells × steps)
        w_before = np.concatenate([net.built_state[f"forward{k}.w"][:, None], W[:, :-1]], axis=1)
        expected = np.zeros_like(W)
        steps = np.round(np.asarray(pre_mon.t[:]) / dt).astype(int)
        lo, hi = (-p.b_hidden, p.b_hidden) if k == 1 else (p.b_lo, p.b_hi)
        for i, s in zip(np.asarray(pre_mon.i[:]), steps):
            on = learn[int(np.floor(s * dt / slot + 1e-9))]
            box = (G[:, s] > lo) & (G[:, s] < hi)
            expected[i * n_post:(i + 1) * n_post, s] += p.eta * on * U[:, s] * box
            gated += int(on * np.sum(~box))
        np.testing.assert_allclose(W - w_before, expected, rtol=0, atol=1e-12)
        assert np.abs(expected).max() > 0
    assert gated > 0  # the boxcar closed at least once


def test_error_pairs_represent_label_minus_output_rate(runtime):
    """E+ − E− rates = (w_err / err_th) · (label − output rate) within 8 % of the largest
    label rate, over a sweep of rate pairs (Poisson trains, 4 s)."""
    p = ERBPParams(dt=0.5 * ms)
    r_label = np.array([0, 50, 100, 150, 200, 250, 100, 200.0])
    r_out = np.array([100, 0, 100, 50, 150, 0, 250, 200.0])
    n = len(r_label)
    lab = PoissonGroup(n, r_label * Hz, dt=p.dt)
    out = PoissonGroup(n, r_out * Hz, dt=p.dt)
    err = error_neurons(n, p, lab.clock, {"err_th": p.err_th})
    s1 = error_input(lab, err, +1.0, p.w_err, lab.clock, "lab_err")
    s2 = error_input(out, err, -1.0, p.w_err, lab.clock, "out_err")
    mon, m_l, m_o = SpikeMonitor(err), SpikeMonitor(lab), SpikeMonitor(out)
    T = 4 * second
    Network(lab, out, err, s1, s2, mon, m_l, m_o).run(T, namespace={})
    c = np.bincount(mon.i[:], minlength=2 * n) / float(T)
    measured = c[:n] - c[n:]
    emp_l = np.bincount(m_l.i[:], minlength=n) / float(T)
    emp_o = np.bincount(m_o.i[:], minlength=n) / float(T)
    gain = p.w_err / p.err_th
    np.testing.assert_allclose(measured, gain * (emp_l - emp_o), atol=0.08 * 250)
    assert np.all(c >= 0)


def test_bad_inputs_raise_clear_errors(runtime):
    with pytest.raises(ValueError, match="b_lo < b_hi"):
        ERBPParams(b_lo=1.0, b_hi=1.0)
    with pytest.raises(ValueError, match="b_lo < b_hi"):
        ERBPParams(b_lo=0.5, b_hi=-0.5)
    for p in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"p_transmit must lie in \(0, 1\]"):
            ERBPParams(p_transmit=p)
    with pytest.raises(ValueError, match="whole multiple"):
        ERBPParams(sample_duration=250 * ms, no_learning=40 * ms)
    with pytest.raises(ValueError, match="encoding"):
        ERBPParams(encoding="rate")
    p = ERBPParams(**FAST)
    with pytest.raises(ValueError, match=r"labels must lie in 0..9"):
        label_currents(np.array([0, 10]), 10, np.ones(2), p)
    with pytest.raises(ValueError, match=r"labels must lie in 0..9"):
        label_currents(np.array([-1]), 10, np.ones(1), p)
    with pytest.raises(ValueError, match=r"pixels must lie in \[0, 1\]"):
        pixel_currents(np.array([[0.5, 2.0]]), p)
    with pytest.raises(ValueError, match="input, >= 1 hidden"):
        build([4, 3], 2, params=p)
    net = build([4, 3, 2], 2, params=p)
    with pytest.raises(ValueError, match="labels must lie in 0..1"):
        run_erbp_block(net, None, np.zeros((2, 4)), np.array([0, 2]), np.ones(2))
    with pytest.raises(ValueError, match="a block needs 2 inputs"):
        run_erbp_block(net, None, np.zeros((3, 4)), np.array([0, 1, 1]), np.ones(3))


def test_genn_device_is_refused_clearly():
    assert "genn" in UNSUPPORTED_DEVICES
    with pytest.raises(ValueError, match="unknown formulation 'genn'"):
        build([4, 3, 2], 2, formulation="genn")   # (on the genn device: "has no 'genn'")
    with pytest.raises(ValueError, match="no stochastic synapses"):
        build([4, 3, 2], 2, formulation="reference", params=ERBPParams(p_transmit=0.5))


def test_per_step_reference_equals_event_driven(runtime):
    """The rule checked at every step for every synapse gives the event-driven weights."""
    p = ERBPParams(**FAST, eta=0.05, b_lo=-0.3, b_hi=0.3)
    x = np.random.default_rng(4).uniform(0, 1, (3, 6))
    states, counts = [], []
    for f in ("fast", "reference"):
        net = build([6, 5, 4, 3], 3, params=p, seed=1, formulation=f, name=f"erbp_{f}")
        res = run_erbp_block(net, None, x, np.array([0, 2, 1]), np.array([1, 1, 0]), seed=7)
        states.append(net.get_state())
        counts.append(res.counts)
    np.testing.assert_array_equal(counts[0], counts[1])
    for key in states[0]:
        np.testing.assert_allclose(states[1][key], states[0][key], rtol=0, atol=1e-12)
    assert np.abs(states[0]["forward0.w"] - net.built_state["forward0.w"]).max() > 0


def test_peRBP_passes_a_fraction_p_and_is_seeded(runtime):
    """p_transmit = 0.3: about 30 % of the presynaptic spikes get through (``passed`` of each
    synapse after its last spike); the same seed gives the same block."""
    p = ERBPParams(**FAST, p_transmit=0.3, noise_weight=0.0)
    net = build([40, 20, 2], 2, params=p, seed=0)
    x = np.full((2, 40), 0.9)
    a = run_erbp_block(net, None, x, np.array([0, 1]), np.ones(2), seed=5)
    passed = np.asarray(net.forward[0].passed[:])
    b = run_erbp_block(net, None, x, np.array([0, 1]), np.ones(2), seed=5)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(net.get_state()["forward0.w"], net.get_state()["forward0.w"])
    assert abs(passed.mean() - 0.3) < 0.06, passed.mean()
