"""Tuning and selectivity of hidden neurons (arrays in, arrays out; no simulation here).

* :func:`presentation_rates` — spike counts per presentation -> rates (presentations × neurons).
* :func:`tuning_curves` — responses along given input directions (directions × levels × neurons)
  from any rate function (e.g. the rate model of a trained spiking network).
* :func:`selectivity_index` — lifetime sparseness (Vinje & Gallant 2000), per neuron::

      S = (1 - (mean r)^2 / mean(r^2)) / (1 - 1/n)     over n stimuli

  0 when a neuron responds equally to every stimulus (the input-independent firing before
  learning), 1 when it responds to one stimulus only; silent neurons get NaN.
* :func:`split_half_reliability` — per neuron, the correlation across presentations of its rate
  in the first and second half of each presentation: ~0 for input-independent (noise) firing,
  near 1 for reliable stimulus-driven rates; works with fewer stimuli than input dimensions.
  (Sparse noise makes the selectivity index high, so read the two together.)
* :func:`linear_tuning` — the fit r ≈ r0 + g·x per neuron: preferred direction g/|g| and the
  fraction of rate variance the input explains (R^2).
"""

from __future__ import annotations

import numpy as np

__all__ = ["presentation_rates", "tuning_curves", "selectivity_index", "linear_tuning",
           "split_half_reliability", "summarise_tuning"]


def presentation_rates(spike_i, spike_t, n_neurons: int, presentation: float,
                       presentations: np.ndarray, skip: float = 0.03) -> np.ndarray:
    """Rates (Hz) of each neuron in each listed presentation, from ``skip`` s after its onset."""
    spike_i = np.asarray(spike_i, dtype=int)
    spike_t = np.asarray(spike_t, dtype=float)
    presentations = np.asarray(presentations, dtype=int)
    k = np.floor(spike_t / presentation + 1e-9).astype(int)
    phase = spike_t - k * presentation
    counts = np.zeros((presentations.max(initial=0) + 1, n_neurons))
    keep = (phase >= skip) & (k <= presentations.max(initial=-1))
    np.add.at(counts, (k[keep], spike_i[keep]), 1)
    return counts[presentations] / (presentation - skip)


def split_half_reliability(spike_i, spike_t, n_neurons: int, presentation: float,
                           presentations: np.ndarray, skip: float = 0.03) -> np.ndarray:
    """Correlation over presentations between each neuron's rates in the two halves of every
    presentation (after ``skip``); NaN where a neuron's rate does not vary."""
    spike_i = np.asarray(spike_i, dtype=int)
    spike_t = np.asarray(spike_t, dtype=float)
    presentations = np.asarray(presentations, dtype=int)
    k = np.floor(spike_t / presentation + 1e-9).astype(int)
    phase = spike_t - k * presentation
    mid = skip + (presentation - skip) / 2
    halves = np.zeros((2, presentations.max(initial=0) + 1, n_neurons))
    keep = (phase >= skip) & (k <= presentations.max(initial=-1))
    np.add.at(halves, ((phase[keep] >= mid).astype(int), k[keep], spike_i[keep]), 1)
    a, b = halves[0][presentations], halves[1][presentations]
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    den = np.sqrt((a ** 2).sum(axis=0) * (b ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (a * b).sum(axis=0) / den, np.nan)


def tuning_curves(rate_fn, directions: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Responses ``rate_fn(level * direction)`` for every direction (rows, unit vectors) and level.

    Returns an array (directions × levels × neurons).
    """
    directions = np.atleast_2d(directions)
    levels = np.asarray(levels, dtype=float)
    pts = (levels[None, :, None] * directions[:, None, :]).reshape(-1, directions.shape[1])
    r = np.asarray(rate_fn(pts))
    return r.reshape(directions.shape[0], levels.size, -1)


def selectivity_index(rates: np.ndarray) -> np.ndarray:
    """Lifetime sparseness per neuron of ``rates`` (stimuli × neurons); NaN for silent neurons."""
    r = np.asarray(rates, dtype=float)
    n = r.shape[0]
    m1 = r.mean(axis=0)
    m2 = (r ** 2).mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (1.0 - m1 ** 2 / m2) / (1.0 - 1.0 / n)
    return np.where(m2 > 0, s, np.nan)


def linear_tuning(inputs: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares r ≈ r0 + g·x per neuron: (preferred unit directions (neurons × dims), R^2)."""
    X = np.column_stack([np.ones(len(inputs)), inputs])
    coef, *_ = np.linalg.lstsq(X, rates, rcond=None)
    g = coef[1:].T
    resid = rates - X @ coef
    var = rates.var(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(var > 0, 1.0 - resid.var(axis=0) / var, np.nan)
        norm = np.linalg.norm(g, axis=1, keepdims=True)
        pref = np.where(norm > 0, g / norm, 0.0)
    return pref, r2


def summarise_tuning(rates: np.ndarray, inputs: np.ndarray) -> dict:
    """Population summary used by the figures: mean rate, fraction active, median selectivity and
    median R^2 of linear tuning (over neurons that fired). The R^2 needs at least twice as many
    stimuli as fit parameters (else it is None: with fewer it is trivially near 1)."""
    active = rates.mean(axis=0) > 0
    si = selectivity_index(rates)
    if len(inputs) >= 2 * (np.shape(inputs)[1] + 1):
        _, r2 = linear_tuning(inputs, rates)
        r2_med = float(np.nanmedian(r2)) if active.any() else float("nan")
    else:
        r2_med = None
    return {
        "mean_rate_hz": float(rates.mean()),
        "fraction_active": float(active.mean()),
        "median_selectivity": float(np.nanmedian(si)) if active.any() else float("nan"),
        "median_linear_r2": r2_med,
    }
