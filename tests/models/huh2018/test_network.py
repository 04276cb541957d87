"""The Brian2 network of huh2018 runs the same discretised system as the numpy forward pass
(runtime for every neuron/gate option, and cpp_standalone), its readout is o = O s, and bad
parameters, weights and inputs raise one clear ValueError."""

import numpy as np
import pytest

from spiketeach.models.huh2018 import (
    Huh2018Params,
    Objective,
    Weights,
    build,
    initial_weights,
    simulate,
)

pytestmark = pytest.mark.family("huh2018")


def _net(neuron="theta", gate="boxcar", dt=5e-4, steps=200, seed=3):
    p = Huh2018Params(neuron=neuron, gate=gate, dt=dt, readout_scale=1.0, bias_mean=1.0)
    rng = np.random.default_rng(seed)
    w = initial_weights(2, 6, 2, p, rng)
    x = rng.standard_normal((steps, 2))
    return p, w, x, rng


def _compare(net, p, w, x):
    numpy_run = simulate(w, x, p)
    brian_run = net.forward(w, x)
    assert numpy_run.spike_counts().sum() >= 5
    np.testing.assert_allclose(brian_run.v, numpy_run.v, rtol=0, atol=1e-9)
    np.testing.assert_allclose(brian_run.s, numpy_run.s, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(net.readout_trace(), numpy_run.s[:, 0] @ w.O.T, atol=1e-9)
    if p.neuron == "qif":
        assert numpy_run.reset.sum() >= 3
        np.testing.assert_array_equal(brian_run.reset, numpy_run.reset)


@pytest.mark.parametrize("neuron,gate,dt", [("theta", "boxcar", 5e-4), ("theta", "smooth", 5e-4),
                                            ("qif", "boxcar", 1e-4)])
def test_brian2_equals_numpy_on_runtime(runtime, neuron, gate, dt):
    p, w, x, rng = _net(neuron, gate, dt, steps=200 if neuron == "theta" else 800)
    net = build(w, len(x), p)
    _compare(net, p, w, x)
    # a second forward pass with other weights re-runs the same network from t = 0
    _compare(net, p, initial_weights(2, 6, 2, p, rng), x)


@pytest.mark.standalone
@pytest.mark.standalone_compatible
def test_brian2_equals_numpy_on_every_device(device):
    p, w, x, rng = _net("theta", "smooth")
    net = build(w, len(x), p)
    _compare(net, p, w, x)
    _compare(net, p, initial_weights(2, 6, 2, p, rng), 0.5 * x)  # re-run, new weights/inputs


def test_handle_state_round_trips_the_weights(runtime):
    p, w, x, _ = _net()
    net = build(w, len(x), p)
    assert net.state_keys() == {"input.u", "recurrent.w", "neurons.b", "readout.w_o"}
    back = net.weights_from_state(net.state_of(w))
    for name in ("U", "W", "b", "O"):
        np.testing.assert_array_equal(getattr(back, name), getattr(w, name))
    state = net.initial_state(7)
    assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in
                                                      net.state_of(w).items()}


@pytest.mark.parametrize("changes,match", [
    ({"delta": 0.0}, "delta must be finite and > 0"),
    ({"delta": -1.0}, "delta must be finite and > 0"),
    ({"tau_s": -0.01}, "tau_s must be finite and > 0"),
    ({"tau_v": -0.01}, "tau_v must be finite and > 0"),
    ({"dt": 0.02}, "must be shorter than tau_s"),
    ({"neuron": "lif"}, "neuron must be one of"),
    ({"gate": "step"}, "gate must be one of"),
    ({"delta": 7.0}, "below 2 pi"),
    ({"neuron": "qif", "v_reset": 4.8}, "v_reset"),
    ({"neuron": "qif", "v_peak": 5.2}, "v_peak"),
    ({"bias_std": -1.0}, "bias_std"),
])
def test_bad_parameters_raise(changes, match):
    with pytest.raises(ValueError, match=match):
        Huh2018Params(**changes)


def test_bad_shapes_raise():
    p, w, x, _ = _net()
    with pytest.raises(ValueError, match="W must be a square"):
        Weights(w.U, w.W[:, :5], w.b, w.O)
    with pytest.raises(ValueError, match="U must be"):
        Weights(w.U[:5], w.W, w.b, w.O)
    with pytest.raises(ValueError, match="b must have shape"):
        Weights(w.U, w.W, w.b[:5], w.O)
    with pytest.raises(ValueError, match="O must be"):
        Weights(w.U, w.W, w.b, w.O[:, :5])
    with pytest.raises(ValueError, match="contains NaN"):
        Weights(w.U, w.W * np.nan, w.b, w.O)
    with pytest.raises(ValueError, match="to match U"):
        simulate(w, x[:, :1], p)
    with pytest.raises(ValueError, match="targets have shape"):
        Objective(np.zeros((1, 10, 2))).evaluate(simulate(w, x, p).s, w.O)
    with pytest.raises(ValueError, match="mask must be"):
        Objective(np.zeros((1, 10, 2)), mask=np.ones(3))
    with pytest.raises(ValueError, match="rate_cost"):
        Objective(np.zeros((1, 10, 2)), rate_cost=-1)


def test_forward_refuses_other_lengths_and_sizes(runtime):
    p, w, x, _ = _net()
    net = build(w, len(x), p)
    with pytest.raises(ValueError, match="one trial of 200 steps"):
        net.forward(w, x[:100])
    other = initial_weights(2, 5, 2, p, np.random.default_rng(0))
    with pytest.raises(ValueError, match="built for 6"):
        net.forward(other, x)
    with pytest.raises(ValueError, match="formulation"):
        build(w, len(x), p, formulation="fast")
