"""Brian2 LIF neurons with alpha-filtered spike trains (Fig. 2) and the training-noise model."""

import numpy as np
import pytest

from spiketeach.core.devices import reset_device, select_device
from spiketeach.models.hunsberger2015.network import filtered_train_population
from spiketeach.protocols.hunsberger2015.noise import (
    NoiseModel,
    measure_filtered_trains,
    measure_noise_model,
)

FIG2 = {"tau_rc": 0.02, "tau_ref": 0.004, "tau_s": 0.003}


@pytest.fixture(scope="module")
def trains():
    """Fig. 2's neuron and filter, 2 s at dt = 0.2 ms, currents 0..10 (the low ones silent)."""
    select_device("runtime", target="numpy")
    try:
        yield measure_filtered_trains(np.r_[0.0, 0.9, np.linspace(1.5, 10.0, 18)], dt=2e-4,
                                      duration=2.0, discard=0.2, **FIG2)
    finally:
        reset_device()


def test_simulated_lif_rate_matches_closed_form(trains):
    above = trains["j"] > 1
    np.testing.assert_allclose(trains["rate"][above], trains["analytic"][above], rtol=0.03)
    assert np.all(trains["rate"][~above] == 0) and np.all(trains["analytic"][~above] == 0)


def test_mean_of_filtered_train_matches_analytic_rate(trains):
    above = trains["j"] > 1
    np.testing.assert_allclose(trains["mean"][above], trains["analytic"][above], rtol=0.03)
    # and the spread is real: quartiles and extremes bracket the mean, s.d. tens of hertz
    assert np.all(trains["min"] <= trains["q25"]) and np.all(trains["q75"] <= trains["max"])
    assert np.all(trains["min"][above] < trains["mean"][above])
    assert np.all(trains["mean"][above] < trains["max"][above])
    assert 10 < trains["std"][above].mean() < 60


def test_measured_noise_model(runtime):
    model, _ = measure_noise_model(duration=1.0, discard=0.1, n=8)
    assert len(model.j) == 8 and min(model.j) > 1
    sigma = np.array(model.sigma)
    assert np.all(sigma > 3) and np.all(sigma < 40)
    assert sigma[0] > sigma[-1]  # the spread is largest near threshold
    assert model.sigma_at(np.array([0.5, 1.0]))[0] == 0 and model.sigma_at(1.0) == 0
    assert model.sigma_at(100.0) == pytest.approx(sigma[-1])


def test_noise_model_apply_and_errors():
    rng = np.random.default_rng(0)
    model = NoiseModel.constant(10.0)
    j = np.r_[np.full(20000, 0.5), np.full(20000, 3.0)]
    rates = np.r_[np.zeros(20000), np.full(20000, 100.0)]
    noisy = model.apply(rates, j, rng)
    assert np.all(noisy[:20000] == 0)  # no noise at or below threshold
    assert noisy[20000:].std() == pytest.approx(10.0, rel=0.03)
    assert np.all(model.apply(np.full(1000, 1.0), np.full(1000, 2.0), rng) >= 0)  # clipped
    with pytest.raises(ValueError, match="sigma"):
        NoiseModel.constant(-1.0)
    with pytest.raises(ValueError, match="increasing"):
        NoiseModel((2.0, 1.0), (1.0, 1.0))


def test_population_rejects_bad_parameters(runtime):
    with pytest.raises(ValueError, match="tau_rc"):
        filtered_train_population([2.0], tau_rc=-0.02, tau_ref=0.002, tau_s=0.005, dt=1e-3)
    with pytest.raises(ValueError, match="tau_ref"):
        filtered_train_population([2.0], tau_rc=0.02, tau_ref=-0.002, tau_s=0.005, dt=1e-3)
    with pytest.raises(ValueError, match="finite"):
        filtered_train_population([np.nan], tau_rc=0.02, tau_ref=0.002, tau_s=0.005, dt=1e-3)
