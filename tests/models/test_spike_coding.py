"""What the spike-coding families share (spiketeach.models.spike_coding): values against the
equations, the one-spike choice, and the checks' one-line errors. The families' own tests
(tests/models/brendel2020, tests/models/bourdoukan2015) prove the Brian2 networks built with
these parts equal to their numpy steps."""

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
from brian2 import second

from spiketeach.models import spike_coding as sc


def test_optimal_network_codes_the_error_in_the_voltage():
    rng = np.random.default_rng(0)
    D = rng.standard_normal((2, 5))
    F, mu, nu = D.T, 0.03, 0.01
    omega = sc.optimal_recurrent(F, mu)
    x, r = rng.standard_normal(2), rng.random(5)
    V = F @ x + omega @ r
    # S.6 in the optimal network: V + mu r is the projected coding error F (x - D r)
    np.testing.assert_allclose(V + mu * r, F @ (x - D @ r), atol=1e-12)
    np.testing.assert_allclose(sc.optimal_thresholds(F, mu, nu),
                               [(f @ f + mu + nu) / 2 for f in F], atol=1e-15)


def test_choose_spike_largest_margin_ties_low_none_below_threshold():
    T = np.array([1.0, 1.0, 1.0])
    assert sc.choose_spike(np.array([1.2, 1.5, 1.1]), T, 0.0, None) == 1
    assert sc.choose_spike(np.array([1.5, 1.0, 1.5]), T, 0.0, None) == 0
    assert sc.choose_spike(np.array([0.9, 0.5, 0.99]), T, 0.0, None) == -1
    assert sc.choose_spike(np.array([0.9, 1.0, 0.5]), T, 0.0, None) == 1  # margin 0 fires


def test_choose_spike_draws_one_normal_per_neuron_from_rng():
    V, T, sigma = np.array([1.0, 1.1, 0.2]), np.full(3, 1.0), 0.5
    noise = sigma * np.random.default_rng(4).standard_normal(3)
    want = int(np.argmax(V - T - noise)) if np.max(V - T - noise) >= 0 else -1
    rng = np.random.default_rng(4)
    assert sc.choose_spike(V, T, sigma, rng) == want
    assert rng.standard_normal() == np.random.default_rng(4).standard_normal(4)[3]


def test_voltage_rule_is_the_update_of_s40():
    rng = np.random.default_rng(1)
    col, V, r = -rng.random(4), rng.standard_normal(4), rng.random(4)
    eps, beta, mu, k = 0.1, 1.25, 0.02, 2
    new = sc.voltage_rule(col.copy(), V, r, k, eps, beta, mu)
    want = col - eps * (beta * (V + mu * r) + col) - eps * mu * (np.arange(4) == k)
    np.testing.assert_allclose(new, want, atol=1e-15)


def test_check_stimulus_says_what_is_wrong():
    assert sc.check_stimulus([[1, 2]], 2).dtype == float
    with pytest.raises(ValueError, match=r"stimulus must be \(steps x 3\) to match F, got "
                                         r"shape \(1, 2\)"):
        sc.check_stimulus([[1, 2]], 3, why="to match F")
    with pytest.raises(ValueError, match="stimulus contains NaN"):
        sc.check_stimulus([[1, np.nan]], 2)


def test_spike_matrix_counts_spikes_in_their_steps_from_t0():
    mon = SimpleNamespace(t=np.array([0.0, 0.002, 0.002, 0.0041, 0.010]) * second,
                          i=np.array([0, 1, 1, 2, 0]))
    S = sc.spike_matrix(mon, 5, 3, 1e-3)
    assert S.sum() == 4 and S[0, 0] == 1 and S[2, 1] == 2 and S[4, 2] == 1
    S = sc.spike_matrix(mon, 3, 3, 1e-3, t0=0.002)  # steps before t0 are dropped
    assert S.sum() == 3 and S[0, 1] == 2 and S[2, 2] == 1


@dataclass(frozen=True)
class _Params:
    n: int = 3
    ref: int = 0
    dt: float = 1e-3
    lam: float = 50.0
    eps: float = 0.0

    def __post_init__(self):
        sc.check_params(self, counts=("n", ("ref", 0)), positive=("dt", "lam"),
                        nonnegative=("eps",))


@pytest.mark.parametrize("changes, message", [
    ({"n": 0}, "n must be a positive integer, got 0"),
    ({"n": True}, "n must be a positive integer"),
    ({"ref": -1}, "ref must be an integer >= 0, got -1"),
    ({"lam": 0.0}, "lam must be finite and > 0"),
    ({"eps": -1.0}, "eps must be finite and >= 0"),
    ({"lam": 1000.0}, r"lam \* dt must be < 1 for the Euler step, got 1.0"),
    ({"tau": 1.0}, r"unknown parameter\(s\) \['tau'\]"),
])
def test_params_checks_name_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        sc.replace_params(_Params(), changes)
    assert sc.replace_params(_Params(), {"n": 4}) == _Params(n=4)
