"""log_linear_fit recovers a known line in log2(samples) and refuses what it cannot fit."""

import numpy as np
import pytest

from spiketeach.analysis.learning_curves import log_linear_fit


def test_recovers_slope_per_doubling_and_prediction():
    s = np.array([0, 5000, 10000, 20000, 40000])
    acc = 60 + 1.5 * np.log2(np.maximum(s, 1) / 5000)
    acc[0] = 10.0                                  # the untrained test, left out by min_samples
    fit = log_linear_fit(s, acc, at=2e6, min_samples=5000)
    assert fit["per_doubling"] == pytest.approx(1.5)
    assert fit["predicted"] == pytest.approx(60 + 1.5 * np.log2(2e6 / 5000))
    assert fit["rms_residual"] == pytest.approx(0, abs=1e-9)
    assert fit["n_points"] == 4 and fit["fitted_from"] == [5000, 40000]


def test_prediction_is_capped_at_100_percent():
    s = [1000, 2000, 4000, 8000]
    assert log_linear_fit(s, [80, 85, 90, 95], at=1e9)["predicted"] == 100.0


@pytest.mark.parametrize("samples, acc, match", [
    ([1000, 2000], [50, 60], "at least 3"),
    ([1000, 2000, 4000], [50, np.nan, 60], "NaN"),
    ([1000, 2000, 4000], [50, 60], "one length"),
])
def test_bad_curves_are_refused(samples, acc, match):
    with pytest.raises(ValueError, match=match):
        log_linear_fit(samples, acc, at=1e6)
