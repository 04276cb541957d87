"""Brendel et al. (2020), Fig. 2, side by side with the authors' Matlab code under GNU Octave.

Runs the authors' ``UnsupervisedLearning/Figure2/Learning.m`` and ``runnet.m``
(github.com/machenslab/spikes; parameters of their ``twoDWhite.m``) and our network
(:mod:`spiketeach.models.brendel2020`, parameters ``CODE``: the same values) for the same number
of learning steps, and evaluates both the authors' way (optimal decoder fitted on a fresh run
with input 0.3 A, then coding error, mean rate and voltage variance on test runs) at the same
steps 2^j. The two use different random streams, so the curves are compared as statistics, not
spike by spike.

The authors' files are copied to a temporary folder and changed there only to fit a benchmark
(nothing of theirs is kept in this repository): the number of iterations and the evaluation
sizes (the same values our side uses), the learning loop timed with ``tic``/``cputime``, the
curves returned as outputs, and the plotting at the end skipped (``octave-cli`` has no display).
Their ``mvnrnd`` needs Octave's statistics package (``apt-get install octave
octave-statistics``; Debian bookworm: Octave 7.3, statistics 1.5.3).

Speed is compared per learning step in CPU seconds (this machine is shared; wall time is also
recorded): the authors' learning loop vs our learning in Brian2 (``--device``; cpp_standalone
by default, its compilation reported apart) and our numpy step; and the evaluation of all
snapshots.

Writes ``benchmarks/results/brendel2020_vs_authors.json``. Usage::

    python benchmarks/brendel2020_vs_authors.py [--iterations 100] [--fit-steps 10000]
        [--test-steps 5000] [--trials 2] [--device cpp_standalone] [--authors DIR] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "brendel2020_vs_authors.json"
MIRROR = Path("/work/.mirror/machenslab+spikes/repo")
FILES = ("Learning.m", "runnet.m")


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def authors_sources(folder: str | None) -> dict[str, str] | str:
    """The authors' Figure2 files as text, from ``folder`` (a checkout's
    UnsupervisedLearning/Figure2) or from a bare mirror of machenslab/spikes; or why not."""
    if folder:
        d = Path(folder)
        if not all((d / f).is_file() for f in FILES):
            return f"{d} does not hold {', '.join(FILES)}"
        return {f: (d / f).read_text(errors="replace") for f in FILES}
    if MIRROR.is_dir():
        out = {}
        for f in FILES:
            r = subprocess.run(["git", "-C", str(MIRROR), "show",
                                f"HEAD:UnsupervisedLearning/Figure2/{f}"], capture_output=True,
                               text=True, errors="replace")
            if r.returncode:
                return f"git show of {f} in {MIRROR} failed: {r.stderr.strip()}"
            out[f] = r.stdout
        return out
    return "the authors' code was not found (pass --authors DIR, their Figure2 folder)"


def patch_learning(src: str, iterations: int, fit_steps: int, test_steps: int,
                   trials: int) -> str:
    """The benchmark's changes to Learning.m (each must apply exactly once, else ValueError)."""
    subs = [
        (r"Nit=14000;", f"Nit={iterations};"),
        (r"TimeL=50000;", f"TimeL={fit_steps};"),
        (r"TimeT=10000;", f"TimeT={test_steps};"),
        (r"Trials=10;", f"Trials={trials};"),
        (r"function \[Fs,Cs,F,C,Decs, ErrorC\]=Learning\(",
         "function [Fs,Cs,F,C,Decs, ErrorC, Error, MeanPrate, MembraneVar, learn_s, "
         "learn_cpu]=Learning("),
        (r"\nfor i=2:TotTime", "\nt_learn=tic; c_learn=cputime;\nfor i=2:TotTime"),
        (r"fprintf\('Learning  completed\\n'\)",
         "learn_s=toc(t_learn); learn_cpu=cputime-c_learn;\nfprintf('Learning  completed\\n')"),
        (r"\nfigure\n", "\nErrorC=[];\nreturn\nfigure\n"),
    ]
    for pattern, repl in subs:
        src, n = re.subn(pattern, lambda _m, r=repl: r, src, count=1)
        if n != 1:
            raise ValueError(f"the authors' Learning.m changed: {pattern!r} not found")
    return src


