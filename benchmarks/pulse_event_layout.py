"""Timing probe: two layouts of the event-driven hidden→output projection of Samadi et al. (2017).

The fast form of the 784-1000-10 network (``benchmarks/mnist_throughput.py``) spends most of its
time in the on/off events of the hidden→output pulse projection: ≈ 115 of 1000 hidden cells
spike in each 0.25 ms step, and each spike is two events (pulse on, pulse end) × 10 synapses.
This script asks whether a different layout of the same arithmetic makes those events cheaper:

``per-synapse`` (what ``spiketeach.models.samadi2017.fast_pulse`` builds): 10 000 synapses, each
    event runs the statements once per (hidden, output) pair through Brian2's spike lists.
``wide``: one synapse per hidden cell onto a one-cell hub that holds the ten per-output sums as
    ten variables; an event runs the ten outputs' statements unrolled in one synapse (ten
    weights per synapse, ``X0 … X9``), and the hub hands ``v_ff`` to the output cells through a
    summed variable.

Both layouts are timed twice, alternately, on the same cpp_standalone binary per layout, in two
versions: ``forward`` (fixed weights: ``v_ff += w`` on, ``-= w`` off; the forward pass) and
``learning`` (the momentum algebra of :data:`~spiketeach.models.samadi2017.fast_pulse.PULSE_ON` /
``PULSE_OFF`` with a stand-in teaching signal ``iota = 1e-4 (0.3 − a)`` and the accumulators
restarted at every presentation). The hidden cells get a fixed drive (the first MNIST image's);
no error cells, no fold, no input learning: a **timing probe, not the model** (the wide
layout's output drive lags by one step). Reports CPU seconds of the binaries and the ratios
wide/per-synapse. Result: ``benchmarks/results/pulse_event_layout.json``.

    python benchmarks/pulse_event_layout.py [--presentations 300] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import Clock, Network, NeuronGroup, Synapses, device, linked_var
from mnist_throughput import _child_cpu, images

from spiketeach import __version__
from spiketeach.core.connectivity import dense_indices
from spiketeach.core.devices import reset_device, select_device
from spiketeach.models.samadi2017.equations import COUNTED_PULSE_LIF, PULSE_END_EVENT
from spiketeach.models.samadi2017.fast_pulse import (
    PULSE_ACCUMULATE,
    PULSE_OFF,
    PULSE_ON,
    PULSE_SYNAPSE,
    PULSE_TRACES,
)
from spiketeach.models.samadi2017.layers import dynamic_lif_group
from spiketeach.models.samadi2017.network import initial_values
from spiketeach.models.samadi2017.params import SamadiParams

HERE = Path(__file__).resolve().parent
N_HIDDEN, N_OUT = 1000, 10
#: the stand-in teaching signal of the ``learning`` version
IOTA = "iota = 1e-4*(0.3 - a)"
RESTART = "m = 0\nM = 0\nP = 1"

# The wide layout: each per-output statement of pulse_projection, once per output k.
WIDE_HUB = """
m{k} : 1
M{k} : 1
CX{k} : 1
CQ{k} : 1
dX{k} : 1
dQ{k} : 1
vff{k} : 1
iota{k} : 1 (linked)
"""
WIDE_ACCUMULATE = """
m{k} = mu*m{k} + iota{k}
M{k} += m{k}
vff{k} = CX{k} - mu/(1 - mu)*P*CQ{k} - n_on*M{k}
dX{k} = mu/(1 - mu)*m{k} + M{k}
dQ{k} = m{k}/P
"""
WIDE_ON = """
X{k} += dX{k}_post
Q{k} += dQ{k}_post
CX{k}_post += X{k}
CQ{k}_post += Q{k}
"""
WIDE_OFF = """
CX{k}_post -= X{k}
CQ{k}_post -= Q{k}
X{k} -= dX{k}_post
Q{k} -= dQ{k}_post
"""


def unrolled(template: str) -> str:
    """``template`` once per output cell k."""
    return "".join(template.format(k=k) for k in range(N_OUT))


def build(layout: str, learning: bool, x0, params: SamadiParams) -> list:
    W, b, _ = initial_values([784, N_HIDDEN, N_OUT], params, 0)
    clock = Clock(dt=params.dt)
    ns = {"mu": params.mu}
    hidden = dynamic_lif_group(N_HIDDEN, params, clock, pulse="counter", name="hidden",
                               equations=COUNTED_PULSE_LIF, events=PULSE_END_EVENT)
    hidden.b, hidden.v_ff = b[0], W[0] @ x0
    per_synapse = layout == "per-synapse"
    extra = "iota : 1\n" + (PULSE_TRACES if per_synapse and learning else "")
    out = dynamic_lif_group(N_OUT, params, clock, pulse="counter", name="out",
                            equations=COUNTED_PULSE_LIF + (extra if learning else ""))
    out.b = b[1]
    out.namespace.update(ns)
    objects = [hidden, out]
    events = {"on_event": {"on": "spike", "off": "pulse_end"}}
    if per_synapse:
        if learning:
            out.P = 1
            out.run_regularly(IOTA + "\n" + PULSE_ACCUMULATE, when="end", name="out_learn")
            out.run_regularly(RESTART, dt=params.presentation, when="start", name="out_restart")
            syn = Synapses(hidden, out, PULSE_SYNAPSE, on_pre={"on": PULSE_ON, "off": PULSE_OFF},
                           namespace=ns, name="proj", **events)
        else:
            syn = Synapses(hidden, out, "w : 1", name="proj", **events,
                           on_pre={"on": "v_ff_post += w", "off": "v_ff_post -= w"})
        i, j = dense_indices(N_HIDDEN, N_OUT)
        syn.connect(i=i, j=j)
        setattr(syn, "X" if learning else "w", W[1][j, i])
        syn.off.order = -1
        return objects + [syn]
    if learning:
        hub = NeuronGroup(1, unrolled(WIDE_HUB) + "P : 1\nn_on : 1\n", clock=clock,
                          namespace=ns, name="hub")
        for k in range(N_OUT):
            setattr(hub, f"iota{k}", linked_var(out, "iota", index=np.array([k])))
        hub.P = 1
        out.run_regularly(IOTA, when="end", order=0, name="out_learn")
        hub.run_regularly("P = mu*P\n" + unrolled(WIDE_ACCUMULATE), when="end", order=1,
                          name="hub_learn")
        hub.run_regularly(unrolled("m{k} = 0\nM{k} = 0\n") + "P = 1", dt=params.presentation,
                          when="start", name="hub_restart")
        syn = Synapses(hidden, hub, unrolled("X{k} : 1\nQ{k} : 1\n"), name="proj", **events,
                       on_pre={"on": unrolled(WIDE_ON) + "n_on_post += 1",
                               "off": unrolled(WIDE_OFF) + "n_on_post -= 1"})
        weights = "X"
    else:
        hub = NeuronGroup(1, unrolled("vff{k} : 1\n"), clock=clock, name="hub")
        syn = Synapses(hidden, hub, unrolled("w{k} : 1\n"), name="proj", **events,
                       on_pre={"on": unrolled("vff{k}_post += w{k}\n"),
                               "off": unrolled("vff{k}_post -= w{k}\n")})
        weights = "w"
    syn.connect(i=np.arange(N_HIDDEN), j=0)
    for k in range(N_OUT):
        setattr(syn, f"{weights}{k}", W[1][k, :])
    syn.off.order = -1
    pick = " + ".join(f"int(j == {k})*vff{k}_pre" for k in range(N_OUT))
    gather = Synapses(hub, out, f"v_ff_post = {pick} : 1 (summed)", clock=clock, name="gather")
    gather.connect(i=0, j=np.arange(N_OUT))
    return objects + [hub, syn, gather]


def time_layout(layout: str, learning: bool, x, build_dir: Path, repeats: int) -> list[float]:
    """CPU seconds of ``repeats`` runs of one compiled binary."""
    params = SamadiParams()
    select_device("cpp_standalone", build_dir=build_dir, threads=1)
    net = Network(*build(layout, learning, x[0], params))
    net.run(len(x) * params.presentation)
    device.build(directory=str(build_dir), compile=True, run=False)
    cpu = []
    for _ in range(repeats):
        c0 = _child_cpu()
        device.run(with_output=False)
        cpu.append(_child_cpu() - c0)
    reset_device()
    return cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presentations", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--out", default=str(HERE / "results" / "pulse_event_layout.json"))
    args = parser.parse_args(argv)
    x, _, source = images(args.presentations, args.data_dir)
    load_start, t_start = os.getloadavg(), time.perf_counter()
    cpu = {}
    with tempfile.TemporaryDirectory(prefix="spiketeach-layout-") as tmp:
        for version, learning in (("forward", False), ("learning", True)):
            for rnd in range(2):  # alternate the layouts: the VM's speed drifts
                for layout in ("per-synapse", "wide"):
                    key = f"{version}/{layout}"
                    cpu.setdefault(key, []).extend(time_layout(
                        layout, learning, x, Path(tmp) / f"{version}_{layout}_{rnd}", args.repeats))
                    best = min(cpu[key])
                    print(f"{key}: {best:.2f} CPU s for {len(x)} presentations "
                          f"(epoch {60000 * best / len(x):.0f} s)", flush=True)
    epoch = {k: 60000 * min(v) / len(x) for k, v in cpu.items()}
    result = {"benchmark": "pulse_event_layout", "presentations": len(x), "input": source,
              "threads": 1, "device": "cpp_standalone", "cpu_s": cpu,
              "epoch_cpu_s": epoch,
              "wide_over_per_synapse": {v: epoch[f"{v}/wide"] / epoch[f"{v}/per-synapse"]
                                        for v in ("forward", "learning")},
              "load_start": load_start, "load_end": os.getloadavg(),
              "wall_s": time.perf_counter() - t_start, "version": __version__,
              "machine": platform.machine(), "python": platform.python_version()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print("wide / per-synapse CPU time:", {k: round(v, 2)
                                            for k, v in result["wide_over_per_synapse"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
