"""The ``spiketeach`` command.

    spiketeach demo                 train the spiking learner on the teacher–student task
    spiketeach figures              list the figure scripts
    spiketeach figure NAME [...]    regenerate one figure (PNG + JSON); options the command
                                    does not know go to the script (e.g. --epochs)
    spiketeach train mnist          train the LIF-BA network on MNIST (checkpoints; --resume)
    spiketeach sweep rate|spiking   depth-of-learning trials on Dask (resumable)

Each takes ``--device``, ``--seed``, ``--quick`` and ``--out DIR``.

Expected errors — a data set missing or corrupted, a device unknown or not installed, arguments
out of range, a checkpoint written for another network, a run that diverged (the
:class:`~spiketeach.errors.SpiketeachError` family) — end as one line ``spiketeach: ...`` on
stderr with exit code 2; ``--debug`` prints the traceback too. Long runs show their progress
(:mod:`spiketeach.core.progress`): a bar on a terminal, plain lines otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import traceback
from pathlib import Path

from spiketeach.core.devices import DEVICES
from spiketeach.errors import SpiketeachError, UsageError
from spiketeach.protocols.samadi2017 import depth_sweep as _sweep

__all__ = ["main", "figure_scripts"]

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"


def figure_scripts() -> dict[str, Path]:
    """Figure name (e.g. ``samadi2017-fig2``) -> script path."""
    if not FIGURES_DIR.is_dir():
        return {}
    return {f"{p.parent.name}-{p.stem}".replace("_", "-"): p
            for p in sorted(FIGURES_DIR.glob("*/*.py")) if not p.name.startswith("_")}


#: input size and number of classes of each data set ``spiketeach train`` knows
DATASET_SIZES = {"mnist": (784, 10), "fashion-mnist": (784, 10)}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are :class:`UsageError` (one line from :func:`main`)
    instead of a usage block and ``SystemExit``."""

    def error(self, message: str):
        command = self.prog.split(" ", 1)[1] + ": " if " " in self.prog else ""
        raise UsageError(f"{command}{message} (see `{self.prog} --help`)")


def _number(kind, minimum, strict: bool):
    """An argparse type: ``kind`` (int or float), finite, > (strict) or >= ``minimum``."""
    what = "an integer" if kind is int else "a finite number"
    bound = f"{'>' if strict else '>='} {minimum}"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, got {text!r}") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(f"must be {what} {bound}, got {text}")
        return value
    return parse


_seed = _number(int, 0, strict=False)
_positive_int = _number(int, 1, strict=False)
_positive_float = _number(float, 0, strict=True)


def _common(parser: argparse.ArgumentParser, default_device: str | None) -> None:
    parser.add_argument("--device", default=default_device, choices=DEVICES,
                        help=f"Brian2 device (default: {default_device or 'the script’s own'})")
    parser.add_argument("--seed", type=_seed, default=0, help="random seed >= 0 (default: 0)")
    parser.add_argument("--quick", action="store_true", help="a short run (seconds)")
    parser.add_argument("--out", default=None, help="output directory")
    _debug(parser)


def _debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error, not only its one-line message")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="spiketeach", description=__doc__.split("\n")[1].strip()
                     if __doc__ else None)
    _debug(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="train the spiking learner on the teacher-student task")
    _common(demo, "cpp_standalone")
    demo.add_argument("--threads", type=_positive_int, default=1,
                      help="OpenMP threads (cpp_standalone)")
    train = sub.add_parser("train", help="train on MNIST / Fashion-MNIST (resumable)")
    train.add_argument("dataset", choices=["mnist", "fashion-mnist"])
    _common(train, "cpp_standalone")
    train.add_argument("--layers", default="784-1000-10",
                       help="layer sizes from the input (784 pixels) to the output (10 classes), "
                            "e.g. 784-630-370-10")
    train.add_argument("--epochs", type=_positive_float, default=1.0,
                       help="passes over the training set, > 0 (--quick overrides it)")
    train.add_argument("--depth1", action="store_true", help="only the output layer learns")
    train.add_argument("--plasticity", choices=["fast", "reference"], default="fast",
                       help="first projection: exact per-presentation form, or per-step")
    train.add_argument("--data-dir", default=None, help="directory with the IDX files "
                       "(default: $SPIKETEACH_DATA, then the user cache)")
    train.add_argument("--no-verify", action="store_true",
                       help="do not check the files against the published MD5s (own files)")
    train.add_argument("--checkpoint", default=None, help="checkpoint file (default: OUT/checkpoint.npz)")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    train.add_argument("--threads", type=_positive_int, default=1,
                       help="OpenMP threads (cpp_standalone)")
    figs = sub.add_parser("figures", help="list the figure scripts")
    _common(figs, "runtime")
    fig = sub.add_parser("figure", help="regenerate one figure (other options go to its script, "
                                        "e.g. --epochs)")
    fig.add_argument("name", help="figure name, see `spiketeach figures`")
    _common(fig, None)  # each script knows which device its full mode needs
    _sweep.add_parser(sub)
    _debug(sub.choices["sweep"])
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit code (2: an expected error, reported in one line)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        return _main(argv)
    except SpiketeachError as exc:
        if "--debug" in argv:
            traceback.print_exc()
        # one line, whatever the message holds
        message = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        print(f"spiketeach: {message or type(exc).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spiketeach: interrupted", file=sys.stderr)
        return 130


