"""Learning and evaluation protocol of Brendel et al. (2020), Fig. 2, after the authors'
``Learning.m`` and ``FanoCV.m`` (docs/papers/brendel2020.md).

* Input: white noise x amplitude A, smoothed by a unit-area Gaussian (:func:`smoothed_noise`),
  drawn afresh for every segment of 1000 steps.
* Learning (:func:`learn`): the Brian2 network of :mod:`spiketeach.models.brendel2020` with both
  rules on, weights recorded at chosen steps.
* Evaluation of each weight snapshot (:func:`evaluate`), learning frozen: an optimal linear
  decoder fitted by least squares on a fresh run (input 0.3 A, as the authors' code), then on
  test runs the coding error, mean rate, voltage variance, distance of Omega to -F F^T and the
  E/I correlation; :func:`fano_cv` the Fano factor and ISI CV over constant inputs. Evaluation runs
  use :func:`spiketeach.models.brendel2020.reference.simulate`, the numpy form of the same step
  (tests/models/brendel2020/test_network.py proves the two equal).
"""

from __future__ import annotations

import numpy as np
from brian2 import second

from spiketeach.analysis import spike_coding as sc
from spiketeach.models.brendel2020 import build_network
from spiketeach.models.brendel2020.params import Brendel2020Params
from spiketeach.models.brendel2020.reference import simulate

__all__ = ["smoothed_noise", "learn", "evaluate", "fano_cv", "snapshot_steps", "SEGMENT"]

#: steps per freshly drawn input segment (authors' Ntime)
SEGMENT = 1000


def smoothed_noise(steps: int, params: Brendel2020Params, rng: np.random.Generator,
                   amplitude: float | None = None) -> np.ndarray:
    """(steps x J) input c (1/s): per segment of :data:`SEGMENT` steps, Gaussian white noise
    convolved ('same') with a unit-area Gaussian of sd ``params.input_smoothing``, times A."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    A = params.input_amplitude if amplitude is None else amplitude
    sd = params.input_smoothing / params.dt
    half = min(SEGMENT // 2, int(np.ceil(5 * sd)))
    k = np.exp(-np.arange(-half, half + 1) ** 2 / (2 * sd ** 2))
    k /= k.sum()
    out = np.empty((steps, params.n_inputs))
    for s0 in range(0, steps, SEGMENT):
        n = min(SEGMENT, steps - s0)
        w = rng.standard_normal((SEGMENT, params.n_inputs))
        for d in range(params.n_inputs):
            out[s0:s0 + n, d] = A * np.convolve(w[:, d], k, mode="same")[:n]
    return out


def snapshot_steps(total: int, every: int) -> np.ndarray:
    """The steps (1-based counts) at which weights are recorded: every ``every`` steps."""
    return np.arange(every, total + 1, every)


def learn(F, omega, params: Brendel2020Params, steps: int, rng: np.random.Generator, *,
          every: int, name: str = "learn"):
    """Run ``steps`` of learning on fresh smoothed noise in Brian2; returns
    (snapshots, F_final, Omega_final, spikes) where snapshots is a list of
    (step, F, Omega) at step 0 and every ``every`` steps, and spikes a pair of arrays
    (neuron index, step) of every spike (not a dense steps x N matrix: runs are long)."""
    c = smoothed_noise(steps, params, rng)
    net = build_network(F, omega, c, params, learn=True, record_weights_every=every, name=name)
    net.run()
    Fmon, wmon = net.weights_monitor
    N, J = net.n, params.n_inputs
    snaps = [(0, np.array(F, float), np.array(omega, float))]
    fi, fj = net.feedforward.i[:], net.feedforward.j[:]
    ri, rj = net.recurrent.i[:], net.recurrent.j[:]
    Fs, Ws = np.asarray(Fmon.F), np.asarray(wmon.w)  # (synapses x records)
    for k in range(Fs.shape[1]):
        Fk = np.zeros((N, J))
        Fk[fj, fi] = Fs[:, k]
        Wk = np.zeros((N, N))
        Wk[rj, ri] = Ws[:, k]
        # StateMonitor(dt=every) records at the end of steps 0, every, 2 every, ...
        snaps.append((k * every + 1, Fk, Wk))
    Ff, Wf = net.weights()
    spikes = (np.asarray(net.spikes.i[:]),
              np.round(np.asarray(net.spikes.t[:] / second) / params.dt).astype(np.int64))
    return snaps, Ff, Wf, spikes


def evaluate(F, omega, params: Brendel2020Params, rng: np.random.Generator, *,
             fit_steps: int = 50_000, test_steps: int = 10_000, trials: int = 10) -> dict:
    """Numbers of one frozen network (the authors' Learning.m protocol, shortened at will)."""
    fit_c = smoothed_noise(fit_steps, params, rng, amplitude=0.3 * params.input_amplitude)
    fit = simulate(F, omega, fit_c, params, rng=rng)
    D = sc.optimal_decoder(fit["r"], fit["x"])
    err, rate, vvar, ei = [], [], [], []
    for _ in range(trials):
        c = smoothed_noise(test_steps, params, rng)
        run = simulate(F, omega, c, params, rng=rng)
        err.append(sc.coding_error(run["x"], run["r"] @ D.T))
        rate.append(sc.mean_rate(run["spikes"], params.dt))
        vvar.append(sc.voltage_variance(run["V"]))
        e, i = sc.ei_currents(run["spikes"], F, omega, c * params.dt)
        ei.append(sc.ei_correlation(e, i, params.lam, params.dt))
    return {"error": float(np.mean(err)), "rate_hz": float(np.mean(rate)),
            "voltage_variance": float(np.mean(vvar)),
            "omega_distance": sc.recurrent_distance(omega, F),
            "ei_correlation": float(np.nanmean(ei)), "decoder": D}


def fano_cv(F, omega, params: Brendel2020Params, rng: np.random.Generator, *,
            directions: int = 20, trials: int = 50, steps: int = 10_000,
            amplitude: float = 90.0) -> dict:
    """Fano factor and ISI CV over constant inputs ``amplitude`` x (random unit direction)
    (the authors' FanoCV.m), averaged over directions."""
    fanos, cvs = [], []
    for _ in range(directions):
        u = rng.standard_normal(params.n_inputs)
        c = np.tile(amplitude * u / np.linalg.norm(u), (steps, 1))
        counts, trains = [], []
        for _ in range(trials):
            s = simulate(F, omega, c, params, rng=rng, record=False)["spikes"]
            counts.append(s.sum(axis=0))
            trains.append(s)
        counts = np.array(counts)
        keep = counts.mean(axis=0) > 1
        if not np.any(keep):
            continue
        fanos.append(sc.fano_factor(counts))
        cvs.append(np.nanmean([sc.isi_cv(t[:, keep]) for t in trains]))
    return {"fano": float(np.nanmean(fanos)) if fanos else float("nan"),
            "cv": float(np.nanmean(cvs)) if cvs else float("nan")}
