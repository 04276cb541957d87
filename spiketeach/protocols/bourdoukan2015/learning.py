"""Learning and evaluation protocol of the network that learns a linear dynamical system
(Bourdoukan & Denève 2015; decisions in docs/families/bourdoukan2015.md).

* Input c: Gaussian white noise smoothed by a unit-area Gaussian (sd ``input_smoothing``), times
  ``input_amplitude`` (:func:`smoothed_noise`); the target x follows dx/dt = A x + c.
* :func:`learn`: the Brian2 network with the error fed back (gain K) and both rules on.
* :func:`evaluate`, learning frozen and **the feedback off** (K = 0: the network alone must
  produce x): the coding error with the fixed readout D, sum var(x - D r) / sum var(x); the
  same with the feedback on; mean rate; voltage variance; the E/I correlation of each neuron's
  currents; the distance of the fast weights to -F F^T and of the slow weights to
  F (A + lambda I) D (both up to scale). :func:`fano_cv` over constant inputs. Evaluations run the
  numpy step (:mod:`spiketeach.models.bourdoukan2015.reference`, proven equal to Brian2).
"""

from __future__ import annotations

import numpy as np

from spiketeach.analysis import spike_coding as sc
from spiketeach.models.bourdoukan2015 import build_network, optimal_weights
from spiketeach.models.bourdoukan2015.network import Weights
from spiketeach.models.bourdoukan2015.params import Bourdoukan2015Params
from spiketeach.models.bourdoukan2015.reference import simulate

__all__ = ["smoothed_noise", "learn", "evaluate", "fano_cv", "ei_correlation", "scaled_distance"]


