"""Measures of spike-coding networks (Brendel et al. 2020 / Bourdoukan et al. 2012): arrays in,
numbers out. Conventions: time runs along axis 0 (steps x neurons, steps x signal dims).

The evaluation follows the authors' ``Learning.m`` / ``FanoCV.m`` (docs/papers/brendel2020.md):
an optimal linear decoder fitted by least squares on one run, the coding error
sum var(x - x_hat) / sum var(x) on another; mean rate; mean voltage variance; the distance of
Omega to the best-scaled -F F^T; Fano factor and ISI CV over constant inputs; the correlation of
each neuron's excitatory and inhibitory currents.
"""

from __future__ import annotations

import numpy as np

__all__ = ["optimal_decoder", "coding_error", "mean_rate", "voltage_variance",
           "recurrent_distance", "isi_cv", "fano_factor", "ei_correlation", "ei_currents"]


def _2d(name, a):
    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D (steps x units), got shape {a.shape}")
    return a


def optimal_decoder(r, x) -> np.ndarray:
    """The D (dims x neurons) minimising |x - r D^T|^2 over the steps (least squares)."""
    r, x = _2d("r", r), _2d("x", x)
    if r.shape[0] != x.shape[0]:
        raise ValueError(f"r and x need the same number of steps, got {r.shape[0]} and {x.shape[0]}")
    D, *_ = np.linalg.lstsq(r, x, rcond=None)
    return D.T


def coding_error(x, x_hat) -> float:
    """sum_j var(x_j - x_hat_j) / sum_j var(x_j) (the authors' normalised error)."""
    x, x_hat = _2d("x", x), _2d("x_hat", x_hat)
    if x.shape != x_hat.shape:
        raise ValueError(f"x and x_hat differ in shape: {x.shape} vs {x_hat.shape}")
    return float(np.sum(np.var(x - x_hat, axis=0, ddof=1)) / np.sum(np.var(x, axis=0, ddof=1)))


def mean_rate(spikes, dt: float) -> float:
    """Mean firing rate per neuron (Hz) of a (steps x N) spike-count array."""
    s = _2d("spikes", spikes)
    return float(s.sum() / (s.shape[0] * dt * s.shape[1]))


def voltage_variance(V) -> float:
    """Mean over neurons of the variance of each voltage trace."""
    return float(np.mean(np.var(_2d("V", V), axis=0, ddof=1)))


def recurrent_distance(omega, F) -> float:
    """|Omega - s(-F F^T)|_F^2 / |s F F^T|_F^2 with s the best scale (least squares): how far the
    recurrent weights are from the optimal structure, whatever their scale."""
    omega, F = np.asarray(omega, float), np.asarray(F, float)
    target = -F @ F.T
    if omega.shape != target.shape:
        raise ValueError(f"Omega {omega.shape} does not match F {F.shape}")
    s = np.sum(omega * target) / np.sum(target * target)
    return float(np.sum((omega - s * target) ** 2) / np.sum((s * target) ** 2))


def isi_cv(spikes, min_spikes: int = 3) -> float:
    """Mean over neurons of std/mean of inter-spike intervals (steps x N spike array, one trial
    or trials concatenated along time); neurons with fewer than ``min_spikes`` spikes are left
    out; NaN if none is left."""
    s = _2d("spikes", spikes)
    cvs = []
    for n in range(s.shape[1]):
        t = np.flatnonzero(s[:, n])
        if t.size >= min_spikes:
            isi = np.diff(t)
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def fano_factor(counts, min_mean: float = 1.0) -> float:
    """Mean over neurons of var/mean of spike counts across trials (``counts``: trials x N);
    neurons with mean count <= ``min_mean`` are left out (the authors' rule); NaN if none."""
    c = _2d("counts", counts)
    m = c.mean(axis=0)
    keep = m > min_mean
    if not np.any(keep):
        return float("nan")
    return float(np.mean(c[:, keep].var(axis=0, ddof=1) / m[keep]))


def ei_currents(spikes, F, omega, c) -> tuple[np.ndarray, np.ndarray]:
    """Each neuron's excitatory and inhibitory input per step (steps x N each): the positive and
    negative parts of the feedforward drive F c dt and of the recurrent jumps Omega o (the
    autapse, the reset, left out)."""
    s, c = _2d("spikes", spikes), _2d("c", c)
    F, omega = np.asarray(F, float), np.asarray(omega, float)
    ff = c @ F.T
    off = omega - np.diag(np.diag(omega))
    rec_e = s @ np.maximum(off, 0).T
    rec_i = s @ np.minimum(off, 0).T
    return np.maximum(ff, 0) + rec_e, np.minimum(ff, 0) + rec_i


def ei_correlation(exc, inh, lam: float, dt: float) -> float:
    """Mean over neurons of the correlation between excitatory and minus inhibitory currents,
    each low-passed with the membrane leak ``lam`` (1/s) as the voltage sees them. Neurons
    without variance in either are left out."""
    exc, inh = _2d("exc", exc), _2d("inh", inh)
    from scipy.signal import lfilter

    a = 1.0 - lam * dt
    fe = lfilter([1.0], [1.0, -a], exc, axis=0)
    fi = lfilter([1.0], [1.0, -a], -inh, axis=0)
    out = []
    for n in range(exc.shape[1]):
        if fe[:, n].std() > 0 and fi[:, n].std() > 0:
            out.append(np.corrcoef(fe[:, n], fi[:, n])[0, 1])
    return float(np.mean(out)) if out else float("nan")
