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

The baseline is the faster of two builds of the reference form, with and without
:data:`spiketeach.core.devices.ALIAS_CHECKS_FLAG` (it vectorises the fast form's per-cell passes but
can slow the reference's synapse loops); both are recorded (``reference_builds``).

``floor``: the same layers of neurons alone (no synapses, no learning, no error cells; each
hidden cell's drive held at its value for the first image), once with the pulse timed by
Brian2's ``refractory`` and once by the step counter the fast form uses: what one epoch costs
before any learning, i.e. how close the fast form is to the cheapest Brian2 network of these
cells on this machine. ``floor_forward``: the counter floor plus the projections between pulsing
layers as fixed event-driven synapses (``v_ff_post += w`` when the presynaptic pulse switches
on, ``-= w`` when it ends): the network's forward pass without learning, which any exact
learning formulation must also do.

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
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.datasets import load_dataset
from spiketeach.protocols.samadi2017.mnist import input_gain
from spiketeach.protocols.samadi2017.training import run_block

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


def measure(form: str, layers, x, y, threads: int, build_root: Path,
            alias_checks: bool = True) -> dict:
    params = SamadiParams()
    select_device("cpp_standalone", build_dir=build_root / form, threads=threads,
                  alias_checks=alias_checks)
    ban = samadi2017.build(layers, PresentationSchedule(len(y), params.presentation, params.settle),
                           formulation=form)
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


def measure_floor(layers, x, threads: int, build_root: Path, pulse: str,
                  forward: bool = False) -> dict:
    """Presentations/s of the network's LIF layers alone (see the module docstring); with
    ``forward`` (pulse counter only) also the fixed event-driven projections between pulsing
    layers, i.e. inference without learning."""
    from brian2 import Clock, Network, Synapses, device

    from spiketeach.core.connectivity import dense_indices
    from spiketeach.models.samadi2017.equations import (
        COUNTED_PULSE_LIF,
        DYNAMIC_LIF,
        PULSE_END_EVENT,
    )
    from spiketeach.models.samadi2017.layers import dynamic_lif_group
    from spiketeach.models.samadi2017.network import initial_values

    params = SamadiParams()
    name = pulse + ("_forward" if forward else "")
    select_device("cpp_standalone", build_dir=build_root / name, threads=threads)
    W, b, _ = initial_values(layers, params, 0)
    clock = Clock(dt=params.dt)
    groups, synapses = [], []
    for k, n in enumerate(layers[1:]):
        has_next = forward and k + 1 < len(layers) - 1
        g = dynamic_lif_group(n, params, clock, pulse=pulse, name=f"floor{k}",
                              equations=COUNTED_PULSE_LIF if pulse == "counter" else DYNAMIC_LIF,
                              events=PULSE_END_EVENT if has_next else None)
        g.b = b[k]
        if k == 0 or not forward:
            g.v_ff = W[k] @ (x[0] if k == 0 else np.full(layers[k], 0.4))  # typical drives
        if forward and k > 0:  # the drive W a_pre, changed when a presynaptic pulse switches
            syn = Synapses(groups[-1], g, "w : 1", on_pre={"on": "v_ff_post += w",
                                                           "off": "v_ff_post -= w"},
                           on_event={"on": "spike", "off": "pulse_end"}, name=f"floor_syn{k}")
            i, j = dense_indices(layers[k], n)
            syn.connect(i=i, j=j)
            syn.w = W[k][j, i]
            syn.off.order = -1
            synapses.append(syn)
        groups.append(g)
    net = Network(*groups, *synapses)
    net.run(len(x) * params.presentation)
    device.build(directory=str(build_root / name), compile=True, run=False)
    cpu0, t0 = _child_cpu(), time.perf_counter()
    device.run(with_output=False)
    wall, cpu = time.perf_counter() - t0, _child_cpu() - cpu0
    reset_device()
    return {"pulse": pulse, "presentations_per_s": len(x) / wall, "wall_s": wall,
            "presentations_per_cpu_s": len(x) / cpu, "epoch_s": 60000 * wall / len(x)}


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
        # the baseline is the faster of the reference's two builds: the alias-check flag that
        # vectorises the fast form's per-cell passes can slow the reference's synapse loops
        refs = [measure("reference", layers, x[:n], y[:n], args.threads, Path(tmp) / f"ref{i}",
                        alias_checks=flag) for i, flag in enumerate((True, False))]
        ref = max(refs, key=lambda r: r["presentations_per_cpu_s"])
        ref_builds = {f"alias_checks={flag}": {k: r[k] for k in ("presentations_per_s",
                                                                 "presentations_per_cpu_s")}
                      for flag, r in zip((True, False), refs)}
        fast = measure("fast", layers, x[:n], y[:n], args.threads, Path(tmp) / "fast")
        fast_long = measure("fast", layers, x[:args.fast_presentations],
                            y[:args.fast_presentations], args.threads, Path(tmp) / "fast_long")
        floors = {pulse: measure_floor(layers, x[:args.fast_presentations], args.threads,
                                       Path(tmp) / "floor", pulse)
                  for pulse in ("refractory", "counter")}
        floor_forward = measure_floor(layers, x[:args.fast_presentations], args.threads,
                                      Path(tmp) / "floor", "counter", forward=True)
    fast_long.pop("weights")
    fast["same_images_as_reference"] = True
    max_rel = max(float(np.max(np.abs(a - b)) / np.max(np.abs(a)))
                  for a, b in zip(ref.pop("weights"), fast.pop("weights")))
    result = {"benchmark": "mnist_throughput", "layers": layers, "threads": args.threads,
              "presentations": args.presentations, "input": source,
              "fast_presentations": args.fast_presentations,
              "reference": ref, "reference_builds": ref_builds, "fast": fast,
              "fast_long": fast_long,
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
              # the LIF layers alone: what an epoch costs before any synapse or learning
              "floor": floors["counter"], "floor_refractory": floors["refractory"],
              "fast_over_floor": (floors["counter"]["presentations_per_s"]
                                  / fast_long["presentations_per_s"]),
              # ... and with the forward pass between pulsing layers: inference, no learning
              "floor_forward": floor_forward,
              "fast_over_floor_forward": (floor_forward["presentations_per_s"]
                                          / fast_long["presentations_per_s"]),
              "load_average_start": load_start, "load_average_end": os.getloadavg(),
              "max_relative_weight_difference": max_rel,
              "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
              "version": __version__}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps({k: result[k] for k in ("speedup", "epoch_s", "max_relative_weight_difference",
                                              "fast_over_floor")}))
    print(f"floor (neurons alone): {floors['counter']['epoch_s']:.0f} s per epoch with the pulse "
          f"counter, {floors['refractory']['epoch_s']:.0f} s with Brian2's refractory; "
          f"{floor_forward['epoch_s']:.0f} s with the forward pass (no learning)")
    print(f"reference {ref['presentations_per_s']:.2f}/s, fast {fast_long['presentations_per_s']:.2f}/s "
          f"(per CPU second: {ref['presentations_per_cpu_s']:.2f}, "
          f"{fast_long['presentations_per_cpu_s']:.2f}); load {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
