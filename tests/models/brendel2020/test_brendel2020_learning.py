"""The two learning rules of brendel2020 as Synapses code, checked against the formulas on
recorded variables, and a short learning run from weak inhibition."""

import numpy as np
import pytest
from brian2 import StateMonitor

from spiketeach.models.brendel2020 import CODE, build_network, initial_weights
from spiketeach.protocols.brendel2020 import evaluate, learn

pytestmark = pytest.mark.family("brendel2020")


def test_rules_on_recorded_variables_equal_the_formulas(runtime):
    # noise on (as in learning); large rates so that every update is visible
    p = CODE.replace(eps_rec=0.05, eps_ff=0.02)
    rng = np.random.default_rng(3)
    F0, omega0 = initial_weights(p, rng)
    steps = 300
    c = rng.standard_normal((steps, 2)) * 300
    net = build_network(F0, omega0, c, p, learn=True)
    # the values the rules see: after the threshold, before the synapses (V, r, x~, weights),
    # and the weights at the end of each step
    before = StateMonitor(net.neurons, ["V", "r"], record=True, when="synapses", order=-1)
    xin = StateMonitor(net.inputs, "x_ff", record=True, when="synapses", order=-1)
    w_b = StateMonitor(net.recurrent, "w", record=True, when="synapses", order=-1)
    w_a = StateMonitor(net.recurrent, "w", record=True, when="end")
    f_b = StateMonitor(net.feedforward, "F", record=True, when="synapses", order=-1)
    f_a = StateMonitor(net.feedforward, "F", record=True, when="end")
    net.network.add(before, xin, w_b, w_a, f_b, f_a)
    net.run()
    S = net.spike_matrix(steps)
    N = net.n
    ri, rj = net.recurrent.i[:], net.recurrent.j[:]
    fi, fj = net.feedforward.i[:], net.feedforward.j[:]

    def mat(values, rows, cols, shape):
        out = np.zeros(shape)
        out[rows, cols] = values
        return out

    checked = 0
    for t in range(steps):
        Wb = mat(w_b.w[:, t], rj, ri, (N, N))
        Wa = mat(w_a.w[:, t], rj, ri, (N, N))
        Fb = mat(f_b.F[:, t], fj, fi, (N, 2))
        Fa = mat(f_a.F[:, t], fj, fi, (N, 2))
        V, r, x = before.V[:, t], before.r[:, t], xin.x_ff[:, t]
        expected_W, expected_F = Wb.copy(), Fb.copy()
        for k in np.flatnonzero(S[t]):
            # S.40: dOmega_nk = -eps [beta (V_n + mu r_n) + Omega_nk + mu delta_nk], every n
            expected_W[:, k] -= p.eps_rec * (p.beta * (V + p.mu * r) + Wb[:, k]
                                             + p.mu * (np.arange(N) == k))
            # S.41: dF_k = eps_F (alpha x~ - F_k)
            expected_F[k] += p.eps_ff * (p.alpha * x - Fb[k])
            checked += 1
        np.testing.assert_allclose(Wa, expected_W, atol=1e-13)
        np.testing.assert_allclose(Fa, expected_F, atol=1e-13)
    assert checked > 50


def test_learning_from_weak_inhibition_lowers_error_and_rate_and_tightens_balance(runtime):
    p = CODE  # the authors' script: weak random inhibition, eps_Omega 1e-3, eps_F 1e-4
    rng = np.random.default_rng(0)
    F0, omega0 = initial_weights(p, rng)
    snaps, F1, omega1, spikes = learn(F0, omega0, p, 8000, rng, every=8000)
    kw = dict(fit_steps=4000, test_steps=2000, trials=2)
    before = evaluate(F0, omega0, p, np.random.default_rng(1), **kw)
    after = evaluate(F1, omega1, p, np.random.default_rng(1), **kw)
    assert after["error"] < 0.5 * before["error"]
    assert after["rate_hz"] < 0.95 * before["rate_hz"]
    assert after["ei_correlation"] > before["ei_correlation"] + 0.5
    assert after["omega_distance"] < 0.1 * before["omega_distance"]
    assert after["voltage_variance"] < 0.2 * before["voltage_variance"]
