"""Rate functions and parameters of Hunsberger & Eliasmith (2015): soft LIF, LIF, derivatives."""

import dataclasses
import warnings

import numpy as np
import pytest

from spiketeach.models.hunsberger2015.params import Hunsberger2015Params
from spiketeach.models.hunsberger2015.rates import (
    lif_rate,
    lif_rate_derivative,
    soft_lif_rate,
    soft_lif_rate_derivative,
    unit_derivative,
    unit_output,
)

TAU = {"tau_rc": 0.03, "tau_ref": 0.002}
#: every regime: -inf, far below threshold, around j = 1, far above, +inf
EXTREME = np.array([-np.inf, -1e300, -1e6, -10.0, 0.0, 0.5, 0.999, 1.0, np.nextafter(1.0, 2.0),
                    1.0 + 1e-12, 1.001, 1.5, 10.0, 1e6, 1e300, np.inf])


def test_soft_lif_tends_to_lif_as_gamma_shrinks():
    j = np.linspace(-1.0, 5.0, 24001)  # contains j = 1
    hard = lif_rate(j, **TAU)
    gammas = (0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 1e-4, 1e-8)
    diffs = [np.max(np.abs(soft_lif_rate(j, gamma=g, **TAU) - hard)) for g in gammas]
    assert all(b < a for a, b in zip(diffs, diffs[1:])), diffs
    # the largest difference is the soft rate at threshold, r_g(1) = 1/(tau_ref + tau_rc
    # log(1 + 1/(gamma log 2))): it goes to 0, but only like 1 / log(1/gamma)
    at_one = [soft_lif_rate(1.0, gamma=g, **TAU) for g in gammas]
    np.testing.assert_allclose(diffs, at_one, rtol=1e-9)
    assert diffs[-1] < 0.1 * diffs[0]
    # away from threshold it is linear in gamma: below, r_g ~ 1/(tau_rc (j-1)/gamma) -> 0
    far = np.abs(j - 1) >= 0.1
    far_diffs = [np.max(np.abs(soft_lif_rate(j[far], gamma=g, **TAU) - hard[far])) for g in gammas]
    assert all(b < a for a, b in zip(far_diffs, far_diffs[1:])), far_diffs
    assert all(d < g / (TAU["tau_rc"] * 0.1) for d, g in zip(far_diffs, gammas)), far_diffs
    assert far_diffs[-1] < 1e-5


@pytest.mark.parametrize("gamma", [1e-3, 0.01, 0.02, 0.1, 1.0])
def test_soft_lif_derivative_equals_finite_differences(gamma):
    j = np.linspace(-2.0, 12.0, 3001)
    h = 1e-3 * gamma
    up, down = (soft_lif_rate(j + s, gamma=gamma, **TAU) for s in (h, -h))
    fd = (up - down) / (2 * h)
    d = soft_lif_rate_derivative(j, gamma=gamma, **TAU)
    np.testing.assert_allclose(d, fd, rtol=1e-4, atol=1e-6 * np.max(d))


def test_lif_derivative_equals_finite_differences_above_threshold():
    j = np.linspace(1.05, 10.0, 500)
    h = 1e-6
    fd = (lif_rate(j + h, **TAU) - lif_rate(j - h, **TAU)) / (2 * h)
    np.testing.assert_allclose(lif_rate_derivative(j, **TAU), fd, rtol=1e-5)
    assert np.all(lif_rate_derivative(np.array([0.0, 0.5, 1.0]), **TAU) == 0)


@pytest.mark.parametrize("gamma", [1e-6, 0.01, 0.02, 1.0, 1e3])
def test_no_overflow_nan_or_division_error_anywhere(gamma):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow, divide, invalid)
        r = soft_lif_rate(EXTREME, gamma=gamma, **TAU)
        d = soft_lif_rate_derivative(EXTREME, gamma=gamma, **TAU)
        rh = lif_rate(EXTREME, **TAU)
        dh = lif_rate_derivative(EXTREME, **TAU)
    for a in (r, d, rh, dh):
        assert np.all(np.isfinite(a)), a
        assert np.all(a >= 0)
    assert np.all(r <= 1 / TAU["tau_ref"]) and r[-1] == pytest.approx(1 / TAU["tau_ref"])
    assert r[0] == 0 and np.all(r[2:] > 0)  # positive for every finite j not underflowing
    assert np.all(np.diff(r) >= 0)


