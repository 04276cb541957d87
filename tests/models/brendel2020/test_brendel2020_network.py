"""The Brian2 spike-coding network of brendel2020: optimal decoding, V = projected coding error,
one spike per step, Brian2 = numpy reference, and bad inputs."""

import numpy as np
import pytest
from brian2 import StateMonitor

from spiketeach.models.brendel2020 import (
    CODE,
    Brendel2020Params,
    build,
    build_network,
    check_weights,
    initial_weights,
    optimal_weights,
)
from spiketeach.models.brendel2020.reference import simulate

pytestmark = pytest.mark.family("brendel2020")

QUIET = CODE.replace(sigma_v=0.0, sigma_threshold=0.0)


def _circle_decoder(n=20, norm=0.2):
    theta = 2 * np.pi * np.arange(n) / n
    return norm * np.vstack([np.cos(theta), np.sin(theta)])


def _signal(steps, rng, amplitude=1.0, dt=1e-3, lam=50.0):
    """c = dx/dt + lam x for a smooth 2-D x of the given amplitude (a slow random walk)."""
    t = np.arange(steps) * dt
    x = amplitude * np.vstack([np.sin(2 * np.pi * 3 * t + rng.uniform(0, 6)),
                               np.cos(2 * np.pi * 2 * t + rng.uniform(0, 6))]).T
    return np.gradient(x, dt, axis=0) + lam * x


def test_optimal_network_decodes_and_voltage_is_projected_error(runtime):
    rng = np.random.default_rng(0)
    mu = 1e-3
    D = _circle_decoder()
    F, omega, T = optimal_weights(D, mu)
    p = QUIET.replace(mu=mu)
    c = _signal(2000, rng)
    net = build(F, omega, c, p, thresholds=T, record_states=True)
    net.run()
    V, r = net.states.V[:].T, net.states.r[:].T
    x = net.signal.x[:].T
    x_hat = r @ D.T
    # V_n + mu r_n = F_n (x - D r): the voltage is the projected coding error (to rounding)
    assert np.max(np.abs(V + mu * r - (x - x_hat) @ F.T)) < 1e-9
    # the fixed readout D decodes the 2-D signal (after the first 100 ms)
    err = np.sum((x - x_hat)[100:] ** 2) / np.sum(x[100:] ** 2)
    print("optimal error", err, np.max(np.abs(x - x_hat)[100:]))
    assert err < 0.01, err
    assert np.max(np.abs(x - x_hat)[100:]) < 0.15  # the error stays within ~ one readout step
    S = net.spike_matrix(2000)
    assert S.sum(axis=1).max() == 1 and S.sum() > 100


def test_at_most_one_spike_per_step_and_the_largest_margin_fires(runtime):
    # every neuron is driven far above threshold at once: still one spike per step, and with
    # identical neurons the lowest index wins ties; the chosen neuron has the largest margin
    N = 8
    F = np.tile([[1.0, 0.0]], (N, 1))
    F[4:] *= 1.001  # the last four are driven slightly harder
    omega = -0.05 * np.ones((N, N)) - 0.45 * np.eye(N)
    c = np.tile([400.0, 0.0], (50, 1))
    net = build_network(F, omega, c, QUIET)
    mon = StateMonitor(net.neurons, ["margin", "above"], record=True, when="thresholds", order=0)
    net.network.add(mon)
    net.run()
    S = net.spike_matrix(50)
    assert S.sum(axis=1).max() == 1
    margin = mon.margin[:].T
    fired = np.flatnonzero(S.sum(axis=1))
    assert (margin.max(axis=1) >= 0).sum() == fired.size  # a step with anyone above threshold spikes
    assert fired.size > 10
    for t in fired:
        k = np.flatnonzero(S[t])[0]
        assert margin[t, k] == margin[t].max()
        assert k == np.flatnonzero(margin[t] == margin[t].max())[0]  # ties: lowest index
    assert np.all(mon.above[:].T[fired, np.argmax(S[fired], axis=1)] == 0)
    ref = simulate(F, omega, c, QUIET)
    np.testing.assert_array_equal(S, ref["spikes"])


@pytest.mark.parametrize("learn", [False, True])
def test_brian2_equals_the_numpy_reference(runtime, learn):
    rng = np.random.default_rng(1)
    F, omega = initial_weights(QUIET, rng)
    c = rng.standard_normal((1500, 2)) * 300
    net = build_network(F, omega, c, QUIET, learn=learn, record_states=True)
    net.run()
    ref = simulate(F, omega, c, QUIET, learn=learn)
    np.testing.assert_array_equal(net.spike_matrix(1500), ref["spikes"])
    np.testing.assert_allclose(net.states.V[:].T, ref["V"], atol=1e-12)
    F2, omega2 = net.weights()
    np.testing.assert_allclose(F2, ref["F"], atol=1e-12)
    np.testing.assert_allclose(omega2, ref["omega"], atol=1e-12)
    if learn:
        assert np.abs(omega2 - omega).max() > 1e-3


def test_bad_inputs_raise_clear_errors():
    F = np.ones((3, 2))
    omega = -np.eye(3)
    with pytest.raises(ValueError, match="diagonal"):
        check_weights(F, np.eye(3))  # 2012 sign convention: positive diagonal
    with pytest.raises(ValueError, match="diagonal"):
        check_weights(F, omega + np.diag([0, 1, 0]))  # a zero on the diagonal
    with pytest.raises(ValueError, match="D .*must be 2 x 3"):
        check_weights(F, omega, D=np.ones((3, 2)))
    with pytest.raises(ValueError, match="Omega must be 3 x 3"):
        check_weights(F, -np.eye(4))
    with pytest.raises(ValueError, match="eps_rec"):
        Brendel2020Params(eps_rec=-1e-3)
    with pytest.raises(ValueError, match="eps_ff"):
        CODE.replace(eps_ff=-1.0)
    with pytest.raises(ValueError, match="NaN"):
        check_weights(F * np.nan, omega)
    with pytest.raises(ValueError, match="stimulus must be"):
        build_network(F, omega, np.zeros((10, 3)), QUIET)
    with pytest.raises(ValueError, match="unknown parameter"):
        CODE.replace(epsilon=1.0)


@pytest.mark.standalone
def test_cpp_standalone_equals_the_numpy_reference(cpp_standalone):
    rng = np.random.default_rng(2)
    F, omega = initial_weights(QUIET, rng)
    c = rng.standard_normal((1000, 2)) * 300
    net = build_network(F, omega, c, QUIET, learn=True)
    net.run()
    ref = simulate(F, omega, c, QUIET, learn=True)
    np.testing.assert_array_equal(net.spike_matrix(1000), ref["spikes"])
    F2, omega2 = net.weights()
    np.testing.assert_allclose(omega2, ref["omega"], atol=1e-12)
    np.testing.assert_allclose(F2, ref["F"], atol=1e-12)