def smoothed_noise(steps: int, params: Bourdoukan2015Params, rng: np.random.Generator,
                   amplitude: float | None = None) -> np.ndarray:
    """(steps x J) input c (1/s): white noise convolved with a unit-area Gaussian, times A_in."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    amp = params.input_amplitude if amplitude is None else amplitude
    sd = params.input_smoothing / params.dt
    half = int(np.ceil(4 * sd))
    k = np.exp(-0.5 * (np.arange(-half, half + 1) / sd) ** 2)
    k /= k.sum()
    w = rng.standard_normal((steps + 2 * half, params.n_inputs))
    return amp * np.stack([np.convolve(w[:, d], k, mode="valid")[:steps]
                           for d in range(params.n_inputs)], axis=1)


def learn(w0: Weights, params: Bourdoukan2015Params, steps: int, rng: np.random.Generator, *,
          every: int, name: str = "b15_learn") -> tuple[list, Weights, int]:
    """``steps`` of learning in Brian2 (one run) with the error fed back. Returns (snapshots,
    final weights, spike count), snapshots a list of (step, Weights) at step 0 and every
    ``every`` steps."""
    c = smoothed_noise(steps, params, rng)
    net = build_network(w0, c, params, learn=True, record_weights_every=every, name=name)
    net.run()
    N = params.n_neurons
    mf, ms = net.weights_monitor
    fi, fj = net.synapses["fast"].i[:], net.synapses["fast"].j[:]
    si, sj = net.synapses["slow"].i[:], net.synapses["slow"].j[:]
    Wf, Ws = np.asarray(mf.w), np.asarray(ms.W)
    snaps = [(0, w0.copy())]
    for k in range(1, Wf.shape[1]):  # record k: end of step k * every (0-based)
        fast, slow = np.zeros((N, N)), np.zeros((N, N))
        fast[fj, fi], slow[sj, si] = Wf[:, k], Ws[:, k]
        snaps.append((k * every + 1, Weights(w0.D.copy(), fast, slow)))
    return snaps, net.weights(), int(net.spikes.num_spikes)


def scaled_distance(W, target) -> float:
    """|W - s T|^2 / |s T|^2 with the best scale s (least squares); inf if s is 0."""
    W, target = np.asarray(W, float), np.asarray(target, float)
    s = np.sum(W * target) / np.sum(target * target)
    if s == 0:
        return float("inf")
    return float(np.sum((W - s * target) ** 2) / np.sum((s * target) ** 2))


def ei_correlation(run: dict, w: Weights, c, params: Bourdoukan2015Params) -> float:
    """Mean over neurons of the correlation of excitatory and minus inhibitory input (positive
    and negative parts of the feedforward drive, the slow currents and the fast jumps, the
    autapse left out), low-passed by the leak."""
    dt = params.dt
    F = w.D.T
    ff = np.asarray(c) @ F.T * dt
    r_prev = np.vstack([np.zeros((1, w.slow.shape[0])), run["r"][:-1]])  # as the step sees r
    off = w.fast - np.diag(np.diag(w.fast))
    S = run["spikes"]
    # each synapse's sign decides: split the slow currents per synapse, not per sum
    exc = np.maximum(ff, 0) + (r_prev @ np.maximum(w.slow, 0).T) * dt + S @ np.maximum(off, 0).T
    inh = np.minimum(ff, 0) + (r_prev @ np.minimum(w.slow, 0).T) * dt + S @ np.minimum(off, 0).T
    return sc.ei_correlation(exc, inh, params.lam, dt)


def evaluate(w: Weights, params: Bourdoukan2015Params, rng: np.random.Generator, *,
             steps: int = 10_000, trials: int = 3) -> dict:
    """Numbers of one frozen network (feedback off unless said), averaged over ``trials``."""
    acc = {k: [] for k in ("error", "error_feedback", "rate_hz", "voltage_variance",
                           "ei_correlation")}
    run = c = None
    for _ in range(trials):
        c = smoothed_noise(steps, params, rng)
        run = simulate(w, c, params, feedback=False, rng=rng)
        acc["error"].append(sc.coding_error(run["x"], run["r"] @ w.D.T))
        acc["rate_hz"].append(sc.mean_rate(run["spikes"], params.dt))
        acc["voltage_variance"].append(sc.voltage_variance(run["V"]))
        acc["ei_correlation"].append(ei_correlation(run, w, c, params))
        fb = simulate(w, c, params, feedback=True, rng=rng, record=True)
        acc["error_feedback"].append(sc.coding_error(fb["x"], fb["r"] @ w.D.T))
    opt = optimal_weights(w.D, params)
    out = {k: float(np.nanmean(v)) for k, v in acc.items()}
    off = ~np.eye(w.fast.shape[0], dtype=bool)
    out["fast_distance"] = scaled_distance(w.fast[off], opt.fast[off])
    out["slow_distance"] = scaled_distance(w.slow, opt.slow)
    out["slow_scale"] = float(np.sum(w.slow * opt.slow) / np.sum(opt.slow ** 2))
    out["last_run"], out["last_input"] = run, c
    return out


def fano_cv(w: Weights, params: Bourdoukan2015Params, rng: np.random.Generator, *,
            directions: int = 10, trials: int = 10, steps: int = 10_000) -> dict:
    """Fano factor and ISI CV over constant inputs c = -A u (u a random unit direction, so that
    x settles at u), feedback off; neurons with a mean count <= 1 are left out."""
    A = np.asarray(params.A, dtype=float)
    fanos, cvs = [], []
    for _ in range(directions):
        u = rng.standard_normal(params.n_inputs)
        u /= np.linalg.norm(u)
        c = np.tile(-A @ u, (steps, 1))
        runs = [simulate(w, c, params, feedback=False, rng=rng, record=False)["spikes"]
                for _ in range(trials)]
        # leave out the first 100 ms, while x settles
        skip = min(steps // 2, int(0.1 / params.dt))
        counts = np.array([s[skip:].sum(axis=0) for s in runs])
        keep = counts.mean(axis=0) > 1
        if not np.any(keep):
            continue
        fanos.append(sc.fano_factor(counts))
        cvs.append(np.nanmean([sc.isi_cv(s[skip:, keep]) for s in runs]))
    return {"fano": float(np.nanmean(fanos)) if fanos else float("nan"),
            "cv": float(np.nanmean(cvs)) if cvs else float("nan")}
