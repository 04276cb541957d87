"""Sphinx configuration of the spiketeach documentation (``make docs``; warnings are errors)."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))                 # this checkout's package, not an installed one
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import spiketeach  # noqa: E402

project = "spiketeach"
author = "the spiketeach authors"
copyright = "the spiketeach authors, MIT licence"
release = version = spiketeach.__version__

extensions = ["myst_parser", "spiketeach_docs"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
myst_enable_extensions = ["dollarmath", "deflist"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"page_width": "1200px", "sidebar_width": "240px"}
html_title = f"spiketeach {release}"
