"""eRBP MNIST training speed: ours (cpp_standalone, 1 thread) beside the authors' Auryn code (issue 19).

The authors' simulator is github.com/HBPNeurorobotics/auryn (an Auryn fork, GPLv3), whose
``experiments/exp_rbp_dual.cpp`` is the one-hidden-layer eRBP network of their MNIST scripts
(``run_classification_mnist_dual.py``). It is not vendored: build it once outside this
repository (Debian packages libboost-{mpi,system,filesystem,program-options,serialization,
date-time,test}-dev and libopenmpi-dev; then ``cmake <src> -DCMAKE_BUILD_TYPE=Release`` and
``make exp_rbp_dual``, as docs/families/neftci2017.md says) and pass the build directory with
``--auryn-build``.

Both train the same digits in the same order from the same initial weights (ours, seed 0,
written as the Matrix Market files the Auryn binary reads), 250 ms per digit at dt = 0.1 ms
with the code's parameters (η = 6e-4, boxcar ±1.15, noise 1000 Hz × 0.05, escape-noise input),
recording only the output spikes. The converter writes what their ``create_rbp_init`` and
``create_data_rbp`` write: ``fwmat_{vh,ho,oe,ve,eo,eh}.mtx`` and the input-current time series
(I × 10⁴ per unit and digit, read by their PatternStimulator and multiplied by dt), plus one
pattern per visible unit.

Timings: Auryn's whole process (``auryn_wall_s``: start-up, loading, simulation) and its own
simulation time (``elapsed.dat``); ours over the blocks after the first (the first block
generates and compiles the code: ``first_block_s``), each block a re-run of the compiled binary.
The on-line training accuracy over the second half of the digits (the class with most output
spikes during the digit, with learning on) is a check that both learn alike; the two draw
different random numbers, so they do not match exactly.

Writes ``benchmarks/results/neftci2017_vs_auryn.json``. Usage::

    SPIKETEACH_DATA=/work/shared/data python benchmarks/neftci2017_vs_auryn.py \\
        --auryn-build /work/runs/auryn/build [--hidden 200,500] [--digits 1000] [--block 100]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "neftci2017_vs_auryn.json"


def _child_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime + _child_cpu_s()


def _mmwrite(path: Path, M: np.ndarray, rows=None) -> None:
    """A dense (pre × post) matrix as Matrix Market coordinate entries (Auryn's
    ``load_from_complete_file``); ``rows``: only these presynaptic rows get synapses."""
    from scipy.io import mmwrite
    from scipy.sparse import coo_matrix
    keep = np.zeros(M.shape, dtype=bool)
    keep[rows if rows is not None else slice(None)] = True
    keep &= M != 0
    i, j = np.nonzero(keep)
    mmwrite(str(path), coo_matrix((M[i, j], (i, j)), shape=M.shape), field="real",
            symmetry="general")


def write_auryn_inputs(d: Path, W_in, W_out, B, pixels, labels, params) -> dict:
    """The files the Auryn binary reads, for one hidden layer: W_in (n_h × 784), W_out
    (10 × n_h), B (n_h × 10), pixels (digits × 784) in [0, 1], labels (digits,)."""
    n_h, n_px = W_in.shape
    n_c = W_out.shape[0]
    nv = n_px + n_c
    vh = np.zeros((nv, n_h))
    vh[:n_px] = W_in.T
    ve = np.zeros((nv, n_c))
    ve[n_px:] = np.eye(n_c) * params.w_err
    files = {"fvh": "fwmat_vh.mtx", "fho": "fwmat_ho.mtx", "foe": "fwmat_oe.mtx",
             "fve": "fwmat_ve.mtx", "feo": "fwmat_eo.mtx", "feh": "fwmat_eh.mtx"}
    _mmwrite(d / files["fvh"], vh, rows=slice(0, n_px))
    _mmwrite(d / files["fho"], W_out.T)
    _mmwrite(d / files["foe"], -np.eye(n_c) * params.w_err)
    _mmwrite(d / files["fve"], ve)
    _mmwrite(d / files["feo"], np.eye(n_c) * params.w_fb_out)
    _mmwrite(d / files["feh"], B.T)
    # their create_data_rbp: pixels (p − 0.43)·10⁴·0.5 for p > 0, −10⁴ for p = 0; labels
    # (0.98 or 1e-5 − 0.5)·10⁴; the stimulator multiplies by dt = 1e-4
    p = np.asarray(pixels, dtype=float)
    cur = np.where(p > 0, (p - params.pixel_offset) * 1e4 * params.pixel_gain, -1e4)
    lab = np.where(np.eye(n_c)[np.asarray(labels, dtype=int)] > 0, 0.98, 1e-5)
    t = np.arange(len(p)) * float(params.sample_duration)
    np.savetxt(d / "input_current_file", np.column_stack([t, cur, (lab - 0.5) * 1e4]), fmt="%f")
    (d / "ipat").write_text("# one pattern per visible unit\n"
                            + "".join(f"{i} 1\n\n" for i in range(nv)))
    files.update(ip_v="input_current_file", ip_file="ipat")
    return files


def run_auryn(binary: Path, d: Path, files: dict, n_digits: int, n_h: int, params) -> dict:
    out = d / "out"
    out.mkdir(exist_ok=True)
    sim = n_digits * float(params.sample_duration)
    cmd = [str(binary), "--learn", "true", "--simtime", f"{sim}", "--stimtime", f"{sim}",
           "--record_full", "false", "--record_rasters", "false", "--record_rates", "true",
           "--dir", str(out), "--eta", f"{params.eta}", "--prob_syn", f"{params.p_transmit}",
           "--gate_low", f"{params.b_lo}", "--gate_high", f"{params.b_hi}",
           "--nvis", str(784 + 10), "--nhid", str(n_h), "--nout", "10",
           "--sigma", f"{params.noise_weight}"]
    for k, v in files.items():
        cmd += [f"--{k}", str(d / v)]
    c0, t0 = _child_cpu_s(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=d, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _child_cpu_s() - c0
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise RuntimeError(f"Auryn exited with {proc.returncode}: {' | '.join(tail)}")
    elapsed = float((out / "elapsed.dat").read_text().split()[0])
    ras = np.loadtxt(out / "coba.0.out.ras", ndmin=2)
    counts = np.zeros((n_digits, 10))
    if ras.size:
        k = np.floor(ras[:, 0] / float(params.sample_duration) + 1e-9).astype(int)
        keep = k < n_digits
        np.add.at(counts, (k[keep], ras[keep, 1].astype(int)), 1)
    return {"wall_s": wall, "cpu_s": cpu, "sim_s": elapsed, "counts": counts,
            "command": " ".join(cmd[:1] + ["..."])}


def run_ours(sizes, x, y, block, seed, build_dir) -> dict:
    from spiketeach.core.devices import reset_device, select_device
    from spiketeach.models.neftci2017 import build
    from spiketeach.protocols.neftci2017.training import block_seed, run_erbp_block

    n_blocks = len(y) // block
    select_device("cpp_standalone", build_dir=build_dir, threads=1)
    try:
        net = build(sizes, block, seed=seed)
        counts, state = [], None
        t0 = time.perf_counter()
        for b in range(n_blocks):
            if b == 1:
                first = time.perf_counter() - t0
                t0, c0 = time.perf_counter(), _cpu_s()
            sl = slice(b * block, (b + 1) * block)
            res = run_erbp_block(net, state, x[sl], y[sl], np.ones(block),
                                 seed=block_seed(seed, 0, 0, b))
            state = net.get_state()
            counts.append(res.counts)
        wall, cpu = time.perf_counter() - t0, _cpu_s() - c0
    finally:
        reset_device()
    return {"wall_s": wall, "cpu_s": cpu, "digits_timed": (n_blocks - 1) * block,
            "first_block_s": first, "counts": np.concatenate(counts)}


def online_accuracy(counts, labels) -> float:
    """Fraction of the second half of the digits whose most active output is the label."""
    half = len(labels) // 2
    return float(np.mean(np.argmax(counts[half:], axis=1) == np.asarray(labels)[half:]))


def compare(binary: Path, n_h: int, x, y, block: int, seed: int, log=print) -> dict:
    from spiketeach.models.neftci2017 import ERBPParams
    from spiketeach.models.neftci2017.network import initial_values

    params = ERBPParams()
    sizes = [784, n_h, 10]
    W, B = initial_values(sizes, params, seed)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        files = write_auryn_inputs(d, W[0], W[1], B, x, y, params)
        a = run_auryn(binary, d, files, len(y), n_h, params)
        log(f"Auryn 784-{n_h}-10: {len(y)} digits in {a['wall_s']:.1f} s "
            f"(simulation {a['sim_s']:.1f} s)")
        o = run_ours(sizes, x, y, block, seed, d / "brian_build")
    n = len(y)
    res = {
        "sizes": sizes, "digits": n,
        "auryn": {"wall_s": a["wall_s"], "cpu_s": a["cpu_s"], "sim_s": a["sim_s"],
                  "digits_per_s": n / a["wall_s"], "digits_per_s_sim_only": n / a["sim_s"],
                  "digits_per_cpu_s": n / a["cpu_s"],
                  "online_accuracy_second_half": online_accuracy(a["counts"], y)},
        "ours": {"wall_s": o["wall_s"], "cpu_s": o["cpu_s"], "digits_timed": o["digits_timed"],
                 "first_block_s": o["first_block_s"],
                 "digits_per_s": o["digits_timed"] / o["wall_s"],
                 "digits_per_cpu_s": o["digits_timed"] / o["cpu_s"],
                 "online_accuracy_second_half": online_accuracy(o["counts"], y)},
    }
    res["ratio_ours_over_auryn_per_cpu_s"] = (res["ours"]["digits_per_cpu_s"]
                                             / res["auryn"]["digits_per_cpu_s"])
    res["ratio_ours_over_auryn_wall"] = res["ours"]["digits_per_s"] / res["auryn"]["digits_per_s"]
    res["ratio_ours_over_auryn_sim_only"] = (res["ours"]["digits_per_s"]
                                            / res["auryn"]["digits_per_s_sim_only"])
    log(f"784-{n_h}-10: ours {res['ours']['digits_per_cpu_s']:.2f} digits per CPU s, Auryn "
        f"{res['auryn']['digits_per_cpu_s']:.2f}: ratio {res['ratio_ours_over_auryn_per_cpu_s']:.2f}")
    return res


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--auryn-build", default=os.environ.get("AURYN_BUILD",
                                                                "/work/runs/auryn/build"))
    parser.add_argument("--hidden", default="200,500", help="hidden-layer sizes")
    parser.add_argument("--digits", type=int, default=1000)
    parser.add_argument("--block", type=int, default=100, help="our digits per run()")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--data-dir", default=os.environ.get("SPIKETEACH_DATA"))
    args = parser.parse_args(argv)
    from spiketeach.protocols.neftci2017.training import balanced_order, load_pixels

    binary = Path(args.auryn_build) / "experiments" / "exp_rbp_dual"
    result = {"auryn_source": "github.com/HBPNeurorobotics/auryn HEAD (226afb8), "
                              "experiments/exp_rbp_dual.cpp", "auryn_binary": str(binary),
              "device": "cpp_standalone", "threads": 1, "block": args.block,
              "load_before": os.getloadavg(), "runs": {}}
    if not binary.exists():
        result["why_not_timed"] = f"no Auryn binary at {binary} (build it as the docstring says)"
    else:
        xtr, ytr, _, _ = load_pixels("mnist", args.data_dir)
        n = args.digits // args.block * args.block
        if n < 2 * args.block:
            raise SystemExit("--digits must cover at least two blocks")
        order = balanced_order(ytr, n, np.random.default_rng(args.seed))
        x, y = xtr[order], ytr[order]
        for n_h in (int(h) for h in args.hidden.split(",") if h):
            result["runs"][f"784-{n_h}-10"] = compare(binary, n_h, x, y, args.block, args.seed)
    result["load_after"] = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=1))
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
