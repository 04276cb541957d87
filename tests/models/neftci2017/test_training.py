"""eRBP training in blocks through the shared loop: it learns, and resuming equals not stopping.

sklearn's 8x8 digits (no data files), runtime (numpy), dt = 1 ms and 50 ms digits.
"""

import numpy as np
import pytest
from brian2 import ms

from spiketeach.models.neftci2017 import ERBPParams, build
from spiketeach.protocols.neftci2017.training import train_erbp

FAST = dict(dt=1 * ms, sample_duration=50 * ms, no_learning=10 * ms, noise_weight=0.0)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    return d.data[order] / 16.0, d.target[order]


def test_learning_lowers_the_test_error_on_digits(digits, runtime):
    """200 training digits (η raised to 0.02 for so short a run, noise off): the test error on
    100 held-out digits falls from chance by more than 10 points (measured: 93 % → 74 %)."""
    X, y = digits
    net = build([64, 50, 10], 50, params=ERBPParams(**FAST, eta=2e-2), seed=0)
    log, state = train_erbp(net, X[:1500], y[:1500], X[1500:1600], y[1500:1600], epochs=1,
                            n_train=200, rng=np.random.default_rng(1),
                            progress=lambda *a, **k: None)
    err = 1 - np.asarray(log.test_accuracy)
    assert log.samples == [0, 200]
    assert err[-1] < err[0] - 0.10, err
    assert any(np.abs(state[k] - net.built_state[k]).max() > 0 for k in state)


class _Stop(Exception):
    pass


def test_resume_after_an_interruption_equals_an_uninterrupted_run(digits, runtime, tmp_path):
    X, y = digits
    net = build([64, 12, 10], 5, params=ERBPParams(**FAST, eta=1e-2), seed=2)
    common = dict(epochs=2, n_train=10, seed=4)
    data = (X[:40], y[:40], X[40:45], y[40:45])
    log_a, state_a = train_erbp(net, *data, rng=np.random.default_rng(5),
                                checkpoint=tmp_path / "a.npz", progress=lambda *a, **k: None,
                                **common)
    seen = []

    def stop_in_third_block(msg, *a, **k):
        seen.append(msg)
        if str(msg).startswith("epoch 2/2 block 1/2"):
            raise _Stop  # after the block ran, before its checkpoint
    with pytest.raises(_Stop):
        train_erbp(net, *data, rng=np.random.default_rng(5), checkpoint=tmp_path / "b.npz",
                   progress=stop_in_third_block, **common)
    lines = []
    log_b, state_b = train_erbp(net, *data, rng=np.random.default_rng(99), resume=True,
                                checkpoint=tmp_path / "b.npz", progress=lines.append, **common)
    assert any("resumed from" in str(line) and "epoch 1, block 0" in str(line) for line in lines)
    assert set(state_a) == set(state_b)
    for key in state_a:
        np.testing.assert_array_equal(state_a[key], state_b[key], err_msg=key)
    assert log_a.samples == log_b.samples and log_a.test_accuracy == log_b.test_accuracy


def _two_blocks(digits):
    X, y = digits
    net = build([64, 8, 10], 4, params=ERBPParams(**FAST, eta=1e-2), seed=3)
    state, counts = None, []
    from spiketeach.protocols.neftci2017.training import run_erbp_block
    for b in range(2):
        res = run_erbp_block(net, state, X[4 * b:4 * b + 4], y[4 * b:4 * b + 4], np.ones(4),
                             seed=11 + b)
        state = net.get_state()
        counts.append(res.counts)
    return state, counts, net.built_state


@pytest.mark.standalone
def test_cpp_standalone_blocks_equal_runtime_blocks(digits, tmp_path):
    """Two training blocks re-run from ONE compiled binary (weights in, weights out) give the
    spikes and weights of the same blocks in runtime mode (one thread: the same random numbers)."""
    from spiketeach.core.devices import reset_device, select_device
    select_device("runtime", target="numpy")
    state_rt, counts_rt, built = _two_blocks(digits)
    reset_device()
    select_device("cpp_standalone", build_dir=tmp_path / "build")
    try:
        state_sa, counts_sa, _ = _two_blocks(digits)
    finally:
        reset_device()
    for a, b in zip(counts_rt, counts_sa):
        np.testing.assert_array_equal(a, b)
    for key in state_rt:
        np.testing.assert_allclose(state_sa[key], state_rt[key], rtol=0, atol=1e-9, err_msg=key)
    assert np.abs(state_rt["forward0.w"] - built["forward0.w"]).max() > 0  # it learned
