"""The handbook's Sphinx extension: protocol domain, panels, generated pages, checks.

It reuses the checker's parser, schema and rules (see :mod:`protokit.check`), so
a protocol that passes ``make check`` cannot fail the build on a protocol rule.

Each feature is a module with its own ``setup()``, as the extensions of
CPython's ``Doc/tools/extensions`` are: its hooks sit next to its code, and a
feature is switched off by removing its line from :data:`FEATURES`. The order
is the order in which handlers of one event run (at equal priority).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

FEATURES = (
    "domain",  # the protocol domain: parsed pages, {protocol}, the build's checks
    "gate",  # containment: refuse a page before it is parsed; drop off-list nodes
    "flowchart",  # charts in a scrolling frame, box <-> step links, {node}
    "charts",  # charts drawn to SVG at build time (when Chromium is there)
    "prebuilt",  # parts of pages written as HTML directly
    "assets",  # static files, mermaid, pan/zoom, permalinks, redirect pages
    "incremental",  # rewrite every page a change shows on
    "memory",  # keep long-lived objects out of the garbage collector's scans
    "build_checks",  # one warning per broken reference
    "resolve",  # fill status lines, records and generated tables at write time
    "clinical",  # regimen blocks, {grade}, {value}
    "search",  # glossary synonyms in the index, the scorer
    "aggregates",  # catalogue, matrix, review dashboard, key numbers
    "releasepages",  # release notes, in force on a date, the Atom feed
    "versionpages",  # released versions of a protocol, redlines
    "rulesdoc",  # the rule reference page
    "csp",  # one Content-Security-Policy for the site, the post-build script scan
)


def _code_version() -> int:
    """A number that changes whenever protokit's code or static files change.

    Sphinx re-reads every page when an extension's env_version changes, so a
    change to the rendering code never leaves stale pages behind.
    """
    package = Path(__file__).resolve().parents[1]
    digest = 0
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".css", ".js", ".mjs") and path.is_file():
            digest = zlib.crc32(path.read_bytes(), zlib.crc32(path.name.encode(), digest))
    return digest


def setup(app: Sphinx) -> ExtensionMetadata:
    for feature in FEATURES:
        app.setup_extension(f"{__name__}.{feature}")
    # Safe in parallel: every feature stores per-document data in the domain,
    # which implements clear_doc and merge_domaindata (tested by a -j 2 build).
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": _code_version()}
