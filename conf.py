"""Sphinx configuration for the Bone and Soft Tissue Oncology protocol handbook.

Thin on purpose: MyST settings come from protokit.settings (the checker parses
with the very same settings), behaviour lives in the protokit extension.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "tools"))

from protokit import releases, settings

project = "Bone and Soft Tissue Oncology protocol handbook"
# A short title: the theme's navbar overlaps a long one.
html_title = "BST Oncology Handbook"
author = "Bone and Soft Tissue Oncology Department"
copyright = "Bone and Soft Tissue Oncology Department"
language = "en"

# The release: the annotated tag v* at HEAD ("development" otherwise), or what
# `make versions` sets for an archived release. Shown on every page.
release = version = releases.current_release(Path(__file__).parent)

extensions = [
    "myst_parser",
    "sphinx_design",
    "sphinxcontrib.mermaid",
    "protokit.mermaid_speedup",
    "protokit.speedups",
    "protokit.sphinxext",
]

# Markdown only, and only the page folders: a root conf.py would otherwise read
# README.md, .venv, node_modules and .pytest_cache.
source_suffix = {".md": "markdown"}
root_doc = "index"
include_patterns = ["index.md", "handbook/**", "protocols/**"]
exclude_patterns = ["_build", ".venv", "node_modules", ".cache", "tests", "**/.*", "handbook/_include"]

# Strictness: the Makefile passes -n -W --keep-going; nitpicky here too so that a
# plain sphinx-build run reports the same broken references.
nitpicky = True

# MyST: shared with the checker.
# The checker parses with the same MyST settings (the build stops if they differ).
myst_enable_extensions = settings.MYST["myst_enable_extensions"]
myst_heading_anchors = settings.MYST["myst_heading_anchors"]
myst_fence_as_directive = settings.MYST["myst_fence_as_directive"]

# Mermaid is served from the built site (copied from node_modules by protokit),
# never from a CDN: the intranet has no internet.
mermaid_use_local = "mermaid/mermaid.esm.min.mjs"
mermaid_version = ""
mermaid_init_config = settings.MERMAID_CONFIG
# Natural size: the extension's frame scrolls instead (see protokit/sphinxext/flowchart.py).
mermaid_width = "auto"
mermaid_height = "auto"
# The extension's own full-screen view (a labelled button, pan and zoom) replaces
# this one, whose glyph has no font on Debian's Chromium.
mermaid_fullscreen = False

# Link checking (make linkcheck): bounded timeouts and retries, commented ignores.
globals().update(settings.LINKCHECK)

html_theme = "pydata_sphinx_theme"
html_static_path = []
# Served by the site itself (a missing favicon is a 404 on every page).
html_favicon = "tools/protokit/sphinxext/static/favicon.svg"
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    # Prev/next buttons repeat neighbours' titles on every page: a retitle would
    # leave them stale, and the catalogue already gives the order.
    "show_prev_next": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_end": [],
    "secondary_sidebar_items": ["page-toc"],
    "icon_links": [],
}
# `make versions` builds each release with the path of the shared versions.json:
# then every page gets the version switcher (never fetched at build time).
if os.environ.get("HANDBOOK_VERSIONS_JSON"):
    html_theme_options["switcher"] = {"json_url": os.environ["HANDBOOK_VERSIONS_JSON"], "version_match": release}
    html_theme_options["check_switcher"] = False
    html_theme_options["navbar_end"] = ["version-switcher", "theme-switcher", "navbar-icon-links"]
html_theme_options["footer_start"] = ["copyright", "protokit-release"]
# Protocol pages carry no sidebar listing every protocol: that list made every
# page's size and build cost grow with the handbook (quadratic overall); the
# catalogue, the matrix and search are the way in, and phones gain the width.
# The matrix needs the full width for its six site columns.
html_sidebars = {"protocols/*": [], "handbook/matrix": []}  # other pages keep the theme default (section navigation)
html_context = {"default_mode": "light"}
