"""Release pages: the release label, release notes and "in force on a date".

Release data comes from git (:mod:`protokit.releases`), or, in builds of archived
releases whose tree has no ``.git``, from the JSON that ``make versions`` passes in
``HANDBOOK_RELEASE_DATA``.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from ..releases import DEVELOPMENT, compare, load_release_data, protocols_in_tree, timeline
from .pages import AggregateDirective
from .tables import table

logger = logging.getLogger(__name__)
DATA_SCRIPT = "protokit-release-data.js"


def release_data(app) -> dict:
    """Release data for this build, computed once and limited to releases up to this one."""
    cached = getattr(app, "_protokit_releases", None)
    if cached is None:
        data = load_release_data(Path(app.srcdir)) or {"base_url": "/", "releases": []}
        names = [r["name"] for r in data["releases"]]
        if app.config.release in names:  # an archived release shows history up to itself
            data = {**data, "releases": data["releases"][: names.index(app.config.release) + 1]}
        cached = app._protokit_releases = data
    return cached


def add_release_context(app, pagename, templatename, context, doctree) -> None:
    releases = {r["name"]: r for r in release_data(app)["releases"]}
    context["protokit_release_date"] = releases.get(app.config.release, {}).get("date", "")


class ReleaseNotesDirective(AggregateDirective):
    kind = "release_notes"


class InForceDirective(AggregateDirective):
    kind = "in_force"


def _notes_nodes(notes: dict) -> list[nodes.Node]:
    out: list[nodes.Node] = []
    rows: list[tuple]
    if notes["added"]:
        rows = [(n["id"], n["title"], n["version"]) for n in notes["added"]]
        out += [nodes.paragraph("", "Added:"), table(["Id", "Title", "Version"], rows)]
    if notes["changed"]:
        rows = [(n["id"], n["title"], f"{n['old_version']} → {n['new_version']}", n["summary"]) for n in notes["changed"]]
        out += [nodes.paragraph("", "Changed:"), table(["Id", "Title", "Version", "What changed"], rows)]
    if notes["retired"]:
        rows = [(n["id"], n["title"], n.get("retired_on") or "—", n.get("superseded_by") or "—") for n in notes["retired"]]
        out += [nodes.paragraph("", "Retired:"), table(["Id", "Title", "Retired on", "Superseded by"], rows)]
    if notes["removed"]:
        rows = [(n["id"], n["title"]) for n in notes["removed"]]
        out += [nodes.paragraph("", "Removed from the handbook:"), table(["Id", "Title"], rows)]
    return out or [nodes.paragraph("", "No protocol changed.")]


def release_notes(app) -> list[nodes.Node]:
    data = release_data(app)
    out: list[nodes.Node] = []
    if app.config.release == DEVELOPMENT:
        last = data["releases"][-1]["protocols"] if data["releases"] else {}
        base = {
            pid: {"meta": {"version": p["version"], "status": p["status"]}, "title": p["title"], "body": p.get("body")}
            for pid, p in last.items()
        }
        since = data["releases"][-1]["name"] if data["releases"] else "the first release"
        title = f"Unreleased changes (since {since})"
        out += [nodes.rubric(title, title), *_notes_nodes(compare(base, protocols_in_tree(Path(app.srcdir))))]
    for release in reversed(data["releases"]):
        title = f"{release['name']} — {release['date']}"
        out += [nodes.rubric(title, title), *_notes_nodes(release["notes"])]
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
    app.add_js_file(DATA_SCRIPT)
    app.add_js_file("protokit-in-force.js")
    return [nodes.raw("", IN_FORCE_HTML, format="html")]


def write_data_script(app, exception) -> None:
    """The timeline as a script file: the page works from disk, with no server."""
    if exception is not None or app.builder.format != "html":
        return
    events, first = timeline(release_data(app))
    payload = json.dumps({"events": events, "first": first}, sort_keys=True, ensure_ascii=False)
    target = Path(app.outdir) / "_static" / DATA_SCRIPT
    text = f"window.PROTOKIT_TIMELINE = {payload};\n"
    if not target.is_file() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
