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

The effective window of a rule measured in a running network (figures/neftci2017/analysis.py):
:func:`updates_at_spikes` reads each presynaptic spike's weight change off sampled weights,
:func:`nearest_dt` pairs it with the nearest postsynaptic spike, :func:`window_profile` bins
Δw by Δt and :func:`variance_explained` says how much of Δw's variance a grouping (timing
bins, the sign of an error) accounts for.
"""

from __future__ import annotations

import numpy as np

__all__ = ["emstdp_dw", "pair_stdp_dw", "phase_pair_stdp_dw", "pearson", "stdp_window_dw",
           "count_activation_correlation", "updates_at_spikes", "nearest_dt", "window_profile",
           "variance_explained"]


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


def updates_at_spikes(sample_t, w, spike_t) -> np.ndarray:
    """The weight change each presynaptic spike made, read off sampled weights.

    ``w[k]`` is the weight at the end of the step at ``sample_t[k]`` (increasing). A spike at t
    is credited with w(first sample at or after t) − w(last sample before t). Spikes outside
    the samples, and spikes that share one sample interval with another spike (their changes
    cannot be told apart), get NaN: sample more often than the shortest inter-spike interval.
    """
    st = np.asarray(sample_t, dtype=float)
    w = np.asarray(w, dtype=float)
    t = np.asarray(spike_t, dtype=float)
    if st.ndim != 1 or w.shape != st.shape:
        raise ValueError(f"sample_t and w must be 1-D of one length, got {st.shape}, {w.shape}")
    if st.size > 1 and np.any(np.diff(st) <= 0):
        raise ValueError("sample_t must increase")
    eps = 1e-9 * (np.max(np.abs(st)) if st.size else 1.0)
    after = np.searchsorted(st, t - eps, side="left")          # first sample >= t
    ok = (after >= 1) & (after < st.size)
    dw = np.full(t.shape, np.nan)
    dw[ok] = w[after[ok]] - w[after[ok] - 1]
    slots, counts = np.unique(after, return_counts=True)
    dw[np.isin(after, slots[counts > 1])] = np.nan
    return dw


def nearest_dt(t_pre, t_post, window: float = np.inf) -> np.ndarray:
    """For each presynaptic spike, Δt = t_post − t_pre to the nearest postsynaptic spike (ties:
    the earlier one); NaN where there is none within ``window``."""
    tp = np.asarray(t_pre, dtype=float)
    tq = np.sort(np.asarray(t_post, dtype=float))
    out = np.full(tp.shape, np.nan)
    if tq.size == 0 or tp.size == 0:
        return out
    k = np.searchsorted(tq, tp)
    before = tq[np.clip(k - 1, 0, tq.size - 1)] - tp
    after = tq[np.clip(k, 0, tq.size - 1)] - tp
    before = np.where(k >= 1, before, np.inf)
    after = np.where(k < tq.size, after, np.inf)
    d = np.where(np.abs(before) <= np.abs(after), before, after)
    inside = np.abs(d) <= window
    out[inside] = d[inside]
    return out


def window_profile(dt, dw, edges) -> dict:
    """Δw binned by Δt: per bin (``edges`` increasing) the mean, its standard error and the
    count; pairs outside the edges or with a NaN are left out. Empty bins: NaN."""
    dt, dw = np.asarray(dt, dtype=float).ravel(), np.asarray(dw, dtype=float).ravel()
    edges = np.asarray(edges, dtype=float)
    if dt.shape != dw.shape:
        raise ValueError(f"dt {dt.shape} and dw {dw.shape} differ in length")
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be >= 2 increasing values")
    ok = np.isfinite(dt) & np.isfinite(dw) & (dt >= edges[0]) & (dt <= edges[-1])
    b = np.clip(np.searchsorted(edges, dt[ok], side="right") - 1, 0, edges.size - 2)
    n = np.bincount(b, minlength=edges.size - 1).astype(float)
    s = np.bincount(b, weights=dw[ok], minlength=edges.size - 1)
    s2 = np.bincount(b, weights=dw[ok] ** 2, minlength=edges.size - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / n, np.nan)
        var = np.where(n > 1, (s2 - n * mean ** 2) / (n - 1), np.nan)
        sem = np.sqrt(np.maximum(var, 0) / n)
    return {"centers": 0.5 * (edges[1:] + edges[:-1]), "mean": mean, "sem": sem, "count": n}


def variance_explained(values, groups) -> float:
    """η²: the share of the variance of ``values`` that the group means account for
    (between-group sum of squares / total sum of squares; NaN entries left out; NaN if the
    values are constant)."""
    v = np.asarray(values, dtype=float).ravel()
    g = np.asarray(groups).ravel()
    if v.shape != g.shape:
        raise ValueError(f"values {v.shape} and groups {g.shape} differ in length")
    ok = np.isfinite(v)
    v, g = v[ok], g[ok]
    total = float(np.sum((v - v.mean()) ** 2)) if v.size else 0.0
    if total == 0:
        return float("nan")
    _, inv = np.unique(g, return_inverse=True)
    n = np.bincount(inv).astype(float)
    means = np.bincount(inv, weights=v) / n
    return float(np.sum(n * (means - v.mean()) ** 2) / total)
