"""The Brian2 network of Bourdoukan & Denève (2015): a spike-coding network that learns the
linear dynamical system dx/dt = A x + c with a fast and a slow local rule.

Bourdoukan R, Denève S (2015). Enforcing balance allows local supervised learning in spiking
recurrent networks. NIPS 28. Equations: :mod:`.equations`; the same step in numpy, proven equal
by tests/models/bourdoukan2015: :mod:`.reference`. Decisions: docs/families/bourdoukan2015.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import (
    Hz,
    Network,
    NeuronGroup,
    SpikeMonitor,
    StateMonitor,
    Synapses,
    TimedArray,
    second,
)

import spiketeach.models.bourdoukan2015.equations as eq
from spiketeach.core.connectivity import dense_indices
from spiketeach.models import spike_coding as sc

from .params import Bourdoukan2015Params

__all__ = ["Weights", "check_weights", "circle_decoder", "optimal_weights", "initial_weights",
           "thresholds", "DynamicsNetwork", "build_network"]


@dataclass
class Weights:
    """``D`` (J x N readout, fixed; F = D^T), ``fast`` (N x N, post x pre, the diagonal is the
    reset) and ``slow`` (N x N, 1/s)."""

    D: np.ndarray
    fast: np.ndarray
    slow: np.ndarray

    def copy(self) -> "Weights":
        return Weights(np.array(self.D, float), np.array(self.fast, float),
                       np.array(self.slow, float))


def check_weights(w: Weights, params: Bourdoukan2015Params) -> Weights:
    """``w`` as float arrays, or a ValueError naming the problem (shape, NaN, a non-negative
    fast diagonal: 2020 convention, weights added to V)."""
    D, fast, slow = (np.asarray(a, dtype=float) for a in (w.D, w.fast, w.slow))
    J, N = params.n_inputs, params.n_neurons
    if D.shape != (J, N):
        raise ValueError(f"D (readout) must be {J} x {N} (inputs x neurons), got shape {D.shape}")
    for name, a in (("fast", fast), ("slow", slow)):
        if a.shape != (N, N):
            raise ValueError(f"{name} weights must be {N} x {N}, got shape {a.shape}")
    for name, a in (("D", D), ("fast", fast), ("slow", slow)):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    diag = np.diag(fast)
    if np.any(diag >= 0):
        bad = np.flatnonzero(diag >= 0)
        raise ValueError(f"the fast weights' diagonal (the reset; weights added to V) must be "
                         f"negative; neurons {bad.tolist()} have {diag[bad].tolist()}")
    return Weights(D, fast, slow)


def circle_decoder(params: Bourdoukan2015Params) -> np.ndarray:
    """D (J x N): unit directions evenly spaced on the circle (J = 2), or random unit directions
    (seeded, J != 2), times ``decoder_norm``."""
    N, J = params.n_neurons, params.n_inputs
    if J == 2:
        th = 2 * np.pi * np.arange(N) / N
        D = np.vstack([np.cos(th), np.sin(th)])
    else:
        D = np.random.default_rng(0).standard_normal((J, N))
        D /= np.linalg.norm(D, axis=0, keepdims=True)
    return params.decoder_norm * D


def thresholds(D, mu: float) -> np.ndarray:
    """T_n = (|D_n|^2 + mu) / 2."""
    return sc.optimal_thresholds(np.asarray(D).T, mu)


def optimal_weights(D, params: Bourdoukan2015Params) -> Weights:
    """The network that follows the system alone (Boerlin et al. 2013): fast -F F^T - mu I,
    slow F (A + lambda I) D, with F = D^T."""
    D = np.asarray(D, dtype=float)
    F = D.T
    A = np.asarray(params.A, dtype=float)
    fast = sc.optimal_recurrent(F, params.mu)
    slow = F @ (A + params.lam * np.eye(A.shape[0])) @ D
    return Weights(D, fast, slow)


def initial_weights(params: Bourdoukan2015Params) -> Weights:
    """Before learning: the resets right (fast diagonal -|F_n|^2 - mu), no lateral fast
    connections and no slow ones; the network then only leaks and integrates its input."""
    D = circle_decoder(params)
    opt = optimal_weights(D, params)
    return Weights(D, np.diag(np.diag(opt.fast)), np.zeros_like(opt.slow))


@dataclass
class DynamicsNetwork:
    """The Brian2 objects of one network; :meth:`run` runs the whole stimulus."""

    network: Network
    neurons: NeuronGroup
    teacher: NeuronGroup
    synapses: dict
    spikes: SpikeMonitor
    states: tuple | None
    weights_monitor: tuple | None
    duration: object
    params: Bourdoukan2015Params

    def run(self) -> None:
        sc.run_whole(self.network, self.duration)

    def weights(self) -> Weights:
        N = len(self.neurons)
        out = {}
        for key, var in (("fast", "w"), ("slow", "W")):
            syn = self.synapses[key]
            W = np.zeros((N, N))
            W[syn.j[:], syn.i[:]] = getattr(syn, var)[:] if key == "fast" else syn.W[:] / Hz
            out[key] = W
        ro = self.synapses["readout"]
        D = np.zeros((len(self.teacher), N))
        D[ro.j[:], ro.i[:]] = ro.D[:]
        return Weights(D, out["fast"], out["slow"])

    def spike_matrix(self, n_steps: int) -> np.ndarray:
        return sc.spike_matrix(self.spikes, n_steps, len(self.neurons), self.params.dt)


def build_network(weights: Weights, stimulus, params: Bourdoukan2015Params | None = None, *,
                  learn: bool = False, feedback: bool = True, record_states: bool = False,
                  record_weights_every: int | None = None, name: str = "b15") -> DynamicsNetwork:
    """The network with ``weights`` driven by ``stimulus`` (n_steps x J input c in 1/s, a row per
    step). ``learn``: both rules on. ``feedback``: the error is fed back with gain
    ``params.feedback_gain`` (else K = 0: the network runs alone). ``record_states``: V, r,
    I_err (neurons) and x (teacher) every step at the step's end. ``record_weights_every``: the
    fast and slow weights every that many steps (at the end of steps 0, n, 2n, ...).
    """
    p = params or Bourdoukan2015Params()
    w = check_weights(weights, p)
    N, J = p.n_neurons, p.n_inputs
    stimulus = sc.check_stimulus(stimulus, J)
    dt = p.dt * second
    ta = TimedArray(stimulus * Hz, dt=dt, name=f"{name}_stimulus")
    teacher = NeuronGroup(J, eq.TEACHER, method="euler", dt=dt, order=-10,
                          namespace={"stimulus": ta}, name=f"{name}_teacher")
    neurons = NeuronGroup(N, eq.NEURON, threshold=eq.THRESHOLD, reset=eq.RESET,
                          events={"candidate": eq.CANDIDATE}, method="euler", dt=dt,
                          name=f"{name}_neurons")
    neurons.T = thresholds(w.D, p.mu)
    sc.set_noise(neurons, lam=p.lam, sigma_v=p.sigma_v, sigma_threshold=p.sigma_threshold,
                 dt=p.dt)

    system = Synapses(teacher, teacher, eq.SYSTEM, dt=dt, name=f"{name}_system")
    i, j = dense_indices(J, J)
    system.connect(i=i, j=j)
    system.A = np.asarray(p.A, float).T.ravel() * Hz  # A[j, i] in pre-major order
    readout = Synapses(neurons, teacher, eq.READOUT, dt=dt, name=f"{name}_readout")
    i, j = dense_indices(N, J)
    readout.connect(i=i, j=j)
    readout.D = w.D.T.ravel()
    ff = Synapses(teacher, neurons, eq.FEEDFORWARD, dt=dt, namespace={"stimulus": ta},
                  name=f"{name}_ff")
    i, j = dense_indices(J, N)
    ff.connect(i=i, j=j)
    ff.F = w.D.ravel()  # F[n, j] = D[j, n], pre-major
    fb = Synapses(teacher, neurons, eq.FEEDBACK, dt=dt, name=f"{name}_feedback")
    fb.connect(i=i, j=j)
    fb.F = w.D.ravel()
    fb.K = (p.feedback_gain if feedback else 0.0) * Hz
    slow = Synapses(neurons, neurons, eq.SLOW, dt=dt, name=f"{name}_slow")
    i, j = dense_indices(N, N)
    slow.connect(i=i, j=j)
    slow.W = w.slow.T.ravel() * Hz
    slow.eps_slow = (p.eps_slow if learn else 0.0) * Hz
    slow_rule = slow.run_regularly(eq.SLOW_RULE, when="groups", order=5,
                                   name=f"{name}_slow_rule")
    fast = Synapses(neurons, neurons, eq.FAST,
                    on_pre={"learn": eq.ON_PRE_LEARN, "jump": eq.ON_PRE_JUMP,
                            "count": eq.ON_CANDIDATE},
                    on_event={"learn": "spike", "jump": "spike", "count": "candidate"},
                    dt=dt, name=f"{name}_fast")
    fast.connect(i=i, j=j)
    fast.w = w.fast.T.ravel()
    fast.delta = (i == j).astype(float)
    fast.beta, fast.mu = p.beta, p.mu
    fast.eps_fast = p.eps_fast if learn else 0.0
    fast.learn.order, fast.jump.order = 0, 1  # the rule reads V before the jumps

    # groups slot: the readout and A x from last step's r and x, then the currents (the error
    # with the new readout), the teacher's and the neurons' Euler steps, the slow rule;
    # thresholds slot: noise, candidates, their count, the one spike
    noise = neurons.run_regularly(eq.THRESHOLD_NOISE, when="thresholds", name=f"{name}_noise")
    schedule = [(readout.summed_updaters["xhat_post"], "groups", -30),
                (system.summed_updaters["Ax_post"], "groups", -29),
                (ff.summed_updaters["I_ff_post"], "groups", -28),
                (fb.summed_updaters["I_err_post"], "groups", -27),
                (slow.summed_updaters["I_slow_post"], "groups", -26),
                (noise, "thresholds", -5), (neurons.thresholder["candidate"], "thresholds", -4),
                (fast.count, "thresholds", -3), (neurons.thresholder["spike"], "thresholds", -1)]
    for obj, when, order in schedule:
        obj.when, obj.order = when, order

    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    syns = {"system": system, "readout": readout, "ff": ff, "feedback": fb, "slow": slow,
            "fast": fast}
    objects = [teacher, neurons, noise, slow_rule, *syns.values(), spikes]
    states = None
    if record_states:
        states = (StateMonitor(neurons, ["V", "r", "I_err"], record=True, when="end",
                               name=f"{name}_st_n"),
                  StateMonitor(teacher, ["x"], record=True, when="end", name=f"{name}_st_x"))
        objects += list(states)
    wmon = None
    if record_weights_every:
        every = int(record_weights_every) * dt
        wmon = (StateMonitor(fast, "w", record=True, dt=every, when="end", name=f"{name}_wf"),
                StateMonitor(slow, "W", record=True, dt=every, when="end", name=f"{name}_ws"))
        objects += list(wmon)
    net = Network(*objects, name=f"{name}_network")
    return DynamicsNetwork(net, neurons, teacher, syns, spikes, states, wmon,
                           stimulus.shape[0] * dt, p)
