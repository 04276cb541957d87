"""The ``spiketeach`` command.

    spiketeach demo                 train the spiking learner on the teacher–student task
    spiketeach figures              list the figure scripts
    spiketeach figure NAME          regenerate one figure (PNG + JSON)

Each takes ``--device``, ``--seed``, ``--quick`` and ``--out DIR``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from .devices import DEVICES, DeviceError

__all__ = ["main", "figure_scripts"]

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"


def figure_scripts() -> dict[str, Path]:
    """Figure name (e.g. ``samadi2017-fig2``) -> script path."""
    if not FIGURES_DIR.is_dir():
        return {}
    return {p.stem.replace("_", "-"): p for p in sorted(FIGURES_DIR.glob("*.py"))
            if not p.name.startswith("_")}


def _common(parser: argparse.ArgumentParser, default_device: str) -> None:
    parser.add_argument("--device", default=default_device, choices=DEVICES,
                        help=f"Brian2 device (default: {default_device})")
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
    figs = sub.add_parser("figures", help="list the figure scripts")
    _common(figs, "runtime")
    fig = sub.add_parser("figure", help="regenerate one figure")
    fig.add_argument("name", help="figure name, see `spiketeach figures`")
    _common(fig, "runtime")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from .demo import run_demo

            run_demo(args.out or "output/demo", device=args.device, seed=args.seed,
                     quick=args.quick, threads=args.threads)
        elif args.command == "figures":
            for name, path in figure_scripts().items():
                print(f"{name:28s} {path}")
        elif args.command == "figure":
            return _run_figure(args)
    except DeviceError as exc:
        print(f"spiketeach: {exc}", file=sys.stderr)
        return 2
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
    argv = ["--device", args.device, "--seed", str(args.seed)]
    if args.quick:
        argv.append("--quick")
    if args.out:
        argv += ["--out", args.out]
    return module.main(argv) or 0


if __name__ == "__main__":
    sys.exit(main())
