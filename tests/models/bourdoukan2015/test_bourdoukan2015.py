"""bourdoukan2015: the optimal network follows the system alone (one spike per step), Brian2 = numpy reference, the
two rules on recorded variables equal their formulas, a short learning run lowers the error with
the feedback on and the distance of both weight sets to their optimum, and bad inputs raise."""

import numpy as np
import pytest
from brian2 import Hz, StateMonitor

from spiketeach.models.bourdoukan2015 import (
    DEFAULT,
    Bourdoukan2015Params,
    Weights,
    build,
    check_weights,
    circle_decoder,
    initial_weights,
    optimal_weights,
)
from spiketeach.models.bourdoukan2015.reference import simulate
from spiketeach.protocols.bourdoukan2015 import evaluate, smoothed_noise

pytestmark = pytest.mark.family("bourdoukan2015")

QUIET = DEFAULT.replace(sigma_v=0.0, sigma_threshold=0.0)


def test_optimal_network_follows_the_system_alone_and_the_initial_one_does_not():
    rng = np.random.default_rng(0)
    c = smoothed_noise(6000, QUIET, rng)
    D = circle_decoder(QUIET)
    out = {}
    for name, w in (("optimal", optimal_weights(D, QUIET)), ("initial", initial_weights(QUIET))):
        run = simulate(w, c, QUIET, feedback=False)
        x, xh = run["x"][500:], (run["r"] @ D.T)[500:]
        out[name] = np.sum(np.var(x - xh, 0)) / np.sum(np.var(x, 0))
        assert run["spikes"].sum(axis=1).max() <= 1
    assert out["optimal"] < 0.05 and out["initial"] > 0.5, out


@pytest.mark.parametrize("learn", [False, True])
def test_brian2_equals_the_numpy_reference(runtime, learn):
    p = QUIET.replace(eps_fast=0.05, eps_slow=1.0)
    rng = np.random.default_rng(1)
    c = smoothed_noise(2000, p, rng)
    w0 = initial_weights(p)
    net = build(w0, c, p, learn=learn, record_states=True)
    net.run()
    ref = simulate(w0, c, p, learn=learn)
    S = net.spike_matrix(2000)
    np.testing.assert_array_equal(S, ref["spikes"])
    assert S.sum() > 50 and S.sum(axis=1).max() == 1
    np.testing.assert_allclose(net.states[0].V[:].T, ref["V"], atol=1e-12)
    np.testing.assert_allclose(net.states[1].x[:].T, ref["x"], atol=1e-12)
    got = net.weights()
    np.testing.assert_allclose(got.fast, ref["weights"].fast, atol=1e-12)
    np.testing.assert_allclose(got.slow, ref["weights"].slow, atol=1e-10)
    if learn:
        assert np.abs(got.slow).max() > 1e-2 and np.abs(got.fast - w0.fast).max() > 1e-3


