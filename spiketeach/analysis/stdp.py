"""Weight changes of spike-timing rules from spike trains, and their correlations.

Shrestha et al. (2019) §4.1 / Fig. 5 compare EMSTDP's weight change with a basic two-factor
pair-based STDP rule on random pre/post spike trains through one synapse; Figs. 2b and 3b
correlate the SNN's hidden spike counts with the equivalent ANN's activations. Everything here
takes arrays (spike trains as 0/1 arrays of shape (trials, steps), or spike times) and returns
numbers; simulations live in :mod:`spiketeach.protocols.shrestha2019.stdp`.

Rules (one synapse, one window of T steps, phase 1 = first T/2 steps):

* :func:`emstdp_dw` — eq. 12 with η = 1: (ĥ − h) h_pre, post counts in phase 2 and phase 1,
  pre count in phase 1;
* :func:`pair_stdp_dw` — classic all-pairs STDP: +A₊ k(Δt) for each post spike Δt > 0 after a pre
  spike, −A₋ k(Δt) for each post spike before one, |Δt| ≤ ``window`` (10 ms), kernel
  k = exp(−|Δt|/τ) (``tau``) or 1 (rectangular);
* :func:`phase_pair_stdp_dw` — the same two-factor pair count (pre × post coincidences within
  ``window``, both orders potentiating) signed by the phase of the post spike: + in the error
  phase, − in the forward phase. This is EMSTDP's own structure written as STDP: a Hebbian
  pair rule whose sign is set by the error (the phase), the reading of §3.5 in our notes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["emstdp_dw", "pair_stdp_dw", "phase_pair_stdp_dw", "pearson", "stdp_window_dw",
           "count_activation_correlation"]


def _trains(x) -> np.ndarray:
    x = np.asarray(x)
    return (x[None, :] if x.ndim == 1 else x).astype(float)


def emstdp_dw(pre: np.ndarray, post: np.ndarray, T_half: int) -> np.ndarray:
    """(ĥ − h) · h_pre per trial from 0/1 spike trains of shape (trials, T)."""
    pre, post = _trains(pre), _trains(post)
    h_pre = pre[:, :T_half].sum(axis=1)
    return (post[:, T_half:].sum(axis=1) - post[:, :T_half].sum(axis=1)) * h_pre


def _pair_kernel(pre, post, window, tau):
    """(trials, T, T) matrix K[n, a, b] = kernel of the pair (pre at a, post at b), 0 outside
    the window or at Δt = 0, with the sign of Δt = b − a."""
    T = pre.shape[1]
    d = np.arange(T)[None, :] - np.arange(T)[:, None]          # t_post − t_pre
    inside = (np.abs(d) <= window) & (d != 0)
    k = np.exp(-np.abs(d) / tau) if tau else np.ones_like(d, dtype=float)
    return d, np.where(inside, k, 0.0)


def pair_stdp_dw(pre: np.ndarray, post: np.ndarray, window: float = 10, tau: float | None = None,
                 a_plus: float = 1.0, a_minus: float = 1.0) -> np.ndarray:
    """All-pairs STDP weight change per trial (steps = ms). Shapes (trials, T)."""
    pre, post = _trains(pre), _trains(post)
    d, k = _pair_kernel(pre, post, window, tau)
    signed = np.where(d > 0, a_plus, -a_minus) * k
    return np.einsum("na,ab,nb->n", pre, signed, post)


def phase_pair_stdp_dw(pre: np.ndarray, post: np.ndarray, T_half: int, window: float = 10,
                       tau: float | None = None) -> np.ndarray:
    """Pre × post coincidences within ``window`` (both orders), + for post spikes in the error
    phase (t ≥ T/2), − in the forward phase."""
    pre, post = _trains(pre), _trains(post)
    _, k = _pair_kernel(pre, post, window, tau)
    T = pre.shape[1]
    phase_sign = np.where(np.arange(T) >= T_half, 1.0, -1.0)
    return np.einsum("na,ab,nb->n", pre, k, post * phase_sign[None, :])


def pearson(x, y) -> float:
    """Pearson correlation coefficient of two 1-D arrays (nan if either is constant)."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.size != y.size or x.size < 2:
        raise ValueError("pearson needs two arrays of the same length >= 2")
    if np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def stdp_window_dw(t_pre: np.ndarray, t_post: np.ndarray, dw: np.ndarray):
    """Sort measured pair experiments into a window curve: (Δt = t_post − t_pre, Δw), by Δt."""
    dt = np.asarray(t_post, dtype=float) - np.asarray(t_pre, dtype=float)
    order = np.argsort(dt, kind="stable")
    return dt[order], np.asarray(dw, dtype=float)[order]


def count_activation_correlation(counts: np.ndarray, activations: np.ndarray) -> dict:
    """Correlation of spike counts with ANN activations (Figs. 2b, 3b).

    Both of shape (samples, cells). Returns the Pearson r over all entries, the mean per-sample
    r (samples whose counts or activations are constant are skipped) and the least-squares
    slope of counts on activations.
    """
    c, a = np.asarray(counts, dtype=float), np.asarray(activations, dtype=float)
    if c.shape != a.shape:
        raise ValueError(f"counts {c.shape} and activations {a.shape} differ in shape")
    per = [pearson(ci, ai) for ci, ai in zip(c, a) if np.std(ci) > 0 and np.std(ai) > 0]
    slope = float(np.dot(a.ravel(), c.ravel()) / max(np.dot(a.ravel(), a.ravel()), 1e-300))
    return {"r_all": pearson(c, a), "r_per_sample_mean": float(np.mean(per)) if per else float("nan"),
            "slope": slope}
