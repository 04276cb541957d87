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
from spiketeach.core.batch import TrialBatch
from spiketeach.models import spike_coding as sc

from .params import Bourdoukan2015Params

__all__ = ["Weights", "check_weights", "circle_decoder", "optimal_weights", "initial_weights",
           "thresholds", "draw_noise", "DynamicsNetwork", "build_network", "STATE_VARIABLES"]


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


def draw_noise(params: Bourdoukan2015Params, steps: int, rng: np.random.Generator
               ) -> np.ndarray:
    """A run's noise drawn in numpy, (steps x 2 x N): per step the voltage noise (sd
    ``sigma_v``) and the threshold noise (sd ``sigma_threshold``), from ``rng`` in the order the
    numpy step (:func:`.reference.simulate`) draws them (a zero sd draws nothing). Pass it as
    ``build_network(..., noise=...)``: a trial of a batch then has its own noise, and a network
    given the noise of ``rng`` runs as ``simulate(..., rng=rng)``."""
    steps, N = int(steps), params.n_neurons
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    sds = [sd for sd in (params.sigma_v, params.sigma_threshold)]
    drawn = rng.standard_normal((steps, sum(sd > 0 for sd in sds), N))
    out, k = np.zeros((steps, 2, N)), 0
    for slot, sd in enumerate(sds):
        if sd > 0:
            out[:, slot] = sd * drawn[:, k]
            k += 1
    return out


#: (synapses or group, variable) of what carries over from one block to the next: the learned
#: weights, voltages, filtered rates and the target state (``state_views``); slow W without its
#: unit (1/s)
STATE_VARIABLES = (("fast", "w"), ("slow", "W_"), ("neurons", "V"), ("neurons", "r"),
                   ("teacher", "x"))


@dataclass
class DynamicsNetwork:
    """The Brian2 objects of one network (or of a batch of ``trials``); :meth:`run` runs the
    whole stimulus."""

    network: Network
    neurons: NeuronGroup
    teacher: NeuronGroup
    synapses: dict
    spikes: SpikeMonitor
    states: tuple | None
    weights_monitor: tuple | None
    duration: object
    params: Bourdoukan2015Params
    #: independent copies in these groups (spiketeach.core.batch), trial-major
    trials: int = 1
    #: the TimedArrays of the input c and (noise drawn in numpy) the voltage and threshold noise
    timed_arrays: dict | None = None

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    def run(self) -> None:
        sc.run_whole(self.network, self.duration)

    def state_views(self) -> dict:
        """``{"fast.w": view, ...}`` of :data:`STATE_VARIABLES` (a block runner's state; a
        batch: the trials' values one after the other)."""
        return {f"{obj}.{var.rstrip('_')}":
                getattr(self.synapses[obj] if obj in self.synapses else getattr(self, obj), var)
                for obj, var in STATE_VARIABLES}

    def block_inputs(self, stimulus, noise=None) -> dict:
        """``{TimedArray: values}`` of one block (for :meth:`BlockRunner.run
        <spiketeach.core.runner.BlockRunner.run>`): the stimulus and, if the build drew its
        noise in numpy, the noise, in the shapes :func:`build_network` takes (a batch: one per
        trial)."""
        tas = self.timed_arrays
        stimuli = _per_trial(stimulus, self.trials, 2, "stimulus", "steps x J")
        out = {tas["stimulus"]: self.batch.columns(stimuli)}
        if "voltage_noise" in tas:
            if noise is None:
                raise ValueError("this network reads its noise from numpy draws: a block needs "
                                 "noise= too (draw_noise)")
            noises = _per_trial(noise, self.trials, 3, "noise", "steps x 2 x N")
            out[tas["voltage_noise"]] = self.batch.columns([z[:, 0] for z in noises])
            out[tas["threshold_noise"]] = self.batch.columns([z[:, 1] for z in noises])
        elif noise is not None:
            raise ValueError("this network draws its noise in the run (built without noise=): "
                             "a block cannot be given noise")
        return out

    def weights(self) -> Weights | list[Weights]:
        """The weights now (a batch: a list, one per trial)."""
        N, J = len(self.neurons) // self.trials, len(self.teacher) // self.trials
        fast = self.batch.split(self.synapses["fast"].w[:])
        slow = self.batch.split(self.synapses["slow"].W_[:])
        D = self.batch.split(self.synapses["readout"].D[:])
        # synapses in the dense (pre-major) order of one trial: reshape, then transpose
        out = [Weights(d.reshape(N, J).T.copy(), f.reshape(N, N).T.copy(),
                       w.reshape(N, N).T.copy()) for d, f, w in zip(D, fast, slow)]
        return out[0] if self.trials == 1 else out

    def spike_matrix(self, n_steps: int) -> np.ndarray:
        """Spikes as (n_steps x N) counts (a batch: trials x n_steps x N)."""
        S = sc.spike_matrix(self.spikes, n_steps, len(self.neurons), self.params.dt)
        if self.trials == 1:
            return S
        return S.reshape(n_steps, self.trials, -1).transpose(1, 0, 2).copy()


