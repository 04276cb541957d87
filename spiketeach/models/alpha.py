"""Alpha synapses (Hunsberger & Eliasmith 2017: every connection has an alpha synapse, 3 ms).

Kernel h(t) = t / tau_s^2 exp(-t / tau_s): unit area, peak at t = tau_s, mean delay 2 tau_s. These
are the "synaptic delays" of the poster; there are no other delays.

How it is simulated (exact and cheap)
-------------------------------------
h is the impulse response of two first-order low-passes in series, 1 / (1 + s tau_s)^2, so a
target needs only two linear ODEs for the SUM of all its inputs, however many synapses it has::

    dxs/dt = -xs / tau_s            (first stage; a spike of weight w adds w * area / tau_s)
    ds/dt  = (xs - s) / tau_s       (second stage: s is the alpha-filtered input)

A spike of weight w then gives s(t) = w * area * h(t). Brian2 integrates the pair exactly
(``method="exact"``: a constant 2x2 matrix exponential per step), and the synapses do work only
when a spike arrives (``on_pre``), never per step. Filtering per target instead of per synapse is
exact because the filter is linear and the same for every synapse of the target.

For a continuous (rate-coded or TimedArray) input u the same pair is driven as
``dxs/dt = (u - xs)/tau_s``: :data:`ALPHA_CONTINUOUS`.
"""

from __future__ import annotations

import numpy as np
from brian2 import NeuronGroup, Synapses

from spiketeach.core.connectivity import check_weight_matrix, dense_indices

__all__ = ["ALPHA_TARGET", "ALPHA_CONTINUOUS", "ALPHA_ON_PRE", "alpha_kernel", "alpha_projection"]

#: State of an alpha-filtered input ``s`` of a target group (two linear ODEs per target).
ALPHA_TARGET = """
dxs/dt = -xs / tau_s : 1            # first low-pass stage (jumps by w * area / tau_s per spike)
ds/dt = (xs - s) / tau_s : 1        # alpha-filtered input: sum_k w_k area h(t - t_k)
"""

#: The same filter driven by a continuous signal ``{u}`` (e.g. a TimedArray target).
ALPHA_CONTINUOUS = """
dx{name}/dt = ({u} - x{name}) / tau_s : 1
d{name}/dt = (x{name} - {name}) / tau_s : 1
"""

#: Event-driven synaptic code: each pre-synaptic spike kicks the target's first stage.
ALPHA_ON_PRE = "xs_post += w * area / tau_s"


def alpha_kernel(t, tau_s=0.003):
    """h(t) = t / tau_s^2 exp(-t / tau_s) for t >= 0 (unit area, peak at tau_s)."""
    t = np.asarray(t, dtype=float)
    return np.where(t >= 0, t / tau_s ** 2 * np.exp(-np.maximum(t, 0) / tau_s), 0.0)


def alpha_projection(pre: NeuronGroup, post: NeuronGroup, W, *,
                     extra_model: str = "", namespace: dict | None = None,
                     name: str | None = None, mask=None,
                     on_pre: str = ALPHA_ON_PRE, on_post: dict | None = None,
                     on_event: dict | None = None, trials: int = 1) -> Synapses:
    """Synapses ``pre -> post`` with weights ``W`` (len(post) × len(pre)) through alpha synapses.

    ``post`` must contain :data:`ALPHA_TARGET`. ``mask`` (same shape as W) keeps only the
    synapses where it is True (e.g. the non-zero entries of sparse decoders). ``on_pre`` must
    end with :data:`ALPHA_ON_PRE` (code before it may e.g. bring ``w`` up to date);
    ``on_post`` and ``on_event`` add pathways (Brian2's arguments of the same names).

    ``trials`` > 1: ``pre`` and ``post`` hold that many independent trials
    (:mod:`spiketeach.core.batch`), ``W`` (and ``mask``, if given) is a sequence of one matrix
    per trial, and trial k's synapses connect only trial k's cells, in the order a single
    trial's would (so its sums run in the same order).
    """
    if trials == 1:
        Ws, masks = [W], [mask]
    else:
        Ws = list(W)
        masks = [None] * trials if mask is None else list(mask)
        if len(Ws) != trials or len(masks) != trials:
            raise ValueError(f"{trials} trials need {trials} weight matrices (and masks); got "
                             f"{len(Ws)} and {len(masks)}")
    Ws = [check_weight_matrix(w, pre, post, trials) for w in Ws]
    if not on_pre.rstrip().endswith(ALPHA_ON_PRE):
        raise ValueError("on_pre must end with the alpha kick " + repr(ALPHA_ON_PRE))
    kwargs = {}
    if on_post:
        kwargs["on_post"] = on_post
    if on_event:
        kwargs["on_event"] = on_event
    syn = Synapses(pre, post, "w : 1\n" + extra_model, on_pre=on_pre, clock=post.clock,
                   namespace=namespace, name=name or "alpha*", **kwargs)
    n_post, n_pre = Ws[0].shape
    pre_idx, post_idx, values = [], [], []
    for k, (w, m) in enumerate(zip(Ws, masks)):
        i, j = dense_indices(n_pre, n_post)
        vals = w.T.ravel()
        if m is not None:
            keep = np.asarray(m, dtype=bool).T.ravel()
            i, j, vals = i[keep], j[keep], vals[keep]
        pre_idx.append(i + k * n_pre)
        post_idx.append(j + k * n_post)
        values.append(vals)
    syn.connect(i=np.concatenate(pre_idx), j=np.concatenate(post_idx))
    syn.w = np.concatenate(values)
    return syn