def _main(argv: list[str]) -> int:
    parser = _parser()
    # `spiketeach figure NAME ...` hands the options it does not know to the figure script
    args, script_args = parser.parse_known_args(argv)
    if script_args and args.command != "figure":
        parser.error(f"unrecognized arguments: {' '.join(script_args)}")
    args.script_args = script_args
    if args.command == "demo":
        from spiketeach.core.progress import Progress
        from spiketeach.demo import run_demo

        with Progress("demo", unit="ex") as progress:
            run_demo(args.out or "output/demo", device=args.device, seed=args.seed,
                     quick=args.quick, threads=args.threads, progress=progress)
    elif args.command == "train":
        return _train(args)
    elif args.command == "sweep":
        _check_sweep_args(args)
        return _sweep.run_from_args(args)
    elif args.command == "figures":
        for name, path in figure_scripts().items():
            print(f"{name:28s} {path}")
    elif args.command == "figure":
        return _run_figure(args)
    return 0


def parse_layers(text: str, dataset: str) -> list[int]:
    """``--layers`` as sizes, checked against ``dataset``'s input size and classes."""
    try:
        layers = [int(n) for n in text.split("-")]
    except ValueError:
        raise UsageError(f"--layers must look like 784-1000-10 (sizes joined by '-'), "
                         f"not {text!r}") from None
    if len(layers) < 2 or min(layers) < 1:
        raise UsageError(f"--layers needs two or more positive sizes (input-...-output), "
                         f"got {text!r}")
    n_in, n_out = DATASET_SIZES[dataset]
    if layers[0] != n_in or layers[-1] != n_out:
        raise UsageError(f"--layers {text}: {dataset} needs {n_in} inputs (its image size) and "
                         f"{n_out} outputs (its classes), e.g. {n_in}-1000-{n_out}; "
                         f"got {layers[0]} inputs and {layers[-1]} outputs")
    return layers


def _check_sweep_args(args) -> None:
    """The ranges of ``spiketeach sweep``'s options (its parser lives in protocols.samadi2017.depth_sweep)."""
    for name, minimum in (("trials", 1), ("seed", 0), ("workers", 0), ("n_train", 1),
                          ("eval_every", 1), ("n_test", 1), ("batch", 1)):
        value = getattr(args, name)
        if value is not None and value < minimum:
            raise UsageError(f"sweep: --{name.replace('_', '-')} must be >= {minimum}, "
                             f"got {value}")
    if args.eta_scale is not None and not (math.isfinite(args.eta_scale) and args.eta_scale > 0):
        raise UsageError(f"sweep: --eta-scale must be > 0, got {args.eta_scale}")
    try:
        depths = _sweep._parse_depths(args.depths)
    except ValueError:
        depths = []
    if not depths or min(depths) < 1:
        raise UsageError(f"sweep: --depths must look like 1-9 or 1,9 (depths >= 1), "
                         f"not {args.depths!r}")


def _train(args) -> int:
    from spiketeach.core.devices import select_device
    from spiketeach.core.progress import Progress
    from spiketeach.protocols.samadi2017.mnist import MnistRun, train_mnist

    layers = parse_layers(args.layers, args.dataset)
    out = Path(args.out or f"output/{args.dataset}-{args.layers}")
    options = dict(epochs=args.epochs)
    if args.quick:  # a smoke test in seconds: one block of 20 examples; overrides --epochs
        options.update(epochs=1.0, train_subset=20, block=20, n_test_per_block=5, final_test=25)
    run = MnistRun(layers=layers, dataset=args.dataset, seed=args.seed,
                   depth=1 if args.depth1 else None, plasticity=args.plasticity,
                   data_dir=args.data_dir, verify=not args.no_verify, **options)
    select_device(args.device, build_dir=out / "build" if args.device != "runtime" else None,
                  threads=args.threads)
    with Progress("train", unit="ex") as progress:
        train_mnist(run, out, checkpoint=args.checkpoint or out / "checkpoint.npz",
                    resume=args.resume, progress=progress)
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
