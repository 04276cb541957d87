"""Time of one exact gradient of a huh2018 network: Brian2 cpp_standalone forward + numpy
adjoint, vs the straightforward per-step numpy forward + the same adjoint (issue 20).

For each network size (default 100 and 1000 theta neurons, 2 inputs, 2 outputs, smooth gate,
dense recurrent weights, one trial of ``--steps`` steps of 0.5 ms):

* ``brian2_forward_s`` — one re-run of the compiled cpp_standalone binary with new weights and
  inputs (``run_args``) including reading back the recorded v and s; compilation is timed
  separately (``compile_s``, once per size);
* ``numpy_forward_s`` — :func:`spiketeach.models.huh2018.simulate`, a Python loop over steps
  with one matrix-vector product per step (the baseline);
* ``backward_s`` — :func:`spiketeach.models.huh2018.backward` (the adjoint) on the recording;
* ``gradient_*_s`` — forward + backward, and ``speedup`` = numpy gradient / Brian2 gradient.

Each time is the median of ``--repeats`` runs, each with other weights (W scaled by 1 + 0.01 k,
as successive gradient steps change them; wall clock, 1 thread; the machine is shared, so the
load average is recorded). Both forwards give the same states (checked: max difference).

Writes ``benchmarks/results/huh2018_gradient.json``. Usage::

    python benchmarks/huh2018_gradient.py [--sizes 100,1000] [--steps 1000] [--repeats 3]
        [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "huh2018_gradient.json"


def measure(n: int, steps: int, repeats: int, seed: int = 0) -> dict:
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.models.huh2018 import (
        Huh2018Params,
        Objective,
        backward,
        build,
        initial_weights,
        simulate,
    )

    p = Huh2018Params(gate="smooth", readout_scale=1.0)
    rng = np.random.default_rng(seed)
    w = initial_weights(2, n, 2, p, rng)
    x = rng.standard_normal((steps, 2))
    objective = Objective(rng.standard_normal((1, steps, 2)), rate_cost=1e-3)
    # every repeat uses other weights, as successive gradient steps do
    variants = [w.replace(W=w.W * (1 + 0.01 * k)) for k in range(repeats)]
    numpy_times, runs = [], []
    for wk in variants:
        t0 = time.perf_counter()
        runs.append(simulate(wk, x, p))
        numpy_times.append(time.perf_counter() - t0)
    back_times, grads = [], []
    for wk, run in zip(variants, runs):
        t0 = time.perf_counter()
        grads.append(backward(wk, x, run, objective, p))
        back_times.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory(prefix="huh2018-bench-") as tmp:
        select_device("cpp_standalone", build_dir=Path(tmp) / "build")
        try:
            net = build(w, steps, p)
            t0 = time.perf_counter()
            net.forward(w.replace(W=w.W * 0.99), x)  # generates, compiles and runs once
            compile_s = time.perf_counter() - t0
            brian_times, brian_runs = [], []
            for wk in variants:
                t0 = time.perf_counter()
                brian_runs.append(net.forward(wk, x))
                brian_times.append(time.perf_counter() - t0)
        finally:
            reset_device()
    numpy_fwd, backward_s, brian_fwd = (float(np.median(v)) for v in
                                        (numpy_times, back_times, brian_times))
    run, brian_run = runs[-1], brian_runs[-1]
    grad, grad_b = grads[-1], backward(variants[-1], x, brian_run, objective, p)
    return {
        "n_neurons": n, "steps": steps, "dt_s": p.dt, "synapses": n * n + 4 * n,
        "spikes": int(run.spike_counts().sum()),
        "compile_s": compile_s,
        "brian2_forward_s": brian_fwd, "numpy_forward_s": numpy_fwd, "backward_s": backward_s,
        "gradient_brian2_s": brian_fwd + backward_s, "gradient_numpy_s": numpy_fwd + backward_s,
        "speedup": (numpy_fwd + backward_s) / (brian_fwd + backward_s),
        "forward_speedup": numpy_fwd / brian_fwd,
        "max_state_difference": float(max(np.abs(brian_run.v - run.v).max(),
                                          np.abs(brian_run.s - run.s).max())),
        "max_gradient_difference_relative": float(max(
            np.abs(getattr(grad_b, k) - getattr(grad, k)).max() / np.abs(getattr(grad, k)).max()
            for k in ("U", "W", "b", "O"))),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="sizes 20, 100 steps, 1 repeat")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    sizes = [20] if args.quick else [int(s) for s in args.sizes.split(",")]
    steps, repeats = (100, 1) if args.quick else (args.steps, args.repeats)
    result = {"device": "cpp_standalone (forward) + numpy (backward, baseline forward)",
              "threads": 1, "load_before": os.getloadavg()[0]}
    for n in sizes:
        r = measure(n, steps, repeats)
        print(f"n={n}: gradient brian2 {r['gradient_brian2_s']:.3f} s (forward "
              f"{r['brian2_forward_s']:.3f}), numpy {r['gradient_numpy_s']:.3f} s (forward "
              f"{r['numpy_forward_s']:.3f}), backward {r['backward_s']:.3f} s, speedup "
              f"{r['speedup']:.2f}x, compile {r['compile_s']:.0f} s", flush=True)
        result[f"n{n}"] = r
    result["load_after"] = os.getloadavg()[0]
    result["quick"] = bool(args.quick)
    result["note"] = (f"{steps} steps of 0.5 ms ({steps * 0.5e-3:g} s of network time) per "
                      "gradient, one trial")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
