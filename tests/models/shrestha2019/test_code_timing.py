"""EMSTDP with ``timing="code"``: the step loop of the authors' code (zmeidd/EMSTDP,
``EMSTDP_algo.py``, ``Network.Train``) transcribed here in numpy for the driver's branch
(symmetric feedback dfa=0, rel=0, delt=5, dr=1, evt=0, clipping, no bias, no dropout) and
fed the input spikes our network drew: same per-step spikes of every layer, same weights."""

from __future__ import annotations

import numpy as np
import pytest

from spiketeach.models import shrestha2019
from spiketeach.models.shrestha2019.params import EMSTDPParams, code_params
from spiketeach.protocols.shrestha2019.training import run_emstdp_block


def authors_train(input_spikes, labels, w_h, w_o, thr_h, thr_o, ethr_h, eps, T, lr, lim,
                  lm_h, lm_o, scale=1.0):
    """One call of ``Network.Train`` (its branch of the driver's settings) on a batch:
    ``input_spikes`` [T, bs, n_in]; weights in the code's orientation ([pre, post]), changed in
    place with the RMSprop accumulators ``lm_h``, ``lm_o``. Returns the spikes of every layer
    ([T, bs, n] booleans, hidden layers then the output)."""
    twin = T // 2 - 1
    bs = input_spikes.shape[1]
    nh = len(w_h)
    hs = [np.zeros((T, bs, w.shape[1]), dtype=bool) for w in w_h]
    os_ = np.zeros((T, bs, w_o.shape[1]), dtype=bool)
    U_h = [np.zeros((T, bs, w.shape[1])) for w in w_h]
    U_o = np.zeros((T, bs, w_o.shape[1]))
    delta = np.zeros((T, bs, w_o.shape[1]))
    sdelta = np.zeros_like(delta)
    delta_h = [np.zeros((T, bs, w.shape[1])) for w in w_h]
    sdelta_h = [np.zeros((T, bs, w.shape[1])) for w in w_h]

    def update(pre, post, w, lm):
        tmp0 = pre[t - 2 * twin + 1:t + 1 - twin].sum(axis=0)
        tmp1 = post[t - twin + 1:t + 1].sum(axis=0) - post[t - 2 * twin + 1:t + 1 - twin].sum(axis=0)
        tpp = np.einsum("Bj,Bk->Bjk", tmp0, tmp1).mean(axis=0) / float(twin)
        lm *= 0.9
        lm += 0.1 * tpp ** 2
        w += tpp * (lr / np.sqrt(lm + 1e-8))
        np.clip(w, -lim, lim, out=w)

    def error_spikes(d, s, theta):  # rel = 0: a crossing emits ±1 and resets to 0
        s[t, d[t] >= theta] = 1.0
        d[t, d[t] >= theta] = 0.0
        s[t, d[t] <= -theta] = -1.0
        d[t, d[t] <= -theta] = 0.0

    for t in range(1, T):
        below = input_spikes
        for h in range(nh):
            U_h[h][t] = below[t - 1] @ w_h[h] + U_h[h][t - 1]
            hs[h][t] = U_h[h][t] >= thr_h[h]
            U_h[h][t, hs[h][t]] = 0
            below = hs[h]
        U_o[t] = below[t - 1] @ w_o + U_o[t - 1]
        os_[t] = U_o[t] >= thr_o
        U_o[t, os_[t]] = 0
        if t > twin:
            for k in range(bs):  # delt = 5
                others = np.arange(w_o.shape[1]) != labels[k]
                delta[t, k, labels[k]] = delta[t - 1, k, labels[k]] + float(os_[t - 1, k, labels[k]] < 1)
                delta[t, k, others] = delta[t - 1, k, others] - (os_[t - 1, k, others] >= 1)
            error_spikes(delta, sdelta, eps)
            U_o[t] += scale * thr_o * sdelta[t - 1]
            delta_h[nh - 1][t] = sdelta[t - 1] @ w_o.T + delta_h[nh - 1][t - 1]
            error_spikes(delta_h[nh - 1], sdelta_h[nh - 1], ethr_h[nh - 1])
            if t > 2 * twin:
                update(hs[nh - 1], os_, w_o, lm_o)
            for der in range(nh - 1, 0, -1):
                sdelta_h[der][t] *= hs[der][0:twin].sum(axis=0) > 0
                U_h[der][t] += scale * thr_h[der] * sdelta_h[der][t - 1]
                delta_h[der - 1][t] = sdelta_h[der][t - 1] @ w_h[der].T + delta_h[der - 1][t - 1]
                error_spikes(delta_h[der - 1], sdelta_h[der - 1], ethr_h[der - 1])
                if t > 2 * twin:
                    update(hs[der - 1], hs[der], w_h[der], lm_h[der])
            sdelta_h[0][t] *= hs[0][0:twin].sum(axis=0) > 0
            U_h[0][t] += scale * thr_h[0] * sdelta_h[0][t - 1]
            if t > 2 * twin:
                update(input_spikes, hs[0], w_h[0], lm_h[0])
    return hs + [os_]


