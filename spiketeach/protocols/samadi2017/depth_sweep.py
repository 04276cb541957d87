"""Depth-of-learning sweeps (Samadi, Lillicrap & Tweed 2017, §3.1, Figs. 3–4) on Dask.

A *trial* is one (algorithm, depth, seed): a learner 2-10×8-2 (:data:`LEARNER_SIZES`) mimics the
teacher of ``seed`` (:class:`~spiketeach.protocols.samadi2017.teacher_student.TeacherStudentTask`), starting
from the Appendix-B initialisation of ``seed``, with only its last ``depth`` weight layers learning.
The seed fixes teacher, initial weights and data for every algorithm, so algorithms and depths are
compared on paired trials.

Two kinds of trial:

``rate``
    The non-spiking references BP, FA, BA, DF (:mod:`spiketeach.models.samadi2017.rate`). Trials of one
    (algorithm, depth) are batched: one Dask task trains a chunk of seeds together in numpy.
``spiking``
    The LIF learner trained by broadcast alignment ("LIF-BA"). ONE cpp_standalone binary is built
    per network shape, with every layer able to learn; depth-k freezes the first layers by giving
    them η = 0 through ``run_args`` (exact: their weights, biases and momenta stay at their initial
    values). Each trial is one run of that binary with its own initial weights, stimuli, targets and
    learning gate, in its own results directory. With ``SweepConfig.batch`` = N > 1 the binary
    holds N independent learners (:mod:`spiketeach.core.batch`) and one run trains N seeds of one
    depth together (:func:`run_spiking_batch`; a short batch is filled with copies whose results
    are dropped): each trial's spikes are those of the trial alone, so the batch size changes the
    speed, not the results (tests/protocols/test_sweep_batch.py).

How Dask workers run a binary they did not build
    At build time the driver writes ``sweep_manifest.json`` into the build directory: what
    :func:`spiketeach.core.standalone.describe_binary` records (the command line Brian2 uses,
    the name, dtype and shape of every value a trial sets, the result files of the output spike
    monitor), the network's state layout (:meth:`BANetwork.state_layout`: a worker computes
    ``BANetwork.initial_state(seed)`` from it, :func:`~spiketeach.models.samadi2017.network.layout_initial_state`)
    and which variable each state key, learning rate and stimulus is. A worker writes the trial's
    values and runs the binary with :func:`spiketeach.core.standalone.run_binary`. The build
    directory must be reachable at the same path from every worker (a shared file system on a
    cluster). A re-run of an interrupted sweep finds the manifest and does not recompile; a
    manifest of an older format (:data:`MANIFEST_VERSION`) is refused with a one-line message.

The trials run on the generic engine :mod:`spiketeach.protocols.sweep`: results stream to
``results.jsonl`` (one JSON line per trial); a re-run skips trials already recorded as done; a
trial that raised is recorded with its seed and traceback (status "failed"), does not stop the
sweep, and is tried again on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from spiketeach.analysis.accuracy import answers_from_counts
from spiketeach.core.batch import TrialBatch
from spiketeach.core.progress import Progress
from spiketeach.core.standalone import run_arg_name, run_binary
from spiketeach.errors import UsageError
from spiketeach.models.samadi2017.network import layout_initial_state
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.teacher_student import (
    LEARNER_SIZES,
    Teacher,
    TeacherStudentTask,
)
from spiketeach.protocols.sweep import Task, batches, failed_record, load_results, run_trials

__all__ = ["Trial", "SweepConfig", "make_trials", "load_results", "run_sweep", "teacher_for",
           "trial_data", "presentation_inputs", "run_rate_job", "build_spiking", "state_manifest",
           "check_manifest", "trial_state", "SESSION7", "TARGET_HIGH", "RATE_DEFAULTS",
           "spiking_values", "run_spiking_trial", "run_spiking_batch", "summarise", "add_parser",
           "run_from_args",
           "SPIKING_ALGORITHM", "MANIFEST", "MANIFEST_VERSION"]

SPIKING_ALGORITHM = "LIF-BA"
#: rate target y* of the teacher's class (the other output's is 0). §2.5: y* are 0s and 1s (spikes).
TARGET_HIGH = 1.0
MANIFEST = "sweep_manifest.json"
#: format of :data:`MANIFEST` (1: before the run of a compiled binary moved to
#: spiketeach.core.standalone and the state layout was recorded; it had no "version" field)
MANIFEST_VERSION = 2


@dataclass(frozen=True)
class Trial:
    algorithm: str
    depth: int
    seed: int

    @property
    def key(self) -> str:
        return f"{self.algorithm}/{self.depth}/{self.seed}"

    @property
    def ids(self) -> dict:
        """The fields that identify this trial in its record."""
        return {"key": self.key, "algorithm": self.algorithm, "depth": self.depth,
                "seed": self.seed}


@dataclass
class SweepConfig:
    """Protocol of one sweep (every trial of it shares these).

    Parameters
    ----------
    kind : {"rate", "spiking"}
    layer_sizes : list of int
        Learner shape (2-10×8-2 as in §3.1).
    n_train : int
        Training examples per trial (online, one example per update / presentation).
    eval_every : int
        Test on the held-out set after every ``eval_every`` training examples (and before).
    n_test : int
        Held-out examples per test (the same set each time).
    eta_scale : float or dict
        η = eta_scale / fan-in per example (§2.6): ONE value, 1, for every algorithm by default
        (the paper's η = 1/fan-in); a dict gives one value per algorithm (the "session7"
        variant's tuned values, :data:`SESSION7`).
    target_high : float
        Rate target y* of the correct output (the others 0). See :data:`TARGET_HIGH`.
    target_drive_high : float
        Spiking: drive of the correct output's target cell (its rate ≈ 0.8 at dt = 0.25 ms).
    chunk : int
        Rate: seeds per Dask task (trained together in numpy).
    feedback_gamma : float, optional
        γ of eq. A.6, the slope that scales the BA/DF feedback matrices per hidden-to-hidden link
        (:func:`~spiketeach.models.samadi2017.initialisation.init_broadcast_alignment`); None keeps
        :class:`SamadiParams`' default, c1 c2, which Appendix B says §3.1–3.2 used. (0.034, the
        paper's MNIST estimate of the mean da/dv, is the "session7" variant's value.)
    variant : str
        :meth:`SamadiParams.preset` of the model: "paper" (default) or "session7".
    batch : int
        Spiking: trials (seeds of one depth) per run of the compiled binary, all in one network
        (:mod:`spiketeach.core.batch`). Same results for any value; 1 builds the single-trial
        binary.
    formulation : {"reference", "fast"}
        Spiking: the network's formulation (:func:`spiketeach.models.samadi2017.build`); "fast"
        gives the same spikes with weights equal to rounding, at less work per step (what
        counts in a large batch).
    """

    kind: str = "rate"
    layer_sizes: list = field(default_factory=lambda: list(LEARNER_SIZES))
    n_train: int = 10_000
    eval_every: int = 1_000
    n_test: int = 500
    eta_scale: float | dict = 1.0
    target_high: float = TARGET_HIGH
    target_drive_high: float = 20.0
    chunk: int = 100
    feedback_gamma: float | None = None
    variant: str = "paper"
    batch: int = 1
    formulation: str = "reference"

    def __post_init__(self):
        if self.formulation not in ("reference", "fast"):
            raise ValueError(f"formulation must be 'reference' or 'fast', got {self.formulation!r}")
        if int(self.batch) != self.batch or self.batch < 1:
            raise ValueError(f"batch must be a whole number >= 1, got {self.batch!r}")
        if self.kind not in ("rate", "spiking"):
            raise ValueError(f"kind must be 'rate' or 'spiking', got {self.kind!r}")
        if self.n_train % self.eval_every:
            raise ValueError("n_train must be a multiple of eval_every")

    @property
    def params(self) -> SamadiParams:
        """The model parameters of this sweep's trials."""
        if self.feedback_gamma is None:
            return SamadiParams.preset(self.variant)
        return SamadiParams.preset(self.variant, gamma=float(self.feedback_gamma))

    def eta_for(self, algorithm: str) -> float:
        if isinstance(self.eta_scale, dict):
            return float(self.eta_scale[algorithm])
        return float(self.eta_scale)

    @property
    def n_evals(self) -> int:
        return self.n_train // self.eval_every + 1

    def as_dict(self) -> dict:
        return asdict(self)


