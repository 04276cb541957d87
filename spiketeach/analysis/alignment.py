"""Alignment of feedback-alignment-style updates with the true gradient.

The standard diagnostic of feedback alignment (Lillicrap et al. 2016) applied to the algorithms of
Samadi, Lillicrap & Tweed (2017), §2.5–2.6: the angle between the weight change a layer actually
makes (FA, eq. 2.6; BA, eqs. 2.7–2.9; DF) and the one backpropagation (eqs. 2.4–2.5) would make
from the same weights and examples. Angles below 90° mean the update descends the loss.

The functions take arrays only, so they serve the rate networks of
:mod:`spiketeach.models.samadi2017.rate` and recorded spiking networks alike (pass the weight change a
spiking layer made over a window and the gradient of the rate model at the same weights;
:func:`two_layer_directions` gives those gradients for a one-hidden-layer rate network from
per-sample rates).
"""

from __future__ import annotations

import numpy as np

__all__ = ["angle_deg", "layer_angles", "two_layer_directions"]


def angle_deg(a: np.ndarray, b: np.ndarray, trial_axes: int = 1) -> np.ndarray:
    """Angle in degrees between ``a`` and ``b`` flattened beyond the first ``trial_axes`` axes.

    Parameters
    ----------
    a, b : arrays of the same shape
        E.g. (T, n_out, n_in) weight changes of T independent learners.
    trial_axes : int
        Leading axes kept (0: one angle for the whole arrays).

    Returns
    -------
    ndarray
        Angles in [0, 180]; NaN where either vector is zero.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    lead = a.shape[:trial_axes]
    a2, b2 = a.reshape(*lead, -1), b.reshape(*lead, -1)
    dot = (a2 * b2).sum(-1)
    norm = np.sqrt((a2 * a2).sum(-1) * (b2 * b2).sum(-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, dot / np.where(norm > 0, norm, 1.0), np.nan)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def layer_angles(updates: dict[int, np.ndarray], gradients: dict[int, np.ndarray],
                 trial_axes: int = 1) -> dict[int, np.ndarray]:
    """Per-layer angle between an update direction and the gradient (same sign convention).

    Both dicts map weight-layer index -> array; only layers present in both are compared.
    """
    return {k: angle_deg(updates[k], gradients[k], trial_axes)
            for k in sorted(set(updates) & set(gradients))}


def two_layer_directions(x, h, err, W_out, B, gate_h=None, gate_o=None) -> dict[str, np.ndarray]:
    """Descent directions of a one-hidden-layer rate network x → h → o, summed over samples.

    The loss is L = ½ Σ_d ‖err_d‖² with err = target − o, o = f(W_out h), h = f(W_in x), and
    f' given per sample and cell by the gates (1 where omitted; for a rectified-linear f, 1
    where the net input is positive). Returns −∂L/∂W as (n_post × n_pre) matrices:

    * ``"output"``: Σ_d (gate_o ⊙ err) hᵀ — also what random back-propagation does at the top;
    * ``"hidden_bp"``: back-propagation, Σ_d (gate_h ⊙ W_outᵀ (gate_o ⊙ err)) xᵀ;
    * ``"hidden_rbp"``: random back-propagation (Neftci et al. 2017: the error through fixed
      random weights B straight to the hidden cells), Σ_d (gate_h ⊙ B err) xᵀ.

    Shapes: x (D, n_in), h (D, n_h), err (D, n_out), W_out (n_out, n_h), B (n_h, n_out),
    gate_h (D, n_h), gate_o (D, n_out).
    """
    x, h, err = (np.atleast_2d(np.asarray(a, dtype=float)) for a in (x, h, err))
    W_out, B = np.asarray(W_out, dtype=float), np.asarray(B, dtype=float)
    D, n_h, n_out = x.shape[0], h.shape[1], err.shape[1]
    gate_h = np.ones((D, n_h)) if gate_h is None else np.asarray(gate_h, dtype=float)
    gate_o = np.ones((D, n_out)) if gate_o is None else np.asarray(gate_o, dtype=float)
    expected = {"h": (D, n_h), "err": (D, n_out), "W_out": (n_out, n_h), "B": (n_h, n_out),
                "gate_h": (D, n_h), "gate_o": (D, n_out)}
    got = {"h": h.shape, "err": err.shape, "W_out": W_out.shape, "B": B.shape,
           "gate_h": gate_h.shape, "gate_o": gate_o.shape}
    wrong = [f"{k} {got[k]} (expected {v})" for k, v in expected.items() if got[k] != v]
    if wrong:
        raise ValueError("two_layer_directions: wrong shapes: " + ", ".join(wrong))
    delta_o = gate_o * err
    return {"output": delta_o.T @ h,
            "hidden_bp": (gate_h * (delta_o @ W_out)).T @ x,
            "hidden_rbp": (gate_h * (err @ B.T)).T @ x}
