"""Speed of the Samadi et al. (2017) LIF-BA network on MNIST-sized input, cpp_standalone.

Measures presentations per second (and biological seconds per wall second) of 784-1000-10 with
the straightforward per-step formulation (``--plasticity reference``, the baseline) and the
exact fast formulation (``fast``: presentation-clocked first projection, event-driven
hidden→output projection and feedback), in the same script, on the same images, and reports
their ratio. Compilation is excluded: each build is run once to warm up, then timed on a second
run of the same binary; wall-clock rates (the result keys) and rates per CPU second of the
binary (less sensitive to other jobs on a shared machine) are both recorded. Both forms run the
same ``--presentations`` images (their weights
are compared); the fast form's rate is then timed on ``--fast-presentations`` images, as a
re-run of one binary has a fixed cost (loading and saving 784 000 weights, ≈ 0.5 s) that a
training block of 1000 presentations amortises but 20 do not. Writes
``benchmarks/results/mnist_throughput.json``.

    python benchmarks/mnist_throughput.py [--presentations 20] [--fast-presentations 500]
                                          [--layers 784-1000-10] [--threads 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from spiketeach import __version__
from spiketeach.devices import reset_device, select_device
from spiketeach.models.network import build_ba_network
from spiketeach.models.samadi import SamadiParams
from spiketeach.protocols.datasets import load_dataset
from spiketeach.protocols.mnist import input_gain
from spiketeach.protocols.presentation import PresentationSchedule
from spiketeach.protocols.training import run_block

HERE = Path(__file__).resolve().parent


def images(n: int, data_dir=None, seed: int = 0):
    """Real MNIST images if available (as the speed depends on activity), else random ones."""
    try:
        x, y, _, _ = load_dataset("mnist", data_dir, download=False)
        idx = np.random.default_rng(seed).choice(len(y), n, replace=False)
        return x[idx].reshape(n, -1) / 255.0 * input_gain(x), y[idx], "mnist"
    except Exception:  # noqa: BLE001 -- fall back to synthetic input of the same mean
        rng = np.random.default_rng(seed)
        return rng.uniform(0, 1.28, (n, 784)), rng.integers(0, 10, n), "uniform(0, 1.28)"


def _child_cpu() -> float:
    """CPU seconds used so far by finished child processes (the standalone binary)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def measure(form: str, layers, x, y, threads: int, build_root: Path) -> dict:
    params = SamadiParams()
    select_device("cpp_standalone", build_dir=build_root / form, threads=threads)
    ban = build_ba_network(layers, PresentationSchedule(len(y), params.presentation, params.settle),
                           plasticity=form)
    t0 = time.perf_counter()
    run_block(ban, None, x, y, np.ones(len(y)))               # generate, compile, run once
    compile_and_first = time.perf_counter() - t0
    cpu0, t0 = _child_cpu(), time.perf_counter()
    run_block(ban, ban.get_state(), x, y, np.ones(len(y)))    # the timed re-run
    wall, cpu = time.perf_counter() - t0, _child_cpu() - cpu0
    weights = ban.weights()
    reset_device()
    return {"presentations_per_s": len(y) / wall, "wall_s": wall,
            "presentations_per_cpu_s": len(y) / cpu, "binary_cpu_s": cpu,
            "bio_s_per_wall_s": len(y) * float(params.presentation) / wall,
            "build_and_first_run_s": compile_and_first, "weights": weights}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presentations", type=int, default=20)
    parser.add_argument("--fast-presentations", type=int, default=500)
    parser.add_argument("--layers", default="784-1000-10")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(HERE / "results" / "mnist_throughput.json"))
    args = parser.parse_args(argv)
    layers = [int(n) for n in args.layers.split("-")]
    load_start = os.getloadavg()
    x, y, source = images(max(args.presentations, args.fast_presentations), args.data_dir)
    n = args.presentations
    with tempfile.TemporaryDirectory(prefix="spiketeach-bench-") as tmp:
        ref = measure("reference", layers, x[:n], y[:n], args.threads, Path(tmp) / "ref")
        fast = measure("fast", layers, x[:n], y[:n], args.threads, Path(tmp) / "fast")
        fast_long = measure("fast", layers, x[:args.fast_presentations],
                            y[:args.fast_presentations], args.threads, Path(tmp) / "fast_long")
    fast_long.pop("weights")
    fast["same_images_as_reference"] = True
    max_rel = max(float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
                  for a, b in zip(ref.pop("weights"), fast.pop("weights")))
    result = {"benchmark": "mnist_throughput", "layers": layers, "threads": args.threads,
              "presentations": args.presentations, "input": source,
              "fast_presentations": args.fast_presentations,
              "reference": ref, "fast": fast, "fast_long": fast_long,
              "examples_per_s": {"reference": ref["presentations_per_s"],
                                 "fast": fast_long["presentations_per_s"]},
              "speedup": fast_long["presentations_per_s"] / ref["presentations_per_s"],
              "speedup_same_images": fast["presentations_per_s"] / ref["presentations_per_s"],
              # per CPU second of the binary: less sensitive to other jobs on a shared machine
              "examples_per_cpu_s": {"reference": ref["presentations_per_cpu_s"],
                                     "fast": fast_long["presentations_per_cpu_s"]},
              "speedup_cpu": (fast_long["presentations_per_cpu_s"]
                              / ref["presentations_per_cpu_s"]),
              "epoch_s": 60000 / fast_long["presentations_per_s"], "device": "cpp_standalone",
              "load_average_start": load_start, "load_average_end": os.getloadavg(),
              "max_relative_weight_difference": max_rel,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "version": __version__}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("speedup", "epoch_s", "max_relative_weight_difference")}))
    print(f"reference {ref['presentations_per_s']:.2f}/s, fast {fast_long['presentations_per_s']:.2f}/s "
          f"(per CPU second: {ref['presentations_per_cpu_s']:.2f}, "
          f"{fast_long['presentations_per_cpu_s']:.2f}); load {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