def make_trials(algorithms, depths, seeds) -> list[Trial]:
    """Every (algorithm, depth, seed), seed-major: a sweep stopped part-way (a session's end)
    has about as many trials done for each algorithm and depth."""
    return [Trial(a, int(d), int(s)) for s in seeds for a in algorithms for d in depths]


# --------------------------------------------------------------------------- teachers and data

@lru_cache(maxsize=4096)
def _teacher_cached(seed: int, cache_dir: str | None) -> Teacher:
    path = Path(cache_dir) / f"teacher_{seed}.npz" if cache_dir else None
    if path is not None and path.exists():
        with np.load(path) as z:
            n = len([k for k in z.files if k.startswith("W")])
            return Teacher([z[f"W{k}"] for k in range(n)], [z[f"b{k}"] for k in range(n)])
    teacher = TeacherStudentTask(seed=seed).teacher   # ~1-3 s: it checks class balance on 10^6
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **{f"W{k}": w for k, w in enumerate(teacher.weights)},
                 **{f"b{k}": b for k, b in enumerate(teacher.biases)})
        os.replace(tmp, path)
    return teacher


def teacher_for(seed: int, cache_dir: str | os.PathLike | None = None) -> Teacher:
    """The teacher of :class:`TeacherStudentTask` ``(seed=seed)``, cached in memory and on disk."""
    return _teacher_cached(int(seed), str(cache_dir) if cache_dir else None)