DRIVER = """
pkg load statistics
randn('seed', {seed}); rand('seed', {seed});
Nneuron=20; Nx=2; lambda=50; dt=0.001; epsr=0.001; epsf=0.0001; alpha=0.18; beta=1/0.9;
mu=0.02/0.9;
Fi=0.5*randn(Nx,Nneuron); Fi=1*(Fi./(sqrt(ones(Nx,1)*(sum(Fi.^2)))));
Ci=-0.2*(rand(Nneuron,Nneuron))-0.5*eye(Nneuron); Thresh=0.5;
t0=tic; c0=cputime;
[Fs,Cs,F,C,Decs,ErrorC,Error,MeanPrate,MembraneVar,learn_s,learn_cpu]=Learning(dt,lambda,epsr,epsf,alpha,beta,mu,Nneuron,Nx,Thresh,Fi,Ci);
total_s=toc(t0); total_cpu=cputime-c0;
disp(['RESULT ' jsonencode(struct('error',Error,'rate',MeanPrate,'vvar',MembraneVar,'learn_s',learn_s,'learn_cpu',learn_cpu,'total_s',total_s,'total_cpu',total_cpu))])
"""


def run_authors(sources: dict, args) -> dict:
    """Run the patched authors' code under octave-cli; their curves and times, or why not."""
    octave = shutil.which("octave-cli") or shutil.which("octave")
    if octave is None:
        return {"ran": False, "why": "GNU Octave is not installed (apt-get install octave "
                                     "octave-statistics)"}
    with tempfile.TemporaryDirectory(prefix="authors-") as tmp:
        d = Path(tmp)
        (d / "Learning.m").write_text(patch_learning(sources["Learning.m"], args.iterations,
                                                     args.fit_steps, args.test_steps,
                                                     args.trials))
        (d / "runnet.m").write_text(sources["runnet.m"])
        (d / "drive.m").write_text(DRIVER.format(seed=args.seed + 1))
        t0 = time.perf_counter()
        r = subprocess.run([octave, "-q", "--no-window-system", "drive.m"], cwd=d,
                           capture_output=True, text=True, timeout=args.timeout)
        wall = time.perf_counter() - t0
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        return {"ran": False, "why": f"octave exited {r.returncode} without a result: "
                                     f"{(r.stderr or r.stdout).strip()[-600:]}"}
    res = json.loads(line[len("RESULT "):])
    version = subprocess.run([octave, "--version"], capture_output=True, text=True).stdout
    res.update(ran=True, wall_s=wall, octave=version.splitlines()[0] if version else None)
    return res


def run_ours(args) -> dict:
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.models.brendel2020 import CODE, initial_weights
    from spiketeach.models.brendel2020.reference import simulate
    from spiketeach.protocols.brendel2020 import evaluate, learn, smoothed_noise

    p = CODE
    steps = args.iterations * 1000
    rng = np.random.default_rng(args.seed)
    F0, W0 = initial_weights(p, rng)
    every = 1024  # the authors' snapshots at 2^j, j >= 10, are multiples of it
    if args.device == "runtime":
        select_device("runtime", target="numpy")
    else:
        select_device(args.device)
    try:
        t0, c0 = time.perf_counter(), _cpu_s()
        snaps, F1, W1, _ = learn(F0, W0, p, steps, rng, every=every)
        learn_s, learn_cpu = time.perf_counter() - t0, _cpu_s() - c0
        from brian2 import device
        run_only = getattr(device, "_last_run_time", None)
    finally:
        reset_device()
    # the numpy step on the same number of steps, for the speed table
    c = smoothed_noise(min(steps, 100_000), p, np.random.default_rng(args.seed + 5))
    t0, c0 = time.perf_counter(), _cpu_s()
    simulate(F0, W0, c, p, learn=True, rng=np.random.default_rng(0), record=False)
    numpy_cpu_per_step = (_cpu_s() - c0) / c.shape[0]

    by_step = {s: (F, W) for s, F, W in snaps}
    points = [(0, F0, W0)]
    j = 10
    while 2 ** j <= steps:
        s = 2 ** j
        near = min(by_step, key=lambda k: abs(k - s))
        points.append((s, *by_step[near]))
        j += 1
    t0, c0 = time.perf_counter(), _cpu_s()
    curve = {"step": [], "error": [], "rate": [], "vvar": []}
    for s, F, W in points:
        e = evaluate(F, W, p, np.random.default_rng(args.seed + 2), fit_steps=args.fit_steps,
                     test_steps=args.test_steps, trials=args.trials)
        curve["step"].append(s)
        curve["error"].append(e["error"])
        curve["rate"].append(e["rate_hz"])
        curve["vvar"].append(e["voltage_variance"])
    eval_cpu = _cpu_s() - c0
    return {"curve": curve, "learn_s": learn_s, "learn_cpu": learn_cpu,
            "brian2_run_only_s": run_only, "numpy_cpu_per_step": numpy_cpu_per_step,
            "eval_cpu": eval_cpu, "eval_points": len(points), "device": args.device}


