"""The authors' EMSTDP numpy code (zmeidd/EMSTDP, ``EMSTDP_python/EMSTDP_algo.py``, imported
unchanged from a copy outside this repository) driven as their ``EMSTDP_main.py`` drives it:
batches of 10 in fixed order, one uniform number per step shared by the batch and all pixels,
η = 1/(2·5000), ε = 3, hidden ratio 0.5, output 0.1, derivative gate, clipping; test with
``Network.Test`` in batches of 1000. Run by :mod:`emstdp_vs_authors` in its own process (its
interpreter needs numpy and opt_einsum; this file imports nothing of spiketeach).

Writes a JSON object: training CPU and wall seconds (``time.process_time`` of this process,
BLAS on one thread), test accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402


def spikes_of(x: np.ndarray, T: int) -> np.ndarray:
    """EMSTDP_main.py's encoding: r_t shared by the batch and every pixel, spike iff r_t < p."""
    r = np.tile(np.random.random([T, 1, 1]), (1, len(x), x.shape[1]))
    return (r < np.tile(x[None], (T, 1, 1))).astype(float)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--authors-dir", required=True, help="folder holding EMSTDP_algo.py")
    parser.add_argument("--data", required=True, help="npz with x_train, y_train, x_test, y_test")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--test-batch", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    sys.path.insert(0, args.authors_dir)
    import EMSTDP_algo as svp  # noqa: E402  (the authors' file, unchanged)

    d = np.load(args.data)
    x, y, xt, yt = d["x_train"], d["y_train"].astype(int), d["x_test"], d["y_test"].astype(int)
    np.random.seed(args.seed)
    T, bs = args.T, args.batch
    # EMSTDP_main.py: Network(dfa, dropr, evt, norm, rel, delt, dr, init, clp, lim, inputs,
    # hiddens, outputs, threshold_h, threshold_o, T, bias, lr, scale, twin, epsilon)
    net = svp.Network(0, 0.0, 0, 0.0, 0, 5, 1, 0, True, 1.0, x.shape[1], [args.hidden], 10,
                      0.5, 0.1, T, 0.0, 0.001, 1.0, int(T / 2 - 1), 3)
    net.lr = 1.0 / (2.0 * (5000.0 + 0))  # the driver's schedule in its first 300 epochs
    c0, t0 = time.process_time(), time.perf_counter()
    train_correct = 0
    for i in range(len(y) // bs):
        sl = slice(i * bs, (i + 1) * bs)
        pred, _ = net.Train(spikes_of(x[sl], T), y[sl], bs)
        train_correct += int(np.sum(pred == y[sl]))
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    n_train = len(y) // bs * bs
    correct = 0
    c1 = time.process_time()
    for i in range(0, len(yt), args.test_batch):
        xb = xt[i:i + args.test_batch]
        correct += int(np.sum(net.Test(spikes_of(xb, T), len(xb)) == yt[i:i + args.test_batch]))
    result = {"train_samples": n_train, "train_cpu_s": cpu, "train_wall_s": wall,
              "samples_per_cpu_s": n_train / cpu, "samples_per_s": n_train / wall,
              "train_accuracy": 100.0 * train_correct / n_train,
              "test_accuracy": 100.0 * correct / len(yt), "test_samples": len(yt),
              "test_cpu_s": time.process_time() - c1, "numpy": np.__version__}
    with open(args.out, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