def test_soft_lif_derivative_bounded_lif_derivative_not():
    j = 1.0 + np.logspace(-12, -1, 200)
    j = np.concatenate([2 - j, j])
    for gamma in (0.01, 0.02, 0.1):
        d = soft_lif_rate_derivative(j, gamma=gamma, **TAU)
        # the bound tau_rc r^2 / gamma x (1/(1+p) <= 1), r at its largest near threshold
        assert np.max(d) < TAU["tau_rc"] * soft_lif_rate(1.5, gamma=gamma, **TAU) ** 2 / gamma
        left, right = soft_lif_rate_derivative(np.array([1 - 1e-9, 1 + 1e-9]), gamma=gamma, **TAU)
        assert abs(right - left) < 1e-6 * right  # continuous across j = 1
    assert np.max(lif_rate_derivative(j, **TAU)) > 1e8  # hard LIF: unbounded at 1+


def test_unit_output_and_derivative():
    p = Hunsberger2015Params()
    x = np.linspace(-3, 10, 1301)
    h = 1e-6
    for kind in ("softlif", "relu"):
        fd = (unit_output(x + h, p, kind) - unit_output(x - h, p, kind)) / (2 * h)
        ok = np.abs(x) > 1e-3 if kind == "relu" else slice(None)
        np.testing.assert_allclose(unit_derivative(x, p, kind)[ok], fd[ok], rtol=1e-4, atol=1e-8)
    # threshold at x = 0: the hard-LIF unit is silent below it, amplitude x rate above it
    np.testing.assert_array_equal(unit_output(np.array([-1.0, 0.0]), p, "lif"), 0.0)
    expected = p.amplitude * lif_rate(2.0, p.tau_rc, p.tau_ref)
    assert unit_output(1.0, p, "lif") == pytest.approx(expected)
    with pytest.raises(ValueError, match="kind"):
        unit_output(x, p, "sigmoid")


@pytest.mark.parametrize("kwargs, name", [
    ({"tau_rc": -0.02}, "tau_rc"), ({"tau_rc": 0.0}, "tau_rc"), ({"tau_ref": -0.001}, "tau_ref"),
    ({"gamma": 0.0}, "gamma"), ({"gamma": -0.1}, "gamma"), ({"tau_rc": np.nan}, "tau_rc"),
])
def test_bad_rate_parameters_raise_naming_them(kwargs, name):
    args = TAU | kwargs
    gamma = args.pop("gamma", 0.02)
    with pytest.raises(ValueError, match=name):
        soft_lif_rate(1.5, gamma=gamma, **args)
    with pytest.raises(ValueError, match=name):
        soft_lif_rate_derivative(1.5, gamma=gamma, **args)
    if name != "gamma":
        with pytest.raises(ValueError, match=name):
            lif_rate(1.5, **args)


@pytest.mark.parametrize("field, value", [
    ("tau_rc", -0.02), ("tau_ref", -1e-3), ("gamma", 0.0), ("gamma", -1.0), ("gain", 0.0),
    ("amplitude", -0.063), ("tau_s", -0.005), ("noise_sigma", -1.0), ("dt", 0.0),
    ("presentation", "long"),
])
def test_bad_params_raise_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        Hunsberger2015Params(**{field: value})


def test_params_defaults_and_settle_check():
    p = Hunsberger2015Params()
    assert (p.tau_rc, p.tau_ref, p.gamma, p.gain, p.amplitude) == (0.022, 0.002, 0.02, 1.0, 0.063)
    assert p.tau_s == 0.005 and p.max_rate == pytest.approx(500.0)
    with pytest.raises(ValueError, match="settle"):
        p.replace(settle=0.2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.tau_rc = 0.05
