"""Released versions of a protocol, and its "What changed" page (a redline).

Each protocol page lists the versions that were released (from the release
data, see :mod:`protokit.releases`) in its governance record. Each build writes
``changes/<ID>.html`` for every protocol whose version here has a previous
released version: the redline of this version against that one, by section,
word by word (:mod:`protokit.redline`). The page is static HTML with ``<ins>`` and
``<del>``, so it works from disk, in the archive and under the CSP.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docutils import nodes

from ..redline import Change, compare
from ..releases import body_hash
from .domain import DOMAIN
from .releasepages import release_data
from .tables import table

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

CHANGES_DIR = "changes"


@dataclass(frozen=True)
class Version:
    """A distinct version of a protocol: released (with its release) or this tree's, unreleased."""

    version: str
    release: str | None  # None: not released yet (a development build)
    date: str  # the release date, or "" when unreleased
    status: str
    effective_date: str
    url: str  # the protocol's page in that release of the archive
    body: str  # hash of the text after the front matter
    summary: str


def _summary(history, version) -> str:
    for entry in history or []:
        if isinstance(entry, dict) and str(entry.get("version")) == str(version):
            return str(entry.get("summary") or "")
    return ""


def released_versions(data: dict, pid: str) -> list[Version]:
    """The protocol's released versions, oldest first: one per change of version or text."""
    found: list[Version] = []
    for release in data["releases"]:
        p = release["protocols"].get(pid)
        if p is None:
            continue
        if found and (found[-1].version, found[-1].body) == (str(p["version"]), p["body"]):
            continue
        found.append(
            Version(
                version=str(p["version"]),
                release=release["name"],
                date=release["date"],
                status=str(p.get("status") or ""),
                effective_date=str(p.get("effective_date") or ""),
                url=p["url"],
                body=p["body"],
                summary=_summary(p.get("history"), p["version"]),
            )
        )
    return found


def this_and_previous(data: dict, pid: str, doc) -> tuple[Version, Version | None, list[Version]]:
    """The version this build shows, the previous released version, and every released one."""
    released = released_versions(data, pid)
    meta = doc.meta or {}
    body = body_hash(doc.text)
    if released and released[-1].body == body and released[-1].version == str(meta.get("version")):
        return released[-1], (released[-2] if len(released) > 1 else None), released
    unreleased = Version(
        version=str(meta.get("version")),
        release=None,
        date="",
        status=str(meta.get("status") or ""),
        effective_date=str(meta.get("effective_date") or ""),
        url="",
        body=body,
        summary=_summary(meta.get("history"), meta.get("version")),
    )
    return unreleased, (released[-1] if released else None), released


def changes_page(pid: str) -> str:
    return f"{CHANGES_DIR}/{pid}"


def has_redline(app, pid: str, doc) -> bool:
    """True when this build writes the protocol's "What changed" page (not in the single-page build)."""
    if app.builder.name == "singlehtml":
        return False
    data = release_data(app)
    _, previous, _ = this_and_previous(data, pid, doc)
    return previous is not None and bool(data.get("texts", {}).get(previous.body))


def versions_nodes(app, tables, doc) -> list[nodes.Node]:
    """The "Versions" part of the governance record: released versions and the redline link."""
    pid = doc.pid or ""
    data = release_data(app)
    current, previous, released = this_and_previous(data, pid, doc)
    title = "Released versions"
    out: list[nodes.Node] = [nodes.rubric(title, title, classes=["protocol-versions-title"])]
    if released:
        rows = []
        for v in reversed(released):
            link = nodes.reference("", f"{pid} in {v.release}", refuri=v.url) if v.url else nodes.Text("—")
            here = " (this page)" if v is current else ""
            rows.append((v.version + here, v.release or "—", v.date, v.status, v.effective_date or "—", link))
        out.append(table(["Version", "Release", "Released on", "Status", "Effective", "In the archive"], rows))
    else:
        out.append(nodes.paragraph("", "No released version yet (a release is a git tag v*)."))
    if previous is not None and has_redline(app, pid, doc):
        uri = app.builder.get_relative_uri(tables.fromdocname, changes_page(pid))
        label = f"What changed: version {current.version} against version {previous.version} ({previous.release})"
        out.append(nodes.paragraph("", "", nodes.reference("", label, refuri=uri, classes=["protocol-redline-link"])))
    return out


# --- the redline page -------------------------------------------------------------------

