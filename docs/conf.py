"""Sphinx configuration: numpydoc API reference from the docstrings, Markdown pages (MyST).

Build with ``python -m sphinx -W -b html docs docs/_build`` (tests/test_docs.py does).
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import netaval

project = "netaval"
author = "The netaval developers"
copyright = "2026, the netaval developers"
release = version = netaval.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

autosummary_generate = True
autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "myst.xref_missing"]

html_theme = "alabaster"
html_title = f"netaval {release}"
html_static_path = []
