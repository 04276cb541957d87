"""The adjoint gradient of huh2018 is the exact gradient of the discretised network: it equals
central finite differences for every weight matrix and the bias, for both gate shapes (and the
QIF option), and a full sweep through the active zone deposits a charge of 1 at any speed."""

import math

import numpy as np
import pytest

from spiketeach.models.huh2018 import (
    Huh2018Params,
    Objective,
    initial_weights,
    loss_and_gradient,
    simulate,
)
from spiketeach.models.huh2018.dynamics import gate, gate_integral
from spiketeach.models.huh2018.sweep import sweep

pytestmark = pytest.mark.family("huh2018")


def _setup(neuron, gate_shape, dt, seed=1, steps=240):
    p = Huh2018Params(neuron=neuron, gate=gate_shape, dt=dt, readout_scale=1.0, bias_mean=1.0)
    rng = np.random.default_rng(seed)
    w = initial_weights(2, 5, 2, p, rng)
    x = rng.standard_normal((2, steps, 2))
    objective = Objective(rng.standard_normal((2, steps, 2)), rng.random((2, steps)),
                          rate_cost=1e-3)
    return p, w, x, objective


@pytest.mark.parametrize("neuron,gate_shape,dt", [("theta", "boxcar", 5e-4),
                                                  ("theta", "smooth", 5e-4),
                                                  ("qif", "smooth", 1e-4)])
def test_adjoint_equals_central_finite_differences(neuron, gate_shape, dt):
    p, w, x, objective = _setup(neuron, gate_shape, dt)
    grad, run = loss_and_gradient(w, x, objective, p)
    assert run.spike_counts().sum() >= 5  # the gradient flows through spikes: there must be some

    def loss(weights):
        return objective.evaluate(simulate(weights, x, p).s, weights.O)[0]

    for name in ("U", "W", "b", "O"):
        arr = getattr(w, name)
        h = 1e-6 * max(float(np.abs(arr).max()), 1e-3)
        fd = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            up, down = arr.copy(), arr.copy()
            up[idx] += h
            down[idx] -= h
            fd[idx] = (loss(w.replace(**{name: up})) - loss(w.replace(**{name: down}))) / (2 * h)
        adjoint = getattr(grad, name)
        assert np.abs(fd).max() > 0, name
        rel = np.abs(adjoint - fd).max() / np.abs(fd).max()
        assert rel < 1e-4, f"{neuron}/{gate_shape}: dJ/d{name} off by {rel:.2e} (relative)"


@pytest.mark.parametrize("gate_shape", ["boxcar", "smooth"])
@pytest.mark.parametrize("neuron", ["theta", "qif"])
def test_gate_is_nonnegative_and_integrates_to_one(neuron, gate_shape):
    p = Huh2018Params(neuron=neuron, gate=gate_shape)
    assert gate_integral(p) == pytest.approx(1.0, abs=1e-3)  # (boxcar: grid-limited)
    v = np.linspace(-20, 20, 10_001)
    assert np.all(gate(v, p)[0] >= 0)
    centre = math.pi if neuron == "theta" else p.v_gate
    far = centre - 2 * p.delta  # two zone widths away: nothing (boxcar), a thin tail (smooth)
    assert gate(np.array([far]), p)[0][0] < (1e-12 if gate_shape == "boxcar" else 1e-6)


@pytest.mark.parametrize("gate_shape", ["boxcar", "smooth"])
@pytest.mark.parametrize("duration", [2e-4, 2e-3, 2e-2, 0.2])
def test_full_sweep_deposits_unit_charge_at_any_speed(gate_shape, duration):
    # sweeps that cross the zone in 0.2 ms (50x faster than tau_s) to 200 ms (20x slower),
    # through the model's own s update (eq. 2, forward Euler) at 2000 steps per crossing
    p = Huh2018Params(gate=gate_shape)
    charge = sweep(p, depth=2.0, duration=duration, steps_per_crossing=2000)["charge"]
    assert charge == pytest.approx(1.0, abs=1e-3)


def test_partial_sweep_deposits_a_graded_charge():
    p = Huh2018Params(gate="boxcar")
    depths = [0.0, 0.25, 0.5, 0.75, 1.0]
    charges = [sweep(p, depth=d, duration=0.01, steps_per_crossing=2000)["charge"]
               for d in depths]
    assert charges == pytest.approx(depths, abs=2e-3)