def trial_data(seed: int, n_train: int, n_test: int, params: SamadiParams,
               cache_dir=None):
    """(test inputs, test labels, train inputs, train labels) of one seed; inputs are learner
    activities x ~ N(input_mean, input_sd²) per input (Appendix B: the statistics of E(a), mean
    0.64, s.d. 0.8; :meth:`TeacherStudentTask.to_activity`). Rate and spiking trials get the same."""
    teacher = teacher_for(seed, cache_dir)
    rng = np.random.default_rng([seed, 1])
    x_test = rng.standard_normal((n_test, 2))
    x_train = rng.standard_normal((n_train, 2))
    act = lambda x: params.input_mean + params.input_sd * x  # noqa: E731  (Appendix B: 0.64, 0.8)
    return act(x_test), teacher.labels(x_test), act(x_train), teacher.labels(x_train)


# --------------------------------------------------------------------------- rate trials

def run_rate_job(config: dict, algorithm: str, depth: int, seeds: list[int],
                 cache_dir: str | None = None) -> list[dict]:
    """Train one learner per seed with a rate algorithm, all together; one result per seed.

    If the batch raises, each seed is re-run alone so that the failure is pinned on its seed.
    """
    try:
        return _rate_batch(SweepConfig(**config), algorithm, depth, seeds, cache_dir)
    except Exception:
        if len(seeds) == 1:
            return [_failed(Trial(algorithm, depth, seeds[0]))]
        out = []
        for s in seeds:
            out += run_rate_job(config, algorithm, depth, [s], cache_dir)
        return out


def _rate_batch(cfg: SweepConfig, algorithm: str, depth: int, seeds, cache_dir) -> list[dict]:
    from spiketeach.models.samadi2017 import rate

    t0 = time.perf_counter()
    params = cfg.params
    data = [trial_data(s, cfg.n_train, cfg.n_test, params, cache_dir) for s in seeds]
    x_test = np.stack([d[0] for d in data])
    y_test = np.stack([d[1] for d in data])
    x_train = np.stack([d[2] for d in data])
    y_train = np.stack([d[3] for d in data])
    K = cfg.layer_sizes[-1]
    target = np.zeros(y_train.shape + (K,))
    np.put_along_axis(target, y_train[..., None], cfg.target_high, axis=-1)
    net = rate.init_rate_network(cfg.layer_sizes, algorithm, seeds, params=params, depth=depth,
                                 eta_scale=cfg.eta_for(algorithm))

    def test_error():
        _, acts = rate.forward(net, x_test)
        y = acts[-1]
        if not np.all(np.isfinite(y)):
            raise FloatingPointError("outputs became NaN or inf")
        answers = answers_from_counts(y.reshape(-1, K)).reshape(y_test.shape)
        return (answers != y_test).mean(axis=1)

    curve = [test_error()]
    for i in range(cfg.n_train):
        rate.train_step(net, x_train[:, i:i + 1], target[:, i:i + 1])
        if (i + 1) % cfg.eval_every == 0:
            curve.append(test_error())
    curve = np.array(curve)                       # (evals, trials)
    wall = (time.perf_counter() - t0) / len(seeds)
    examples = list(range(0, cfg.n_train + 1, cfg.eval_every))
    return [{"key": Trial(algorithm, depth, int(s)).key, "algorithm": algorithm, "depth": depth,
             "seed": int(s), "status": "done", "final_error": float(curve[-1, j]),
             "curve": [float(c) for c in curve[:, j]], "examples": examples, "wall_s": wall}
            for j, s in enumerate(seeds)]


def _failed(trial: Trial) -> dict:
    return failed_record(trial.ids)


# --------------------------------------------------------------------------- spiking trials

def spiking_schedule_flags(cfg: SweepConfig) -> np.ndarray:
    """learn flag per presentation: a test set, then (eval_every training + test set) repeated."""
    n_blocks = cfg.n_train // cfg.eval_every
    seg = [np.zeros(cfg.n_test)]
    for _ in range(n_blocks):
        seg += [np.ones(cfg.eval_every), np.zeros(cfg.n_test)]
    return np.concatenate(seg)


