"""Release pages: the release label, release notes and "in force on a date".

Release data comes from git (:mod:`protokit.releases`), or, in builds of archived
releases whose tree has no ``.git``, from the JSON that ``make versions`` passes in
``HANDBOOK_RELEASE_DATA``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging

from ..feed import FEED_FILE, FEED_TITLE, FEED_TYPE, atom
from ..releases import DEVELOPMENT, compare, load_release_data, protocols_of, timeline
from .aggregates import AggregateDirective
from .csp import page_script
from .domain import DOMAIN
from .tables import table

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)
DATA_SCRIPT = "protokit-release-data.js"


def release_data(app) -> dict:
    """Release data for this build, computed once and limited to releases up to this one."""
    domain = app.env.domains[DOMAIN]
    cached = domain.release_history
    if cached is None:
        data = load_release_data(Path(app.srcdir)) or {"base_url": "/", "releases": []}
        names = [r["name"] for r in data["releases"]]
        if app.config.release in names:  # an archived release shows history up to itself
            data = {**data, "releases": data["releases"][: names.index(app.config.release) + 1]}
        cached = domain.release_history = data
    return cached


def add_release_context(app, pagename, templatename, context, doctree) -> None:
    releases = {r["name"]: r for r in release_data(app)["releases"]}
    context["protokit_release_date"] = releases.get(app.config.release, {}).get("date", "")


class ReleaseNotesDirective(AggregateDirective):
    kind = "release_notes"


class InForceDirective(AggregateDirective):
    kind = "in_force"


def _notes_nodes(notes: dict, protocol, redline) -> list[nodes.Node]:
    """Tables of protocols added, changed, retired and removed; each protocol named by id and title."""
    out: list[nodes.Node] = []
    rows: list[tuple]
    if notes["added"]:
        rows = [(protocol(n["id"], n["title"]), n["version"]) for n in notes["added"]]
        out += [nodes.paragraph("", "Added:"), table(["Protocol", "Version"], rows)]
    if notes["changed"]:
        rows = [
            (protocol(n["id"], n["title"]), f"{n['old_version']} → {n['new_version']}", n["summary"], redline(n["id"]))
            for n in notes["changed"]
        ]
        out += [nodes.paragraph("", "Changed:"), table(["Protocol", "Version", "What changed", "Redline"], rows)]
    if notes["retired"]:
        rows = [
            (
                protocol(n["id"], n["title"]),
                n.get("retired_on") or "—",
                protocol(n["superseded_by"], None) if n.get("superseded_by") else "—",
            )
            for n in notes["retired"]
        ]
        out += [nodes.paragraph("", "Retired:"), table(["Protocol", "Retired on", "Superseded by"], rows)]
    if notes["removed"]:
        rows = [(f"{n['id']} — {n['title']}",) for n in notes["removed"]]
        out += [nodes.paragraph("", "Removed from the handbook:"), table(["Protocol"], rows)]
    return out or [nodes.paragraph("", "No protocol changed.")]


def release_notes(app, tables) -> list[nodes.Node]:
    from .versionpages import changes_page, has_redline

    data = release_data(app)
    here = tables.protocols

    def protocol(pid: str, title: str | None) -> nodes.Node:
        if pid in here:
            return tables.link(pid, f"{pid} — {title}" if title else None)
        return nodes.Text(f"{pid} — {title}" if title else pid)

    def local_redline(pid: str) -> nodes.Node:
        if pid in here and has_redline(app, pid, here[pid][1]):
            uri = app.builder.get_relative_uri(tables.fromdocname, changes_page(pid))
            return nodes.reference("", f"Compare {pid}", refuri=uri)
        return nodes.Text("—")

    def archived_redline(release: dict):
        if release["name"] == app.config.release:
            return local_redline
        return lambda pid: nodes.reference("", f"Compare {pid}", refuri=f"{release['url']}{changes_page(pid)}.html")

    out: list[nodes.Node] = []
    if app.config.release == DEVELOPMENT:
        last = data["releases"][-1]["protocols"] if data["releases"] else {}
        base = {
            pid: {"meta": {"version": p["version"], "status": p["status"]}, "title": p["title"], "body": p.get("body")}
            for pid, p in last.items()
        }
        since = data["releases"][-1]["name"] if data["releases"] else "the first release"
        title = f"Unreleased changes (since {since})"
        # The tree as this build read it (parsed once, in the domain), not parsed again from disk.
        notes = compare(base, protocols_of(app.env.domains[DOMAIN].docs.values()))
        out += [nodes.rubric(title, title), *_notes_nodes(notes, protocol, local_redline)]
    for release in reversed(data["releases"]):
        title = f"{release['name']} — {release['date']}"
        out += [nodes.rubric(title, title), *_notes_nodes(release["notes"], protocol, archived_redline(release))]
    if not data["releases"]:
        out.append(nodes.paragraph("", "No release has been made yet (a release is a git tag v*)."))
    return out


IN_FORCE_HTML = """<form class="protokit-in-force" method="get">
<label for="protokit-date">Date of treatment</label>
<input type="date" id="protokit-date" name="date">
</form>
<div id="protokit-in-force-result" aria-live="polite"><p>Choose a date to see which version of each protocol was in force.</p></div>
"""


def in_force_page(app) -> list[nodes.Node]:
    return [nodes.raw("", IN_FORCE_HTML, format="html")]


#: Scripts a generated page needs, by the kind of placeholder it holds.
PAGE_SCRIPTS = {"in_force": (DATA_SCRIPT, "protokit-in-force.js")}


def add_page_scripts(app, pagename, templatename, context, doctree) -> None:
    """Give a generated page its own scripts.

    Only from ``html-page-context``: Sphinx 9 resets each page's script list just
    before this event, so scripts added while the doctree is resolved never reach
    the page (the in-force page once shipped without its scripts for that reason).
    """
    kinds = app.env.domains[DOMAIN].aggregates.get(pagename, ())
    for kind in kinds:
        for script in PAGE_SCRIPTS.get(kind, ()):
            page_script(app, script)


def write_static(app, name: str, text: str) -> None:
    """Write a generated file into ``_static`` (only when it changed).

    Called before the pages are written, so the ``?v=`` checksum each page puts on
    the script's address is the checksum of this very content: a server that
    caches versioned assets never serves an old release's data.
    """
    target = Path(app.outdir) / "_static" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def write_feed(app) -> None:
    """The Atom feed of the releases, ``releases.atom`` at the top of the site."""
    if app.builder.format != "html":
        return
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0)
    text = atom(release_data(app), app.config.author, epoch).decode("utf-8")
    target = Path(app.outdir) / FEED_FILE
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


#: Pages whose head links the feed (``<link rel="alternate">``), so a browser or reader finds it.
FEED_PAGES = ("index", "handbook/releases")


def add_feed_link(app, pagename, templatename, context, doctree) -> None:
    if pagename in FEED_PAGES:
        href = "../" * pagename.count("/") + FEED_FILE
        link = f'<link rel="alternate" type="{FEED_TYPE}" title="{FEED_TITLE}" href="{href}">\n'
        context["metatags"] = context.get("metatags", "") + link


def write_data_script(app) -> None:
    """The timeline as a script file: the page works from disk, with no server."""
    if app.builder.format != "html":
        return
    events, first = timeline(release_data(app))
    payload = json.dumps({"events": events, "first": first}, sort_keys=True, ensure_ascii=False)
    write_static(app, DATA_SCRIPT, f"window.PROTOKIT_TIMELINE = {payload};\n")


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("protocol-release-notes", ReleaseNotesDirective)
    app.add_directive("protocol-in-force", InForceDirective)
    app.connect("builder-inited", write_data_script)
    app.connect("builder-inited", write_feed)
    app.connect("html-page-context", add_feed_link)
    app.connect("html-page-context", add_release_context)
    app.connect("html-page-context", add_page_scripts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
