"""Variability of alpha-filtered LIF spike trains (Fig. 2) and the training noise measured from it.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

The paper trains with noise so that a network tolerates the variability that spikes bring: the
input a unit receives from a spiking neuron is the neuron's spike train filtered by the alpha
synapse, which fluctuates around amplitude x rate. Fig. 2 shows that fluctuation against the input
current. The authors' code adds Gaussian noise of a fixed s.d. (10 Hz) to the rate of every unit
above threshold.

How the noise is parameterised here (:class:`NoiseModel`)
--------------------------------------------------------
1. :func:`measure_filtered_trains` simulates, in Brian2, one LIF neuron per current j on a grid
   (each from V = 0, constant input), filters its spikes with the alpha synapse (area 1, so the
   filtered train is in Hz) and, after discarding the start, takes per neuron the mean, median,
   quartiles, min, max and **standard deviation over time** of the filtered train.
2. :func:`measure_noise_model` does this with the network's own neuron (tau_RC, tau_ref), synapse
   (tau_s) and step (dt) and keeps the s.d. per current: ``NoiseModel(j, sigma)``.
3. In training, a unit with current j = a x + 1 > 1 gets
   ``rate + N(0, sigma(j)^2)``, sigma(j) interpolated linearly in the table (held at the end
   values outside it), the result clipped at >= 0; units at or below threshold get no noise
   (as the authors' code). The backward pass uses the noise-free soft-LIF derivative.
   ``NoiseModel.constant(10.0)`` is the authors' fixed 10 Hz.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Network, SpikeMonitor, StateMonitor, device, second

# after the family layout (issue 24): spiketeach.core.devices
from spiketeach.core.devices import current_device
from spiketeach.models.hunsberger2015.network import filtered_train_population
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params, check_positive
from spiketeach.models.hunsberger2015.rates import lif_rate

__all__ = ["measure_filtered_trains", "measure_noise_model", "NoiseModel"]


def measure_filtered_trains(j, *, tau_rc: float, tau_ref: float, tau_s: float, dt: float,
                            duration: float, discard: float) -> dict:
    """Simulate one LIF neuron per current in ``j`` and summarise its alpha-filtered spike train.

    Run on the Brian2 device already selected. Times in seconds. Returns arrays over ``j``:
    ``mean``, ``median``, ``q25``, ``q75``, ``min``, ``max``, ``std`` of the filtered train over
    [discard, duration) (Hz), ``rate`` (spike count over that window / its length, Hz) and
    ``analytic`` (the closed-form LIF rate, eqn:lifss), plus ``j``.
    """
    duration = check_positive("duration", duration)
    if not 0 <= discard < duration:
        raise ValueError(f"discard ({discard} s) must lie in [0, duration = {duration} s)")
    j = np.asarray(j, dtype=float).ravel()
    group, clock = filtered_train_population(j, tau_rc=tau_rc, tau_ref=tau_ref, tau_s=tau_s,
                                             dt=dt)
    state = StateMonitor(group, "s", record=True, clock=clock, name="fig2_state")
    spikes = SpikeMonitor(group, name="fig2_spikes")
    net = Network(group, state, spikes)
    net.run(duration * second, namespace={})
    if current_device().standalone:
        device.build(directory=str(current_device().build_dir), compile=True, run=True)
    t = np.asarray(state.t / second)
    keep = t >= discard - 1e-12
    s = np.asarray(state.s)[:, keep]
    spike_t = np.asarray(spikes.t / second)
    counts = np.bincount(np.asarray(spikes.i)[spike_t >= discard], minlength=j.size)
    q = np.percentile(s, [0, 25, 50, 75, 100], axis=1)
    return {"j": j, "mean": s.mean(axis=1), "std": s.std(axis=1), "min": q[0], "q25": q[1],
            "median": q[2], "q75": q[3], "max": q[4],
            "rate": counts / (duration - discard), "analytic": lif_rate(j, tau_rc, tau_ref)}


@dataclass(frozen=True)
class NoiseModel:
    """Gaussian rate noise with s.d. ``sigma`` (Hz) given at currents ``j`` (see module doc)."""

    j: tuple
    sigma: tuple
    #: how it was obtained (recorded in results)
    source: str = ""

    def __post_init__(self):
        j, sigma = np.asarray(self.j, float), np.asarray(self.sigma, float)
        if j.shape != sigma.shape or j.ndim != 1 or j.size == 0:
            raise ValueError("j and sigma must be 1-D arrays of the same non-zero length")
        if np.any(np.diff(j) <= 0):
            raise ValueError("j must be increasing")
        if not np.all(np.isfinite(sigma)) or np.any(sigma < 0):
            raise ValueError("sigma must be finite and >= 0")
        object.__setattr__(self, "j", tuple(j.tolist()))
        object.__setattr__(self, "sigma", tuple(sigma.tolist()))

    @classmethod
    def constant(cls, sigma: float) -> "NoiseModel":
        """The same s.d. at every current above threshold (the authors' code: 10 Hz)."""
        if not np.isfinite(sigma) or sigma < 0:
            raise ValueError(f"sigma must be finite and >= 0, got {sigma!r}")
        return cls((1.0,), (float(sigma),), source=f"constant {sigma:g} Hz")

    def sigma_at(self, j) -> np.ndarray:
        """s.d. (Hz) at currents ``j``: interpolated, 0 at or below threshold (j <= 1)."""
        j = np.asarray(j, dtype=float)
        return np.where(j > 1, np.interp(j, self.j, self.sigma), 0.0)

    def apply(self, rates, j, rng: np.random.Generator) -> np.ndarray:
        """``rates`` (Hz) plus Gaussian noise of s.d. sigma(j), clipped at 0."""
        rates = np.asarray(rates, dtype=float)
        return np.maximum(rates + rng.standard_normal(rates.shape) * self.sigma_at(j), 0.0)

    def as_dict(self) -> dict:
        return {"j": list(self.j), "sigma_hz": list(self.sigma), "source": self.source}


def measure_noise_model(params: Hunsberger2015Params | None = None, *, j_max: float = 10.0,
                        n: int = 50, duration: float = 5.0, discard: float = 0.5
                        ) -> tuple[NoiseModel, dict]:
    """The training noise of ``params``' network: s.d. of its alpha-filtered spike trains.

    Simulates ``n`` neurons with currents evenly over (1, j_max] (only those above threshold get
    noise) with the network's tau_RC, tau_ref, tau_s and dt, on the device already selected.
    Returns the :class:`NoiseModel` and the full measurement (:func:`measure_filtered_trains`).
    """
    params = params or Hunsberger2015Params()
    j = np.linspace(1.0, j_max, n + 1)[1:]
    stats = measure_filtered_trains(j, tau_rc=params.tau_rc, tau_ref=params.tau_ref,
                                    tau_s=params.tau_s, dt=params.dt, duration=duration,
                                    discard=discard)
    model = NoiseModel(j, stats["std"], source=(
        f"measured: s.d. over time of alpha-filtered LIF spike trains (tau_rc "
        f"{params.tau_rc * 1e3:g} ms, tau_ref {params.tau_ref * 1e3:g} ms, tau_s "
        f"{params.tau_s * 1e3:g} ms, dt {params.dt * 1e3:g} ms, {duration - discard:g} s)"))
    return model, stats