def build_spiking(cfg: SweepConfig, build_dir: str | os.PathLike, *, params=None,
                  progress=print, device: str = "cpp_standalone") -> dict:
    """Generate and compile the binary of ``cfg``'s network once; return (and save) its manifest.

    A build directory that already holds a manifest for the same configuration (and device) is
    reused without recompiling (so an interrupted sweep resumes at once). ``device``:
    cpp_standalone, or cuda_standalone (Brian2CUDA; :func:`run_binary
    <spiketeach.core.standalone.run_binary>` re-runs either).

    Raises
    ------
    UsageError
        If the build directory holds a manifest of another format (an older spiketeach).
    """
    if device not in ("cpp_standalone", "cuda_standalone"):
        raise UsageError(f"a sweep binary is built on cpp_standalone or cuda_standalone, not "
                         f"{device!r}")
    build_dir = Path(build_dir).resolve()
    path = build_dir / MANIFEST
    fingerprint = _fingerprint(cfg) + ("" if device == "cpp_standalone" else f"-{device}")
    if path.exists():
        manifest = json.loads(path.read_text())
        check_manifest(manifest, path)
        if manifest.get("fingerprint") == fingerprint and (build_dir / "main").exists():
            return manifest
    from brian2 import device as brian_device

    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.core.standalone import describe_binary
    from spiketeach.models import samadi2017

    params = params or cfg.params
    flags = spiking_schedule_flags(cfg)
    schedule = PresentationSchedule(len(flags), params.presentation, params.settle)
    t0 = time.perf_counter()
    select_device(device, build_dir=build_dir)
    try:
        # every layer can learn; depth-k gives the first layers eta = 0 at run time
        ban = samadi2017.build(cfg.layer_sizes, schedule, params=params,
                               seed=0 if cfg.batch == 1 else [0] * cfg.batch,
                               formulation=cfg.formulation,
                               target_drive_high=cfg.target_drive_high)
        # read before run(): afterwards standalone values live only in result files
        eta_on = {str(k): float(np.asarray(ban.layers[k].eta[:]).reshape(-1)[0])
                  for k in ban.learning_layers}
        ban.net.run(schedule.duration, namespace={})
        brian_device.build(directory=str(build_dir), compile=True, run=False)
        views = ban.state_views()
        init0 = ban.initial_state(0)
        eta_views = {str(k): ban.layers[k].eta for k in ban.learning_layers}
        timed = {"stimulus": ban.stimulus, "target_drive": ban.target_drive,
                 "learning_gate": ban.learning_gate}
        # synapse arrays have size 0 until the binary creates the synapses: take the sizes
        # from the network's own initial state
        run_values = [(v, int(np.size(init0[k]))) for k, v in views.items()]
        run_values += list(eta_views.values()) + list(timed.values())
        # the fast formulation's event-driven projections hold W and DW as X and Q
        pulse = {str(k): {"X": ban.forward[k].X, "Q": ban.forward[k].Q}
                 for k in ban.pulse_projections}
        run_values += [(v, int(np.size(init0[f"forward{k}.w"])))
                       for k, xq in pulse.items() for v in xq.values()]
        mon = ban.output_spikes
        manifest = {"version": MANIFEST_VERSION, "fingerprint": fingerprint,
                    "config": cfg.as_dict(),
                    **describe_binary(run_values, {v: mon.variables[v] for v in ("i", "t")},
                                      project_dir=build_dir),
                    **state_manifest(ban),
                    "eta_vars": {k: {"name": run_arg_name(v)} for k, v in eta_views.items()},
                    "timed": {k: {"name": run_arg_name(v)} for k, v in timed.items()},
                    "pulse_vars": {k: {var: run_arg_name(v) for var, v in xq.items()}
                                   for k, xq in pulse.items()}}
        manifest.update({"eta_on": eta_on, "learn_flags": flags.tolist(),
                         "n_presentations": schedule.n,
                         "presentation_s": float(params.presentation),
                         "settle_s": float(params.settle), "gate_dt_s": float(schedule.gate_dt),
                         "n_outputs": cfg.layer_sizes[-1], "trials": int(cfg.batch),
                         "builds": _count_build(build_dir),
                         "build_s": time.perf_counter() - t0})
    finally:
        reset_device()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest))
    os.replace(tmp, path)
    progress(f"built {build_dir} in {manifest['build_s']:.1f} s")
    return manifest


def state_manifest(ban) -> dict:
    """What a worker needs of ``ban`` (a built :class:`BANetwork`) to start a trial from
    ``ban.initial_state(seed)`` without the network: its ``state_layout`` and, per key of
    ``state_views``, the variable that key sets (``{"state_layout": ..., "state_vars": {key:
    {"name": "group.var"}}}``)."""
    views = ban.state_views()
    missing = sorted(set(views) - set(ban.initial_state(0)))
    if missing:
        raise ValueError(f"the network's initial_state lacks the state keys {missing}")
    return {"state_layout": ban.state_layout(),
            "state_vars": {k: {"name": run_arg_name(v)} for k, v in views.items()}}


