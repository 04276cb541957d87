"""Sphinx directives that take the documentation's equations and numbers from the repository itself,
so nothing is copied into the pages by hand:

``.. spiketeach-equations:: spiketeach.models.samadi2017.equations``
    every module-level string constant (and dict of strings) of the module, in source order, as a
    titled literal block: the name, then the string verbatim.
``.. spiketeach-results:: samadi2017/*.json``
    one table for the figure JSONs matching the glob under ``figures/``: each flattened key with the
    paper's value beside ours. ``:keys:`` (comma-separated prefixes) keeps only those keys;
    ``:matched:`` only the keys that both ``paper`` and ``ours`` hold.
``.. spiketeach-benchmarks:: [stem glob]``
    each ``benchmarks/results/*.json`` (or those matching the glob) as a table of its flattened
    values. ``:keys:`` as above.

The rendering is done by the plain functions below (``equation_nodes``, ``results_table``,
``benchmark_tables``), which return docutils nodes and can be called without Sphinx running.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
logger = logging.getLogger(__name__)


class RenderError(Exception):
    """A directive's input is missing or unusable; the build reports it as a warning."""


# ---------------------------------------------------------------------------- equations

def module_equations(module_name: str) -> list[tuple[str, str]]:
    """``(title, text)`` for every upper-case string constant assigned in the module itself (not
    imported), in source order; a dict whose values are all strings gives one entry per key."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise RenderError(f"spiketeach-equations: cannot import {module_name!r} ({error})") from error
    names = []
    for stmt in ast.parse(inspect.getsource(module)).body:
        if isinstance(stmt, ast.Assign):
            targets = stmt.targets
        elif isinstance(stmt, ast.AnnAssign):
            targets = [stmt.target]
        else:
            continue
        names += [t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper() and t.id not in names]
    out = []
    for name in names:
        value = getattr(module, name)
        if isinstance(value, str):
            out.append((name, value))
        elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            out += [(f"{name}[{key!r}]", text) for key, text in value.items()]
    if not out:
        raise RenderError(f"spiketeach-equations: {module_name} holds no string constants")
    return out


def equation_nodes(module_name: str) -> list[nodes.Node]:
    """A rubric (the constant's name) and a literal block (its string, verbatim) per constant."""
    result = []
    for title, text in module_equations(module_name):
        result.append(nodes.rubric("", "", nodes.literal(title, title)))
        block = nodes.literal_block(text, text if text.strip() else "(empty string)")
        block["language"] = "text"
        result.append(block)
    return result


# ---------------------------------------------------------------------------- tables

def flatten(data, prefix: str = "") -> dict[str, object]:
    """Nested dicts as ``a.b.c`` keys; short lists of scalars kept, longer lists summarised."""
    out = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, list) and (len(value) > 6 or any(isinstance(v, (dict, list)) for v in value)):
            out[name] = f"(list of {len(value)})"
        else:
            out[name] = value
    return out


def fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.5g}" if abs(value) < 1e5 else f"{value:.0f}"
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def _keep(key: str, prefixes: list[str] | None) -> bool:
    return not prefixes or any(key == p or key.startswith(p + ".") for p in prefixes)


def table_node(header: list[str], rows: list[list[str]]) -> nodes.table:
    """A plain docutils table (header row + body)."""
    table = nodes.table(classes=["spiketeach-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group += [nodes.colspec(colwidth=1) for _ in header]

    def row(cells):
        r = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(cell, cell)
            r += entry
        return r

    group += nodes.thead("", row(header))
    group += nodes.tbody("", *[row(r) for r in rows])
    return table


def results_rows(paths: list[Path], keys: list[str] | None = None, matched: bool = False) -> list[list[str]]:
    """One row per flattened key of ``paper`` and ``ours`` (the paper's keys first; with
    ``matched`` only the keys both have): figure, key, paper, ours. The figure cell (on a figure's first row)
    names the JSON, its mode (quick/full) and its wall time."""
    rows = []
    for path in paths:
        data = json.loads(path.read_text())
        paper, ours = flatten(data.get("paper", {})), flatten(data.get("ours", {}))
        wall = data.get("wall_s")
        label = f"{path.parent.name}/{path.stem}" if path.parent.name != "figures" else path.stem
        label += " (quick" if data.get("quick") else " (full"
        label += f", {wall:.0f} s)" if isinstance(wall, (int, float)) else ")"
        order = [k for k in paper if k in ours] if matched else list(paper) + [k for k in ours if k not in paper]
        for i, key in enumerate([k for k in order if _keep(k, keys)]):
            rows.append([label if i == 0 else "", key, fmt(paper.get(key, "")), fmt(ours.get(key, ""))])
    return rows


def results_table(pattern: str, keys: list[str] | None = None, matched: bool = False,
                  root: Path = ROOT) -> nodes.table:
    paths = sorted((root / "figures").glob(pattern))
    if not paths:
        raise RenderError(f"spiketeach-results: no figure JSON matches figures/{pattern}")
    rows = results_rows(paths, keys, matched)
    if not rows:
        raise RenderError(f"spiketeach-results: figures/{pattern} has no key among {keys}")
    return table_node(["figure", "key", "paper", "ours"], rows)


def benchmark_tables(pattern: str = "*", keys: list[str] | None = None, root: Path = ROOT) -> list[nodes.Node]:
    """A rubric (the file name) and a key/value table per benchmark JSON."""
    paths = sorted((root / "benchmarks" / "results").glob(f"{pattern}.json"))
    if not paths:
        raise RenderError(f"spiketeach-benchmarks: no benchmarks/results/{pattern}.json")
    out = []
    for path in paths:
        values = flatten(json.loads(path.read_text()))
        rows = [[k, fmt(v)] for k, v in values.items() if _keep(k, keys)]
        out.append(nodes.rubric("", "", nodes.literal(path.name, f"benchmarks/results/{path.name}")))
        out.append(table_node(["key", "value"], rows))
    return out


# ---------------------------------------------------------------------------- directives

def _prefixes(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


class _Directive(SphinxDirective):
    option_spec = {"keys": directives.unchanged}

    def run(self):
        try:
            return self.render()
        except RenderError as error:
            logger.warning(str(error), location=self.get_location())
            return []


class EquationsDirective(_Directive):
    required_arguments = 1
    option_spec = {}

    def render(self):
        return equation_nodes(self.arguments[0])


class ResultsDirective(_Directive):
    required_arguments = 1
    option_spec = {"keys": directives.unchanged, "matched": directives.flag}

    def render(self):
        for path in (ROOT / "figures").glob(self.arguments[0]):
            self.env.note_dependency(str(path))
        keys = _prefixes(self.options.get("keys", ""))
        return [results_table(self.arguments[0], keys, "matched" in self.options)]


class BenchmarksDirective(_Directive):
    optional_arguments = 1

    def render(self):
        pattern = self.arguments[0] if self.arguments else "*"
        for path in (ROOT / "benchmarks" / "results").glob(f"{pattern}.json"):
            self.env.note_dependency(str(path))
        return benchmark_tables(pattern, _prefixes(self.options.get("keys", "")))


def setup(app):
    app.add_directive("spiketeach-equations", EquationsDirective)
    app.add_directive("spiketeach-results", ResultsDirective)
    app.add_directive("spiketeach-benchmarks", BenchmarksDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
