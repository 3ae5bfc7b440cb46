"""Hardened hosting: one Content-Security-Policy for the whole site, and a script scan.

* The theme writes a different inline script on every page (its page name); it
  is replaced by a static script with a data attribute, so the few remaining
  inline scripts are identical across pages and can be allowed by hash.
* After the build, every page is scanned: scripts may come only from the site
  itself, no script may sit inside the article (where authors' content goes),
  and the hashes of the inline scripts are written to ``csp-header.conf`` for the
  web server (see ``tools/protokit/hosting/nginx.conf``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

from ..hosting import HEADER_FILE, POLICY

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

PAGENAME_PREFIX = "DOCUMENTATION_OPTIONS.pagename = "
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
_SRC = re.compile(r"""\bsrc=["']([^"']+)["']""", re.I)
_ARTICLE = re.compile(r'<article class="bd-article">(.*?)</article>', re.S)


def page_script(app, filename: str, **attributes) -> None:
    """Add a script to the page being written, and to no other.

    ``app.add_js_file`` called while a page is written also registers the script
    for good: the next build in the same process (``make serve``) would put it on
    every page.
    """
    app.builder.add_js_file(filename, **attributes)


def replace_pagename_script(app, pagename, templatename, context, doctree) -> None:
    """Swap the theme's per-page inline script for a static one with a data attribute."""
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    for n, js in enumerate(scripts):
        body = js.attributes.get("body", "") if hasattr(js, "attributes") else ""
        if not js.filename and body.startswith(PAGENAME_PREFIX):
            page_script(app, "protokit-page.js", priority=js.priority, **{"data-pagename": pagename})
            added = scripts.pop()  # add_js_file appended it to this page's list
            scripts[n] = added
            return


def sha256(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode() + "'"


def scan_page(html: str, rel: str) -> tuple[set[str], list[str]]:
    """The inline-script hashes of one page, and its problems."""
    hashes: set[str] = set()
    problems: list[str] = []
    for attrs, body in _SCRIPT.findall(html):
        src = _SRC.search(attrs)
        if src:
            if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", src.group(1), re.I):
                problems.append(f"{rel}: script from another host: {src.group(1)}")
        elif body.strip():
            hashes.add(sha256(body))
    article = _ARTICLE.search(html)
    if article and re.search(r"<script\b", article.group(1), re.I):
        problems.append(f"{rel}: a <script> inside the page content (raw HTML in the source?)")
    return hashes, problems


def scan(outdir: Path, previous: dict | None = None) -> tuple[set[str], list[str], dict]:
    """Scan the built pages, reusing ``previous`` results for pages not written since.

    A page is re-read when its size or modification time changed: whichever
    process wrote it (``-j`` builds write pages in worker processes), the file
    on disk says so. Returns all inline-script hashes, all problems, and the
    per-page results to keep.
    """
    results: dict[str, dict] = {}
    for page in sorted(outdir.rglob("*.html")):
        rel = page.relative_to(outdir).as_posix()
        if rel.startswith("_static/"):
            continue  # theme template fragments copied as static files, not pages
        stat = page.stat()
        stamp = [stat.st_mtime_ns, stat.st_size]
        known = (previous or {}).get(rel)
        if known and known.get("stamp") == stamp:
            results[rel] = known
            continue
        hashes, problems = scan_page(page.read_text(encoding="utf-8", errors="replace"), rel)
        results[rel] = {"hashes": sorted(hashes), "problems": problems, "stamp": stamp}
    all_hashes = {h for r in results.values() for h in r["hashes"]}
    return all_hashes, [p for r in results.values() for p in r["problems"]], results


def on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    state = Path(app.doctreedir) / "protokit-scan.json"  # build state, never published
    try:
        previous = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    hashes, problems, results = scan(outdir, previous)
    state.write_text(json.dumps(results, sort_keys=True), encoding="utf-8")
    for problem in problems:
        logger.warning(problem, type="protocol", subtype="script-scan")
    header = POLICY.format(hashes=" ".join(sorted(hashes)))
    text = f'# Generated by the handbook build: include in the server block.\nadd_header Content-Security-Policy "{header}" always;\n'
    target = outdir / HEADER_FILE
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("html-page-context", replace_pagename_script, priority=900)  # after the theme's
    app.connect("build-finished", on_build_finished, priority=900)  # after the pages and assets exist
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
