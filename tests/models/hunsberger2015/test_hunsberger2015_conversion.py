"""Training through soft LIF with noise (numpy) and conversion to a spiking LIF network (Brian2)."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from spiketeach.models.hunsberger2015 import build, check_layers
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params
from spiketeach.protocols.hunsberger2015.conversion import error_percent, run_spiking
from spiketeach.protocols.hunsberger2015.noise import NoiseModel
from spiketeach.protocols.hunsberger2015.training import (
    RateNetwork,
    TrainConfig,
    _backward,
    accuracy,
    forward,
    train,
)

CONFIG = TrainConfig(sizes=(64, 60, 30, 10), epochs=25, batch=20, lr=0.01, lr_decay=0.1)


@pytest.fixture(scope="module")
def digits():
    d = load_digits()
    order = np.random.default_rng(0).permutation(len(d.target))
    X, y = d.data[order] / 16.0, d.target[order]
    return X[:1300], y[:1300], X[1300:], y[1300:]


@pytest.fixture(scope="module")
def noisy_net(digits):
    Xtr, ytr, _, _ = digits
    return train(Xtr, ytr, "softlif noise", CONFIG, seed=1)


def test_three_variants_learn_digits(digits, noisy_net):
    Xtr, ytr, Xte, yte = digits
    config = TrainConfig(**{**CONFIG.__dict__, "epochs": 8})
    for variant in ("relu", "softlif"):
        assert accuracy(train(Xtr, ytr, variant, config, seed=1), Xte, yte) > 0.9
    assert accuracy(noisy_net, Xte, yte) > 0.93
    assert noisy_net.noise["source"] == "constant 10 Hz"


def test_gradients_equal_finite_differences():
    rng = np.random.default_rng(0)
    p = Hunsberger2015Params()
    X, y = rng.random((5, 6)), rng.integers(0, 3, 5)
    W = [rng.standard_normal((6, 4)) * 0.5, rng.standard_normal((4, 3)) * 0.5]
    b = [rng.standard_normal(4) * 0.5, np.zeros(3)]

    def loss():
        s = forward(W, b, X, "softlif", p)
        s = s - s.max(axis=1, keepdims=True)
        return np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(5), y])

    cache = []
    gw, gb = _backward(W, cache, forward(W, b, X, "softlif", p, cache=cache), y, "softlif", p)
    h = 1e-6
    for (k, i, jj) in [(0, 0, 0), (0, 3, 2), (1, 1, 2)]:
        W[k][i, jj] += h
        up = loss()
        W[k][i, jj] -= 2 * h
        down = loss()
        W[k][i, jj] += h
        assert gw[k][i, jj] == pytest.approx((up - down) / (2 * h), rel=1e-4, abs=1e-9)
    b[0][1] += h
    up = loss()
    b[0][1] -= 2 * h
    assert gb[0][1] == pytest.approx((up - loss()) / (2 * h), rel=1e-4, abs=1e-9)


def test_converted_network_classifies_as_its_rate_network(runtime, digits, noisy_net):
    _, _, Xte, yte = digits
    n = 50
    params = Hunsberger2015Params(presentation=0.1, settle=0.04)
    out = run_spiking(noisy_net.weights, noisy_net.biases, Xte[:n], params, block=30)
    assert out["blocks"] == 2
    rate_pred = noisy_net.predict(Xte[:n], "lif")  # the LIF rates the spiking neurons fire at
    agreement = np.mean(out["pred"] == rate_pred)
    assert agreement >= 0.95, agreement
    assert error_percent(out["pred"], yte[:n]) <= error_percent(rate_pred, yte[:n]) + 4
    assert all(1 < r < 200 for r in out["mean_rates_hz"])


def test_weight_shapes_that_do_not_chain_raise(runtime):
    rng = np.random.default_rng(0)
    W = [rng.random((8, 5)), rng.random((4, 3))]
    b = [np.zeros(5), np.zeros(3)]
    with pytest.raises(ValueError, match="do not chain"):
        build(W, b, rng.random((2, 8)))
    W[1] = rng.random((5, 3))
    with pytest.raises(ValueError, match="features"):
        build(W, b, rng.random((2, 9)))
    with pytest.raises(ValueError, match=r"biases\[1\]"):
        check_layers(W, [np.zeros(5), np.zeros(4)])
    with pytest.raises(ValueError, match="at least 2"):
        check_layers(W[:1], b[:1])
    with pytest.raises(ValueError, match="whole number"):
        build(W, b, rng.random((2, 8)), Hunsberger2015Params(presentation=0.1005, settle=0.05))


def test_bad_training_inputs_raise():
    X, y = np.zeros((4, 64)), np.zeros(4, int)
    with pytest.raises(ValueError, match="variant"):
        train(X, y, "sigmoid", CONFIG)
    with pytest.raises(ValueError, match="X must be"):
        train(np.zeros((4, 10)), y, "relu", CONFIG)
    with pytest.raises(ValueError, match="lr"):
        TrainConfig(lr=0.0)


def test_save_and_load(tmp_path, noisy_net, digits):
    path = tmp_path / "net.npz"
    noisy_net.save(path)
    back = RateNetwork.load(path)
    assert back.kind == "softlif"
    np.testing.assert_array_equal(back.predict(digits[2]), noisy_net.predict(digits[2]))
    noise = NoiseModel.constant(10.0)
    assert noise.sigma_at(2.0) == 10.0


@pytest.mark.standalone
def test_converted_network_on_cpp_standalone(cpp_standalone, digits, noisy_net):
    """One compilation, two blocks of images passed as run_args."""
    _, _, Xte, _ = digits
    params = Hunsberger2015Params(presentation=0.1, settle=0.04)
    out = run_spiking(noisy_net.weights, noisy_net.biases, Xte[:20], params, block=10)
    assert out["blocks"] == 2
    assert np.mean(out["pred"] == noisy_net.predict(Xte[:20], "lif")) >= 0.95
