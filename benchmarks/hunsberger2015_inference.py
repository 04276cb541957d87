"""Spiking inference speed of the converted MNIST network of Hunsberger & Eliasmith (2015):
Brian2 cpp_standalone (1 thread) against Nengo's reference simulator.

Hunsberger E, Eliasmith C (2015). Spiking deep networks with LIF neurons. arXiv:1510.08829.

The network is the soft-LIF + noise MLP trained by ``figures/hunsberger2015/table.py`` (its
``--work-dir``, default ``figures/hunsberger2015/table_work/softlif_noise.npz``; ``--weights``
picks another), converted as in spiketeach.models.hunsberger2015.network: LIF neurons
(tau_RC 22 ms, tau_ref 2 ms, gain 1, bias 1, amplitude 0.063), alpha synapses of 5 ms, dt = 1 ms,
150 ms per image, no reset. Brian2: the network is compiled once; each timed run is a re-run of
the binary with a new block of images as run_args (as the table's inference). Nengo (the `bench`
extra, if installed): the same network built from ``nengo.LIF`` ensembles with connections onto
``.neurons`` (gain folded into the weights, as Nengo does not apply it there), ``Alpha(5 ms)``
synapses, a ``PresentInput`` node, run with ``nengo.Simulator`` (reference backend).

Reports images per wall second for both, their ratio, and how often both classify alike.
Writes ``benchmarks/results/hunsberger2015_inference.json``.

Usage: ``python benchmarks/hunsberger2015_inference.py [--images 1000] [--nengo-images 200]``.
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
from brian2 import device

import spiketeach
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.runner import BlockRunner
from spiketeach.models.hunsberger2015.network import build_converted_network
from spiketeach.models.hunsberger2015.params import Hunsberger2015Params
from spiketeach.protocols.datasets import load_dataset
from spiketeach.protocols.hunsberger2015.training import RateNetwork

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "results" / "hunsberger2015_inference.json"
DEFAULT_WEIGHTS = ROOT / "figures" / "hunsberger2015" / "table_work" / "softlif_noise.npz"


def _images(n):
    _, _, x, y = load_dataset("mnist", download=False)
    return x[:n].reshape(n, -1).astype(float) / 255.0, y[:n].astype(int)


def bench_brian(net: RateNetwork, X, params, repeats: int = 3) -> dict:
    build = Path(tempfile.mkdtemp(prefix="h15-bench-"))
    select_device("cpp_standalone", build_dir=build, threads=1)
    try:
        conv = build_converted_network(net.weights, net.biases, X, params)
        runner = BlockRunner(conv.network, conv.duration)
        values = {conv.image_input: conv.input_values(X)}
        t0 = time.perf_counter()
        runner.run(timed_arrays=values)  # generate, compile, first run
        first = time.perf_counter() - t0
        walls, binary = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            runner.run(timed_arrays=values)
            walls.append(time.perf_counter() - t0)
            binary.append(float(device.timers["run_binary"]))
        pred = conv.scores().argmax(axis=1)
        rates = conv.mean_rates()
    finally:
        reset_device()
        shutil.rmtree(build, ignore_errors=True)
    n = len(X)
    return {"images": n, "build_compile_first_run_s": first, "rerun_wall_s": walls,
            "binary_s": binary, "images_per_s": n / min(walls),
            "images_per_s_binary": n / min(binary), "mean_rates_hz": rates, "pred": pred}


def bench_nengo(net: RateNetwork, X, params) -> dict:
    import nengo

    p = params
    with nengo.Network(seed=0) as model:
        inp = nengo.Node(nengo.processes.PresentInput(X, p.presentation))
        prev, synapse = inp, None
        for W, b in zip(net.weights[:-1], net.biases[:-1]):
            n = W.shape[1]
            ens = nengo.Ensemble(n, 1, neuron_type=nengo.LIF(tau_rc=p.tau_rc, tau_ref=p.tau_ref,
                                                             amplitude=p.amplitude),
                                 gain=np.full(n, p.gain), bias=p.gain * b + 1.0)
            nengo.Connection(prev, ens.neurons, transform=p.gain * W.T, synapse=synapse)
            prev, synapse = ens.neurons, nengo.Alpha(p.tau_s)
        out = nengo.Node(size_in=net.weights[-1].shape[1])
        nengo.Connection(prev, out, transform=net.weights[-1].T, synapse=synapse)
        bias = nengo.Node(net.biases[-1])
        nengo.Connection(bias, out, synapse=None)
        probe = nengo.Probe(out, synapse=None)
    t0 = time.perf_counter()
    with nengo.Simulator(model, dt=p.dt, progress_bar=False) as sim:
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        sim.run(len(X) * p.presentation)
        wall = time.perf_counter() - t0
        y = sim.data[probe]
    steps = round(p.presentation / p.dt)
    y = y[: len(X) * steps].reshape(len(X), steps, -1)
    pred = y[:, round(p.settle / p.dt):, :].mean(axis=1).argmax(axis=1)
    return {"images": len(X), "build_s": build, "run_wall_s": wall,
            "images_per_s": len(X) / wall, "nengo_version": nengo.__version__, "pred": pred}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--images", type=int, default=1000, help="images per Brian2 run")
    parser.add_argument("--nengo-images", type=int, default=200)
    parser.add_argument("--no-nengo", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.weights.exists():
        raise SystemExit(f"{args.weights} not found: run figures/hunsberger2015/table.py first "
                         "(or pass --weights)")
    params = Hunsberger2015Params()
    net = RateNetwork.load(args.weights, params)
    X, y = _images(max(args.images, args.nengo_images))
    result = {"network": "MLP " + "-".join(str(w.shape[0]) for w in net.weights) + "-10",
              "weights": str(args.weights), "presentation_ms": params.presentation * 1e3,
              "dt_ms": params.dt * 1e3, "tau_s_ms": params.tau_s * 1e3,
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "load_average_at_start": list(os.getloadavg())},
              "version": spiketeach.__version__}
    brian = bench_brian(net, X[:args.images], params)
    print(f"Brian2 cpp_standalone: {brian['images_per_s']:.1f} images/s "
          f"({brian['images_per_s_binary']:.1f} binary alone)", flush=True)
    result["brian2_cpp_standalone_1thread"] = {k: v for k, v in brian.items() if k != "pred"}
    result["brian2_cpp_standalone_1thread"]["error_percent"] = float(
        100 * np.mean(brian["pred"] != y[:args.images]))
    if not args.no_nengo:
        try:
            ng = bench_nengo(net, X[:args.nengo_images], params)
        except ImportError:
            result["nengo"] = "not installed (pip install 'spiketeach[bench]')"
            print(result["nengo"])
        else:
            n = args.nengo_images
            result["nengo"] = {k: v for k, v in ng.items() if k != "pred"}
            same = ng["pred"] == brian["pred"][:n] if n <= args.images else None
            result["nengo"]["agreement_with_brian2"] = (None if same is None
                                                        else float(np.mean(same)))
            result["speedup_vs_nengo"] = brian["images_per_s"] / ng["images_per_s"]
            print(f"Nengo reference: {ng['images_per_s']:.1f} images/s; Brian2 is "
                  f"{result['speedup_vs_nengo']:.1f}x", flush=True)
    result["load_average_at_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=lambda o: o.tolist()
                                   if hasattr(o, "tolist") else str(o)) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
