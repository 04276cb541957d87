"""The linear-map task and protocol of Hunsberger & Eliasmith (COSYNE 2017 poster).

Task: a fixed random linear map from 30-D to 10-D. T is an orthogonalised N(0, 1) 30 × 10 matrix
(SVD with singular values set to 1, T^T T = I); inputs x ~ N(0, 0.5^2) per dimension; targets
y* = x T. A fresh example for every presentation (no repeats), so the training error is a
generalisation error.

Protocol (poster's online figure): 20 pre-test stimuli with learning off, ~1000 s of training,
then 10 % as many post-test stimuli with learning off; 220 ms per stimulus, abrupt switches,
learning continuous within each presentation. Everything is one ``run()`` (one block).

Error measures (poster, docs/papers/hunsberger2017.md):

* spiking: rms over the 10 dims of the decoded error, filtered with a zero-phase alpha (10 ms),
  divided by the time-mean rms of the target, smoothed with a zero-phase alpha of 5 presentations;
* rate ("test error"): mean over test points of rms(y_hat - y*) / mean rms(y*).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017
from spiketeach.models.hunsberger2017.network import FANetwork
from spiketeach.models.hunsberger2017.params import HunsbergerParams

__all__ = ["LinearMapTask", "PosterProtocol", "zero_phase_alpha", "spiking_nrmse", "rate_nrmse", "SpikingRun", "run_spiking_protocol", "run_spiking_batch"]

@dataclass
class LinearMapTask:
    """y* = x T with T (n_in × n_out) orthonormal columns; x ~ N(0, input_std^2)."""

    n_in: int = 30
    n_out: int = 10
    seed: int = 8
    input_std: float = 0.5

    def __post_init__(self):
        rng = np.random.RandomState(self.seed)
        U, _, Vt = np.linalg.svd(rng.standard_normal((self.n_in, self.n_out)), full_matrices=False)
        self.T = U @ Vt

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = rng.normal(0.0, self.input_std, size=(n, self.n_in))
        return x, x @ self.T

@dataclass(frozen=True)
class PosterProtocol:
    """Numbers of presentations: pre-test (learning off), training, post-test (learning off)."""

    n_pretest: int
    n_train: int
    n_posttest: int

    @classmethod
    def from_params(cls, params: HunsbergerParams, train_time: float | None = None):
        pres = float(params.presentation)
        t_train = float(params.train_time) if train_time is None else float(train_time)
        n_train = int(np.ceil(t_train / pres - 1e-9))
        return cls(params.n_pretest, n_train, max(1, int(np.ceil(params.posttest_fraction * n_train))))

    @property
    def n(self) -> int:
        return self.n_pretest + self.n_train + self.n_posttest

    def learn(self) -> np.ndarray:
        return np.r_[np.zeros(self.n_pretest), np.ones(self.n_train), np.zeros(self.n_posttest)]

    def record(self) -> np.ndarray:
        """Record hidden spikes in the pre-test and post-test windows."""
        return 1.0 - self.learn()

def zero_phase_alpha(x: np.ndarray, tau: float, dt: float, axis: int = 0) -> np.ndarray:
    """Alpha filter (two first-order low-passes, unit DC gain) run forwards then backwards.

    Edges are normalised (the result is divided by the same filter applied to ones), so a
    constant signal stays constant up to the ends instead of decaying towards zero there.
    """
    from scipy.signal import lfilter

    a = np.exp(-dt / tau)
    b, den = [1 - a], [1, -a]

    def run(y):
        for _ in range(2):
            y = lfilter(b, den, y, axis=axis)
        y = np.flip(y, axis=axis)
        for _ in range(2):
            y = lfilter(b, den, y, axis=axis)
        return np.flip(y, axis=axis)

    x = np.asarray(x, dtype=float)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]
    norm = run(np.ones(x.shape[axis])).reshape(shape)
    return run(x) / norm

def spiking_nrmse(t: np.ndarray, y: np.ndarray, ystar: np.ndarray, presentation: float,
                  smooth: bool = True) -> np.ndarray:
    """Normalised RMS error over time (poster): samples (time × dims) of output and target."""
    dt = float(t[1] - t[0])
    err = zero_phase_alpha(y - ystar, 0.010, dt)
    rms = np.sqrt(np.mean(err ** 2, axis=1))
    ref = np.mean(np.sqrt(np.mean(ystar ** 2, axis=1)))
    out = rms / ref
    return zero_phase_alpha(out, 5 * presentation, dt) if smooth else out

def rate_nrmse(y_hat: np.ndarray, ystar: np.ndarray) -> float:
    """Mean over points of rms(y_hat - y*) divided by the mean rms(y*)."""
    return float(np.mean(np.sqrt(np.mean((y_hat - ystar) ** 2, axis=1)))
                 / np.mean(np.sqrt(np.mean(ystar ** 2, axis=1))))

@dataclass
class SpikingRun:
    """What one run of the protocol produced."""

    protocol: PosterProtocol
    presentation: float
    t: np.ndarray                 # monitor times (s)
    y: np.ndarray                 # decoded output (time × dims)
    ystar: np.ndarray             # alpha-filtered target (time × dims)
    nrmse: np.ndarray             # smoothed normalised RMS error (time)
    nrmse_raw: np.ndarray         # the same before smoothing over presentations
    decoded_error: np.ndarray     # the error population's decoded value (time × dims)
    nrmse_decoded: np.ndarray     # the poster's measure: normalised rms of the decoded error,
                                  # smoothed (zero during test windows: the population is silenced)
    inputs: np.ndarray
    targets: np.ndarray
    weights_before: list
    weights_after: list
    hidden_spikes: list           # per hidden layer: (indices, times) inside recording windows
    wall_s: float
    sim_wall_s: float

    def window_nrmse(self, first: int, last: int) -> float:
        """Mean normalised RMS error (10 ms zero-phase alpha, not smoothed over presentations)
        over presentations [first, last), skipping the first 30 ms of the window (the onset
        transient of the window itself)."""
        T = self.presentation
        sel = (self.t >= first * T + 0.03) & (self.t < last * T)
        return float(np.mean(self.nrmse_raw[sel]))

    def training_tail_nrmse(self, fraction: float = 0.1) -> dict:
        """Both measures over the last ``fraction`` of training (learning on): the true output
        error and the poster's (decoded error population, which reads small errors as smaller
        because of the error neurons' dead zone)."""
        p, T = self.protocol, self.presentation
        last = p.n_pretest + p.n_train
        first = last - max(1, int(round(fraction * p.n_train)))
        sel = (self.t >= first * T) & (self.t < last * T)
        ref = np.mean(np.sqrt(np.mean(self.ystar ** 2, axis=1)))
        dt = float(self.t[1] - self.t[0])
        dec = np.sqrt(np.mean(zero_phase_alpha(self.decoded_error, 0.010, dt) ** 2, axis=1)) / ref
        return {"true_output_error": float(np.mean(self.nrmse_raw[sel])),
                "decoded_error_population": float(np.mean(dec[sel]))}

    @property
    def initial_nrmse(self) -> float:
        return self.window_nrmse(0, self.protocol.n_pretest)

    @property
    def final_nrmse(self) -> float:
        p = self.protocol
        return self.window_nrmse(p.n_pretest + p.n_train, p.n)

