"""The Brian2 spike-coding network of Brendel et al. (2020), with its two learning rules.

Build with :func:`build_network` (or the family's :func:`~spiketeach.models.brendel2020.build`);
the equations are in :mod:`.equations`, the constants in :mod:`.params`, and
:mod:`.reference` is the same step in numpy (the authors' loop), which the tests prove equal.
Facts: docs/papers/brendel2020.md.
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

import spiketeach.models.brendel2020.equations as eq
from spiketeach.core.batch import TrialBatch
from spiketeach.models import spike_coding as sc
from spiketeach.models.spike_coding import optimal_thresholds

from .params import Brendel2020Params

__all__ = ["SpikeCodingNetwork", "build_network", "check_weights", "optimal_weights",
           "initial_weights", "optimal_thresholds", "STATE_VARIABLES"]

#: (object, variable) of what carries over from one run to the next: weights, voltages, filtered
#: rates and signal traces (``state_views``)
STATE_VARIABLES = (("feedforward", "F"), ("recurrent", "w"), ("neurons", "V"), ("neurons", "r"),
                   ("inputs", "x"), ("inputs", "x_ff"))


def check_weights(F, omega, D=None) -> tuple[np.ndarray, np.ndarray]:
    """``F`` (N x J) and ``Omega`` (N x N) as float arrays, or a ValueError saying what is wrong.

    2020 convention: Omega is added to the voltage, so its diagonal (the reset, -|F_n|^2 - mu in
    the optimal network) must be negative. ``D`` (J x N, the readout), when given, must fit F.
    """
    F = np.asarray(F, dtype=float)
    omega = np.asarray(omega, dtype=float)
    if F.ndim != 2:
        raise ValueError(f"F must be a 2-D array (neurons x inputs), got shape {F.shape}")
    n, J = F.shape
    if omega.shape != (n, n):
        raise ValueError(f"Omega must be {n} x {n} to match F ({n} neurons x {J} inputs), "
                         f"got shape {omega.shape}")
    if D is not None:
        D = np.asarray(D, dtype=float)
        if D.shape != (J, n):
            raise ValueError(f"D (readout) must be {J} x {n} (inputs x neurons) to match F "
                             f"{F.shape}, got shape {D.shape}")
    for name, a in (("F", F), ("Omega", omega)) + ((("D", D),) if D is not None else ()):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    diag = np.diag(omega)
    if np.any(diag >= 0):
        bad = np.flatnonzero(diag >= 0)
        raise ValueError(f"Omega's diagonal (the reset; 2020 convention, Omega added to V) must "
                         f"be negative; neurons {bad.tolist()} have Omega_nn >= 0 "
                         f"({diag[bad].tolist()}). Was Omega given in the 2012 convention "
                         f"(subtracted, positive = inhibition)? Pass -Omega.")
    return F, omega


def optimal_weights(D, mu: float, nu: float = 0.0):
    """The optimal network for the readout ``D`` (J x N) (S.12-S.13): F = D^T,
    Omega = -D^T D - mu I, T_n = (|D_n|^2 + mu + nu) / 2. Returns (F, Omega, T)."""
    D = np.asarray(D, dtype=float)
    if D.ndim != 2:
        raise ValueError(f"D must be a 2-D array (inputs x neurons), got shape {D.shape}")
    F = D.T.copy()
    return F, sc.optimal_recurrent(F, mu), optimal_thresholds(F, mu, nu)


def initial_weights(params: Brendel2020Params, rng: np.random.Generator):
    """The network before learning, as the authors' script draws it: random F rows of norm
    gamma; Omega = -omega_offdiag U(0,1) off the diagonal and -omega_diag_abs on it."""
    F = rng.standard_normal((params.n_neurons, params.n_inputs))
    F *= params.gamma / np.linalg.norm(F, axis=1, keepdims=True)
    omega = -params.omega_offdiag * rng.random((params.n_neurons, params.n_neurons))
    np.fill_diagonal(omega, -params.omega_diag_abs)
    return F, omega


@dataclass
class SpikeCodingNetwork:
    """The Brian2 objects of one network; run ``network`` for ``duration``."""

    network: Network
    neurons: NeuronGroup
    inputs: NeuronGroup
    feedforward: Synapses
    recurrent: Synapses
    spikes: SpikeMonitor
    states: StateMonitor | None
    signal: StateMonitor | None
    weights_monitor: tuple | None
    duration: object
    params: Brendel2020Params
    #: independent copies in these groups (spiketeach.core.batch), trial-major
    trials: int = 1

    @property
    def batch(self) -> TrialBatch:
        return TrialBatch(self.trials)

    def state_views(self) -> dict:
        """``{"feedforward.F": view, ...}`` of :data:`STATE_VARIABLES` (a block runner's state)."""
        return {f"{obj}.{var}": getattr(getattr(self, obj), var)
                for obj, var in STATE_VARIABLES}

    def run(self) -> None:
        """Run the whole stimulus; on a standalone device also generate, compile and run the
        program (one run per build)."""
        sc.run_whole(self.network, self.duration)

    @property
    def n(self) -> int:
        return len(self.neurons)

    def weights(self) -> tuple[np.ndarray, np.ndarray]:
        """(F, Omega) now, as N x J and N x N arrays (a batch: trials x N x J, trials x N x N)."""
        if self.trials > 1:
            N, J = len(self.neurons) // self.trials, len(self.inputs) // self.trials
            F = np.stack(self.batch.split(self.feedforward.F[:])).reshape(-1, J, N)
            omega = np.stack(self.batch.split(self.recurrent.w[:])).reshape(-1, N, N)
            return F.transpose(0, 2, 1).copy(), omega.transpose(0, 2, 1).copy()
        N, J = len(self.neurons), len(self.inputs)
        F = np.zeros((N, J))
        F[self.feedforward.j[:], self.feedforward.i[:]] = self.feedforward.F[:]
        omega = np.zeros((N, N))
        omega[self.recurrent.j[:], self.recurrent.i[:]] = self.recurrent.w[:]
        return F, omega

    def spike_matrix(self, n_steps: int, t0: float = 0.0) -> np.ndarray:
        """Spikes as an (n_steps x N) 0/1 array for the steps from ``t0`` (s)."""
        return sc.spike_matrix(self.spikes, n_steps, self.n, self.params.dt, t0)


def _run_without_namespace(net):
    """net.run with an empty run namespace (every name the model uses is its own), so that the
    caller's local variables (F, ...) are never looked up."""
    run = net.run

    def wrapped(duration, **kwargs):
        kwargs.setdefault("namespace", {})
        return run(duration, **kwargs)

    return wrapped


def build_network(F, omega, stimulus, params: Brendel2020Params | None = None, *,
                  thresholds=None, learn: bool = False, record_states: bool = False,
                  record_weights_every: int | None = None, name: str = "sc") -> SpikeCodingNetwork:
    """The network with weights ``F`` (N x J), ``omega`` (N x N, 2020 convention) driven by
    ``stimulus`` (n_steps x J array of input c in 1/s, one row per step of ``params.dt``).

    ``thresholds``: per-neuron T (default: ``params.threshold`` for all, as in the authors'
    learning script). ``learn``: apply both rules (else the learning rates are 0).
    ``record_states``: record V, r (neurons) and x (inputs) every step at the step's end.
    ``record_weights_every``: record F and Omega every that many steps.

    A batch (:mod:`spiketeach.core.batch`): ``F`` (trials x N x J), ``omega`` (trials x N x N)
    and ``stimulus`` (trials x steps x J) build that many independent networks in one, each
    giving what it gives alone (tests/models/brendel2020/test_brendel2020_batch.py). The noise
    must be off (``sigma_v = sigma_threshold = 0``): Brian2 draws one random stream for the
    whole batch, so a noisy trial would not be the trial alone.
    """
    params = params or Brendel2020Params()
    trials = len(F) if np.ndim(F) == 3 else 1
    batch = TrialBatch(trials)
    if trials > 1:
        if params.sigma_v or params.sigma_threshold:
            raise ValueError("a batch needs the noise off (sigma_v = sigma_threshold = 0): "
                             "Brian2 draws one random stream for all its trials")
        if np.ndim(omega) != 3 or len(omega) != trials or np.ndim(stimulus) != 3 \
                or len(stimulus) != trials:
            raise ValueError(f"a batch of {trials} (F of shape trials x N x J) needs omega "
                             "(trials x N x N) and stimulus (trials x steps x J) too")
        checked = [check_weights(f, o) for f, o in zip(F, omega)]
        Fs, omegas = [c[0] for c in checked], [c[1] for c in checked]
        stimuli = list(stimulus)
    else:
        Fs, omegas = [check_weights(F, omega)[0]], [check_weights(F, omega)[1]]
        stimuli = [stimulus]
    N, J = Fs[0].shape
    stimuli = [sc.check_stimulus(s, J, why=f"to match F's {J} inputs") for s in stimuli]
    T = np.full(N, params.threshold) if thresholds is None else np.asarray(thresholds, float)
    if T.shape != (N,):
        raise ValueError(f"thresholds must have {N} entries, got shape {T.shape}")
    dt = params.dt * second

    ta = TimedArray(batch.columns(stimuli) * Hz, dt=dt, name=f"{name}_stimulus")
    inputs = NeuronGroup(batch.cells(J), eq.INPUT, method="euler", dt=dt, order=-2,
                         namespace={"stimulus": ta}, name=f"{name}_inputs")
    inputs.lam = params.lam * Hz
    inputs.lam_ff = params.lam_ff * Hz
    neurons = NeuronGroup(batch.cells(N), eq.NEURON, threshold=eq.THRESHOLD, reset=eq.RESET,
                          method="euler", dt=dt, name=f"{name}_neurons")
    neurons.T = batch.tile(T)
    sc.set_noise(neurons, lam=params.lam, sigma_v=params.sigma_v,
                 sigma_threshold=params.sigma_threshold, dt=params.dt)
    noise = neurons.run_regularly(eq.THRESHOLD_NOISE, when="thresholds", order=-2,
                                  name=f"{name}_threshold_noise")

    ff = Synapses(inputs, neurons, eq.FEEDFORWARD, on_post=eq.ON_POST_FEEDFORWARD, dt=dt,
                  namespace={"stimulus": ta}, name=f"{name}_feedforward")
    i, j = batch.dense_indices(J, N)
    ff.connect(i=i, j=j)
    ff.F = batch.stack([f.T.ravel() for f in Fs])  # W[j, i] in pre-major order
    ff.alpha = params.alpha
    ff.eps_ff = params.eps_ff if learn else 0.0

    rec = Synapses(neurons, neurons, eq.RECURRENT,
                   on_pre={"learn": eq.ON_PRE_LEARN, "jump": eq.ON_PRE_JUMP}, dt=dt,
                   name=f"{name}_recurrent")
    rec.learn.order, rec.jump.order = 0, 1  # the rule reads V before the jumps
    i, j = batch.dense_indices(N, N)
    rec.connect(i=i, j=j)
    rec.w = batch.stack([o.T.ravel() for o in omegas])
    rec.delta = (i == j).astype(float)
    rec.beta = params.beta
    rec.mu = params.mu
    rec.eps_rec = params.eps_rec if learn else 0.0
    # the one-spike rule: count the larger margins after this step's state update and noise,
    # just before the threshold (Brian2 would sum in the groups slot, before the update)
    above = rec.summed_updaters["above_post"]
    above.when, above.order = "thresholds", -1

    spikes = SpikeMonitor(neurons, name=f"{name}_spikes")
    objects = [inputs, neurons, noise, ff, rec, spikes]
    states = signal = wmon = None
    if record_states:
        states = StateMonitor(neurons, ["V", "r"], record=True, when="end", name=f"{name}_states")
        signal = StateMonitor(inputs, ["x", "x_ff"], record=True, when="end",
                              name=f"{name}_signal")
        objects += [states, signal]
    if record_weights_every:
        every = int(record_weights_every) * dt
        wmon = (StateMonitor(ff, "F", record=True, dt=every, when="end", name=f"{name}_Fmon"),
                StateMonitor(rec, "w", record=True, dt=every, when="end", name=f"{name}_wmon"))
        objects += list(wmon)
    net = Network(*objects, name=f"{name}_network")
    net.run = _run_without_namespace(net)
    return SpikeCodingNetwork(net, neurons, inputs, ff, rec, spikes, states, signal, wmon,
                              stimuli[0].shape[0] * dt, params, trials)
