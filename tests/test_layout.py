"""The package's layering (issue: one package per model family): imports go one way.

Every import of a package module by another counts, at module level or inside a function (the
old GeNN hand-offs were function-level imports that closed circles).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "spiketeach"
FAMILIES = ("samadi2017", "hunsberger2017", "shrestha2019", "hunsberger2015", "brendel2020",
            "neftci2017", "huh2018", "bourdoukan2015")
#: families with learning in Brian2, hence a GeNN formulation and the reference/fast assembly
LEARNING_IN_BRIAN2 = ("samadi2017", "hunsberger2017", "shrestha2019")


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules) -> set[str]:
    """The package modules ``path`` imports. ``from a import b`` is an import of the module a.b
    when there is one (a submodule: a's ``__init__`` need not be involved), else of a itself (a
    name defined in a's ``__init__``: a real edge to the package, a circle if a holds ``path``)."""
    mod = _module(path)
    is_pkg = path.name == "__init__.py"
    out = set()

    def module_of(name):  # the innermost real module a dotted name lies in
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = mod.split(".") if is_pkg else mod.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "spiketeach":
                continue
            for alias in node.names:
                out.add(module_of(f"{target}.{alias.name}"))
        elif isinstance(node, ast.Import):
            out.update(module_of(a.name) for a in node.names
                       if a.name.split(".")[0] == "spiketeach")
    out.discard(mod)
    out.discard("")
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    return {name: _imports(path, modules) for name, path in modules.items()}


def _find_cycle(graph) -> list[str] | None:
    """One import cycle of ``graph`` (its modules in order, the first repeated at the end), or
    None: a depth-first search that meets a module still open has closed a loop."""
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == "open":
                return stack[stack.index(t):] + [t]
            if t not in state:
                cycle = visit(t)
                if cycle:
                    return cycle
        stack.pop()
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            cycle = visit(m)
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_two_modules_import_each_other(graph):
    cycle = _find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _offenders(graph, source_prefix, target_prefix):
    # whole module names only: "spiketeach.models.nef" is not a prefix of "...neftci2017"
    def under(name, prefix):
        return name == prefix or name.startswith(prefix + ".")
    return sorted(f"{m} imports {t}" for m, ts in graph.items() if under(m, source_prefix)
                  for t in ts if under(t, target_prefix))


def test_models_never_import_protocols(graph):
    assert _offenders(graph, "spiketeach.models", "spiketeach.protocols") == []


def test_analysis_takes_arrays_and_never_imports_models(graph):
    assert _offenders(graph, "spiketeach.analysis", "spiketeach.models") == []
    assert _offenders(graph, "spiketeach.analysis", "spiketeach.protocols") == []


def test_core_and_shared_parts_import_no_family(graph):
    shared = ("spiketeach.core", "spiketeach.models.lif", "spiketeach.models.alpha",
              "spiketeach.models.nef", "spiketeach.models.spike_coding")
    for prefix in shared:
        for family in FAMILIES:
            assert _offenders(graph, prefix, f"spiketeach.models.{family}") == []


@pytest.mark.parametrize("family", FAMILIES)
def test_no_family_imports_another(graph, family):
    others = [f for f in FAMILIES if f != family]
    for other in others:
        assert _offenders(graph, f"spiketeach.models.{family}", f"spiketeach.models.{other}") == []
        assert _offenders(graph, f"spiketeach.protocols.{family}", f"spiketeach.models.{other}") == []


@pytest.mark.parametrize("family", LEARNING_IN_BRIAN2)
def test_formulations_import_no_other_formulation(graph, family):
    pkg = f"spiketeach.models.{family}"
    # spiking.py assembles "reference" and "fast" (fast_*.py are its exact rewrites); genn.py
    # assembles "genn": only the family's build() chooses between them
    formulations = [f"{pkg}.spiking", f"{pkg}.genn"]
    for m in formulations:
        assert sorted(t for t in graph[m] if t in formulations) == [], m


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_has_the_same_files_and_a_build(family):
    folder = PACKAGE / "models" / family
    names = ["__init__.py", "params.py", "equations.py", "network.py"]
    names += ["spiking.py", "genn.py"] if family in LEARNING_IN_BRIAN2 else []
    for name in names:
        assert (folder / name).is_file(), f"{family} lacks {name}"
    init = ast.parse((folder / "__init__.py").read_text())
    assert any(isinstance(n, ast.FunctionDef) and n.name == "build" for n in init.body)
    assert any(isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "UNSUPPORTED_DEVICES"
               for n in init.body), f"{family} does not declare UNSUPPORTED_DEVICES"


def test_equations_modules_hold_only_strings():
    for family in FAMILIES:
        tree = ast.parse((PACKAGE / "models" / family / "equations.py").read_text())
        for node in tree.body:
            assert isinstance(node, (ast.Expr, ast.Assign, ast.AnnAssign, ast.ImportFrom)), \
                f"{family}/equations.py holds a {type(node).__name__} at line {node.lineno}"
