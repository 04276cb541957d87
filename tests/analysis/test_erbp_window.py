"""The window and alignment analysis used on eRBP (spiketeach.analysis.stdp / .alignment)."""

import numpy as np
import pytest

from spiketeach.analysis.alignment import two_layer_directions
from spiketeach.analysis.stdp import (
    nearest_dt,
    updates_at_spikes,
    variance_explained,
    window_profile,
)


def test_updates_at_spikes_reads_each_spikes_step_and_refuses_shared_intervals():
    t = np.arange(10) * 1.0                     # samples at the end of steps 0..9
    w = np.array([0, 0, 0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 0.9, 0.9])
    # spikes in step 2 (+0.5), 5 (-0.3), mid-interval before 8 (+0.7), before the first
    # sample and after the last one (unknown)
    dw = updates_at_spikes(t, w, [2.0, 5.0, 7.4, -1.0, 12.0])
    np.testing.assert_allclose(dw[:3], [0.5, -0.3, 0.7])
    assert np.isnan(dw[3]) and np.isnan(dw[4])
    # two spikes in one sample interval cannot be told apart
    both = updates_at_spikes(t, w, [4.2, 4.8, 2.0])
    assert np.isnan(both[0]) and np.isnan(both[1]) and both[2] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="increase"):
        updates_at_spikes(t[::-1], w, [1.0])


def test_nearest_dt_signs_and_window():
    post = [10.0, 30.0]
    d = nearest_dt([8.0, 12.0, 20.0, 29.0, 100.0], post, window=15)
    np.testing.assert_allclose(d[:4], [2.0, -2.0, -10.0, 1.0])   # 20: tie -> the earlier
    assert np.isnan(d[4])                                         # 70 away: outside
    assert np.all(np.isnan(nearest_dt([1.0, 2.0], [])))


def test_window_profile_means_and_errors():
    dt = np.array([-9, -8, -1, 1, 2, 3, 50, np.nan])
    dw = np.array([1.0, 3.0, 2.0, 4.0, 6.0, 8.0, 100.0, 1.0])
    p = window_profile(dt, dw, [-10, 0, 10])
    np.testing.assert_allclose(p["count"], [3, 3])
    np.testing.assert_allclose(p["mean"], [2.0, 6.0])
    np.testing.assert_allclose(p["sem"], [1 / np.sqrt(3), 2 / np.sqrt(3)])
    np.testing.assert_allclose(p["centers"], [-5, 5])
    assert np.isnan(window_profile([1.0], [1.0], [-3, -2, 2])["mean"][0])
    with pytest.raises(ValueError, match="increasing"):
        window_profile(dt, dw, [1, 0])


def test_variance_explained_against_the_sums_of_squares():
    rng = np.random.default_rng(0)
    g = rng.integers(0, 3, 200)
    v = np.array([0.0, 1.0, 5.0])[g] + rng.normal(0, 1, 200)
    eta2 = variance_explained(v, g)
    between = sum((g == k).sum() * (v[g == k].mean() - v.mean()) ** 2 for k in range(3))
    assert eta2 == pytest.approx(between / ((v - v.mean()) ** 2).sum())
    assert 0.7 < eta2 < 1
    assert variance_explained(np.array([0.0, 1.0, 5.0])[g], g) == pytest.approx(1.0)
    assert variance_explained([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1]) == pytest.approx(0.2)
    assert np.isnan(variance_explained([2.0, 2.0], [0, 1]))


def test_two_layer_directions_are_the_gradient_of_a_relu_network():
    rng = np.random.default_rng(1)
    D, n_in, n_h, n_out = 5, 4, 6, 3
    x = rng.uniform(0, 1, (D, n_in))
    W_in, W_out = rng.normal(0, 1, (n_h, n_in)), rng.normal(0, 1, (n_out, n_h))
    target = rng.uniform(0, 1, (D, n_out))

    def loss(Wi, Wo):
        h = np.maximum(x @ Wi.T, 0)
        return 0.5 * np.sum((target - np.maximum(h @ Wo.T, 0)) ** 2)

    a_h = x @ W_in.T
    h = np.maximum(a_h, 0)
    a_o = h @ W_out.T
    err = target - np.maximum(a_o, 0)
    d = two_layer_directions(x, h, err, W_out, W_out.T, gate_h=(a_h > 0) * 1.0,
                             gate_o=(a_o > 0) * 1.0)
    eps = 1e-6
    for name, W, other in (("hidden_bp", W_in, W_out), ("output", W_out, W_in)):
        num = np.zeros_like(W)
        for idx in np.ndindex(W.shape):
            Wp, Wm = W.copy(), W.copy()
            Wp[idx] += eps
            Wm[idx] -= eps
            args_p = (Wp, other) if name == "hidden_bp" else (other, Wp)
            args_m = (Wm, other) if name == "hidden_bp" else (other, Wm)
            num[idx] = -(loss(*args_p) - loss(*args_m)) / (2 * eps)
        np.testing.assert_allclose(d[name], num, atol=1e-6)
    # with B = W_outᵀ and an ungated top, random back-propagation is back-propagation
    lin = two_layer_directions(x, h, err, W_out, W_out.T, gate_h=(a_h > 0) * 1.0)
    np.testing.assert_allclose(lin["hidden_rbp"], lin["hidden_bp"])
    assert not np.allclose(d["hidden_rbp"], d["hidden_bp"])   # the top gate differs
    with pytest.raises(ValueError, match="B"):
        two_layer_directions(x, h, err, W_out, W_out)
