"""Appendix B of Samadi et al. (2017): the initialisation does what it was derived for."""

import numpy as np
import pytest

from spiketeach.models.samadi2017.activation import tanh_activation
from spiketeach.models.samadi2017.initialisation import (
    broadcast_feedback_moments,
    forward_weight_moments,
    init_broadcast_alignment,
    init_feedback_alignment,
    init_forward,
)
from spiketeach.models.samadi2017.params import SamadiParams

P = SamadiParams()
MNIST_NETS = [[784, 1000, 10], [784, 630, 370, 10]]


def _drives(sizes, activation, rng, n_samples=200, n_nets=8):
    """Per-layer drives of freshly initialised nets for Appendix-B-distributed inputs.

    The statistics are over cells, inputs and several initialisations: eqs. A.2-A.3 hold for the
    ensemble, and a 10-cell output layer alone gives a noisy mean.
    """
    per_layer = [[] for _ in sizes[1:]]
    for _ in range(n_nets):
        W, b = init_forward(sizes, P, rng)
        a = rng.normal(P.alpha * P.v_bar, P.alpha * P.sigma_v, size=(n_samples, sizes[0]))
        for k, (Wl, bl) in enumerate(zip(W, b)):
            v = a @ Wl.T + bl
            per_layer[k].append(v.ravel())
            a = activation(v)
    return [np.concatenate(v) for v in per_layer]


@pytest.mark.parametrize("sizes", MNIST_NETS)
def test_linear_approximation_keeps_drive_statistics(sizes):
    # Under eq. A.1 (a = alpha v) every layer's drives have mean v̄ = 8 and s.d. sigma_v = 10.
    drives = _drives(sizes, lambda v: P.alpha * v, np.random.default_rng(0))
    for v in drives:
        assert v.mean() == pytest.approx(P.v_bar, rel=0.25)
        assert v.std() == pytest.approx(P.sigma_v, rel=0.25)


def test_real_activation_shrinks_drives_with_depth():
    # Appendix B warns that the sublinear E(a) shrinks deeper drives; record by how much.
    drives = _drives([784, 630, 370, 10], tanh_activation, np.random.default_rng(0))
    stats = [(round(float(v.mean()), 2), round(float(v.std()), 2)) for v in drives]
    print("784-630-370-10 drives (mean, s.d.) per layer with E(a) = max(0, c1 tanh(c2 v)):", stats)
    assert stats[0][0] == pytest.approx(P.v_bar, rel=0.25)        # first layer: inputs as derived
    assert stats[1][1] < 0.75 * P.sigma_v and stats[2][1] < 0.75 * P.sigma_v
    assert stats[1][0] < P.v_bar and stats[2][0] < P.v_bar


def test_weight_moments_solve_eqs_A2_A3():
    n = 50
    w_mean, w_sd = forward_weight_moments(n, P)
    a_mean, a_var = P.alpha * P.v_bar, (P.alpha * P.sigma_v) ** 2
    mean_v = n * w_mean * a_mean + P.b_bar
    var_v = n * (w_sd**2 * (a_var + a_mean**2) + w_mean**2 * a_var)
    assert mean_v == pytest.approx(P.v_bar)
    assert var_v == pytest.approx(P.sigma_v**2)
    with pytest.raises(ValueError, match="fan_in"):
        forward_weight_moments(0, P)


def test_weight_moments_are_eq_A3_as_printed():
    # A.3 gives the second moment; our variance form must agree with it
    vv = P.v_bar**2 + P.sigma_v**2
    a, vb, bb = P.alpha, P.v_bar, P.b_bar
    for n in (2, 10, 784):
        m, sd = forward_weight_moments(n, P)
        second = (vv + a * a * (n - n * n) * m * m * vb * vb - 2 * a * n * bb * vb * m - bb * bb) \
            / (a * a * n * vv)
        assert m * m + sd * sd == pytest.approx(second, rel=1e-12)


def test_forward_weights_are_uniform_as_eq_A4():
    rng = np.random.default_rng(4)
    W, b = init_forward([10, 400, 300], P, rng)
    m, sd = forward_weight_moments(400, P)
    w = W[1]
    assert w.mean() == pytest.approx(m, abs=4 * sd / np.sqrt(w.size))
    assert w.std() == pytest.approx(sd, rel=0.02)
    half = np.sqrt(3) * sd                            # uniform on [m - sqrt(3) sd, m + sqrt(3) sd]
    assert w.min() >= m - half and w.max() <= m + half
    assert w.min() < m - 0.99 * half and w.max() > m + 0.99 * half
    assert np.all(b[0] == P.b_bar)
    Wn, _ = init_forward([10, 400, 300], P.preset("session7"), np.random.default_rng(4))
    assert Wn[1].max() > m + 1.1 * half               # the session7 variant draws normally


def test_feedback_alignment_is_drawn_like_the_weights_eq_A5():
    sizes = [2] + [10] * 8 + [2]
    Bs = [init_feedback_alignment(sizes, P, np.random.default_rng(s)) for s in range(400)]
    for j in range(len(sizes) - 2):                   # B_FA(j) stands in for W_(j+1)^T
        m, sd = forward_weight_moments(sizes[j + 1], P)
        entries = np.stack([B[j] for B in Bs])
        assert entries.shape[1:] == (sizes[j + 1], sizes[j + 2])
        assert entries.mean() == pytest.approx(m, abs=4 * sd / np.sqrt(entries.size))
        assert entries.std() == pytest.approx(sd, rel=0.03)
        half = np.sqrt(3) * sd
        assert entries.min() >= m - half and entries.max() <= m + half


