"""The ``spiketeach`` command.

    spiketeach demo                 train the spiking learner on the teacher–student task
    spiketeach figures              list the figure scripts
    spiketeach figure NAME [...]    regenerate one figure (PNG + JSON); options the command
                                    does not know go to the script (e.g. --epochs)
    spiketeach train mnist          train the LIF-BA network on MNIST (checkpoints; --resume)
    spiketeach sweep rate|spiking   depth-of-learning trials on Dask (resumable)

Each takes ``--device``, ``--seed``, ``--quick`` and ``--out DIR``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from spiketeach.core.devices import DEVICES, DeviceError
from spiketeach.protocols import sweep as _sweep

__all__ = ["main", "figure_scripts"]

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"


def figure_scripts() -> dict[str, Path]:
    """Figure name (e.g. ``samadi2017-fig2``) -> script path."""
    if not FIGURES_DIR.is_dir():
        return {}
    return {f"{p.parent.name}-{p.stem}".replace("_", "-"): p
            for p in sorted(FIGURES_DIR.glob("*/*.py")) if not p.name.startswith("_")}


def _common(parser: argparse.ArgumentParser, default_device: str | None) -> None:
    parser.add_argument("--device", default=default_device, choices=DEVICES,
                        help=f"Brian2 device (default: {default_device or 'the script’s own'})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--quick", action="store_true", help="a short run (seconds)")
    parser.add_argument("--out", default=None, help="output directory")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spiketeach", description=__doc__.split("\n")[1].strip()
                                     if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the spiking learner on the teacher-student task")
    _common(demo, "cpp_standalone")
    demo.add_argument("--threads", type=int, default=1, help="OpenMP threads (cpp_standalone)")
    train = sub.add_parser("train", help="train on MNIST / Fashion-MNIST (resumable)")
    train.add_argument("dataset", choices=["mnist", "fashion-mnist"])
    _common(train, "cpp_standalone")
    train.add_argument("--layers", default="784-1000-10", help="e.g. 784-630-370-10")
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument("--depth1", action="store_true", help="only the output layer learns")
    train.add_argument("--plasticity", choices=["fast", "reference"], default="fast",
                       help="first projection: exact presentation-clocked form, or per-step")
    train.add_argument("--data-dir", default=None, help="directory with the IDX files "
                       "(default: $SPIKETEACH_DATA, then the user cache)")
    train.add_argument("--checkpoint", default=None, help="checkpoint file (default: OUT/checkpoint.npz)")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    train.add_argument("--threads", type=int, default=1, help="OpenMP threads (cpp_standalone)")
    figs = sub.add_parser("figures", help="list the figure scripts")
    _common(figs, "runtime")
    fig = sub.add_parser("figure", help="regenerate one figure (other options go to its script, "
                                        "e.g. --epochs)")
    fig.add_argument("name", help="figure name, see `spiketeach figures`")
    _common(fig, None)  # each script knows which device its full mode needs
    _sweep.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    # `spiketeach figure NAME ...` hands the options it does not know to the figure script
    args, script_args = parser.parse_known_args(argv)
    if script_args and args.command != "figure":
        parser.error(f"unrecognized arguments: {' '.join(script_args)}")
    args.script_args = script_args
    try:
        if args.command == "demo":
            from spiketeach.demo import run_demo

            run_demo(args.out or "output/demo", device=args.device, seed=args.seed,
                     quick=args.quick, threads=args.threads)
        elif args.command == "train":
            return _train(args)
        elif args.command == "sweep":
            return _sweep.run_from_args(args)
        elif args.command == "figures":
            for name, path in figure_scripts().items():
                print(f"{name:28s} {path}")
        elif args.command == "figure":
            return _run_figure(args)
    except DeviceError as exc:
        print(f"spiketeach: {exc}", file=sys.stderr)
        return 2
    return 0


def _train(args) -> int:
    from spiketeach.core.devices import select_device
    from spiketeach.protocols.samadi2017.mnist import MnistRun, train_mnist

    try:
        layers = [int(n) for n in args.layers.split("-")]
    except ValueError:
        print(f"spiketeach: --layers must look like 784-1000-10, not {args.layers!r}", file=sys.stderr)
        return 2
    out = Path(args.out or f"output/{args.dataset}-{args.layers}")
    quick = dict(epochs=0.02, block=100, n_test_per_block=20, final_test=200) if args.quick else {}
    run = MnistRun(layers=layers, dataset=args.dataset, epochs=args.epochs, seed=args.seed,
                   depth=1 if args.depth1 else None, plasticity=args.plasticity,
                   data_dir=args.data_dir, **quick)
    select_device(args.device, build_dir=out / "build" if args.device != "runtime" else None,
                  threads=args.threads)
    train_mnist(run, out, checkpoint=args.checkpoint or out / "checkpoint.npz", resume=args.resume)
    return 0


def _run_figure(args) -> int:
    scripts = figure_scripts()
    name = args.name.replace("_", "-")
    if name not in scripts:
        known = ", ".join(scripts) or f"none (no figures/ directory at {FIGURES_DIR})"
        print(f"spiketeach: unknown figure {args.name!r}; known: {known}", file=sys.stderr)
        return 2
    spec = importlib.util.spec_from_file_location(f"spiketeach_figure_{name}", scripts[name])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--seed", str(args.seed)]
    if args.device:
        argv += ["--device", args.device]
    if args.quick:
        argv.append("--quick")
    if args.out:
        argv += ["--out", args.out]
    return module.main(argv + args.script_args) or 0


if __name__ == "__main__":
    sys.exit(main())