def test_rules_on_recorded_variables_equal_the_formulas(runtime):
    p = DEFAULT.replace(eps_fast=0.05, eps_slow=1.0)  # noise on, as in learning
    rng = np.random.default_rng(2)
    steps = 1000
    c = smoothed_noise(steps, p, rng)
    w0 = initial_weights(p)
    net = build(w0, c, p, learn=True)
    syn_f, syn_s = net.synapses["fast"], net.synapses["slow"]
    # what the rules see: voltages and rates after the threshold, before the synapses
    nb = StateMonitor(net.neurons, ["V", "r", "I_err"], record=True, when="synapses", order=-1)
    fb = StateMonitor(syn_f, "w", record=True, when="synapses", order=-1)
    fa = StateMonitor(syn_f, "w", record=True, when="end")
    sb = StateMonitor(syn_s, "W", record=True, when="groups", order=4)
    sa = StateMonitor(syn_s, "W", record=True, when="groups", order=6)
    rr = StateMonitor(net.neurons, "r", record=True, when="groups", order=4)
    net.network.add(nb, fb, fa, sb, sa, rr)
    net.run()
    S = net.spike_matrix(steps)
    N = p.n_neurons
    fi, fj = syn_f.i[:], syn_f.j[:]
    si, sj = syn_s.i[:], syn_s.j[:]

    def mat(v, rows, cols):
        out = np.zeros((N, N))
        out[rows, cols] = v
        return out

    spikes = 0
    for t in range(steps):
        # slow rule, every step: dW_nk = eps_slow dt I_err,n r_k
        Wb = mat(sb.W[:, t] / Hz, sj, si)
        Wa = mat(sa.W[:, t] / Hz, sj, si)
        expected = Wb + p.eps_slow * p.dt * np.outer(nb.I_err[:, t] / Hz, rr.r[:, t])
        np.testing.assert_allclose(Wa, expected, atol=1e-12)
        # fast rule at a presynaptic spike of k (B20 S.40)
        wb, wa = mat(fb.w[:, t], fj, fi), mat(fa.w[:, t], fj, fi)
        exp_f = wb.copy()
        for k in np.flatnonzero(S[t]):
            exp_f[:, k] -= p.eps_fast * (p.beta * (nb.V[:, t] + p.mu * nb.r[:, t]) + wb[:, k]
                                         + p.mu * (np.arange(N) == k))
            spikes += 1
        np.testing.assert_allclose(wa, exp_f, atol=1e-13)
    assert spikes > 40


def test_learning_lowers_the_error_and_moves_both_weight_sets_to_their_optimum():
    # 5 s of learning at the default rates, in the numpy step (proven equal to Brian2 above)
    p = DEFAULT
    rng = np.random.default_rng(0)
    w0 = initial_weights(p)
    w1 = simulate(w0, smoothed_noise(50_000, p, rng), p, learn=True, rng=rng,
                  record=False)["weights"]
    before = evaluate(w0, p, np.random.default_rng(1), steps=4000, trials=1)
    after = evaluate(w1, p, np.random.default_rng(1), steps=4000, trials=1)
    print(before["error"], after["error"], before["error_feedback"], after["error_feedback"],
          after["fast_distance"], after["slow_distance"], after["ei_correlation"])
    assert after["error"] < 0.6 * before["error"]  # the network alone (feedback off)
    assert after["error_feedback"] < 0.6 * before["error_feedback"]
    assert after["ei_correlation"] > before["ei_correlation"] + 0.5  # balance
    assert after["fast_distance"] < 0.1  # lateral fast weights found the -F F^T structure
    assert after["slow_distance"] < 0.3 and after["slow_scale"] > 0.1  # F (A + lambda I) D


def test_bad_inputs_raise_clear_errors():
    w = initial_weights(DEFAULT)
    with pytest.raises(ValueError, match="diagonal"):
        check_weights(Weights(w.D, -w.fast, w.slow), DEFAULT)
    with pytest.raises(ValueError, match="D .*must be 2 x 20"):
        check_weights(Weights(w.D.T, w.fast, w.slow), DEFAULT)
    with pytest.raises(ValueError, match="slow weights must be 20 x 20"):
        check_weights(Weights(w.D, w.fast, w.slow[:3]), DEFAULT)
    with pytest.raises(ValueError, match="NaN"):
        check_weights(Weights(w.D, w.fast, w.slow * np.nan), DEFAULT)
    with pytest.raises(ValueError, match="eps_slow"):
        DEFAULT.replace(eps_slow=-0.1)
    with pytest.raises(ValueError, match="eps_fast"):
        Bourdoukan2015Params(eps_fast=-1.0)
    with pytest.raises(ValueError, match="A must be a 2 x 2"):
        DEFAULT.replace(A=((1.0, 0.0),))
    with pytest.raises(ValueError, match="stimulus must be"):
        build(w, np.zeros((10, 3)), DEFAULT)
    with pytest.raises(ValueError, match="unknown parameter"):
        DEFAULT.replace(gain=1.0)