def test_broadcast_alignment_is_gamma_D_times_the_product_of_A5_matrices():
    sizes = [2] + [10] * 8 + [2]
    fa = init_feedback_alignment(sizes, P, np.random.default_rng(9))
    ba = init_broadcast_alignment(sizes, P, np.random.default_rng(9))   # draws the same B_FA
    L = len(sizes) - 1
    for j in range(L - 1):                            # hidden layer j+1: D = L - 1 - j
        D = L - 1 - j
        prod = np.eye(sizes[j + 1])
        for m in range(j, L - 1):
            prod = prod @ fa[m]
        assert ba[j].shape == (sizes[j + 1], sizes[-1])
        np.testing.assert_allclose(ba[j], P.alpha**D * prod, rtol=1e-12)
    # A.6's worked example: layer 4 of a 7-layer net has D = 3 (the output layer counted)
    seven = [3, 5, 5, 5, 5, 5, 2]
    fa7 = init_feedback_alignment(seven, P, np.random.default_rng(1))
    ba7 = init_broadcast_alignment(seven, P, np.random.default_rng(1))
    np.testing.assert_allclose(ba7[2], P.alpha**3 * fa7[2] @ fa7[3] @ fa7[4], rtol=1e-12)


def test_broadcast_alignment_statistics_match_their_formula():
    # entries of gamma^D prod B_FA over many draws: mean and s.d. of broadcast_feedback_moments
    sizes = [2] + [10] * 8 + [2]
    draws = [init_broadcast_alignment(sizes, P, np.random.default_rng(s)) for s in range(3000)]
    for j, (mean, sd) in enumerate(broadcast_feedback_moments(sizes, P)):
        x = np.stack([d[j][0, 0] for d in draws])     # one entry per draw (independent)
        se = x.std() / np.sqrt(len(x))
        assert x.mean() == pytest.approx(mean, abs=4 * se), j
        assert x.std() == pytest.approx(sd, rel=0.1), j
    # D = 1: gamma B_FA exactly
    m, s = forward_weight_moments(10, P)
    assert broadcast_feedback_moments(sizes, P)[-1] == pytest.approx((P.alpha * m, P.alpha * s))


def test_session7_broadcast_feedback_matches_linearised_backprop_scale():
    # the session7 variant: zero-mean Gaussian B_l whose B_l e has the variance backprop's
    # delta_l has when every hidden slope is gamma (gamma^(D-1): no c1 c2 on the output link)
    S7 = P.preset("session7")
    sizes = [20, 60, 50, 40, 10]
    rng = np.random.default_rng(1)
    W, _ = init_forward(sizes, S7, rng)
    B = init_broadcast_alignment(sizes, S7, rng)
    e = rng.standard_normal((2000, sizes[-1]))
    delta = e @ W[-1]                               # delta of the last hidden layer
    bp = {len(sizes) - 2: delta}
    for l in range(len(sizes) - 3, 0, -1):          # deeper hidden layers
        delta = (S7.alpha * delta) @ W[l]
        bp[l] = delta
    for l in range(1, len(sizes) - 1):
        ba = e @ B[l - 1].T
        assert B[l - 1].shape == (sizes[l], sizes[-1])
        assert ba.std() == pytest.approx(bp[l].std(), rel=0.25), f"hidden layer {l}"


def test_session7_feedback_alignment_shapes_and_scale():
    S7 = P.preset("session7")
    sizes = [30, 80, 80, 10]
    rng = np.random.default_rng(2)
    W, _ = init_forward(sizes, S7, rng)
    B = init_feedback_alignment(sizes, S7, np.random.default_rng(3))
    assert [m.shape for m in B] == [w.T.shape for w in W[1:]]
    for m, w in zip(B, W[1:]):
        assert abs(m.mean()) < 0.2 * np.sqrt(np.mean(m**2))
        assert np.sqrt(np.mean(m**2)) == pytest.approx(np.sqrt(np.mean(w**2)), rel=0.2)


def test_learner_inputs_have_the_statistics_of_E_a():
    # Appendix B: "E(a) will have a mean of 0.64 and a standard deviation of 0.8. Therefore, we
    # ensured that network inputs had these statistics"
    from spiketeach.protocols.samadi2017.depth_sweep import trial_data
    from spiketeach.protocols.samadi2017.teacher_student import Teacher

    assert (P.input_mean, P.input_sd) == (0.64, 0.8)
    import spiketeach.protocols.samadi2017.depth_sweep as ds
    teacher = Teacher([np.eye(2)], [np.zeros(2)])
    orig = ds.teacher_for
    ds.teacher_for = lambda seed, cache_dir=None: teacher
    try:
        x_test, _, x_train, _ = trial_data(0, 20_000, 10, P)
    finally:
        ds.teacher_for = orig
    n = x_train.size
    assert x_train.mean() == pytest.approx(0.64, abs=4 * 0.8 / np.sqrt(n))
    assert x_train.std() == pytest.approx(0.8, abs=4 * 0.8 / np.sqrt(2 * n))
    S7 = P.preset("session7")
    assert (S7.input_mean, S7.input_sd) == pytest.approx((S7.alpha * 8, S7.alpha * 10))
