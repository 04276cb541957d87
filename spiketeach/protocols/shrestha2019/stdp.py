"""Single-synapse experiments for Shrestha et al. (2019) §4.1 / Fig. 5 (simulation part).

Random pre/post spike trains are imposed on pairs of IF cells (:data:`IF_NEURON`, each driven
one-to-one by a spike generator strong enough to make it fire exactly when asked) connected by
ONE EMSTDP synapse each (:func:`~spiketeach.models.shrestha2019.layers.emstdp_projection`, eq. 12 with
η = 1, weight 0 so that the pre cell does not drive the post cell). The weight change is what the
synapse's own Brian2 code computed at the window end; the spike trains the cells really emitted
are returned for the STDP rules of :mod:`spiketeach.analysis.stdp`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from brian2 import Clock, Network, SpikeGeneratorGroup, SpikeMonitor, Synapses, TimedArray

from spiketeach.analysis.stdp import emstdp_dw, pair_stdp_dw, pearson, phase_pair_stdp_dw
from spiketeach.models.shrestha2019.layers import _namespace, emstdp_projection, if_layer
from spiketeach.models.shrestha2019.params import EMSTDPParams

__all__ = ["random_pair_trains", "simulate_single_synapses", "stdp_correlation_experiment", "emstdp_window_experiment"]

def random_pair_trains(n_trials: int, T: int, rng: np.random.Generator, r_max: float = 0.5):
    """Bernoulli spike trains (trials × T): pre at a rate r_pre, post at r_1 in the first half
    and r_2 in the second, each rate drawn uniformly from [0, r_max] per trial. Step 0 is kept
    silent (a cell cannot fire before its first input arrives)."""
    r_pre, r1, r2 = rng.uniform(0.0, r_max, size=(3, n_trials, 1))
    half = T // 2
    rate_post = np.hstack([np.repeat(r1, half, axis=1), np.repeat(r2, T - half, axis=1)])
    pre = rng.random((n_trials, T)) < r_pre
    post = rng.random((n_trials, T)) < rate_post
    pre[:, 0] = post[:, 0] = False
    return pre.astype(int), post.astype(int)

def _driven_layer(trains: np.ndarray, params, clock, ns, name):
    """IF cells that spike at exactly the steps where ``trains`` is 1."""
    n, T = trains.shape
    cell, step = np.nonzero(trains[:, 1:])     # a spike at step s needs input at step s − 1
    gen = SpikeGeneratorGroup(n, cell, step * params.dt, clock=clock, name=f"{name}_generator")
    layer = if_layer(n, 1.0, params, clock, ns, error=False, name=name)
    drive = Synapses(gen, layer, on_pre="I_ff_post += 2 * theta_post", clock=clock,
                     name=f"{name}_drive")
    drive.connect(j="i")
    return [gen, layer, drive], layer

def simulate_single_synapses(pre: np.ndarray, post: np.ndarray, params: EMSTDPParams | None = None):
    """Run one window with pre/post spike trains (trials × T) imposed on pairs of cells joined
    by one EMSTDP synapse each. Returns (Δw per trial, emitted pre trains, emitted post trains).
    Needs the runtime device (one small network per call)."""
    pre, post = np.asarray(pre, dtype=int), np.asarray(post, dtype=int)
    if pre.shape != post.shape or pre.ndim != 2:
        raise ValueError("pre and post must be (trials, T) arrays of the same shape")
    n, T = pre.shape
    params = replace(params or EMSTDPParams(), T=T, update="sgd", eta=1.0, w_max=None)
    clock = Clock(dt=params.dt, name="stdp_clock")
    gate = TimedArray(np.ones(1), dt=params.window, name="stdp_learn_gate")
    ns = _namespace(params, {"learn_gate": gate})
    objs_pre, pre_layer = _driven_layer(pre, params, clock, ns, "stdp_pre")
    objs_post, post_layer = _driven_layer(post, params, clock, ns, "stdp_post")
    syn = emstdp_projection(pre_layer, post_layer, np.zeros(n), params, ns, one_to_one=True,
                            name="stdp_synapse")
    mon_pre = SpikeMonitor(pre_layer, name="stdp_pre_spikes")
    mon_post = SpikeMonitor(post_layer, name="stdp_post_spikes")
    net = Network(*objs_pre, *objs_post, syn, mon_pre, mon_post)
    net.run(params.window, namespace={})
    emitted = []
    for mon in (mon_pre, mon_post):
        trains = np.zeros((n, T), dtype=int)
        steps = np.round(np.asarray(mon.t[:]) / float(params.dt)).astype(int)
        trains[np.asarray(mon.i[:], dtype=int), steps] = 1
        emitted.append(trains)
    return np.asarray(syn.w[:], dtype=float), emitted[0], emitted[1]

def stdp_correlation_experiment(n_trials: int = 1000, T: int = 200, seed: int = 0,
                                r_max: float = 0.5, window: float = 10,
                                tau: float | None = None) -> dict:
    """§4.1: EMSTDP's Δw (simulated) vs pair STDP on the same random trains, and their r."""
    rng = np.random.default_rng(seed)
    pre, post = random_pair_trains(n_trials, T, rng, r_max)
    dw, pre_out, post_out = simulate_single_synapses(pre, post)
    half = T // 2
    plain = pair_stdp_dw(pre_out, post_out, window=window, tau=tau)
    phased = phase_pair_stdp_dw(pre_out, post_out, half, window=window, tau=tau)
    return {"dw_emstdp": dw, "dw_emstdp_from_counts": emstdp_dw(pre_out, post_out, half),
            "dw_pair_stdp": plain, "dw_phase_pair_stdp": phased,
            "trains_reproduced": bool(np.array_equal(pre_out, pre) and np.array_equal(post_out, post)),
            "r_phase_pair_stdp": pearson(dw, phased), "r_pair_stdp": pearson(dw, plain)}

def emstdp_window_experiment(T: int = 200, t_pre: int = 80, dts=None) -> dict:
    """Δw of one EMSTDP synapse for one pre spike at ``t_pre`` and one post spike at
    ``t_pre + Δt`` (one pair per Δt, all simulated in parallel)."""
    dts = np.arange(-60, 61) if dts is None else np.asarray(dts, dtype=int)
    t_post = t_pre + dts
    keep = (t_post >= 1) & (t_post < T)
    dts, t_post = dts[keep], t_post[keep]
    n = len(dts)
    pre = np.zeros((n, T), dtype=int)
    post = np.zeros((n, T), dtype=int)
    pre[:, t_pre] = 1
    post[np.arange(n), t_post] = 1
    dw, _, _ = simulate_single_synapses(pre, post)
    return {"dt": dts, "dw_emstdp": dw, "dw_pair_stdp": pair_stdp_dw(pre, post, window=10),
            "t_pre": t_pre, "T": T}
