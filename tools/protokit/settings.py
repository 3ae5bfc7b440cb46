"""Settings shared by ``conf.py`` and the checker.

The checker parses Markdown with MyST's own markdown-it factory using exactly
these settings, so headings, anchors and line numbers match what Sphinx sees.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

#: The repository root (``tools/protokit/settings.py`` -> ``.``).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Folders read as pages; everything else (README, .venv, node_modules) is not.
PAGE_DIRS = ("handbook", "protocols")
PROTOCOL_DIR = "protocols"
DIAGRAM_DIR = "diagrams"
SCHEMA_FILE = "protocols/schema.yaml"
#: The drug vocabulary for regimen blocks, and the registry of shared key numbers.
FORMULARY_FILE = "protocols/drugs.yaml"
REGISTRY_FILE = "protocols/key-values.yaml"
#: The handbook pages the {grade} and {value} roles link to.
GRADES_PAGE = "handbook/evidence-grades"
KEY_NUMBERS_PAGE = "handbook/key-numbers"

#: The Sphinx domain that stores every page's parsed protocol (``{protocol}`` role).
DOMAIN = "protocol"

#: The section that holds a protocol's flowchart and "The decisions in words".
FLOWCHART_SECTION = "Pathway flowchart"
#: The role that names the chart node a step explains: ``1. {node}`B` Fit for surgery?``
NODE_ROLE = "node"

#: How mermaid draws, on the site and in the downtime bundle: strict security (no
#: scripts or javascript: links from a diagram), and flowcharts at their natural
#: size: the page's frame scrolls, because a chart shrunk to fit is unreadable. A fixed
#: seed for the few shapes mermaid draws with random wobble (stadiums): the same chart
#: is the same SVG on every machine, so builds with drawn charts are reproducible.
MERMAID_CONFIG = {"startOnLoad": False, "securityLevel": "strict", "flowchart": {"useMaxWidth": False}, "handDrawnSeed": 1}

MYST_ENABLE_EXTENSIONS = ["colon_fence", "deflist", "fieldlist"]
MYST_HEADING_ANCHORS = 3
#: Plain ```mermaid fences become diagrams, as Git hosting previews show them.
MYST_FENCE_AS_DIRECTIVE = ["mermaid"]
#: The MyST settings the checker parses with, by Sphinx config name: ``conf.py``
#: sets exactly these, and the build stops if they differ (see ``sphinxext/build_checks.py``).
MYST = {
    "myst_enable_extensions": MYST_ENABLE_EXTENSIONS,
    "myst_heading_anchors": MYST_HEADING_ANCHORS,
    "myst_fence_as_directive": MYST_FENCE_AS_DIRECTIVE,
}


#: Link checking: bounded, so a dead or slow host cannot stall a release.
LINKCHECK = {
    "linkcheck_timeout": 15,  # seconds per request (Sphinx's default is 30)
    "linkcheck_retries": 2,
    # A server answering 429 is waited for at most this long in total, never forever.
    "linkcheck_rate_limit_timeout": 60.0,
    "linkcheck_report_timeouts_as_broken": True,
    "linkcheck_workers": 5,
    "linkcheck_ignore": [
        # Local previews and the intranet itself: not reachable from CI.
        r"^https?://127\.0\.0\.1",
        r"^https?://localhost",
    ],
    "linkcheck_anchors_ignore_for_url": [
        # GitHub renders heading anchors with JavaScript: the HTML has none.
        r"^https://github\.com/",
    ],
}


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """Return MyST's markdown-it parser configured like the Sphinx build."""
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(
        enable_extensions=set(MYST_ENABLE_EXTENSIONS),
        heading_anchors=MYST_HEADING_ANCHORS,
        fence_as_directive=set(MYST_FENCE_AS_DIRECTIVE),
    )
    md = create_md_parser(config, RendererHTML)
    # The word count only fills env["wordcount"] (MyST's {wordcount} substitutions); tokens and
    # line numbers do not depend on it, and it costs a tenth of a cold check.
    md.disable("wordcount")
    return md
