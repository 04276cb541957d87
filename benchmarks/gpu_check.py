"""GPU check of issue 22, to run on one GPU machine: every family on cuda_standalone against
cpp_standalone, and the speed of Samadi 784-1000-10 on the GPU against one CPU core.

Needs Python >= 3.12 with numpy, scipy, sympy, jinja2, cython, brian2 2.10.1, brian2cuda 1.0b1,
nvcc (and cuRAND: the toolkit's or the nvidia-curand wheel) and a GPU; no internet. Run from the
checkout::

    PYTHONPATH=$PWD python benchmarks/gpu_check.py [--budget-s 450] [--jobs 2]

Writes ``benchmarks/results/gpu_check.json`` stage by stage, atomically, each part as soon as it
is done (a run cut short keeps what finished):

``environment``
    versions, the GPU (``nvidia-smi -L``), nvcc, CPU count.
``equivalence``
    per family and formulation (reference and fast), the small network of
    :mod:`spiketeach.protocols.device_check` with learning, two chained blocks (the second a
    ``run_args`` re-run of the binary) on cpp_standalone and on cuda_standalone: same spikes and
    weights to rounding (deterministic families), or the family's device-independent rule on each
    device (families that draw random numbers every step: cuRAND draws other numbers).
``speed``
    presentations/s of Samadi 784-1000-10 (real MNIST where ``SPIKETEACH_DATA`` or
    ../shared/data has it, else uniform images of the same mean): the fast and the reference form
    on cuda_standalone vs the fast form on cpp_standalone with one thread. Compilation is excluded:
    each build runs a block once, then a second block is timed; the timed blocks run one at a
    time, after every build (builds run in parallel, ``--jobs`` at once).
``batched_trials``
    issue 23: trials/min of the batched spiking Fig. 4 learner (Samadi 2-10x8-2, the network
    ``benchmarks/batched_trials.py`` times) at N = 1, 100, 1000 on the checked device and on
    cpp_standalone with one thread, and the ratio at N >= 1000 over one CPU core's unbatched
    rate (target >= 20x): :func:`batched_trials.gpu_check_stage` (in this folder), run last, in
    this process, with the time the other stages left, or ``--batched-budget-s`` seconds kept
    for it out of ``--budget-s``; the N it had no time for are listed under ``skipped``.

Each case and build runs in its own process (one Brian2 device per process); a build that does
not finish in the time left is recorded as skipped, the headline ones (the speed builds, then the
Samadi cases) go first. The whole run stays under ``--budget-s``. ``--device cpp_standalone``
runs the same script without a GPU (cpp_standalone against itself: a dry run of the script).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
PREFIX = "GPU_CHECK "  # worker result lines (Brian2 prints to stdout too)
SPEED_FORMS = (("fast", "cpp_standalone"), ("fast", "cuda_standalone"),
               ("reference", "cuda_standalone"))


# --- JSON, written as each part is done ---------------------------------------------------------

class Report:
    def __init__(self, path: Path):
        self.path, self.data = path, {"benchmark": "gpu_check", "stages": {}}

    def set(self, *keys_and_value) -> None:
        *keys, value = keys_and_value
        node = self.data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1, default=_plain) + "\n")
        os.replace(tmp, self.path)


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def environment() -> dict:
    import brian2
    info = {"python": platform.python_version(), "brian2": brian2.__version__,
            "numpy": np.__version__, "cpus": os.cpu_count(), "host": platform.node()}
    try:
        import brian2cuda
        info["brian2cuda"] = getattr(brian2cuda, "__version__", "installed")
    except ImportError as exc:
        info["brian2cuda"] = f"not importable: {exc}"
    for key, cmd in (("gpu", ["nvidia-smi", "-L"]), ("nvcc", ["nvcc", "--version"])):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout
            info[key] = out.strip().splitlines()[-1] if key == "nvcc" else out.strip()
        except (OSError, subprocess.SubprocessError, IndexError) as exc:
            info[key] = f"unavailable: {exc}"
    return info


# --- workers (one process each) -----------------------------------------------------------------

def _emit(payload: dict) -> None:
    print(PREFIX + json.dumps(payload, default=_plain), flush=True)


def worker_equivalence(case: str, build_root: Path, gpu: str) -> dict:
    """One case on cpp_standalone, then on ``gpu`` (cuda_standalone), two blocks each."""
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.protocols.device_check import RANDOM_FAMILIES, compare, rule_holds, run_case

    key, form = case.split("/")
    runs, out = {}, {"family": key, "formulation": form}
    # (a dry run checks cpp_standalone against itself: the second run gets its own label)
    for label, dev in (("cpp_standalone", "cpp_standalone"),
                       (gpu if gpu != "cpp_standalone" else "cpp_standalone_again", gpu)):
        select_device(dev, build_dir=build_root / label)
        try:
            runs[label] = run_case(key, form, blocks=2)
            out[f"{label}_wall_s"] = runs[label].wall_s
        except Exception as exc:  # noqa: BLE001 -- recorded: the check is what failed
            out[f"{label}_error"] = "".join(traceback.format_exception_only(exc))[-3000:]
            return out
        finally:
            reset_device()
    if key in RANDOM_FAMILIES:
        out["rule"] = {dev: rule_holds(run) for dev, run in runs.items()}
        out["passed"] = all(r["holds"] for r in out["rule"].values())
    else:
        out["comparison"] = compare(*runs.values())
        c = out["comparison"]
        out["passed"] = bool(c["same_spikes"] and c["weights_rel"] < 1e-9
                             and c["spikes_compared"] > 0)
    return out


def images(n: int, seed: int = 0):
    """n MNIST training images scaled as the Samadi protocol does, else uniform ones."""
    from spiketeach.protocols.datasets import load_dataset
    from spiketeach.protocols.samadi2017.mnist import input_gain
    try:
        x, y, _, _ = load_dataset("mnist", None, download=False)
        idx = np.random.default_rng(seed).choice(len(y), n, replace=False)
        return x[idx].reshape(n, -1) / 255.0 * input_gain(x), y[idx], "mnist"
    except Exception:  # noqa: BLE001 -- no data on this machine: same shape and mean
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 1.28, (n, 784)), rng.integers(0, 10, n), "uniform(0, 1.28)"


def worker_speed(form: str, dev: str, n: int, build_root: Path, layers: list[int]) -> dict:
    """Build the network (784-1000-10) and run a block; say "ready"; wait for "go" on stdin;
    time a block."""
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.core.schedule import PresentationSchedule
    from spiketeach.models import samadi2017
    from spiketeach.models.samadi2017.params import SamadiParams
    from spiketeach.protocols.samadi2017.training import run_block

    p = SamadiParams()
    x, y, source = images(n)
    x = x[:, :layers[0]]
    select_device(dev, build_dir=build_root / f"{form}-{dev}", threads=1)
    try:
        ban = samadi2017.build(layers, PresentationSchedule(n, p.presentation, p.settle),
                               formulation=form)
        t0 = time.perf_counter()
        run_block(ban, None, x, y, np.ones(n))
        first = time.perf_counter() - t0
        _emit({"ready": True, "build_and_first_block_s": first})
        sys.stdin.readline()  # "go": the timed block runs alone
        t0 = time.perf_counter()
        res = run_block(ban, ban.get_state(), x, y, np.ones(n))
        wall = time.perf_counter() - t0
        return {"formulation": form, "device": dev, "threads": 1, "presentations": n,
                "layers": layers,
                "input": source, "presentations_per_s": n / wall, "wall_s": wall,
                "build_and_first_block_s": first,
                "train_error": float(np.mean(res.answers != y)),
                "weights_finite": bool(all(np.isfinite(w).all() for w in ban.weights()))}
    finally:
        reset_device()


def worker_main(args) -> int:
    try:
        if args.worker == "equivalence":
            result = worker_equivalence(args.case, Path(args.build_root), args.device)
        else:
            form, dev = args.case.split("/")
            dev = "cpp_standalone" if dev == "cpp_standalone" else args.device
            result = worker_speed(form, dev, args.presentations, Path(args.build_root),
                                  [int(k) for k in args.layers.split("-")])
    except Exception as exc:  # noqa: BLE001 -- the parent records it
        result = {"error": "".join(traceback.format_exception_only(exc))[-3000:]}
    _emit({"result": result})
    return 0


# --- the parent: processes, a budget, the report ------------------------------------------------

class Job:
    """A worker process whose result lines arrive on a queue."""

    def __init__(self, name: str, argv: list[str], log: Path):
        self.name, self.lines, self.result, self.ready = name, queue.Queue(), None, False
        self.log = open(log, "w")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, cwd=HERE.parent)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.log.write(line)
            self.log.flush()
            if line.startswith(PREFIX):
                self.lines.put(json.loads(line[len(PREFIX):]))
        self.lines.put(None)

    def poll(self):
        """Take what the worker said so far; True once it has its result or ended."""
        while True:
            try:
                msg = self.lines.get_nowait()
            except queue.Empty:
                return self.result is not None
            if msg is None:
                if self.result is None:
                    self.result = {"error": f"worker ended (exit {self.proc.wait()}) without "
                                            f"a result; log: {self.log.name}"}
                return True
            if msg.get("ready"):
                self.ready, self.first = True, msg
            if "result" in msg:
                self.result = msg["result"]

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def kill(self, why: str):
        if self.proc.poll() is None:
            self.proc.kill()
        if self.result is None:
            self.result = {"skipped": why}


def _worker_argv(kind, case, build_root, args):
    return [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--case", case,
            "--build-root", str(build_root), "--presentations", str(args.presentations),
            "--device", args.device, "--layers", args.layers]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget-s", type=float, default=450.0,
                        help="the whole run stays under this many seconds (default 450)")
    # each build already runs make -j<cpus>: more at once mostly delays the first results (the
    # Samadi fast project has ~100 CUDA files)
    parser.add_argument("--jobs", type=int, default=2, help="builds at once (default 2)")
    # a re-run has a fixed cost (loading and saving 784 000 weights, ~0.5 s on a CPU) that 100
    # presentations of the fast form (~1 s on one core) would not amortise
    parser.add_argument("--presentations", type=int, default=300,
                        help="timed presentations per form (784-1000-10; default 300)")
    parser.add_argument("--layers", default="784-1000-10", help="the timed Samadi network")
    parser.add_argument("--cases", default=None,
                        help="comma-separated family/formulation cases (default: all)")
    parser.add_argument("--out", default=str(HERE / "results" / "gpu_check.json"))
    parser.add_argument("--keep-builds", default=None, help="build here and keep it")
    parser.add_argument("--device", default="cuda_standalone",
                        choices=("cuda_standalone", "cpp_standalone"),
                        help="the device checked (cpp_standalone: a dry run of this script on a "
                             "machine without a GPU)")
    parser.add_argument("--batched-budget-s", type=float, default=0.0,
                        help="seconds of --budget-s kept for the batched_trials stage (default "
                             "0: what the other stages leave)")
    parser.add_argument("--batched-sizes", default="1,100,1000",
                        help="N of the batched_trials stage (comma-separated; default 1,100,1000)")
    parser.add_argument("--worker", choices=("equivalence", "speed"), help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--build-root", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    start = time.monotonic()
    # the other stages end before the time kept for the batched trials
    deadline = start + args.budget_s - max(0.0, min(args.batched_budget_s, args.budget_s))
    report = Report(Path(args.out))
    report.set("started", time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    report.set("budget_s", args.budget_s)
    report.set("device", args.device)
    report.set("stages", "environment", environment())
    if shutil.which("nvidia-smi") is None:
        report.set("stages", "note", "no nvidia-smi: cuda_standalone runs will fail here")
    from spiketeach.protocols.device_check import CASES
    cases = [f"{k}/{f}" for k, forms in CASES.items() for f in forms if f != "genn"]
    cases.sort(key=lambda c: not c.startswith("samadi2017"))  # the headline cases first
    if args.cases:
        unknown = set(args.cases.split(",")) - set(cases)
        if unknown:
            parser.error(f"unknown cases {sorted(unknown)}; choose from {cases}")
        cases = [c for c in cases if c in args.cases.split(",")]
    root = Path(args.keep_builds or tempfile.mkdtemp(prefix="spiketeach-gpu-check-"))
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    report.set("logs", str(logs))

    # builds in parallel, the speed builds first: once built they wait (ready) for their timed
    # block and leave their slot to the next build
    pending = [("speed", f"{f}/{d}") for f, d in SPEED_FORMS] + [("equivalence", c) for c in cases]
    running, speed_jobs = [], []
    timing_reserve = 30 + 3 * args.presentations / 10  # the timed blocks, one by one
    while True:
        for job in running:
            job.poll()
        building = [j for j in running if not j.ready and j.result is None]
        if not pending and not building:
            break
        while pending and len(building) < args.jobs:
            kind, case = pending.pop(0)
            job = Job(f"{kind}:{case}", _worker_argv(kind, case, root / kind / case.replace(
                "/", "-"), args), logs / f"{kind}-{case.replace('/', '-')}.log")
            running.append(job)
            building.append(job)
            if kind == "speed":
                speed_jobs.append(job)
        for job in running:
            if job.name.startswith("equivalence") and job.poll() and not hasattr(job, "saved"):
                job.saved = True
                report.set("stages", "equivalence", job.name.split(":", 1)[1], job.result)
        if time.monotonic() > deadline - timing_reserve:
            for job in running:
                if not job.ready and job.result is None:
                    job.kill("time budget spent before this build finished")
                    if job.name.startswith("equivalence"):
                        job.saved = True
                        report.set("stages", "equivalence", job.name.split(":", 1)[1], job.result)
            for kind, case in pending:
                stage = "equivalence" if kind == "equivalence" else "speed"
                report.set("stages", stage, case, {"skipped": "time budget spent"})
            pending = []
            break
        time.sleep(0.5)
    for job in running:  # (equivalence results that arrived in the last round)
        if job.name.startswith("equivalence") and job.poll() and not hasattr(job, "saved"):
            report.set("stages", "equivalence", job.name.split(":", 1)[1], job.result)

    # the timed blocks, one at a time
    for job in speed_jobs:
        case = job.name.split(":", 1)[1]
        job.poll()
        if not job.ready:
            report.set("stages", "speed", case, job.result or {"skipped": "not built"})
            continue
        job.go()
        while not job.poll() and time.monotonic() < deadline - 5:
            time.sleep(0.2)
        job.kill("time budget spent during the timed block")
        report.set("stages", "speed", case, job.result)
    speed = report.data["stages"].get("speed", {})
    cpu = speed.get("fast/cpp_standalone", {}).get("presentations_per_s")
    if cpu:
        report.set("stages", "speed_vs_one_cpu_core", {
            case: r["presentations_per_s"] / cpu for case, r in speed.items()
            if isinstance(r, dict) and "presentations_per_s" in r})

    # batched trials (issue 23): last, with what is left
    left = start + args.budget_s - time.monotonic() - 5
    try:
        if str(HERE) not in sys.path:  # (benchmarks/ is not a package)
            sys.path.insert(0, str(HERE))
        from batched_trials import gpu_check_stage
        result = gpu_check_stage(args.device, max(0.0, left),
                                 batches=[int(n) for n in args.batched_sizes.split(",")])
    except Exception as exc:  # noqa: BLE001 -- the report says what failed
        result = {"error": "".join(traceback.format_exception_only(exc))[-3000:]}
    report.set("stages", "batched_trials", result)
    report.set("wall_s", time.monotonic() - start)
    if not args.keep_builds:
        shutil.rmtree(root / "equivalence", ignore_errors=True)
        shutil.rmtree(root / "speed", ignore_errors=True)
    eq = report.data["stages"].get("equivalence", {})
    print(f"gpu_check: {sum(bool(r.get('passed')) for r in eq.values())}/{len(eq)} cases "
          f"passed; speed {json.dumps(report.data['stages'].get('speed_vs_one_cpu_core'))}; "
          f"batched trials {json.dumps(result.get('target', result))}; "
          f"{report.data['wall_s']:.0f} s; {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
