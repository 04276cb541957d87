"""Speed of the Hunsberger & Eliasmith (2017) spiking FA network: Brian2 cpp_standalone vs Nengo.

Measures biological seconds per wall second of the whole network (60 encoder + 2 x 80 hidden +
400 output + 3 x 400 error LIF neurons, alpha synapses, population-coded errors, feedback and
learning on every step) while it learns the 30-D -> 10-D map with 220 ms presentations, at
dt = 1 ms (the original's) and dt = 0.25 ms:

* Brian2 cpp_standalone, 1 thread, the "fast" formulation (the default: lazy exact weight updates,
  linked population inputs; spiketeach.models.hunsberger2017.spiking): one build per dt; the timed runs are
  re-runs of the compiled binary over ``--bio-s`` biological seconds (100 s by default, so process
  start and result files are a small part). Three numbers per run: ``realtime_factor`` (the whole
  re-run as a protocol sees it: writing the inputs, starting the binary, its run, writing and
  checking the results), ``realtime_factor_binary`` (the binary's process alone) and
  ``realtime_factor_internal`` (the simulation loop, as Brian2 reports it). The "reference"
  formulation (per-step weight updates, summed copies) is timed in the same way as the baseline;
* the same network in Nengo's reference simulator (nengo + nengo_extras' DeltaRule with the
  refractory-IF surrogate, PES on the output, as the original thesis code), if installed, over
  ``--nengo-bio-s`` biological seconds (its speed has no per-run fixed cost to amortise).
  Nengo 4.1's optimiser fails on DeltaRule when SciPy is installed; the script then falls back
  to ``optimize=False`` and records it.

Wall-clock speed depends on what else runs on the machine: before each timed measurement the
script waits (up to ``--wait-s``) for the 1-minute load average to drop to ``--max-load`` and
records the load at every measurement.

Both also report the normalised RMS output error over the first and last 10 % of presentations
as a cross-check that they learn alike. Writes ``benchmarks/results/hunsberger_speed.json``.

Usage: ``python benchmarks/hunsberger_speed.py [--quick] [--bio-s 100] [--no-nengo]
[--no-reference]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import device, ms, second

import spiketeach
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import hunsberger2017
from spiketeach.models.hunsberger2017.network import initial_weights
from spiketeach.models.hunsberger2017.params import HunsbergerParams
from spiketeach.protocols.hunsberger2017.linear_map import LinearMapTask, zero_phase_alpha

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "hunsberger_speed.json"


def _nrmse_first_last(t, y, ystar, pres, n):
    dt = float(t[1] - t[0])
    err = np.sqrt(np.mean(zero_phase_alpha(y - ystar, 0.010, dt) ** 2, axis=1))
    ref = np.mean(np.sqrt(np.mean(ystar ** 2, axis=1)))
    k = max(1, n // 10)
    first = (t >= 0.03) & (t < k * pres)
    last = (t >= (n - k) * pres + 0.03) & (t < n * pres)
    return float(np.mean(err[first]) / ref), float(np.mean(err[last]) / ref)


def _data(n, seed):
    task = LinearMapTask()
    return task, *task.sample(n, np.random.default_rng(seed))


def wait_for_quiet(max_load: float, wait_s: float, poll_s: float = 10.0) -> dict:
    """Wait (up to ``wait_s``) until the 1-minute load average is at most ``max_load``."""
    t0 = time.perf_counter()
    while os.getloadavg()[0] > max_load and time.perf_counter() - t0 < wait_s:
        time.sleep(poll_s)
    load = list(os.getloadavg())
    return {"load_average": load, "waited_s": time.perf_counter() - t0,
            "quiet": load[0] <= max_load}


def bench_brian(dt, bio_s: float, seed: int, repeats: int = 3, formulation: str = "fast",
                max_load: float = 1.5, wait_s: float = 0.0) -> dict:
    params = HunsbergerParams(dt=dt, formulation=formulation)
    pres = float(params.presentation)
    n = int(np.ceil(bio_s / pres))
    _, x, y = _data(n, seed)
    build = Path(tempfile.mkdtemp(prefix="hunsberger-bench-"))
    select_device("cpp_standalone", build_dir=build, threads=1)
    try:
        sched = PresentationSchedule(n, params.presentation, 0 * second)
        fan = hunsberger2017.build(sched, params=params, seed=seed, record_dt=5 * ms, record_hidden=False)
        # (the record gate is not part of this build: no hidden-spike recording)
        timed = {fan.stimulus: x, fan.target_values: y, fan.learning_gate: np.ones(n)}
        t0 = time.perf_counter()
        fan.runner.run({}, timed)  # generate, compile, first run
        first = time.perf_counter() - t0
        load = wait_for_quiet(max_load, wait_s)
        walls, binary, internal, loads = [], [], [], []
        for _ in range(repeats):
            loads.append(os.getloadavg()[0])
            t0 = time.perf_counter()
            fan.runner.run({}, timed)
            walls.append(time.perf_counter() - t0)
            binary.append(float(device.timers["run_binary"]))
            internal.append(float(device._last_run_time))
        t = np.asarray(fan.y_monitor.t[:])
        first_err, last_err = _nrmse_first_last(t, np.asarray(fan.y_monitor.s[:]).T,
                                                np.asarray(fan.y_monitor.ystar[:]).T, pres, n)
        neurons = sum(len(g) for g in [fan.encoder, *fan.hidden, fan.output, *fan.errors])
        synapses = {syn.name: len(syn) for syn in fan.net.objects if hasattr(syn, "w")}
    finally:
        reset_device()
        shutil.rmtree(build, ignore_errors=True)
    bio = n * pres
    return {"formulation": formulation, "dt_ms": float(dt / ms), "biological_s": bio,
            "steps": int(round(bio / float(dt))), "neurons": neurons,
            "weighted_synapses": synapses,
            "build_compile_first_run_s": first, "before_timing": load,
            "load_average_1min_at_each_rerun": loads,
            "rerun_wall_s": walls, "binary_wall_s": binary, "internal_run_s": internal,
            "realtime_factor": bio / min(walls), "realtime_factor_binary": bio / min(binary),
            "realtime_factor_internal": bio / min(internal),
            "internal_us_per_step": 1e6 * min(internal) / round(bio / float(dt)),
            "nrmse_first_10pct": first_err, "nrmse_last_10pct": last_err}


def build_nengo(params: HunsbergerParams, x, y, seed: int):
    """The same network in Nengo (layer-wise error populations, surrogate DeltaRule, PES)."""
    import nengo
    from nengo.dists import Choice, Uniform
    from nengo_extras.learning_rules import DeltaRule

    from spiketeach.models.lif import surrogate_derivative

    pres = float(params.presentation)
    tau_rc, tau_ref, amp = float(params.tau_rc), float(params.tau_ref), params.amplitude
    lif = nengo.LIF(tau_rc=tau_rc, tau_ref=tau_ref, amplitude=amp)
    alpha = nengo.Alpha(float(params.tau_s))
    n_in, h1, h2, n_out = params.sizes
    W, B = initial_weights(params, seed)
    npd = params.n_per_dim

    def onoff(d):
        enc = np.zeros((npd * d, d))
        for k in range(d):
            enc[k * npd:(k + 1) * npd, k] = np.where(np.arange(npd) < npd // 2, 1, -1)
        return enc

    def df(j):
        return surrogate_derivative(j, tau_rc, tau_ref, amp)

    with nengo.Network(seed=seed) as net:
        net.config[nengo.Ensemble].neuron_type = lif
        net.config[nengo.Connection].synapse = alpha
        xin = nengo.Node(lambda t: x[min(int(t / pres), len(x) - 1)])
        ystar = nengo.Node(lambda t: y[min(int(t / pres), len(y) - 1)])
        enc = nengo.Ensemble(2 * n_in, 1, intercepts=Choice([0]),
                             max_rates=Uniform(*params.max_rates), label="encoder")
        nengo.Connection(xin, enc.neurons[:n_in], transform=1, synapse=None)
        nengo.Connection(xin, enc.neurons[n_in:], transform=-1, synapse=None)
        layers = [nengo.Ensemble(n, 1, gain=Choice([1.0]), bias=Choice([1.0])) for n in (h1, h2)]
        out = nengo.Ensemble(npd * n_out, n_out, encoders=onoff(n_out),
                             intercepts=Uniform(*params.output_intercepts),
                             max_rates=Uniform(*params.max_rates))
        errs = [nengo.Ensemble(npd * n_out, n_out, encoders=onoff(n_out),
                               intercepts=Uniform(*params.error_intercepts),
                               max_rates=Uniform(*params.max_rates)) for _ in range(3)]
        c1 = nengo.Connection(enc.neurons, layers[0].neurons, transform=W[0])
        c2 = nengo.Connection(layers[0].neurons, layers[1].neurons, transform=W[1])
        c3 = nengo.Connection(layers[1].neurons, out, transform=W[2])
        nengo.Connection(out, errs[0])
        nengo.Connection(ystar, errs[0], transform=-1)
        nengo.Connection(errs[0], errs[1])
        nengo.Connection(errs[1], errs[2])
        c3.learning_rule_type = nengo.PES(learning_rate=params.eta)
        nengo.Connection(errs[0], c3.learning_rule)
        for c, e, Bl in ((c2, errs[1], B[1]), (c1, errs[2], B[0])):
            c.learning_rule_type = DeltaRule(learning_rate=params.eta, post_fn=df,
                                             post_target="in")
            nengo.Connection(e, c.learning_rule, transform=Bl.T)
        p_out = nengo.Probe(out, synapse=alpha, sample_every=0.005)
        p_star = nengo.Probe(ystar, synapse=alpha, sample_every=0.005)
    return net, p_out, p_star


def bench_nengo(dt, bio_s: float, seed: int) -> dict:
    import nengo

    params = HunsbergerParams(dt=dt)
    pres = float(params.presentation)
    n = int(np.ceil(bio_s / pres))
    _, x, y = _data(n, seed)
    net, p_out, p_star = build_nengo(params, x, y, seed)
    note = "optimize=True"
    t0 = time.perf_counter()
    try:
        sim = nengo.Simulator(net, dt=float(dt), optimize=True, progress_bar=False)
    except Exception as exc:  # Nengo 4.1 + SciPy: the optimiser fails on DeltaRule
        note = f"optimize=False (optimize=True failed: {type(exc).__name__}: {exc})"
        sim = nengo.Simulator(net, dt=float(dt), optimize=False, progress_bar=False)
    build = time.perf_counter() - t0
    with sim:
        t0 = time.perf_counter()
        sim.run(n * pres)
        wall = time.perf_counter() - t0
        t = sim.trange(sample_every=0.005) - 0.005
        first_err, last_err = _nrmse_first_last(t, sim.data[p_out], sim.data[p_star], pres, n)
    return {"dt_ms": float(dt / ms), "biological_s": n * pres, "build_s": build, "wall_s": wall,
            "realtime_factor": n * pres / wall, "simulator": note,
            "nengo_version": nengo.__version__,
            "nrmse_first_10pct": first_err, "nrmse_last_10pct": last_err}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s of biological time")
    parser.add_argument("--bio-s", type=float, default=100.0,
                        help="biological seconds per Brian2 re-run")
    parser.add_argument("--nengo-bio-s", type=float, default=20.0,
                        help="biological seconds of the Nengo run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-nengo", action="store_true")
    parser.add_argument("--no-reference", action="store_true",
                        help="skip the reference formulation (the baseline)")
    parser.add_argument("--max-load", type=float, default=1.5,
                        help="wait for the 1-minute load average to drop to this before timing")
    parser.add_argument("--wait-s", type=float, default=300.0,
                        help="longest wait for a quiet machine before each timed measurement")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    bio = 5.0 if args.quick else args.bio_s
    nengo_bio = 5.0 if args.quick else args.nengo_bio_s
    start = time.perf_counter()
    result = {"device": "cpp_standalone", "threads": 1, "seed": args.seed, "quick": args.quick,
              "version": spiketeach.__version__, "machine": platform.processor() or platform.machine(),
              "cpus": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
              "max_load": args.max_load}
    per_dt = {}
    for dt in (1 * ms, 0.25 * ms):
        key = f"{float(dt / ms):g}ms"
        entry = {"brian2": bench_brian(dt, bio, args.seed, max_load=args.max_load,
                                       wait_s=args.wait_s)}
        b = entry["brian2"]
        print(f"Brian2 dt={key}: {b['realtime_factor']:.1f}x realtime (binary "
              f"{b['realtime_factor_binary']:.1f}x, loop {b['realtime_factor_internal']:.1f}x; "
              f"load {b['load_average_1min_at_each_rerun']})", flush=True)
        if not args.no_reference:
            entry["brian2_reference"] = bench_brian(dt, bio, args.seed, formulation="reference",
                                                    max_load=args.max_load, wait_s=args.wait_s)
            r = entry["brian2_reference"]
            print(f"Brian2 reference dt={key}: {r['realtime_factor']:.1f}x realtime (loop "
                  f"{r['realtime_factor_internal']:.1f}x)", flush=True)
        if not args.no_nengo:
            try:
                entry["nengo_before_timing"] = wait_for_quiet(args.max_load, args.wait_s)
                entry["nengo"] = bench_nengo(dt, nengo_bio, args.seed)
                print(f"Nengo  dt={key}: {entry['nengo']['realtime_factor']:.2f}x realtime "
                      f"({entry['nengo']['simulator']})", flush=True)
            except ImportError as exc:
                entry["nengo"] = {"error": f"not installed: {exc}"}
        per_dt[key] = entry

    def summary(entry):
        b = entry["brian2"]["realtime_factor"]
        ng = entry.get("nengo", {}).get("realtime_factor")
        out = {"realtime_factor": b, "nengo_realtime_factor": ng,
               "speedup_vs_nengo": (b / ng) if ng else None,
               "realtime_factor_binary": entry["brian2"]["realtime_factor_binary"],
               "realtime_factor_internal": entry["brian2"]["realtime_factor_internal"]}
        if "brian2_reference" in entry:
            out["reference_formulation_realtime_factor"] = entry["brian2_reference"]["realtime_factor"]
        return out

    result.update(summary(per_dt["1ms"]))
    result["dt_0.25ms"] = summary(per_dt["0.25ms"])
    result["targets"] = {"realtime_factor_at_1ms": 30, "speedup_vs_nengo": 10}
    result["details"] = per_dt
    result["load_average_at_end"] = list(os.getloadavg())
    result["wall_s"] = time.perf_counter() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("realtime_factor", "nengo_realtime_factor",
                                             "speedup_vs_nengo", "dt_0.25ms")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
