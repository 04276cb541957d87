"""The E/I network of brendel2020 (Fig. 4): Brian2 = numpy reference (spikes, voltages, all five
rules), one spike per step per population, Dale's law after learning, a short learning run on a
small network, and bad inputs."""

import numpy as np
import pytest

from spiketeach.models.brendel2020 import (
    EI_CODE,
    EIWeights,
    build_ei,
    build_ei_network,
    check_ei_weights,
    dale_violations,
    initial_ei_weights,
)
from spiketeach.models.brendel2020.reference_ei import simulate_ei
from spiketeach.protocols.brendel2020 import evaluate_ei
from spiketeach.protocols.brendel2020.learning import smoothed_noise

pytestmark = pytest.mark.family("brendel2020")

SMALL = EI_CODE.replace(n_e=24, n_i=6)
QUIET = SMALL.replace(sigma_v_e=0.0, sigma_v_i=0.0, sigma_threshold=0.0)


def _run_both(p, steps, learn, seed=0):
    rng = np.random.default_rng(seed)
    w0 = initial_ei_weights(p, rng)
    c = smoothed_noise(steps, p, rng)
    net = build_ei(w0, c, p, learn=learn, record_states=True)
    net.run()
    return w0, c, net, simulate_ei(w0, c, p, learn=learn)


@pytest.mark.parametrize("learn", [False, True])
def test_brian2_equals_the_numpy_reference(runtime, learn):
    # large learning rates so that every rule moves the weights visibly within the run
    p = QUIET.replace(eps_rec=2e-2, eps_ff=2e-3)
    w0, c, net, ref = _run_both(p, 1500, learn)
    Se, Si = net.spike_matrices(1500)
    np.testing.assert_array_equal(Se, ref["spikes_e"])
    np.testing.assert_array_equal(Si, ref["spikes_i"])
    assert Se.sum() > 50 and Si.sum() > 50
    # at most one spike per step in each population
    assert Se.sum(axis=1).max() == 1 and Si.sum(axis=1).max() == 1
    np.testing.assert_allclose(net.states[0].V[:].T, ref["V_e"], atol=1e-12)
    np.testing.assert_allclose(net.states[1].V[:].T, ref["V_i"], atol=1e-12)
    got, want = net.weights(), ref["weights"]
    for name, a, b, a0 in zip(("F", "ee", "ei", "ie", "ii"), got.as_tuple(), want.as_tuple(),
                              w0.as_tuple()):
        np.testing.assert_allclose(a, b, atol=1e-12, err_msg=name)
        if learn:
            assert np.abs(a - a0).max() > 1e-3, f"{name} did not learn"


def test_no_neuron_fires_within_its_refractory_period(runtime):
    p = QUIET.replace(input_amplitude=6000.0)
    _, _, net, _ = _run_both(p, 1000, learn=False, seed=1)
    Se, Si = net.spike_matrices(1000)
    for S in (Se, Si):
        for n in range(S.shape[1]):
            t = np.flatnonzero(S[:, n])
            if t.size > 1:
                assert np.diff(t).min() > p.refractory_steps


def test_dale_law_holds_after_learning_and_the_clip_is_what_keeps_it(runtime):
    # fast learning from the authors' initial state, with noise: every update is clipped
    p = SMALL.replace(eps_rec=5e-2, eps_ff=5e-3)
    w0, c, net, _ = _run_both(p, 2000, learn=True, seed=2)
    w1 = net.weights()
    assert dale_violations(w1) == {"ee": 0, "ei": 0, "ie": 0, "ii": 0, "resets": 0}
    np.testing.assert_array_equal(np.diag(w1.ee), -p.w_ee_autapse_abs)  # E reset re-fixed
    off = ~np.eye(p.n_e, dtype=bool)
    assert (w1.ee[off] > 0).sum() > 10  # E->E excitation grew from zero
    # the clip was active: every I neuron fired, so every I->E column was updated, and yet some
    # I->E and E->E weights sit exactly on zero, where the unclipped rule would have crossed it
    _, Si = net.spike_matrices(2000)
    assert np.all(Si.sum(axis=0) > 0)
    assert (w1.ie == 0).sum() > 0 and (w1.ee[off] == 0).sum() > 0
    assert check_ei_weights(w1) is not None


def test_short_learning_lowers_error_and_tightens_balance_on_a_small_net():
    # the paper's small network (60 E / 15 I) with 10x the learning rates; learning runs the
    # numpy step, which test_brian2_equals_the_numpy_reference proves equal to Brian2
    p = EI_CODE.replace(n_e=60, n_i=15, eps_rec=1e-3, eps_ff=1e-4)
    rng = np.random.default_rng(0)
    w0 = initial_ei_weights(p, rng)
    w1 = simulate_ei(w0, smoothed_noise(10_000, p, rng), p, learn=True, rng=rng,
                     record=False)["weights"]
    kw = dict(fit_steps=4000, test_steps=2000, trials=2)
    before = evaluate_ei(w0, p, np.random.default_rng(1), **kw)
    after = evaluate_ei(w1, p, np.random.default_rng(1), **kw)
    assert after["error"] < 0.6 * before["error"]
    assert after["error_i"] < 0.6 * before["error_i"]
    assert after["ei_correlation"] > before["ei_correlation"] + 0.5
    assert after["voltage_variance"] < before["voltage_variance"]


def test_bad_inputs_raise_clear_errors():
    w = initial_ei_weights(SMALL, np.random.default_rng(0))
    bad = w.copy()
    bad.ie[0, 0] = 0.1  # an excitatory I->E weight
    with pytest.raises(ValueError, match="Dale's law"):
        check_ei_weights(bad)
    bad = w.copy()
    bad.ii[1, 1] = 0.0  # a zero reset
    with pytest.raises(ValueError, match="resets"):
        check_ei_weights(bad)
    with pytest.raises(ValueError, match=r"ei \(E->I\) must be 6 x 24"):
        check_ei_weights(EIWeights(w.F, w.ee, w.ei.T, w.ie, w.ii))
    with pytest.raises(ValueError, match="inputs"):
        check_ei_weights(w, n_inputs=2)
    with pytest.raises(ValueError, match="eps_rec"):
        SMALL.replace(eps_rec=-1e-4)
    with pytest.raises(ValueError, match="refractory_steps"):
        SMALL.replace(refractory_steps=-1)
    with pytest.raises(ValueError, match="stimulus must be"):
        build_ei_network(w, np.zeros((10, 2)), SMALL)
    with pytest.raises(ValueError, match="NaN"):
        check_ei_weights(EIWeights(w.F * np.nan, w.ee, w.ei, w.ie, w.ii))


@pytest.mark.standalone
@pytest.mark.slow
def test_cpp_standalone_equals_the_numpy_reference(cpp_standalone):
    p = QUIET.replace(eps_rec=2e-2, eps_ff=2e-3)
    _, _, net, ref = _run_both(p, 1000, learn=True, seed=3)
    Se, Si = net.spike_matrices(1000)
    np.testing.assert_array_equal(Se, ref["spikes_e"])
    np.testing.assert_array_equal(Si, ref["spikes_i"])
    for a, b in zip(net.weights().as_tuple(), ref["weights"].as_tuple()):
        np.testing.assert_allclose(a, b, atol=1e-12)
