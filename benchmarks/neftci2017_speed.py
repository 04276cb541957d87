"""eRBP training speed on cpp_standalone, 1 thread: event-driven rule vs per-step rule (issue 19).

Measures training digits per second of the eRBP network (real MNIST digits, 250 ms each at
dt = 0.1 ms, learning on, the code's parameters; one compiled binary re-run with ``run_args`` per
block, the first block — code generation and compilation — left out) in two formulations of the
same rule (:mod:`spiketeach.models.neftci2017.spiking`):

* ``fast`` — the rule at presynaptic spikes only (``on_pre``), as the authors' code runs it;
* ``reference`` — the rule checked at every step for every synapse (``run_regularly``).

Two rates: ``digits_per_s`` from wall-clock time (depends on the load of this shared machine)
and ``digits_per_cpu_s`` from the CPU time of the simulation processes and Python together.

The authors' Auryn code is timed beside ours in ``benchmarks/neftci2017_vs_auryn.py`` (it needs
Boost with Boost.MPI and an MPI compiler; ``auryn_available()`` says whether this machine has
them, and the result records it).

Writes ``benchmarks/results/neftci2017_speed.json``. Usage::

    SPIKETEACH_DATA=/work/shared/data python benchmarks/neftci2017_speed.py [--sizes 784-500-10]
        [--blocks 3] [--block 20] [--formulations fast,reference] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "neftci2017_speed.json"


def _cpu_s() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def auryn_available() -> dict:
    """What building the authors' Auryn code would need, and whether this machine has it."""
    need = {"mpicxx": shutil.which("mpicxx"), "cmake": shutil.which("cmake"),
            "boost_headers": os.path.isdir("/usr/include/boost"),
            "boost_mpi": any(Path(d).glob("libboost_mpi*")
                             for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib", "/usr/local/lib")
                             if Path(d).is_dir())}
    return {"available": all(bool(v) for v in need.values()), "found": {k: bool(v) for k, v in need.items()}}


def measure(sizes, formulation, x, y, block, blocks, seed=0) -> dict:
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.models.neftci2017 import build
    from spiketeach.protocols.neftci2017.training import block_seed, run_erbp_block

    with tempfile.TemporaryDirectory() as tmp:
        select_device("cpp_standalone", build_dir=Path(tmp) / "build", threads=1)
        try:
            net = build(sizes, block, formulation=formulation, seed=seed)
            t0 = time.perf_counter()
            run_erbp_block(net, None, x[:block], y[:block], np.ones(block), seed=block_seed(seed, 0, 0))
            first_s = time.perf_counter() - t0
            state = net.get_state()
            t0, c0 = time.perf_counter(), _cpu_s()
            for b in range(1, blocks + 1):
                sl = slice(b * block, (b + 1) * block)
                run_erbp_block(net, state, x[sl], y[sl], np.ones(block), seed=block_seed(seed, 0, b))
                state = net.get_state()
            wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
        finally:
            reset_device()
    n = blocks * block
    return {"digits": n, "wall_s": wall, "cpu_s": cpu, "digits_per_s": n / wall,
            "digits_per_cpu_s": n / cpu, "first_block_s": first_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="784-500-10")
    parser.add_argument("--block", type=int, default=20, help="digits per run()")
    parser.add_argument("--blocks", type=int, default=3, help="timed blocks (after the first)")
    parser.add_argument("--formulations", default="fast,reference")
    parser.add_argument("--quick", action="store_true", help="784-100-10, 2 blocks of 4 digits")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    from spiketeach.protocols.neftci2017.training import load_pixels

    sizes = [784, 100, 10] if args.quick else [int(n) for n in args.sizes.split("-")]
    block, blocks = (4, 2) if args.quick else (args.block, args.blocks)
    xtr, ytr, _, _ = load_pixels("mnist", args.data_dir)
    order = np.random.default_rng(0).permutation(len(ytr))[:(blocks + 1) * block]
    x, y = xtr[order], ytr[order]
    result = {"sizes": sizes, "device": "cpp_standalone", "threads": 1, "block": block,
              "load_before": os.getloadavg(), "formulations": {}}
    for f in [s for s in args.formulations.split(",") if s]:
        result["formulations"][f] = r = measure(sizes, f, x, y, block, blocks)
        print(f"{f}: {r['digits_per_s']:.2f} digits/s wall, {r['digits_per_cpu_s']:.2f} per CPU s")
    fo = result["formulations"]
    if "fast" in fo and "reference" in fo:
        result["speedup_fast_over_reference"] = (fo["fast"]["digits_per_cpu_s"]
                                                 / fo["reference"]["digits_per_cpu_s"])
    result["auryn"] = auryn_available()
    result["auryn"]["timed_in"] = "benchmarks/neftci2017_vs_auryn.py"
    if not result["auryn"]["available"]:
        result["auryn"]["missing"] = ("Boost (incl. Boost.MPI) or an MPI compiler: the "
                                      "authors' Auryn code cannot be built here")
    result["load_after"] = os.getloadavg()
    result["quick"] = bool(args.quick)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
