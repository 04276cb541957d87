"""MNIST / Fashion-MNIST classification with the LIF broadcast-alignment network
(Samadi, Lillicrap & Tweed 2017, §2.7, §3.2, Fig. 5, Table 2).

Protocol: each image is shown for 100 ms; learning and read-out ignore the first 20 ms; the
answer is the most active output over the last 80 ms. Training runs in blocks of 1000 examples
preceded by 100 random test images with learning off (Fig. 5's learning curve); at the end the
whole 10 000-image test set is tested. Each block is one re-run of ONE compiled binary.

Preprocessing (§B, docs/papers/samadi2017.md): one global gain, ``a = pixel/255 × g`` with
g chosen so that the mean training pixel is 0.64 (g ≈ 4.90 for MNIST). Shifting every pixel to
mean 0.64 learns much worse and is not offered.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spiketeach.core.schedule import PresentationSchedule
from spiketeach.errors import UsageError
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.datasets import load_dataset
from spiketeach.protocols.samadi2017.training import evaluate, train_in_blocks

__all__ = ["MEAN_INPUT", "input_gain", "EpochSampler", "MnistRun", "load_inputs", "train_mnist", "digits_data"]

#: mean input activity of the training set after preprocessing (§B)
MEAN_INPUT = 0.64

#: slope gamma of eq. A.6 for the MNIST trials: Appendix B's last sentence says §3.3 used the
#: estimate of the mean da/dv, 0.034 (Figs. 3-4 used gamma = c1 c2, SamadiParams' default).
MNIST_GAMMA = 0.034

def input_gain(train_images: np.ndarray, mean: float = MEAN_INPUT) -> float:
    """The global gain g with mean(pixel/255 × g) = ``mean`` over the training images."""
    return float(mean / (np.asarray(train_images, dtype=float).mean() / 255.0))

class EpochSampler:
    """Training examples in epochs: each epoch a new permutation from (seed, epoch).

    Its position is the whole of its state, so a checkpoint can restore it exactly.
    """

    def __init__(self, inputs: np.ndarray, labels: np.ndarray, seed: int):
        self.inputs, self.labels, self.seed = inputs, labels, seed
        self.epoch, self.pos = 0, 0

    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(len(self.labels))

    def __call__(self, n: int, rng=None):
        idx = []
        while len(idx) < n:
            order = self._order(self.epoch)
            take = order[self.pos:self.pos + n - len(idx)]
            idx.extend(take)
            self.pos += len(take)
            if self.pos == len(order):
                self.epoch, self.pos = self.epoch + 1, 0
        idx = np.asarray(idx)
        return self.inputs[idx], self.labels[idx]

    def get_state(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos}

    def set_state(self, state: dict) -> None:
        self.epoch, self.pos = int(state["epoch"]), int(state["pos"])

@dataclass
class MnistRun:
    """Options of one training run (the CLI's ``spiketeach train mnist``)."""

    layers: list[int] = field(default_factory=lambda: [784, 1000, 10])
    dataset: str = "mnist"
    epochs: float = 1.0
    block: int = 1000                 # training examples per block
    n_test_per_block: int = 100       # random test images before each block (Fig. 5)
    depth: int | None = None          # depth-1: only the output layer learns
    plasticity: str = "fast"
    seed: int = 0
    data_dir: str | None = None
    final_test: int | None = None     # test images at the end (None: all 10 000)
    train_subset: int | None = None   # use only the first N training images (quick runs)
    verify: bool = True               # check the files against the published MD5s

def load_inputs(run: MnistRun):
    """Training and test inputs (preprocessed, flattened) and labels for ``run``."""
    x_tr, y_tr, x_te, y_te = load_dataset(run.dataset, run.data_dir,
                                          checksums=None if run.verify else {})
    gain = input_gain(x_tr)
    if run.train_subset:
        x_tr, y_tr = x_tr[: run.train_subset], y_tr[: run.train_subset]

    def flat(x):
        return x.reshape(len(x), -1).astype(float) / 255.0 * gain
    return flat(x_tr), y_tr, flat(x_te), y_te, gain

def train_mnist(run: MnistRun, out_dir: str | Path, *, checkpoint: str | Path | None = None,
                resume: bool = False, progress=print, params: SamadiParams | None = None,
                data=None) -> dict:
    """Train, test on the test set, write ``<out_dir>/result.json``; return the result.

    ``data`` = (x_train, y_train, x_test, y_test, gain) replaces loading ``run.dataset`` (e.g.
    scikit-learn's 8×8 digits for a quick run).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    params = params or SamadiParams(gamma=MNIST_GAMMA)
    t_start = time.perf_counter()
    # before loading (and checksumming) the data set, which a finished run does not need
    finished = _finished_result(out_dir, run) if resume else None
    if finished is not None:
        progress(f"{out_dir}: already trained and tested ({finished['accuracy']:.2f} %), "
                 "nothing to resume")
        return finished
    x_tr, y_tr, x_te, y_te, gain = data if data is not None else load_inputs(run)
    if run.layers[0] != x_tr.shape[1] or run.layers[-1] != 10:
        raise UsageError(f"layers must start with {x_tr.shape[1]} inputs and end with 10 outputs; "
                         f"got {run.layers}")
    if run.n_test_per_block > len(y_te):
        raise UsageError(f"{len(y_te)} test images, fewer than the {run.n_test_per_block} tested "
                         "before each block")
    n_blocks = max(1, int(round(run.epochs * len(y_tr) / run.block)))
    schedule = PresentationSchedule(run.n_test_per_block + run.block, params.presentation,
                                    params.settle)
    ban = samadi2017.build(run.layers, schedule, params=params, seed=run.seed, depth=run.depth,
                           formulation=run.plasticity, target_drive_high=20.0)
    sampler = EpochSampler(x_tr, y_tr, run.seed)

    def test_set(block):
        idx = np.random.default_rng([run.seed, 7, block]).choice(len(y_te), run.n_test_per_block,
                                                                  replace=False)
        return x_te[idx], y_te[idx]

    progress(f"{run.dataset} {'-'.join(map(str, run.layers))}, {n_blocks} blocks of {run.block} "
             f"examples (+{run.n_test_per_block} test), plasticity {run.plasticity}, gain {gain:.3f}")
    log, state = train_in_blocks(ban, sampler, test_set, None, n_blocks,
                                 rng=np.random.default_rng(run.seed), checkpoint=checkpoint,
                                 resume=resume, final_test=False, progress=progress)
    n_final = len(y_te) if run.final_test is None else min(run.final_test, len(y_te))
    t_test = time.perf_counter()
    err, _ = evaluate(ban, state, x_te[:n_final], y_te[:n_final],
                      progress=lambda s: progress("final test: " + s))
    wall = time.perf_counter() - t_start
    test_wall = time.perf_counter() - t_test
    # wall_s: this session's (a resumed run's earlier sessions are in blocks_wall_s)
    result = {"accuracy": 100 * (1 - err), "test_images": n_final, "curve": log.as_dict(),
              "examples_trained": n_blocks * run.block, "epochs": n_blocks * run.block / len(y_tr),
              "gain": gain, "wall_s": wall, "test_wall_s": test_wall,
              "blocks_wall_s": log.wall_s,
              "total_wall_s": None if log.wall_s is None else log.wall_s + test_wall,
              "run": run.__dict__}
    (out_dir / "result.json").write_text(json.dumps(result, indent=2))
    progress(f"test accuracy {result['accuracy']:.2f} % on {n_final} images after "
             f"{result['examples_trained']} examples ({wall:.0f} s)")
    return result

#: MnistRun fields that define what was trained (data_dir or checksum checks do not)
_RUN_IDENTITY = ("layers", "dataset", "epochs", "block", "n_test_per_block", "depth", "plasticity",
                 "seed", "train_subset", "final_test")

def _finished_result(out_dir: Path, run: MnistRun) -> dict | None:
    """The stored result of this exact run if it completed (so a resumed figure script does not
    re-test a finished network), else None."""
    path = out_dir / "result.json"
    if not path.exists():
        return None
    result = json.loads(path.read_text())
    stored, wanted = result.get("run", {}), json.loads(json.dumps(run.__dict__))
    same_run = all(stored.get(k) == wanted[k] for k in _RUN_IDENTITY)
    return result if same_run else None

def digits_data(seed: int = 0, n_test: int = 297):
    """scikit-learn's bundled 8×8 digits as a small stand-in for MNIST (64 inputs, 10 classes),
    preprocessed the same way (one gain to mean input 0.64)."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order] / 16.0, y[order]
    gain = MEAN_INPUT / x[n_test:].mean()
    return x[n_test:] * gain, y[n_test:], x[:n_test] * gain, y[:n_test], gain
