"""Non-spiking BP/FA/BA/DF references (Samadi et al. 2017, eqs. 2.4–2.9) and the alignment angle."""

import numpy as np
import pytest

from spiketeach.analysis.alignment import angle_deg, layer_angles
from spiketeach.models.samadi2017 import rate
from spiketeach.models.samadi2017.params import SamadiParams

SIZES = [2, 5, 4, 3, 2]


def _batch(seed=0, trials=2, n=4):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.5, (trials, n, 2))
    target = np.zeros((trials, n, 2))
    target[..., 0] = 0.8
    return x, target


def _loss(net, x, target):
    _, acts = rate.forward(net, x)
    return 0.5 * ((acts[-1] - target) ** 2).sum()


def test_bp_gradients_equal_finite_differences():
    net = rate.init_rate_network(SIZES, "BP", [3, 4])
    x, target = _batch()
    vs, _ = rate.forward(net, x)
    assert all((v > 0).mean() > 0.5 for v in vs)      # most cells are in the smooth range
    grads = rate.loss_gradients(net, x, target)
    h = 1e-6
    for k in range(net.n_weight_layers):
        for which, arr in (("W", net.weights[k]), ("b", net.biases[k])):
            num = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                old = arr[idx]
                arr[idx] = old + h
                up = _loss(net, x, target)
                arr[idx] = old - h
                down = _loss(net, x, target)
                arr[idx] = old
                num[idx] = (up - down) / (2 * h)
            ana = grads[k][0] if which == "W" else grads[k][1]
            assert np.abs(num).max() > 1e-4, (k, which)
            np.testing.assert_allclose(ana, num, rtol=1e-5, atol=1e-9, err_msg=f"{which}{k}")


@pytest.mark.parametrize("variant", ["paper", "session7"])
def test_bp_update_is_the_gradient_with_c1c2_absorbed_into_eta(variant):
    """BP's own step is -eta * gradient / (c1 c2) in EVERY layer: c1 c2 is dropped only from
    each cell's own derivative (eq. 2.11) and kept on every backward link, the output's
    included. The session7 variant's hidden layers get gradient / (c1 c2)^2."""
    p = SamadiParams.preset(variant)
    net = rate.init_rate_network(SIZES, "BP", [5], gate_output=True, params=p)
    x, target = _batch(trials=1)
    before = [w.copy() for w in net.weights]
    grads = rate.loss_gradients(net, x, target)
    rate.train_step(net, x, target)
    alpha = net.params.c1 * net.params.c2
    for k in range(net.n_weight_layers):
        scale = alpha if (variant == "paper" or k == net.n_weight_layers - 1) else alpha**2
        np.testing.assert_allclose(net.weights[k] - before[k], -net.eta[k] * grads[k][0] / scale,
                                   rtol=1e-10, atol=1e-14)


