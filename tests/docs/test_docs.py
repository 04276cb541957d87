"""The documentation site takes its equations and numbers from the code and the result files:
the rendering functions of docs/_ext/spiketeach_docs.py, and one build of the site."""

import html
import importlib
import inspect
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

sphinx = pytest.importorskip("sphinx")
import spiketeach_docs  # noqa: E402


def _text(nodes):
    return "\n".join(node.astext() for node in nodes)


def test_equations_come_from_the_module():
    from spiketeach.models import alpha

    text = _text(spiketeach_docs.equation_nodes("spiketeach.models.alpha"))
    assert alpha.ALPHA_TARGET in text
    assert "ALPHA_TARGET" in text


def test_missing_module_is_a_clear_error():
    with pytest.raises(spiketeach_docs.RenderError, match="spiketeach.models.no_such_module"):
        spiketeach_docs.module_equations("spiketeach.models.no_such_module")


def test_results_table_puts_paper_beside_ours(tmp_path):
    (tmp_path / "figures" / "fam").mkdir(parents=True)
    result = {"paper": {"accuracy": {"a": 97.0}, "claim": "x"}, "ours": {"accuracy": {"a": 85.5}, "extra": 1},
              "wall_s": 12.0}
    (tmp_path / "figures" / "fam" / "t.json").write_text(json.dumps(result))
    rows = spiketeach_docs.results_rows(sorted((tmp_path / "figures").glob("fam/*.json")))
    assert [r[1:] for r in rows] == [["accuracy.a", "97", "85.5"], ["claim", "x", ""], ["extra", "", "1"]]
    assert rows[0][0] == "fam/t (full, 12 s)"
    matched = spiketeach_docs.results_rows([tmp_path / "figures" / "fam" / "t.json"], matched=True)
    assert [r[1] for r in matched] == ["accuracy.a"]
    with pytest.raises(spiketeach_docs.RenderError):
        spiketeach_docs.results_table("nothing/*.json", root=tmp_path)


def test_samadi2017_page_shows_an_equation_of_the_code(tmp_path):
    from sphinx.cmd.build import build_main

    equations = importlib.import_module("spiketeach.models.samadi2017.equations")
    source = inspect.getsource(equations)
    name, text = next((n, v) for n, v in vars(equations).items()         # one assigned in the module itself
                      if n.isupper() and isinstance(v, str) and v.strip()
                      and re.search(rf"^{n}\s*(:[^=\n]*)?=", source, re.M))
    out = tmp_path / "html"
    assert build_main(["-q", "-b", "html", "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(out)]) == 0
    page = html.unescape(re.sub(r"<[^>]+>", "", (out / "families" / "samadi2017.html").read_text()))
    assert name in page
    assert text.strip() in page