def _in_windows(i: np.ndarray, t: np.ndarray, record: np.ndarray, presentation: float):
    """The spikes (indices, times) that fall in presentations where ``record`` is 1."""
    k = np.clip(np.floor(t / presentation + 1e-3).astype(int), 0, len(record) - 1)  # as Brian2
    keep = record[k] > 0.5
    return i[keep], t[keep]

def run_spiking_protocol(params: HunsbergerParams, protocol: PosterProtocol, task: LinearMapTask,
                         *, seed: int = 0, fan: FANetwork | None = None,
                         data_seed: int | None = None, progress=print) -> tuple[SpikingRun, FANetwork]:
    """Build (unless ``fan`` is given), run the whole protocol in ONE block, and summarise."""
    t0 = time.perf_counter()
    schedule = PresentationSchedule(protocol.n, params.presentation, 0 * params.presentation)
    if fan is None:
        fan = hunsberger2017.build(schedule, params=params, seed=seed)
    rng = np.random.default_rng(seed if data_seed is None else data_seed)
    x, y = task.sample(protocol.n, rng)
    w0 = [w.copy() for w in fan.initial_weights]
    timed = {fan.stimulus: x, fan.target_values: y, fan.learning_gate: protocol.learn(),
             fan.record_gate: protocol.record()}
    t1 = time.perf_counter()
    fan.runner.run({}, timed)
    t2 = time.perf_counter()
    mon = fan.y_monitor
    t = np.asarray(mon.t[:])
    spikes = [(np.asarray(m.i[:]), np.asarray(m.t[:])) for m in fan.hidden_events]
    run = _summarise(protocol, float(params.presentation), t, np.asarray(mon.s[:]).T,
                     np.asarray(mon.ystar[:]).T, np.asarray(fan.e_monitor.s[:]).T, x, y, w0,
                     fan.weights(), spikes, time.perf_counter() - t0, t2 - t1)
    progress(f"spiking FA: {protocol.n} presentations ({protocol.n * run.presentation:.1f} s) in "
             f"{t2 - t1:.1f} s wall (+{t1 - t0:.1f} s build); NRMSE {run.initial_nrmse:.3f} -> "
             f"{run.final_nrmse:.3f}")
    return run, fan