def _per_trial(values, trials: int, ndim: int, what: str, shape: str) -> list[np.ndarray]:
    """One trial's array (``ndim`` dimensions) as ``[values]``, a batch's (``ndim + 1``, one per
    trial) as a list, or a ValueError."""
    if trials == 1 and np.ndim(values) == ndim:
        return [np.asarray(values, dtype=float)]
    if np.ndim(values) != ndim + 1 or len(values) != trials:
        want = shape if trials == 1 else f"trials x {shape}, {trials} trials"
        raise ValueError(f"{what} must be ({want}), got shape {np.shape(values)}")
    return [np.asarray(v, dtype=float) for v in values]


def build_network(weights, stimulus, params: Bourdoukan2015Params | None = None, *,
                  learn: bool = False, feedback: bool = True, record_states: bool = False,
                  record_weights_every: int | None = None, noise=None,
                  name: str = "b15") -> DynamicsNetwork:
    """The network with ``weights`` driven by ``stimulus`` (n_steps x J input c in 1/s, a row per
    step). ``learn``: both rules on. ``feedback``: the error is fed back with gain
    ``params.feedback_gain`` (else K = 0: the network runs alone). ``record_states``: V, r,
    I_err (neurons) and x (teacher) every step at the step's end. ``record_weights_every``: the
    fast and slow weights every that many steps (at the end of steps 0, n, 2n, ...).
    ``noise``: the noise drawn in numpy (:func:`draw_noise`, steps x 2 x N); None: Brian2
    draws it during the run.

    A batch (:mod:`spiketeach.core.batch`): a sequence of ``Weights``, ``stimulus`` (trials x
    steps x J) and, if the noise is on, ``noise`` (trials x steps x 2 x N, each trial's own
    draws) build that many independent networks in one, each giving what it gives alone with
    its weights, stimulus and noise (tests/models/bourdoukan2015/test_bourdoukan2015_batch.py).
    A batch with the noise on and no ``noise`` is refused: Brian2 draws one random stream for
    the whole batch, so a trial would not be the trial alone.
    """
    p = params or Bourdoukan2015Params()
    trials = 1 if isinstance(weights, Weights) else len(weights)
    batch = TrialBatch(trials)
    ws = [check_weights(w, p) for w in ([weights] if trials == 1 else weights)]
    N, J = p.n_neurons, p.n_inputs
    stimuli = _per_trial(stimulus, trials, 2, "stimulus", f"steps x {J}")
    stimuli = [sc.check_stimulus(c, J) for c in stimuli]
    steps = stimuli[0].shape[0]
    if len({c.shape for c in stimuli}) > 1:
        raise ValueError(f"the trials' stimuli differ in shape: {[c.shape for c in stimuli]}")
    noisy = p.sigma_v > 0 or p.sigma_threshold > 0
    if noise is None and trials > 1 and noisy:
        raise ValueError("a batch with the noise on needs each trial's noise drawn in numpy "
                         "(noise=, draw_noise), or the noise off (sigma_v = sigma_threshold = "
                         "0): Brian2 draws one random stream for all its trials")
    if noise is not None:
        noises = _per_trial(noise, trials, 3, "noise", f"steps x 2 x {N}")
        for z in noises:
            if z.shape != (steps, 2, N) or not np.all(np.isfinite(z)):
                raise ValueError(f"noise must be finite, (steps x 2 x N) = ({steps} x 2 x {N}) "
                                 f"per trial, got shape {z.shape}")
    dt = p.dt * second
    ta = TimedArray(batch.columns(stimuli) * Hz, dt=dt, name=f"{name}_stimulus")
    tas = {"stimulus": ta}
    teacher = NeuronGroup(batch.cells(J), eq.TEACHER, method="euler", dt=dt, order=-10,
                          namespace={"stimulus": ta}, name=f"{name}_teacher")
    if noise is not None:
        tas["voltage_noise"] = TimedArray(batch.columns([z[:, 0] for z in noises]), dt=dt,
                                          name=f"{name}_voltage_noise")
        tas["threshold_noise"] = TimedArray(batch.columns([z[:, 1] for z in noises]), dt=dt,
                                            name=f"{name}_threshold_noise")
    neurons = NeuronGroup(batch.cells(N), eq.NEURON, threshold=eq.THRESHOLD, reset=eq.RESET,
                          events={"candidate": eq.CANDIDATE}, method="euler", dt=dt,
                          namespace={k: v for k, v in tas.items() if k != "stimulus"},
                          name=f"{name}_neurons")
    neurons.T = batch.stack([thresholds(w.D, p.mu) for w in ws])
    if noise is None:
        sc.set_noise(neurons, lam=p.lam, sigma_v=p.sigma_v, sigma_threshold=p.sigma_threshold,
                     dt=p.dt)
    else:  # the drawn noise replaces Brian2's
        sc.set_noise(neurons, lam=p.lam, sigma_v=0.0, sigma_threshold=0.0, dt=p.dt)

    system = Synapses(teacher, teacher, eq.SYSTEM, dt=dt, name=f"{name}_system")
    i, j = batch.dense_indices(J, J)
    system.connect(i=i, j=j)
    system.A = batch.tile(np.asarray(p.A, float).T.ravel()) * Hz  # A[j, i] in pre-major order
    readout = Synapses(neurons, teacher, eq.READOUT, dt=dt, name=f"{name}_readout")
    i, j = batch.dense_indices(N, J)
    readout.connect(i=i, j=j)
    readout.D = batch.stack([w.D.T.ravel() for w in ws])
    ff = Synapses(teacher, neurons, eq.FEEDFORWARD, dt=dt, namespace={"stimulus": ta},
                  name=f"{name}_ff")
    i, j = batch.dense_indices(J, N)
    ff.connect(i=i, j=j)
    ff.F = batch.stack([w.D.ravel() for w in ws])  # F[n, j] = D[j, n], pre-major
    fb = Synapses(teacher, neurons, eq.FEEDBACK, dt=dt, name=f"{name}_feedback")
    fb.connect(i=i, j=j)
    fb.F = batch.stack([w.D.ravel() for w in ws])
    fb.K = (p.feedback_gain if feedback else 0.0) * Hz
    slow = Synapses(neurons, neurons, eq.SLOW, dt=dt, name=f"{name}_slow")
    i, j = batch.dense_indices(N, N)
    slow.connect(i=i, j=j)
    slow.W = batch.stack([w.slow.T.ravel() for w in ws]) * Hz
    slow.eps_slow = (p.eps_slow if learn else 0.0) * Hz
    slow_rule = slow.run_regularly(eq.SLOW_RULE, when="groups", order=5,
                                   name=f"{name}_slow_rule")
    fast = Synapses(neurons, neurons, eq.FAST,
                    on_pre={"learn": eq.ON_PRE_LEARN, "jump": eq.ON_PRE_JUMP,
                            "count": eq.ON_CANDIDATE},
                    on_event={"learn": "spike", "jump": "spike", "count": "candidate"},
                    dt=dt, name=f"{name}_fast")
    fast.connect(i=i, j=j)
    fast.w = batch.stack([w.fast.T.ravel() for w in ws])
    fast.delta = (i == j).astype(float)
    fast.beta, fast.mu = p.beta, p.mu
    fast.eps_fast = p.eps_fast if learn else 0.0
    fast.learn.order, fast.jump.order = 0, 1  # the rule reads V before the jumps

    # groups slot: the readout and A x from last step's r and x, then the currents (the error
    # with the new readout), the teacher's and the neurons' Euler steps, the slow rule;
    # thresholds slot: noise, candidates, their count, the one spike
    noise_op = neurons.run_regularly(eq.THRESHOLD_NOISE if noise is None else eq.DRAWN_NOISE,
                                     when="thresholds", name=f"{name}_noise")
    schedule = [(readout.summed_updaters["xhat_post"], "groups", -30),
                (system.summed_updaters["Ax_post"], "groups", -29),
                (ff.summed_updaters["I_ff_post"], "groups", -28),
                (fb.summed_updaters["I_err_post"], "groups", -27),
                (slow.summed_updaters["I_slow_post"], "groups", -26),
                (noise_op, "thresholds", -5),
                (neurons.thresholder["candidate"], "thresholds", -4),
                (fast.count, "thresholds", -3), (neurons.thresholder["spike"], "thresholds", -1)]
    for obj, when, order in schedule:
        obj.when, obj.order = when, order

    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    syns = {"system": system, "readout": readout, "ff": ff, "feedback": fb, "slow": slow,
            "fast": fast}
    objects = [teacher, neurons, noise_op, slow_rule, *syns.values(), spikes]
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
    return DynamicsNetwork(net, neurons, teacher, syns, spikes, states, wmon, steps * dt, p,
                           trials, tas)
