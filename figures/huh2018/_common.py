"""Shared parts of the huh2018 training figures (encoding, xor): the command line's training
options and run, the run before/after, and the panels (not a figure script: the leading _ keeps it out
of the figure registry)."""

from __future__ import annotations

import numpy as np

from spiketeach import plotting
from spiketeach.core.devices import reset_device, select_device
from spiketeach.core.progress import Progress
from spiketeach.protocols.huh2018.training import brian2_forward, evaluate


def add_training_options(parser):
    parser.add_argument("--blocks", type=int, default=None, help="training blocks (override)")
    parser.add_argument("--checkpoint", default=None,
                        help="checkpoint file (written after every block)")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--progress", action="store_true", help="a progress bar (else lines)")
    return parser


def parse_and_run(parser, argv, run):
    """Add the training options to the script's ``parser``, parse ``argv`` and call ``run`` with
    a progress display; returns (arguments, the result)."""
    args = add_training_options(parser).parse_args(argv)
    with Progress("train", unit="trials", plain=not args.progress) as progress:
        result = run(args.out, quick=args.quick, seed=args.seed, device=args.device,
                     blocks=args.blocks, checkpoint=args.checkpoint, resume=args.resume,
                     progress=progress)
    return args, result


def forward_for(device: str, weights, steps: int, params):
    """None (the numpy forward pass) on runtime; the Brian2 network on a standalone device,
    selected here (the caller resets the device afterwards)."""
    if device == "runtime":
        return None
    select_device(device)
    return brian2_forward(weights, steps, params)


def done_with(device: str) -> None:
    if device != "runtime":
        reset_device()


def before_after(weights0, weights1, batch, params, rate_cost, task=None):
    return {name: evaluate(w, batch, params, rate_cost, task)
            for name, w in (("initial", weights0), ("final", weights1))}


def raster(ax, evaluation, trial: int, dt: float, title: str) -> None:
    step, neuron = evaluation["trajectory"].spike_steps(trial)
    plotting.raster(ax, step * dt * 1e3, neuron, title=title)


def learning_curves(ax, log, keys=("loss",), test_keys=("loss",)) -> None:
    it = np.asarray(log["iteration"])
    for key in keys:
        ax.semilogy(it, log[key], "-", color="0.6", lw=1, label=f"train {key}")
    test_it = [t["iteration"] for t in log["test"]]
    for key in test_keys:
        ax.semilogy(test_it, [t[key] for t in log["test"]], "ko-", ms=3, label=f"held-out {key}")
    ax.set(xlabel="iteration (Adam step)")
    ax.legend(fontsize=7)