def run_spiking_batch(params: HunsbergerParams, protocol: PosterProtocol, task: LinearMapTask,
                      seeds, *, fan: FANetwork | None = None, data_seeds=None,
                      progress=print) -> tuple[list[SpikingRun], FANetwork]:
    """:func:`run_spiking_protocol` for several seeds as ONE batched network
    (:mod:`spiketeach.core.batch`): trial k is built from ``seeds[k]`` and sees the data of
    ``data_seeds[k]`` (default: its seed), so its run is the one :func:`run_spiking_protocol`
    gives that seed alone (tests/protocols/test_hunsberger2017_batch.py). One
    :class:`SpikingRun` per seed; their ``wall_s`` and ``sim_wall_s`` are the batch's divided
    by the number of trials."""
    t0 = time.perf_counter()
    seeds = [int(s) for s in seeds]
    data_seeds = seeds if data_seeds is None else [int(s) for s in data_seeds]
    if len(data_seeds) != len(seeds):
        raise ValueError(f"{len(seeds)} seeds but {len(data_seeds)} data seeds")
    schedule = PresentationSchedule(protocol.n, params.presentation, 0 * params.presentation)
    if fan is None:
        fan = hunsberger2017.build(schedule, params=params, seed=seeds)
    if fan.trials != len(seeds):
        raise ValueError(f"the network holds {fan.trials} trials; got {len(seeds)} seeds")
    if fan.y_monitor is None:
        raise ValueError("the network records no decoded output (built with record_dt=None)")
    batch = fan.batch
    data = [task.sample(protocol.n, np.random.default_rng(s)) for s in data_seeds]
    timed = {fan.stimulus: batch.columns([x for x, _ in data]),
             fan.target_values: batch.columns([y for _, y in data]),
             fan.learning_gate: protocol.learn(), fan.record_gate: protocol.record()}
    t1 = time.perf_counter()
    fan.runner.run({}, timed)
    t2 = time.perf_counter()
    mon, n_out = fan.y_monitor, task.n_out
    t = np.asarray(mon.t[:])
    ys, yst = np.asarray(mon.s[:]), np.asarray(mon.ystar[:])
    dec = np.asarray(fan.e_monitor.s[:])
    spikes = [batch.split_spikes(m.i[:], np.asarray(m.t[:]), len(m.source) // batch.trials)
              for m in fan.hidden_events]
    wall = (time.perf_counter() - t0) / batch.trials
    runs = []
    for k, (x, y) in enumerate(data):
        rows = slice(k * n_out, (k + 1) * n_out)
        runs.append(_summarise(protocol, float(params.presentation), t, ys[rows].T, yst[rows].T,
                               dec[rows].T, x, y, [w.copy() for w in fan.draws[k].weights],
                               fan.weights(trial=k), [s[k] for s in spikes], wall,
                               (t2 - t1) / batch.trials))
    progress(f"spiking FA, batch of {batch.trials}: {protocol.n} presentations each in "
             f"{t2 - t1:.1f} s wall (+{t1 - t0:.1f} s build); final NRMSE "
             + ", ".join(f"{r.final_nrmse:.3f}" for r in runs))
    return runs, fan

def _summarise(protocol, pres, t, ys, yst, dec, x, y, w0, w1, spikes, wall_s, sim_wall_s
               ) -> SpikingRun:
    """A :class:`SpikingRun` from one trial's recordings (time × dims arrays)."""
    # only the spikes inside the recording windows (the GeNN formulation records every spike:
    # its monitors cannot be gated by the record event)
    spikes = [_in_windows(np.asarray(i), np.asarray(ts), protocol.record(), pres)
              for i, ts in spikes]
    raw = spiking_nrmse(t, ys, yst, pres, smooth=False)
    dt = float(t[1] - t[0])
    ref = np.mean(np.sqrt(np.mean(yst ** 2, axis=1)))
    dec_rms = np.sqrt(np.mean(zero_phase_alpha(dec, 0.010, dt) ** 2, axis=1)) / ref
    return SpikingRun(protocol, pres, t, ys, yst, zero_phase_alpha(raw, 5 * pres, dt), raw, dec,
                      zero_phase_alpha(dec_rms, 5 * pres, dt), x, y, w0, w1, spikes, wall_s,
                      sim_wall_s)
