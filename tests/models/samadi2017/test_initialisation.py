"""Appendix B of Samadi et al. (2017): the initialisation does what it was derived for."""

import numpy as np
import pytest

from spiketeach.models.samadi2017.initialisation import (forward_weight_moments,
                                                         init_broadcast_alignment,
                                                         init_feedback_alignment, init_forward)
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.models.samadi2017.activation import tanh_activation

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


def test_broadcast_feedback_matches_linearised_backprop_scale():
    # eq. A.6: B_l e has the variance that backprop's delta_l has when every slope is gamma.
    sizes = [20, 60, 50, 40, 10]
    rng = np.random.default_rng(1)
    W, _ = init_forward(sizes, P, rng)
    B = init_broadcast_alignment(sizes, P, rng)
    e = rng.standard_normal((2000, sizes[-1]))
    delta = e @ W[-1]                               # delta of the last hidden layer
    bp = {len(sizes) - 2: delta}
    for l in range(len(sizes) - 3, 0, -1):          # deeper hidden layers
        delta = (P.alpha * delta) @ W[l]
        bp[l] = delta
    for l in range(1, len(sizes) - 1):
        ba = e @ B[l - 1].T
        assert B[l - 1].shape == (sizes[l], sizes[-1])
        assert ba.std() == pytest.approx(bp[l].std(), rel=0.25), f"hidden layer {l}"


def test_feedback_alignment_shapes_and_scale():
    sizes = [30, 80, 80, 10]
    rng = np.random.default_rng(2)
    W, _ = init_forward(sizes, P, rng)
    B = init_feedback_alignment(sizes, P, np.random.default_rng(3))
    assert [m.shape for m in B] == [w.T.shape for w in W[1:]]
    for m, w in zip(B, W[1:]):
        assert np.sqrt(np.mean(m**2)) == pytest.approx(np.sqrt(np.mean(w**2)), rel=0.2)
