"""`spiketeach demo`: a spiking learner trained by broadcast alignment on the teacher–student task.

Samadi, Lillicrap & Tweed (2017), §3.1: a 10-layer learner (2-10×8-2 dynamic LIF cells) learns to
mimic a 10-layer tanh teacher. The network is compiled once (cpp_standalone by default) and
trained in blocks, each a re-run of the same binary; every block starts with held-out test
presentations with learning off, which give the learning curve.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from spiketeach import __version__
from spiketeach.core.devices import select_device
from spiketeach.core.schedule import PresentationSchedule
from spiketeach.models import samadi2017
from spiketeach.models.samadi2017.params import SamadiParams
from spiketeach.protocols.samadi2017.teacher_student import LEARNER_SIZES, TeacherStudentTask
from spiketeach.protocols.samadi2017.training import train_in_blocks

__all__ = ["run_demo"]


def run_demo(out_dir: str | Path = "output/demo", *, device: str = "cpp_standalone",
             seed: int = 0, quick: bool = False, threads: int = 1, progress=print) -> dict:
    """Train the spiking learner and write ``learning_curve.png`` and ``demo.json`` to ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    params = SamadiParams()
    n_test, n_train, n_blocks = (20, 30, 2) if quick else (50, 200, 15)
    task = TeacherStudentTask(seed=seed, params=params)
    rng = np.random.default_rng([seed, 1])
    test_x, test_y = task.sample(n_test, rng)
    select_device(device, build_dir=out_dir / "build" if device != "runtime" else None,
                  threads=threads)
    schedule = PresentationSchedule(n_test + n_train, params.presentation, params.settle)
    ban = samadi2017.build(LEARNER_SIZES, schedule, params=params, seed=seed)
    progress(f"teacher-student task, learner {'-'.join(map(str, LEARNER_SIZES))}, device {device}, "
             f"{n_blocks} blocks of {n_train} training + {n_test} test presentations")
    log, _ = train_in_blocks(ban, task.sample, test_x, test_y, n_blocks, rng=rng, progress=progress)
    wall = time.perf_counter() - t_start
    progress(f"test error before training {log.test_error[0]:.3f}, after {log.test_error[-1]:.3f} "
             f"({log.examples[-1]} examples, {wall:.0f} s)")
    result = {"ours": {"test_error_before": log.test_error[0],
                       "test_error_after": log.test_error[-1], "curve": log.as_dict()},
              "protocol": {"learner": LEARNER_SIZES, "n_test": n_test, "n_train_per_block": n_train,
                           "blocks": n_blocks, "presentation_ms": 100, "settle_ms": 20},
              "seed": seed, "device": device, "wall_s": wall, "version": __version__,
              "quick": quick}
    (out_dir / "demo.json").write_text(json.dumps(result, indent=2))
    _plot_curve(log, out_dir / "learning_curve.png")
    progress(f"wrote {out_dir / 'learning_curve.png'} and {out_dir / 'demo.json'}")
    return result


def _plot_curve(log, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(log.examples, 100 * np.asarray(log.test_error), "o-", label="test (learning off)")
    ax.axhline(50, color="grey", ls=":", label="chance")
    ax.set_xlabel("training examples")
    ax.set_ylabel("error (%)")
    ax.set_title("Spiking LIF learner, broadcast alignment")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
