"""The figure scripts' results: writing each script's JSON, its common command line, and
collecting the figure and benchmark JSONs into one table (the documentation site renders the
same JSONs itself: docs/results.md).

    python -m spiketeach.results            print the table (Markdown)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def figure_parser(doc: str, *, quick: str, out: Path, device: str = "runtime",
                  seed: str = "seed of the run", device_help: str | None = None
                  ) -> argparse.ArgumentParser:
    """The command line every figure script shares: ``--quick`` (seconds; what the tests run),
    ``--seed``, ``--device`` (one of :data:`spiketeach.core.devices.DEVICES`) and ``--out`` (default
    ``out``, the script's own folder). Scripts add their own options to the parser returned.

    ``doc`` is the script's module docstring (its first line becomes the description); ``quick``
    says what ``--quick`` shortens.
    """
    from spiketeach.core.devices import DEVICES

    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    parser.add_argument("--seed", type=int, default=0, help=seed)
    parser.add_argument("--device", default=device, choices=DEVICES, help=device_help)
    parser.add_argument("--out", type=Path, default=out,
                        help=f"output directory (default: {out.name}/)")
    return parser


def add_sweep_options(parser: argparse.ArgumentParser, trials: str) -> argparse.ArgumentParser:
    """The options of a figure script whose trials run as a sweep
    (:mod:`spiketeach.protocols.sweep`): ``--workers``, ``--scheduler``, ``--trials`` (``trials``
    says its default) and ``--plot-only``."""
    parser.add_argument("--workers", type=int, default=1, help="local Dask workers (0: no Dask)")
    parser.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    parser.add_argument("--trials", type=int, default=None, help=trials)
    parser.add_argument("--plot-only", action="store_true",
                        help="summarise the trials already on disk; run nothing")
    return parser


def _jsonable(obj):
    """numpy scalars and arrays as plain JSON numbers and lists; anything else refused."""
    import numpy as np

    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable: {obj!r}")


def write_result(out_dir: str | Path, name: str, result: dict) -> Path:
    """Write a figure's result as ``<out_dir>/<name>.json`` (the layout of docs/cli.md,
    "Results": ``paper``, ``ours``, ``protocol``, ``seed``, ``device``, ``wall_s``), stamped with
    the package version; numpy numbers and arrays become JSON numbers and lists."""
    from spiketeach import __version__

    path = Path(out_dir) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    result.setdefault("version", __version__)
    text = json.dumps(result, indent=2, default=_jsonable) + "\n"
    # a reader (the docs, table2.py, a sweep's --plot-only) never sees half a file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path


def finish_result(out_dir: str | Path, name: str, result: dict, start: float) -> dict:
    """Stamp ``result["wall_s"]`` with the seconds since ``start`` (a ``time.perf_counter()``
    reading), write it (:func:`write_result`) and return it: the end of a figure's ``run()``."""
    result["wall_s"] = time.perf_counter() - start
    write_result(out_dir, name, result)
    return result


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, (int, float, str, bool)) or v is None:
            out[key] = v
    return out


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def table(root: Path = ROOT) -> str:
    """One row per number the paper reports, with ours beside it."""
    rows = ["| result | key | paper | ours | mode | wall time |", "|---|---|---|---|---|---|"]
    for path in sorted((root / "figures").glob("*/*.json")) + sorted((root / "benchmarks" / "results").glob("*.json")):
        data = json.loads(path.read_text())
        paper, ours = _flatten(data.get("paper", {})), _flatten(data.get("ours", {}))
        mode = "quick" if data.get("quick") else "full"
        wall = f"{data['wall_s']:.0f} s" if isinstance(data.get("wall_s"), (int, float)) else ""
        for key in [k for k in paper if k in ours]:  # the numbers we reproduce
            rows.append(f"| {path.parent.name}/{path.stem} | {key} | {_fmt(paper[key])} | {_fmt(ours[key])} | {mode} | {wall} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    argparse.ArgumentParser(description=__doc__.split("\n")[1]).parse_args(argv)
    print(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