def _per_step(monitor, n_windows, T, n):
    """A SpikeMonitor's spikes as booleans [window, step, cell]."""
    out = np.zeros((n_windows, T, n), dtype=bool)
    steps = np.rint(np.asarray(monitor.t[:]) / 1e-3).astype(int)
    out[steps // T, steps % T, np.asarray(monitor.i[:])] = True
    return out


def _ours_and_authors(params, sizes, n_windows, seed=2):
    """Run our reference formulation (one block) and the transcription on the input spikes our
    run drew; returns (ours, authors, initial weights): per layer [window, step, cell] spikes,
    then weights (n_post × n_pre)."""
    from brian2 import seed as brian_seed
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n_windows, sizes[0])) * (rng.uniform(size=(n_windows, sizes[0])) < 0.4)
    y = rng.integers(0, sizes[-1], n_windows)
    brian_seed(seed)
    net = shrestha2019.build(sizes, n_windows, params=params, seed=seed, formulation="reference",
                             record_spikes=True)
    built = net.built_state
    run_emstdp_block(net, None, x, y, np.ones(n_windows))
    T = params.T
    spikes = [_per_step(m, n_windows, T, len(m.source)) for m in net.spike_monitors]
    ours = (spikes[1:], net.weights())

    L = len(sizes) - 2
    W = [built[f"forward{m}.w"].reshape(sizes[m], sizes[m + 1]).copy() for m in range(L + 1)]
    W0 = [w.T.copy() for w in W]
    thr = [float(built[f"layer{m}.theta"][0]) for m in range(L + 1)]
    ethr = [float(built[f"layer{m}.theta_e"][0]) for m in range(L)]
    lm = [np.ones_like(w) for w in W]
    bs = params.batch
    theirs = [np.zeros((n_windows, T, n), dtype=bool) for n in sizes[1:]]
    for b in range(n_windows // bs):
        win = slice(b * bs, (b + 1) * bs)
        inp = np.transpose(spikes[0][win], (1, 0, 2)).astype(float)
        out = authors_train(inp, y[win], W[:-1], W[-1], thr[:-1], thr[-1], ethr,
                            params.loss_threshold, T, params.eta, params.w_max, lm[:-1], lm[-1],
                            scale=params.gamma)
        for m, s in enumerate(out):
            theirs[m][win] = np.transpose(s, (1, 0, 2))
    return ours, (theirs, [w.T for w in W]), W0


def _agree(ours, theirs):
    return (all(np.array_equal(a, b) for a, b in zip(ours[0], theirs[0]))
            and all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(ours[1], theirs[1])))


@pytest.mark.parametrize("sizes", [[30, 20, 10], [30, 16, 12, 10]])
def test_code_timing_reproduces_the_authors_step_loop(runtime, sizes):
    """timing="code": every spike of every layer at every step of 6 windows (2 batches of 3,
    error spikes, derivative gate, two hidden layers in one case) and the weights after the
    two RMSprop updates equal the transcription of the authors' loop; with the paper's timing
    they differ (the test can tell the two apart)."""
    params = code_params(T=40, eta=2e-2, batch=3, timing="code")
    ours, theirs, W0 = _ours_and_authors(params, sizes, 6)
    assert sum(int(s[:, params.T_half:].sum()) for s in ours[0]) > 200  # phase 2 is active
    assert int(ours[0][0][:, :params.T_half - 1].any(axis=1).sum()) < 6 * sizes[1]  # gated cells
    for m, (a, b) in enumerate(zip(ours[0], theirs[0])):
        np.testing.assert_array_equal(a, b, err_msg=f"layer {m}")
    for m, (a, b) in enumerate(zip(ours[1], theirs[1])):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=f"forward{m}")
    assert min(np.abs(a - b).max() for a, b in zip(ours[1], W0)) > 1e-3  # every layer learned
    paper, theirs_p, _ = _ours_and_authors(code_params(T=40, eta=2e-2, batch=3,
                                                    count_window="code"), sizes, 6)
    assert not _agree(paper, theirs_p)


def test_code_timing_params():
    """timing="code" brings the code's count windows (T/2 − 1 steps); unknown timings are
    refused with one line."""
    p = EMSTDPParams(T=100, timing="code")
    assert p.count_window == "code" and p.count_steps == 49
    assert EMSTDPParams().timing == "paper" and EMSTDPParams().count_window == "half"
    with pytest.raises(ValueError, match="timing"):
        EMSTDPParams(timing="authors")
