"""spiketeach.analysis.spike_coding on arrays with known answers."""

import numpy as np
import pytest

from spiketeach.analysis import spike_coding as sc


def test_decoder_and_error():
    rng = np.random.default_rng(0)
    r = rng.random((500, 6))
    D = rng.standard_normal((2, 6))
    x = r @ D.T
    np.testing.assert_allclose(sc.optimal_decoder(r, x), D, atol=1e-10)
    assert sc.coding_error(x, x) == 0
    assert sc.coding_error(x, np.zeros_like(x) + x.mean(0)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="same number of steps"):
        sc.optimal_decoder(r, x[:10])


def test_rate_variance_distance():
    s = np.zeros((1000, 4))
    s[::10] = 1
    assert sc.mean_rate(s, 1e-3) == pytest.approx(100.0)
    F = np.random.default_rng(1).standard_normal((5, 2))
    assert sc.recurrent_distance(-3 * F @ F.T, F) == pytest.approx(0, abs=1e-20)
    assert sc.recurrent_distance(-np.eye(5), F) > 0.1
    assert sc.voltage_variance(np.ones((10, 3))) == 0


def test_cv_and_fano_of_regular_and_poisson_trains():
    rng = np.random.default_rng(2)
    regular = np.zeros((5000, 3))
    regular[::20] = 1
    assert sc.isi_cv(regular) == pytest.approx(0.0)
    poisson = (rng.random((200_000, 3)) < 0.02).astype(float)
    assert sc.isi_cv(poisson) == pytest.approx(1.0, abs=0.05)
    counts = rng.poisson(20, size=(400, 5))
    assert sc.fano_factor(counts) == pytest.approx(1.0, abs=0.15)
    assert sc.fano_factor(np.full((10, 2), 20.0)) == 0
    assert np.isnan(sc.fano_factor(np.zeros((10, 2))))


def test_ei_correlation():
    rng = np.random.default_rng(3)
    e = np.abs(rng.standard_normal((20_000, 3)))
    assert sc.ei_correlation(e, -e, lam=50, dt=1e-3) == pytest.approx(1.0)
    assert abs(sc.ei_correlation(e, -np.abs(rng.standard_normal((20_000, 3))), 50, 1e-3)) < 0.2
    # currents split by sign: feedforward and off-diagonal recurrent parts
    spikes = np.zeros((3, 2))
    spikes[1, 0] = 1
    F = np.array([[1.0], [-1.0]])
    omega = np.array([[-1.0, -0.5], [0.3, -1.0]])
    exc, inh = sc.ei_currents(spikes, F, omega, np.ones((3, 1)))
    np.testing.assert_allclose(exc, [[1, 0], [1, 0.3], [1, 0]])
    np.testing.assert_allclose(inh, [[0, -1], [0, -1], [0, -1]])