def speed(authors: dict, ours: dict, steps: int) -> dict:
    """Per-step costs and their ratios (authors / ours: > 1 means ours is faster)."""
    a_learn = authors["learn_cpu"] / steps
    out = {
        "authors_learn_cpu_per_step_us": 1e6 * a_learn,
        "ours_brian2_learn_cpu_per_step_us_incl_build": 1e6 * ours["learn_cpu"] / steps,
        "ours_numpy_cpu_per_step_us": 1e6 * ours["numpy_cpu_per_step"],
        "ratio_authors_over_brian2_incl_build": a_learn / (ours["learn_cpu"] / steps),
        "ratio_authors_over_numpy": a_learn / ours["numpy_cpu_per_step"],
        "authors_eval_cpu_s": authors["total_cpu"] - authors["learn_cpu"],
        "ours_eval_cpu_s": ours["eval_cpu"],
        "note": "CPU seconds; Brian2's includes code generation and compilation for "
                "cpp_standalone; brian2_run_only is the compiled binary's own run time (wall, "
                "one thread)"}
    if ours.get("brian2_run_only_s"):
        run_only = ours["brian2_run_only_s"] / steps
        out["ours_brian2_run_only_per_step_us"] = 1e6 * run_only
        out["ratio_authors_over_brian2_run_only"] = a_learn / run_only
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    ap.add_argument("--iterations", type=int, default=100,
                    help="learning iterations of 1000 steps (authors: 14000)")
    ap.add_argument("--fit-steps", type=int, default=10_000, help="decoder fit (authors: 50000)")
    ap.add_argument("--test-steps", type=int, default=5_000, help="per test trial (authors: 10000)")
    ap.add_argument("--trials", type=int, default=2, help="test trials (authors: 10)")
    ap.add_argument("--device", default="cpp_standalone", choices=("runtime", "cpp_standalone"))
    ap.add_argument("--authors", default=None, help="folder with the authors' Figure2 files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=7200, help="seconds allowed to Octave")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    for name in ("iterations", "fit_steps", "test_steps", "trials"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be >= 1")

    sources = authors_sources(args.authors)
    authors = ({"ran": False, "why": sources} if isinstance(sources, str)
               else run_authors(sources, args))
    ours = run_ours(args)
    steps = args.iterations * 1000
    result = {"protocol": {"learning_steps": steps, "iterations": args.iterations,
                           "fit_steps": args.fit_steps, "test_steps": args.test_steps,
                           "trials": args.trials, "seed": args.seed,
                           "parameters": "authors' twoDWhite.m = spiketeach CODE preset",
                           "authors_code": "machenslab/spikes UnsupervisedLearning/Figure2 "
                                           "(patched copy in a temp dir, see docstring)"},
              "authors": authors, "ours": ours}
    if authors.get("ran"):
        # the authors' curves sit at steps 2^j, j = 1..T; ours at step 0 and 2^j, j >= 10
        T = len(authors["error"])
        a_steps = [2 ** j for j in range(1, T + 1)]
        cmp = []
        for s, e, r, v in zip(*(ours["curve"][k] for k in ("step", "error", "rate", "vvar"))):
            k = a_steps.index(s) if s in a_steps else 0
            cmp.append({"step": s, "error_ours": e, "error_authors": authors["error"][k],
                        "rate_ours": r, "rate_authors": authors["rate"][k],
                        "vvar_ours": v, "vvar_authors": authors["vvar"][k]})
        result["comparison"] = cmp
        result["speed"] = speed(authors, ours, steps)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    print(json.dumps({k: result.get(k) for k in ("speed",)}, indent=1))
    if "comparison" in result:
        for row in result["comparison"]:
            print(row)
    else:
        print("authors:", authors.get("why"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