def test_backward_pass_with_transposed_weights_is_bp_with_c1c2_on_every_link():
    """FA's backward pass with B = Wᵀ gives exactly BP's u_k, and these are the exact gradient
    of ½|e|² with respect to each layer's drive divided by c1 c2 (every link carries c1 c2)."""
    net = rate.init_rate_network(SIZES, "FA", [3, 4], gate_output=True)
    net.feedback = [w.transpose(0, 2, 1).copy() for w in net.weights[1:]]
    x, target = _batch(7)
    vs, acts = rate.forward(net, x)
    e = acts[-1] - target
    u_fa = rate.teaching_signals(net, vs, e)
    u_bp = rate.teaching_signals(net, vs, e, algorithm="BP")
    p, L = net.params, net.n_weight_layers
    alpha = p.c1 * p.c2
    # dL/dv by hand: delta_L = e E'(v_L), delta_k = E'(v_k) W_{k+1}^T delta_{k+1}, E' with c1 c2
    dE = [alpha * rate.slope(v, p) * (v > 0) for v in vs]
    delta = [None] * L
    delta[L - 1] = dE[L - 1] * e
    for k in range(L - 2, -1, -1):
        delta[k] = dE[k] * np.matmul(delta[k + 1], net.weights[k + 1])
    for k in range(L):
        np.testing.assert_array_equal(u_fa[k], u_bp[k])
        np.testing.assert_allclose(alpha * u_bp[k], delta[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("variant", ["paper", "session7"])
def test_depth_one_bp_fa_ba_give_identical_weights(variant):
    """At depth 1 only the output layer learns and BP, FA and BA are one algorithm (u_L =
    sech²(c2 v_L) e): the same seed must give the same weights, bit for bit."""
    p = SamadiParams.preset(variant)
    x, target = _batch(8, trials=3, n=5)
    nets = {a: rate.init_rate_network(SIZES, a, [11, 12, 13], params=p, depth=1)
            for a in ("BP", "FA", "BA")}
    for _ in range(30):
        for net in nets.values():
            rate.train_step(net, x, target)
    for a in ("FA", "BA"):
        for wb, wa in zip(nets["BP"].weights + nets["BP"].biases,
                          nets[a].weights + nets[a].biases):
            np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(nets["BP"].weights[-1],
                              rate.init_rate_network(SIZES, "BP", [11, 12, 13], params=p).weights[-1])


def test_fa_with_transposed_weights_is_bp():
    x, target = _batch(1)
    bp = rate.init_rate_network(SIZES, "BP", [7, 8])
    fa = rate.init_rate_network(SIZES, "FA", [7, 8])
    for _ in range(20):  # the chain stays exact as the weights learn: B_k follows W_{k+1}
        fa.feedback = [w.transpose(0, 2, 1).copy() for w in fa.weights[1:]]
        rate.train_step(bp, x, target)
        rate.train_step(fa, x, target)
    for wb, wf in zip(bp.weights, fa.weights):
        np.testing.assert_allclose(wf, wb, rtol=1e-12, atol=1e-12)
    fa.feedback = [np.random.default_rng(0).normal(size=b.shape) for b in fa.feedback]
    vs, acts = rate.forward(fa, x)
    e = acts[-1] - target
    u_fa = rate.teaching_signals(fa, vs, e)
    u_bp = rate.teaching_signals(fa, vs, e, algorithm="BP")
    assert not np.allclose(u_fa[0], u_bp[0])           # random B really changes the signal


def test_ba_with_the_chain_of_transposes_is_bp_where_the_slope_is_constant():
    """BA's B_k = gamma^D W_{k+1}^T ... W_L^T (eq. A.6 with gamma = c1 c2, D counting the output
    layer) equals BP when every cell works at a constant slope: tanh in its linear range (c2 -> 0
    at fixed c1 c2) and v > 0."""
    p = SamadiParams(c1=0.0656e5, c2=1e-5)  # c1 c2 = 0.0656 as in the paper, sech^2 = 1 - O(1e-8)
    bp = rate.init_rate_network(SIZES, "BP", [4], params=p)   # a seed with every v > 0
    ba = rate.init_rate_network(SIZES, "BA", [4], params=p)
    x, target = _batch(2, trials=1)
    vs, acts = rate.forward(bp, x)
    assert all((v > 0).all() for v in vs)
    L, alpha = bp.n_weight_layers, p.c1 * p.c2
    chain = []
    for k in range(L - 1):
        M = alpha * bp.weights[L - 1].transpose(0, 2, 1)
        for m in range(L - 2, k, -1):
            M = bp.weights[m].transpose(0, 2, 1) @ (alpha * M)
        chain.append(M)
    ba.feedback = chain
    e = acts[-1] - target
    u_bp = rate.teaching_signals(bp, vs, e)
    u_ba = rate.teaching_signals(ba, vs, e)
    for k in range(L - 1):
        np.testing.assert_allclose(u_ba[k], u_bp[k], rtol=1e-6)
    # in the paper's nonlinear regime the same B no longer gives BP
    bp2 = rate.init_rate_network(SIZES, "BP", [1])
    ba2 = rate.init_rate_network(SIZES, "BA", [1])
    ba2.feedback = chain
    vs2, acts2 = rate.forward(bp2, x)
    e2 = acts2[-1] - target
    assert not np.allclose(rate.teaching_signals(ba2, vs2, e2)[0],
                           rate.teaching_signals(bp2, vs2, e2)[0], rtol=1e-3)


def test_df_is_ba_without_da_dv_and_gated_df_keeps_the_gate():
    ba = rate.init_rate_network(SIZES, "BA", [2, 3])
    df = rate.init_rate_network(SIZES, "DF", [2, 3])
    dfg = rate.init_rate_network(SIZES, "DF-gated", [2, 3])
    for B_ba, B_df, B_dfg in zip(ba.feedback, df.feedback, dfg.feedback):
        np.testing.assert_array_equal(B_ba, B_df)   # same seed, same Appendix-B draws
        np.testing.assert_array_equal(B_ba, B_dfg)
    x, target = _batch(3, n=6)
    x[0, 0] = [-3.0, -3.0]                          # some cells with v <= 0
    vs, acts = rate.forward(ba, x)
    e = acts[-1] - target
    u_ba = rate.teaching_signals(ba, vs, e)
    u_df = rate.teaching_signals(df, vs, e)
    u_dfg = rate.teaching_signals(dfg, vs, e)
    L = ba.n_weight_layers
    assert any((v <= 0).any() for v in vs[:-1])
    np.testing.assert_array_equal(u_df[L - 1], e)   # the output has no da/dv either
    for k in range(L):
        s = rate.slope(vs[k], ba.params)
        assert not np.allclose(s, 1.0)
        gate = (vs[k] > 0) if k < L - 1 else np.ones_like(vs[k], dtype=bool)
        np.testing.assert_allclose(u_ba[k], s * gate * u_df[k], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(u_dfg[k], gate * u_df[k])
        if k < L - 1 and (~gate).any():
            assert np.any(u_df[k][~gate] != 0)      # the literal DF has no gate
            assert np.all(u_dfg[k][~gate] == 0)


@pytest.mark.parametrize("algorithm", rate.ALGORITHMS)
def test_depth_k_freezes_exactly_the_first_layers(algorithm):
    depth = 2
    net = rate.init_rate_network(SIZES, algorithm, [1, 2], depth=depth)
    assert net.learning_layers == [2, 3]
    before_w = [w.copy() for w in net.weights]
    before_b = [b.copy() for b in net.biases]
    x, target = _batch(4)
    for _ in range(5):
        rate.train_step(net, x, target)
    L = net.n_weight_layers
    for k in range(L):
        if k < L - depth:
            np.testing.assert_array_equal(net.weights[k], before_w[k])
            np.testing.assert_array_equal(net.biases[k], before_b[k])
        else:
            assert not np.allclose(net.weights[k], before_w[k]), k
            assert not np.allclose(net.biases[k], before_b[k]), k
    with pytest.raises(ValueError, match="depth"):
        rate.init_rate_network(SIZES, algorithm, [1], depth=5)


def test_output_slope_is_not_gated_unless_asked():
    assert SamadiParams().gate_output is False      # the named departure (docs/families)
    net = rate.init_rate_network([2, 3, 2], "BA", [0])
    x = np.array([[[1.0, 1.0]]])
    net.biases[-1][:] = -50.0                        # both outputs silent (v < 0)
    vs, acts = rate.forward(net, x)
    assert (vs[-1] < 0).all()
    e = acts[-1] - np.array([[[0.8, 0.0]]])
    assert rate.teaching_signals(net, vs, e)[1][0, 0, 0] != 0   # it can still recover
    net.gate_output = True
    assert rate.teaching_signals(net, vs, e)[1][0, 0, 0] == 0


def test_momentum_and_bias_learning():
    net = rate.init_rate_network([2, 3, 2], "BP", [0])
    x, target = _batch(5, trials=1, n=1)
    g = rate.loss_gradients(net, x, target)
    alpha = net.params.c1 * net.params.c2
    b0 = net.biases[1].copy()
    rate.train_step(net, x, target)
    step1 = -net.eta[1] * g[1][1] / alpha
    np.testing.assert_allclose(net.biases[1] - b0, step1, rtol=1e-10)
    np.testing.assert_allclose(net.db[1], step1, rtol=1e-10)
    g2 = rate.loss_gradients(net, x, target)
    b1 = net.biases[1].copy()
    rate.train_step(net, x, target)
    np.testing.assert_allclose(net.biases[1] - b1, 0.9 * step1 - net.eta[1] * g2[1][1] / alpha,
                               rtol=1e-10)


def test_alignment_angles():
    assert angle_deg(np.array([[1.0, 0.0]]), np.array([[0.0, 2.0]]))[0] == pytest.approx(90)
    assert angle_deg(np.array([[1.0, 1.0]]), np.array([[-3.0, -3.0]]))[0] == pytest.approx(180)
    assert np.isnan(angle_deg(np.zeros((1, 2)), np.ones((1, 2)))[0])
    x, target = _batch(6, trials=3, n=20)
    bp = rate.init_rate_network(SIZES, "BP", [0, 1, 2], gate_output=True)
    ang_bp = layer_angles(*rate.own_and_true_updates(bp, x, target))
    for k, a in ang_bp.items():
        np.testing.assert_allclose(a, 0.0, atol=1e-5, err_msg=str(k))  # BP is the gradient
    fa = rate.init_rate_network(SIZES, "FA", [0, 1, 2], gate_output=True)
    ang_fa = layer_angles(*rate.own_and_true_updates(fa, x, target))
    np.testing.assert_allclose(ang_fa[3], 0.0, atol=1e-5)   # the output layer is exact
    assert np.all(ang_fa[0] > 1.0)                          # random feedback is not
