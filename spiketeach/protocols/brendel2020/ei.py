"""Learning and evaluation protocol of the E/I network (Brendel et al. 2020, Fig. 4), after the
authors' ``Figure4/Learning.m`` and ``FanoCV.m`` (docs/papers/brendel2020.md).

* Input: the smoothed white noise of :func:`.learning.smoothed_noise` (3-D), a fresh 1000-step
  segment at a time.
* :func:`learn_ei`: the Brian2 E/I network with all five rules, weights recorded every ``every``
  steps.
* :func:`evaluate_ei`, learning frozen: optimal linear decoders of the E and of the I population
  fitted by least squares on a fresh run (input amplitude A, as the E/I code), then on test runs
  the coding error of each readout, mean rates, voltage variances, and the correlation of each
  E neuron's excitatory and inhibitory currents; :func:`fano_cv_ei` the Fano factor and ISI CV of
  the E neurons over constant inputs. Evaluation runs use
  :func:`spiketeach.models.brendel2020.reference_ei.simulate_ei`, proven equal to the Brian2
  network by tests/models/brendel2020/test_brendel2020_ei.py.
"""

from __future__ import annotations

import numpy as np

from spiketeach.analysis import spike_coding as sc
from spiketeach.models.brendel2020.layers import EIWeights, build_ei_network
from spiketeach.models.brendel2020.params import Brendel2020EIParams
from spiketeach.models.brendel2020.reference_ei import simulate_ei

from .learning import smoothed_noise

__all__ = ["learn_ei", "evaluate_ei", "fano_cv_ei", "ei_balance"]


def learn_ei(w0: EIWeights, params: Brendel2020EIParams, steps: int, rng: np.random.Generator,
             *, every: int, name: str = "ei_learn"):
    """``steps`` of learning on fresh smoothed noise in Brian2. Returns (snapshots, final,
    counts): snapshots a list of (step, EIWeights) at step 0 and every ``every`` steps, final the
    weights at the end, counts the number of E and I spikes during learning."""
    c = smoothed_noise(steps, params, rng)
    net = build_ei_network(w0, c, params, learn=True, record_weights_every=every, name=name)
    net.run()
    snaps = [(0, w0.copy())]
    mons = net.weights_monitor
    n_rec = np.asarray(mons["F"].F).shape[1]
    for k in range(n_rec):
        parts = {}
        for key, syn in net.synapses.items():
            post = net.exc if key in ("F", "ee", "ie") else net.inh
            W = np.zeros((len(post), len(syn.source)))
            W[syn.j[:], syn.i[:]] = np.asarray(mons[key].F if key == "F" else mons[key].w)[:, k]
            parts[key] = W
        # StateMonitor(dt=every) records at the end of steps 0, every, 2 every, ...
        snaps.append((k * every + 1, EIWeights(**parts)))
    counts = (int(net.spikes_e.num_spikes), int(net.spikes_i.num_spikes))
    return snaps, net.weights(), counts


def ei_balance(run: dict, w: EIWeights, c, params: Brendel2020EIParams) -> float:
    """Mean over E neurons of the correlation of their excitatory (positive feedforward drive,
    E->E) and inhibitory (negative feedforward drive, I->E) currents, low-passed by the leak."""
    spikes = np.hstack([run["spikes_e"], run["spikes_i"]])
    n_i = w.ii.shape[0]
    F_all = np.vstack([w.F, np.zeros((n_i, w.F.shape[1]))])
    exc, inh = sc.ei_currents(spikes, F_all, w.omega(), np.asarray(c) * params.dt)
    n_e = w.ee.shape[0]
    return sc.ei_correlation(exc[:, :n_e], inh[:, :n_e], params.lam, params.dt)


def evaluate_ei(w: EIWeights, params: Brendel2020EIParams, rng: np.random.Generator, *,
                fit_steps: int = 40_000, test_steps: int = 10_000, trials: int = 10) -> dict:
    """Numbers of one frozen E/I network (the authors' Learning.m protocol, shortened at will)."""
    fit_c = smoothed_noise(fit_steps, params, rng)
    fit = simulate_ei(w, fit_c, params, rng=rng)
    D_e = sc.optimal_decoder(fit["r_e"], fit["x"])
    D_i = sc.optimal_decoder(fit["r_i"], fit["x"])
    acc = {k: [] for k in ("error_e", "error_i", "rate_e", "rate_i", "vvar_e", "vvar_i", "ei")}
    run = c = None
    for _ in range(trials):
        c = smoothed_noise(test_steps, params, rng)
        run = simulate_ei(w, c, params, rng=rng)
        acc["error_e"].append(sc.coding_error(run["x"], run["r_e"] @ D_e.T))
        acc["error_i"].append(sc.coding_error(run["x"], run["r_i"] @ D_i.T))
        acc["rate_e"].append(sc.mean_rate(run["spikes_e"], params.dt))
        acc["rate_i"].append(sc.mean_rate(run["spikes_i"], params.dt))
        acc["vvar_e"].append(sc.voltage_variance(run["V_e"]))
        acc["vvar_i"].append(sc.voltage_variance(run["V_i"]))
        acc["ei"].append(ei_balance(run, w, c, params))
    m = {k: float(np.nanmean(v)) for k, v in acc.items()}
    return {"error": m["error_e"], "error_i": m["error_i"], "rate_hz": m["rate_e"],
            "rate_i_hz": m["rate_i"], "voltage_variance": m["vvar_e"],
            "voltage_variance_i": m["vvar_i"], "ei_correlation": m["ei"],
            "decoder_e": D_e, "decoder_i": D_i, "last_run": run, "last_input": c}


def fano_cv_ei(w: EIWeights, params: Brendel2020EIParams, rng: np.random.Generator, *,
               directions: int = 20, trials: int = 50, steps: int = 10_000,
               amplitude: float = 90.0) -> dict:
    """Fano factor and ISI CV of the E neurons over constant inputs ``amplitude`` x (random unit
    direction) (the authors' FanoCV.m), averaged over directions; neurons with a mean count
    <= 1 are left out."""
    fanos, cvs = [], []
    for _ in range(directions):
        u = rng.standard_normal(params.n_inputs)
        c = np.tile(amplitude * u / np.linalg.norm(u), (steps, 1))
        runs = [simulate_ei(w, c, params, rng=rng, record=False)["spikes_e"]
                for _ in range(trials)]
        counts = np.array([s.sum(axis=0) for s in runs])
        keep = counts.mean(axis=0) > 1
        if not np.any(keep):
            continue
        fanos.append(sc.fano_factor(counts))
        cvs.append(np.nanmean([sc.isi_cv(s[:, keep]) for s in runs]))
    return {"fano": float(np.nanmean(fanos)) if fanos else float("nan"),
            "cv": float(np.nanmean(cvs)) if cvs else float("nan")}