def check_manifest(manifest: dict, path=MANIFEST) -> None:
    """Refuse a manifest of another format than :data:`MANIFEST_VERSION`, in one line."""
    version = manifest.get("version", 1)
    if version != MANIFEST_VERSION:
        where = Path(path).parent if str(path) != MANIFEST else "its build directory"
        raise UsageError(f"{path} is a sweep manifest of format {version} (written by another "
                         f"spiketeach); this one reads format {MANIFEST_VERSION}: delete "
                         f"{where} to rebuild (finished trials in results.jsonl are kept)")


def _count_build(build_dir: Path) -> int:
    """Compilations ever made in ``build_dir`` (tests assert a sweep compiles once)."""
    counter = build_dir / "sweep_builds.txt"
    n = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(n))
    return n


def _fingerprint(cfg: SweepConfig) -> str:
    d = cfg.as_dict()
    d = {k: d[k] for k in ("layer_sizes", "n_train", "eval_every", "n_test", "target_drive_high")
         + (("batch",) if cfg.batch != 1 else ())
         + (("formulation",) if cfg.formulation != "reference" else ())}  # (old builds' prints)
    return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def presentation_inputs(cfg: SweepConfig, seed: int, cache_dir=None) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, labels) of a spiking trial's presentations in order: the test set, then
    (``eval_every`` training examples + the test set) repeated (:func:`spiking_schedule_flags`)."""
    x_test, y_test, x_train, y_train = trial_data(seed, cfg.n_train, cfg.n_test, cfg.params,
                                                  cache_dir)
    inputs, labels = [x_test], [y_test]
    for b in range(cfg.n_train // cfg.eval_every):
        sl = slice(b * cfg.eval_every, (b + 1) * cfg.eval_every)
        inputs += [x_train[sl], x_test]
        labels += [y_train[sl], y_test]
    return np.vstack(inputs), np.concatenate(labels)


def trial_state(manifest: dict, seed: int, params: SamadiParams) -> dict[str, np.ndarray]:
    """The built network's ``initial_state(seed)`` (Appendix B), by state key, from the layout
    the manifest recorded at build time."""
    state = layout_initial_state(manifest["state_layout"], params, seed)
    missing = sorted(set(manifest["state_vars"]) - set(state))
    if missing:
        raise ValueError(f"the initial state of the recorded layout lacks {missing}")
    return {k: state[k] for k in manifest["state_vars"]}


def spiking_values(manifest: dict, depth: int, seed, cache_dir=None) -> tuple[dict, dict]:
    """run-time values of one spiking trial, and the labels/flags to score it; for a batched
    build (``manifest["trials"]`` = N > 1) ``seed`` is a list of N seeds (one per trial) and
    the labels are (N, presentations)."""
    from spiketeach.protocols.samadi2017.training import targets_to_drive

    check_manifest(manifest)
    cfg = SweepConfig(**manifest["config"])
    sizes = cfg.layer_sizes
    flags = np.asarray(manifest["learn_flags"])
    batch = TrialBatch(int(manifest.get("trials", 1)))
    seeds = [int(s) for s in np.atleast_1d(seed)]
    if len(seeds) != batch.trials or (batch.trials == 1 and np.ndim(seed)):
        raise ValueError(f"the build runs {batch.trials} trial(s) at once; got seeds {seed!r}")
    single = {**manifest, "state_layout": {**manifest["state_layout"], "trials": 1}}
    data = [presentation_inputs(cfg, s, cache_dir) for s in seeds]
    # the sweep's parameters (its feedback gamma), as the rate trials of the same seed
    state = batch.stack_states([trial_state(single, s, cfg.params) for s in seeds])
    values = {manifest["state_vars"][k]["name"]: v for k, v in state.items()}
    if manifest.get("pulse_vars"):  # W, DW of the event-driven projections as their X, Q
        from spiketeach.models.samadi2017.fast_pulse import pulse_state

        full = batch.stack_states([layout_initial_state(single["state_layout"], cfg.params, s)
                                   for s in seeds])
        for k, names in manifest["pulse_vars"].items():
            X, Q = pulse_state(full[f"forward{k}.w"], full[f"forward{k}.DW"], cfg.params.mu)
            values[names["X"]], values[names["Q"]] = X, Q
    n_layers = len(sizes) - 1
    for k, spec in manifest["eta_vars"].items():
        frozen = int(k) < n_layers - depth
        values[spec["name"]] = 0.0 if frozen else manifest["eta_on"][k]
    per = round(manifest["presentation_s"] / manifest["gate_dt_s"])
    off = round(manifest["settle_s"] / manifest["gate_dt_s"])
    window = np.ones(per)
    window[:off] = 0.0
    values[manifest["timed"]["stimulus"]["name"]] = batch.columns([x for x, _ in data])
    values[manifest["timed"]["target_drive"]["name"]] = batch.columns(
        [targets_to_drive(y, sizes[-1], cfg.target_drive_high) for _, y in data])
    values[manifest["timed"]["learning_gate"]["name"]] = (flags[:, None] * window).ravel()
    labels = np.stack([y for _, y in data]) if np.ndim(seed) else data[0][1]
    return values, {"labels": labels, "flags": flags}


def run_spiking_trial(manifest: dict, depth: int, seed: int, results_root: str | os.PathLike,
                      cache_dir=None, keep_results: bool = False) -> dict:
    """One LIF-BA trial: one run of the compiled binary in ``results_root/<depth>_<seed>``."""
    trial = Trial(SPIKING_ALGORITHM, int(depth), int(seed))
    try:
        t0 = time.perf_counter()
        values, meta = spiking_values(manifest, depth, seed, cache_dir)
        rdir = Path(results_root) / f"d{depth}_s{seed}"
        spikes = run_binary(manifest, values, rdir)
        counts = _window_counts(spikes["i"], spikes["t"], manifest)
        answers = answers_from_counts(counts)
        cfg = SweepConfig(**manifest["config"])
        flags, labels = meta["flags"], meta["labels"]
        test = flags == 0
        wrong = (answers != labels)[test].reshape(-1, cfg.n_test)
        curve = wrong.mean(axis=1)
        if not keep_results:
            shutil.rmtree(rdir, ignore_errors=True)
        return {"key": trial.key, "algorithm": trial.algorithm, "depth": trial.depth,
                "seed": trial.seed, "status": "done", "final_error": float(curve[-1]),
                "curve": [float(c) for c in curve],
                "examples": list(range(0, cfg.n_train + 1, cfg.eval_every)),
                "n_spikes": int(len(spikes["i"])), "wall_s": time.perf_counter() - t0,
                "results_dir": str(rdir) if keep_results else None}
    except Exception:
        return _failed(trial)


def run_spiking_batch(manifest: dict, depth: int, seeds, results_root: str | os.PathLike,
                      cache_dir=None, keep_results: bool = False,
                      timeout: float | None = None) -> list[dict]:
    """LIF-BA trials of one depth, ``manifest["trials"]`` seeds per run of a batched binary
    (in ``results_root/d<depth>_s<first seed>_b<N>``); one record per seed, in order.
    ``timeout``: seconds before a run of the binary is killed (its seeds then fail).

    A seed whose values cannot be made (e.g. no teacher) is recorded as failed with its seed and
    left out; a short batch is filled with copies of its first trial, whose results are dropped
    (trials do not interact); a failing run fails the seeds it held.
    """
    n = int(manifest.get("trials", 1))
    cfg = SweepConfig(**manifest["config"])
    records, ready = {}, []
    for seed in seeds:  # a bad seed fails alone, before any run
        try:
            presentation_inputs(cfg, seed, cache_dir)
            ready.append(int(seed))
        except Exception:
            records[int(seed)] = _failed(Trial(SPIKING_ALGORITHM, int(depth), int(seed)))
    for start in range(0, len(ready), n):
        chunk = ready[start:start + n]
        t0 = time.perf_counter()
        try:
            padded = chunk + [chunk[0]] * (n - len(chunk))
            values, meta = spiking_values(manifest, depth, padded if n > 1 else padded[0],
                                          cache_dir)
            rdir = Path(results_root) / f"d{depth}_s{chunk[0]}_b{n}"
            spikes = run_binary(manifest, values, rdir, timeout=timeout)
            per_trial = TrialBatch(n).split_spikes(spikes["i"], spikes["t"], manifest["n_outputs"])
            labels = np.reshape(meta["labels"], (n, -1))
            wall = (time.perf_counter() - t0) / len(chunk)
            for k, seed in enumerate(chunk):
                records[seed] = _score(manifest, cfg, depth, seed, *per_trial[k], labels[k],
                                       meta["flags"], wall)
            if not keep_results:
                shutil.rmtree(rdir, ignore_errors=True)
        except Exception:
            for seed in chunk:
                records[seed] = _failed(Trial(SPIKING_ALGORITHM, int(depth), seed))
    return [records[int(s)] for s in seeds]


def _score(manifest, cfg, depth, seed, spike_i, spike_t, labels, flags, wall_s) -> dict:
    trial = Trial(SPIKING_ALGORITHM, int(depth), int(seed))
    answers = answers_from_counts(_window_counts(spike_i, spike_t, manifest))
    curve = (answers != labels)[flags == 0].reshape(-1, cfg.n_test).mean(axis=1)
    return {**trial.ids, "status": "done", "final_error": float(curve[-1]),
            "curve": [float(c) for c in curve],
            "examples": list(range(0, cfg.n_train + 1, cfg.eval_every)),
            "n_spikes": int(len(spike_i)), "wall_s": wall_s, "batch": int(manifest["trials"])}


def _window_counts(spike_i, spike_t, manifest) -> np.ndarray:
    T, S, n = manifest["presentation_s"], manifest["settle_s"], manifest["n_presentations"]
    k = np.floor(spike_t / T + 1e-9).astype(int)
    keep = (spike_t - k * T >= S - 1e-12) & (k < n)
    counts = np.zeros((n, manifest["n_outputs"]), dtype=int)
    np.add.at(counts, (k[keep], spike_i.astype(int)[keep]), 1)
    return counts


# --------------------------------------------------------------------------- the driver

def _tasks(cfg: SweepConfig, todo: list[Trial], call) -> list[Task]:
    """Group trials into tasks: rate trials of one (algorithm, depth) in chunks of seeds."""
    if cfg.kind == "spiking" and cfg.batch > 1:  # a batch: seeds of one depth (eta is shared)
        jobs = batches(sorted(todo, key=lambda t: (t.seed, t.algorithm, t.depth)), cfg.batch,
                       group=lambda t: (t.algorithm, t.depth))
    elif cfg.kind == "spiking":  # seed outermost: a partial sweep has every depth of its seeds
        jobs = [[t] for t in sorted(todo, key=lambda t: (t.seed, t.algorithm, t.depth))]
    else:
        groups: dict[tuple, list[Trial]] = {}
        for t in todo:
            groups.setdefault((t.algorithm, t.depth), []).append(t)
        jobs = []
        for trials in groups.values():
            for i in range(0, len(trials), cfg.chunk):
                jobs.append(trials[i:i + cfg.chunk])
        # seed chunks outermost so a worker reuses the teachers it has just computed
        jobs.sort(key=lambda ts: (ts[0].seed, ts[0].algorithm, ts[0].depth))
    return [Task(*call(job), trials=[t.ids for t in job]) for job in jobs]


def run_sweep(cfg: SweepConfig, trials: list[Trial], out_dir: str | os.PathLike, *,
              workers: int = 1, scheduler: str | None = None, build_dir=None,
              teacher_cache=None, keep_runs: bool = False, progress=print,
              on_result=None) -> dict[str, dict]:
    """Run every trial not yet done on :func:`spiketeach.protocols.sweep.run_trials`; return
    all records (key -> record).

    Parameters
    ----------
    cfg : SweepConfig
    trials : list of Trial
    out_dir : path
        Holds ``results.jsonl``, ``config.json``, the teacher cache and (spiking) the run
        directories. Re-running with the same ``out_dir`` skips done trials.
    workers : int
        Processes of a local Dask cluster (one thread each); 0 runs in this process (no Dask).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); ``workers`` is then ignored.
        Its workers must see ``out_dir`` and ``build_dir`` at the same paths.
    build_dir : path, optional
        Spiking: where the binary is built (default ``out_dir/build``).
    teacher_cache : path, optional
        Where teachers are cached (default ``out_dir/teachers``).
    keep_runs : bool
        Spiking: keep each run's results directory (``out_dir/runs/d<depth>_s<seed>``).
    progress : callable
        Gets one line per finished task: trials done/total, failures, ETA.
    on_result : callable, optional
        Called with each record after it is written (tests use it to interrupt a sweep).
    """
    out_dir = Path(out_dir).resolve()
    cache = str(Path(teacher_cache).resolve() if teacher_cache else out_dir / "teachers")

    def make_tasks(todo: list[Trial]) -> list[Task]:
        if cfg.kind == "rate":
            return _tasks(cfg, todo, lambda job: (run_rate_job, (
                cfg.as_dict(), job[0].algorithm, job[0].depth, [t.seed for t in job], cache)))
        manifest = build_spiking(cfg, build_dir or out_dir / spiking_build_name(cfg),
                                 progress=progress)
        if cfg.batch > 1:
            return _tasks(cfg, todo, lambda job: (run_spiking_batch, (
                manifest, job[0].depth, [t.seed for t in job], str(out_dir / "runs"), cache,
                keep_runs)))
        return _tasks(cfg, todo, lambda job: (run_spiking_trial, (
            manifest, job[0].depth, job[0].seed, str(out_dir / "runs"), cache, keep_runs)))

    # chunk and batch only group trials into tasks (a batch's trials equal the trials alone);
    # every other field changes the results
    return run_trials(trials, out_dir, make_tasks, config=cfg.as_dict(),
                      config_defaults=SweepConfig(kind=cfg.kind).as_dict(),
                      config_ignore=("chunk", "batch"), workers=workers, scheduler=scheduler,
                      progress=progress, on_result=on_result)


def spiking_build_name(cfg: SweepConfig) -> str:
    """The build directory's name under a sweep's output directory: ``build`` for the
    single-trial binary, ``build_batch<N>`` for a batched one (both may serve one sweep)."""
    return "build" if cfg.batch == 1 else f"build_batch{cfg.batch}"


def summarise(records: dict[str, dict]) -> dict:
    """final_error / stderr / trials / mean curve per algorithm and depth (depth as a string)."""
    groups: dict[tuple, list[dict]] = {}
    for rec in records.values():
        if rec.get("status") == "done":
            groups.setdefault((rec["algorithm"], str(rec["depth"])), []).append(rec)
    out = {"final_error": {}, "stderr": {}, "trials": {}, "curve_mean": {}, "curve_stderr": {},
           "examples": {}}
    for (alg, depth), recs in sorted(groups.items()):
        final = np.array([r["final_error"] for r in recs])
        curves = np.array([r["curve"] for r in recs])
        n = len(recs)
        se = lambda a: (a.std(axis=0, ddof=1) / np.sqrt(n)) if n > 1 else np.zeros_like(a.mean(0))  # noqa: E731
        for key, val in (("final_error", float(final.mean())), ("stderr", float(se(final))),
                         ("trials", n), ("curve_mean", curves.mean(axis=0).tolist()),
                         ("curve_stderr", np.atleast_1d(se(curves)).tolist()),
                         ("examples", recs[0]["examples"])):
            out[key].setdefault(alg, {})[depth] = val
    return out


# --------------------------------------------------------------------------- command line

def add_parser(subparsers) -> None:
    """Add ``spiketeach sweep`` to the CLI's subparsers."""
    p = subparsers.add_parser("sweep", help="depth-of-learning sweep (Samadi 2017 Figs. 3-4) on Dask")
    p.add_argument("kind", choices=("rate", "spiking"), help="rate references or the spiking learner")
    p.add_argument("--algorithms", default=None,
                   help="comma-separated (rate: BP,FA,BA,DF; spiking: LIF-BA)")
    p.add_argument("--depths", default="1-9", help="e.g. 1-9 or 1,9 (default 1-9)")
    p.add_argument("--trials", type=int, default=10, help="seeds per algorithm and depth")
    p.add_argument("--seed", type=int, default=0, help="first seed")
    p.add_argument("--n-train", type=int, default=None, help="training examples per trial")
    p.add_argument("--eval-every", type=int, default=None)
    p.add_argument("--n-test", type=int, default=None)
    p.add_argument("--eta-scale", type=float, default=None, help="eta = ETA_SCALE / fan-in")
    p.add_argument("--batch", type=int, default=None,
                   help="spiking: seeds of one depth per run of a batched binary (same results)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes of a local Dask cluster (0: no Dask, run here)")
    p.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    p.add_argument("--out", default="output/sweep", help="results directory (re-run to resume)")