HIDDEN = '<span class="visually-hidden">{}</span>'


def _run_html(op: str, text: str) -> str:
    words = html.escape(text)
    if op == "insert":
        return f"<ins>{HIDDEN.format('[inserted] ')}{words}{HIDDEN.format(' [end inserted]')}</ins>"
    if op == "delete":
        return f"<del>{HIDDEN.format('[deleted] ')}{words}{HIDDEN.format(' [end deleted]')}</del>"
    return words


def _count(change: Change) -> str:
    parts = []
    if change.inserted:
        parts.append(f"{change.inserted} word{'s' if change.inserted != 1 else ''} inserted")
    if change.deleted:
        parts.append(f"{change.deleted} word{'s' if change.deleted != 1 else ''} deleted")
    return ", ".join(parts)


def _elided(count: int) -> str:
    return f'<p class="redline-elided">… {count} unchanged paragraph{"s" if count != 1 else ""} …</p>'


def _section_html(change: Change, n: int) -> str:
    """One section: its changed paragraphs with a paragraph of context either side."""
    state = {"changed": "Changed", "added": "New section", "removed": "Section removed"}[change.state]
    out = [
        f'<section class="redline-section redline-{change.state}" id="change-{n}">',
        f"<h2>{html.escape(change.title)}</h2>",
        f'<p class="redline-state"><strong>{state}</strong>: {html.escape(_count(change))}.</p>',
    ]
    marked = [any(op != "equal" for op, _ in block) for block in change.blocks]
    shown = {i for i, m in enumerate(marked) if m} | {i + d for i, m in enumerate(marked) if m for d in (-1, 1)}
    skipped = 0
    for n, block in enumerate(change.blocks):
        if n not in shown:
            skipped += 1
            continue
        if skipped:
            out.append(_elided(skipped))
            skipped = 0
        out.append("<p>" + "".join(_run_html(op, text) for op, text in block) + "</p>")
    if skipped:
        out.append(_elided(skipped))
    out.append("</section>")
    return "\n".join(out)


def _label(v: Version) -> str:
    if v.release is None:
        return f"version {v.version} (not released yet)"
    return f"version {v.version} (release {v.release}, {v.date})"


def redline_body(pid: str, title: str, current: Version, previous: Version, changes: list[Change], page_uri: str) -> str:
    """The body of ``changes/<ID>.html``: what changed, section by section."""
    changed = [c for c in changes if c.state != "unchanged"]
    same = [c.title for c in changes if c.state == "unchanged"]
    out = [
        '<section id="what-changed" class="protocol-redline">',
        f"<h1>What changed: {html.escape(pid)} — {html.escape(title)}</h1>",
        f'<p>This is <a href="{html.escape(page_uri)}">{html.escape(pid)}</a> {html.escape(_label(current))} '
        f'compared with the previous released <a href="{html.escape(previous.url)}">{html.escape(_label(previous))}</a>.</p>',
    ]
    if current.summary:
        out.append(f'<p class="redline-summary"><strong>History entry:</strong> {html.escape(current.summary)}</p>')
    out.append(
        '<p class="redline-legend">How to read it: <ins>inserted text is underlined</ins> and '
        "<del>deleted text is struck through</del>; screen readers announce each as inserted or deleted.</p>"
    )
    if not changed:
        out.append("<p>The text of the sections did not change (only the front matter did).</p>")
    out += [_section_html(c, n) for n, c in enumerate(changed, start=1)]
    if same:
        out.append(f'<p class="redline-unchanged"><strong>Unchanged sections:</strong> {html.escape(", ".join(same))}.</p>')
    out.append("</section>")
    return "\n".join(out)


def collect_redlines(app):
    """``html-collect-pages``: one "What changed" page per protocol with a previous released version."""
    if app.builder.format != "html":
        return
    data = release_data(app)
    texts = data.get("texts", {})
    for pid, (docname, doc) in app.env.domains[DOMAIN].protocols().items():
        if not has_redline(app, pid, doc):
            continue
        current, previous, _ = this_and_previous(data, pid, doc)
        page = changes_page(pid)
        uri = app.builder.get_relative_uri(page, docname)
        body = redline_body(pid, doc.title, current, previous, compare(texts[previous.body], doc.text), uri)
        yield page, {"title": f"What changed: {pid}", "body": body, "display_toc": False, "toc": ""}, "page.html"


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("html-collect-pages", collect_redlines)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