def _parse_depths(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def run_from_args(args) -> int:
    """Entry point of ``spiketeach sweep``."""
    spiking = args.kind == "spiking"
    defaults = SPIKING_DEFAULTS if spiking else RATE_DEFAULTS
    overrides = {k: v for k, v in (("n_train", args.n_train), ("eval_every", args.eval_every),
                                   ("n_test", args.n_test), ("eta_scale", args.eta_scale),
                                   ("batch", args.batch))
                 if v is not None}
    cfg = SweepConfig(kind=args.kind, **(defaults | overrides))
    algs = (args.algorithms.split(",") if args.algorithms
            else [SPIKING_ALGORITHM] if spiking else ["BP", "FA", "BA", "DF"])
    trials = make_trials(algs, _parse_depths(args.depths),
                         range(args.seed, args.seed + args.trials))
    with Progress("sweep", unit="trials") as progress:
        records = run_sweep(cfg, trials, args.out, workers=args.workers,
                            scheduler=args.scheduler, progress=progress)
    summary = summarise(records)
    for alg, by_depth in summary["final_error"].items():
        line = "  ".join(f"{d}: {100 * e:.1f}±{100 * summary['stderr'][alg][d]:.1f}"
                         for d, e in sorted(by_depth.items(), key=lambda kv: int(kv[0])))
        print(f"{alg:7s} final error % by depth  {line}")
    failed = [r for r in records.values() if r["status"] != "done"]
    if failed:
        print(f"{len(failed)} trials failed: " + ", ".join(r["key"] for r in failed),
              file=sys.stderr)
        return 1
    return 0


#: default protocol of each kind, as in figures/samadi2017/fig3.py and fig4.py (the paper's
#: settings: one eta = 1/fan-in, gamma = c1 c2)
RATE_DEFAULTS = {"n_train": 10_000, "eval_every": 500, "n_test": 500, "eta_scale": 1.0}
#: the protocol of the "session7" variant (main before issue 16): per-algorithm eta_scale from
#: its pilot, gamma = 0.034, targets 0.8, DF gated ("DF-gated" here), model preset "session7"
SESSION7 = {"eta_scale": {"BP": 0.03, "FA": 0.1, "BA": 1.0, "DF-gated": 0.3, "DF": 1.0},
            "feedback_gamma": 0.034, "target_high": 0.8, "variant": "session7"}
SPIKING_DEFAULTS = {"n_train": 1_000, "eval_every": 250, "n_test": 50}
