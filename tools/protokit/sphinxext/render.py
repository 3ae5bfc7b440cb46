"""What a reader sees on a protocol page, decision first.

Reading order: the title; one compact status line (id, version, status, in
force or not, review due, owner) with the draft, retired or overdue banner; the
sections the schema puts first (``page_lead``: Key recommendations and the
flowchart); the other sections; and last the governance record (approval,
related and referencing protocols, released versions, revision history).

Read time moves the lead sections up and leaves placeholders under the H1 and in
the record section at the end; write time (:mod:`protokit.sphinxext.resolve`)
fills them from the page's own front matter (values exactly as written, with
the schema's labels for vocabulary values). The status line and the record are
marked ``no-search``: their labels on every page would only add noise to search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from docutils import nodes

from ..model import Document
from ..schema import Schema
from . import prebuilt
from .tables import joined

PRINT_NOTE = "Uncontrolled when printed — check the handbook for the current version."
DRAFT_TEXT = "Draft — not approved for clinical use."
RECORD_ID = "governance-record"
RECORD_TITLE = "Governance record"


class protocol_placeholder(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """Filled late from all protocols' data (kind: backlinks, overdue, catalogue, ...)."""


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "—"
    return "—" if value in (None, "") else str(value)


def labels(schema: Schema, vocabulary: str, value) -> str:
    """Vocabulary values as their human labels ("upper-limb" -> "Upper limb")."""
    if isinstance(value, list):
        return ", ".join(schema.label(vocabulary, v) for v in value) if value else "—"
    return "—" if value in (None, "") else schema.label(vocabulary, value)


def status_badge(status: str, label: str | None = None) -> nodes.inline:
    colour = {"approved": "success", "draft": "warning", "retired": "secondary"}.get(status, "danger")
    text = label or status
    return nodes.inline(text, text, classes=["sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}", "protocol-status"])


def banner(kind: str, *children: nodes.Node) -> nodes.container:
    """A status banner (admonition style, readable without colour)."""
    box = nodes.container(
        classes=["protocol-banner", f"protocol-banner-{kind}", "admonition", "warning" if kind != "retired" else "caution"]
    )
    box += nodes.paragraph("", "", *children)
    return box


Link = Callable[[str], nodes.Node]


def status_banners(doc: Document, link: Link) -> list[nodes.Node]:
    meta = doc.meta or {}
    out: list[nodes.Node] = []
    if meta.get("status") == "draft":
        out.append(
            banner(
                "draft",
                nodes.strong(DRAFT_TEXT, DRAFT_TEXT),
                nodes.Text(" This protocol has not been approved by the department; do not use it to make clinical decisions."),
            )
        )
    if meta.get("status") == "retired":
        parts: list[nodes.Node] = [nodes.strong("Retired", "Retired"), nodes.Text(f" on {_text(meta.get('retired_on'))}")]
        if isinstance(meta.get("superseded_by"), str):
            parts += [nodes.Text(" — see "), link(meta["superseded_by"]), nodes.Text(".")]
        elif meta.get("retired_reason"):
            parts.append(nodes.Text(f" — {meta['retired_reason']}"))
        out.append(banner("retired", *parts))
    out.append(protocol_placeholder(kind="overdue", pid=doc.pid or ""))
    return out


def in_force_text(meta: dict, today: dt.date) -> str:
    """ "In force since ...", "In force from ..." or "Not in force", from the front matter."""
    status, effective = meta.get("status"), meta.get("effective_date")
    if status == "approved" and isinstance(effective, str) and effective:
        return f"In force since {effective}" if effective <= today.isoformat() else f"In force from {effective}"
    if status == "retired":
        return f"Not in force (retired {_text(meta.get('retired_on'))})"
    return "Not in force"


def status_line(doc: Document, schema: Schema, today: dt.date) -> nodes.container:
    """One compact line: id · version · status · in force · review due · owner · record."""
    meta = doc.meta or {}
    status = _text(meta.get("status"))
    parts: list[nodes.Node] = [
        nodes.literal(doc.pid or "", doc.pid or "", classes=["protocol-id"]),
        nodes.Text(f"Version {_text(meta.get('version'))}"),
        status_badge(status, schema.label("statuses", status)),
        nodes.Text(in_force_text(meta, today)),
        nodes.Text(f"Review due {_text(meta.get('review_due'))}"),
        nodes.Text(f"Owner: {_text(meta.get('owner'))}"),
        nodes.reference("", RECORD_TITLE, refid=RECORD_ID, classes=["protocol-record-link"]),
    ]
    line = nodes.paragraph("", "", *joined(parts, " · "))
    # The id on the line is the target of the protocol's entry in the search index.
    return nodes.container("", line, classes=["protocol-status-line", "no-search"], ids=[f"protocol-{(doc.pid or '').lower()}"])


def record_fields(doc: Document, schema: Schema, link: prebuilt.HtmlLink, referenced_by: list[str]) -> str:
    """Every governance field of the front matter, labelled (HTML: see :mod:`.prebuilt`)."""
    meta = doc.meta or {}
    related = [p for p in meta.get("related") or [] if isinstance(p, str)]
    status = _text(meta.get("status"))
    esc = prebuilt.esc
    rows = [("Id", prebuilt.literal(doc.pid or "")), ("Title", esc(doc.title))]
    if isinstance(meta.get("short_title"), str):
        rows.append(("Short title", esc(meta["short_title"])))
    colour = {"approved": "success", "draft": "warning", "retired": "secondary"}.get(status, "danger")
    badge = prebuilt.span(
        schema.label("statuses", status) or status, ["sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}", "protocol-status"]
    )
    rows += [("Version", esc(_text(meta.get("version")))), ("Status", badge), ("Owner", esc(_text(meta.get("owner"))))]
    rows += [(name, esc(_text(meta.get(key)))) for name, key in RECORD_DATES]
    if meta.get("status") == "retired":
        rows.append(("Retired on", esc(_text(meta.get("retired_on")))))
    rows += [
        ("Type", esc(labels(schema, "types", meta.get("type")))),
        ("Modalities", esc(labels(schema, "modalities", meta.get("modalities")))),
        ("Sites", esc(labels(schema, "sites", meta.get("sites")))),
        ("Related", prebuilt.bullet_list([link(p) for p in related]) if related else "—"),
        ("Referenced by", "; ".join(referenced_by) if referenced_by else "—"),
    ]
    return prebuilt.field_list(rows, ["protocol-fields"])


#: The record's dates, in reading order: (label, front-matter key).
RECORD_DATES = (
    ("Approved by", "approved_by"),
    ("Approved on", "approved_on"),
    ("Effective date", "effective_date"),
    ("Review due", "review_due"),
)


def print_stamp(doc: Document) -> nodes.container:
    """Shown only on paper: id, version, status, print date, uncontrolled notice."""
    meta = doc.meta or {}
    stamp = nodes.container(classes=["protocol-print-stamp", "no-search"])
    line = f"{doc.pid} · version {_text(meta.get('version'))} · status {_text(meta.get('status'))} · printed "
    stamp += nodes.paragraph("", "", nodes.Text(line), nodes.inline("", "", classes=["protocol-print-date"]))
    stamp += nodes.paragraph("", "", nodes.strong(PRINT_NOTE, PRINT_NOTE))
    return stamp


def history_section(doc: Document) -> str:
    """The revision history table from the ``history`` metadata (HTML: see :mod:`.prebuilt`)."""
    history = (doc.meta or {}).get("history")
    if not isinstance(history, list) or not history:
        return ""
    rows = [(_text(h.get("version")), _text(h.get("date")), _text(h.get("summary"))) for h in history if isinstance(h, dict)]
    return prebuilt.rubric("Revision history", ["protocol-history-title"]) + prebuilt.table(
        ["Version", "Date", "Summary"], rows, ["protocol-history"]
    )


def _lead_first(top: nodes.section, lead: tuple[str, ...]) -> None:
    """Move the lead sections (in the schema's order) before the page's first section."""
    sections = [c for c in top.children if isinstance(c, nodes.section)]
    if not sections:
        return
    by_title = {s[0].astext().strip(): s for s in sections if len(s) and isinstance(s[0], nodes.title)}
    first = [by_title[name] for name in lead if name in by_title]
    if not first or sections[: len(first)] == first:
        return
    at = top.index(sections[0])
    for section in first:
        top.remove(section)
    for n, section in enumerate(first):
        top.insert(at + n, section)


def decorate(doctree: nodes.document, doc: Document, lead: tuple[str, ...]) -> None:
    """Reading order for a protocol page: status under the H1, lead sections first, record last.

    Runs before Sphinx collects the page's table of contents, so "On this page"
    follows the order a reader sees. Leaves placeholders for the status (under
    the H1) and for the governance record (a last section, out of the search index).
    """
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None or doc.meta is None:
        return
    _lead_first(top, lead)
    title_index = top.first_child_matching_class(nodes.title)
    top.insert(0 if title_index is None else title_index + 1, protocol_placeholder(kind="header", pid=doc.pid or ""))
    record = nodes.section("", classes=["protocol-record", "no-search"], ids=[RECORD_ID])
    record += nodes.title(RECORD_TITLE, RECORD_TITLE)
    record += protocol_placeholder(kind="record", pid=doc.pid or "")
    top.append(record)


def header_nodes(doc: Document, schema: Schema, link: Link, today: dt.date) -> list[nodes.Node]:
    """Print stamp, status line and status banners, in reading order."""
    return [print_stamp(doc), status_line(doc, schema, today), *status_banners(doc, link)]


def record_nodes(
    doc: Document, schema: Schema, link: prebuilt.HtmlLink, referenced_by: list[str], versions: list[nodes.Node]
) -> list[nodes.Node]:
    """The governance record at the end of the page: fields, released versions, history."""
    history = history_section(doc)
    fields = prebuilt.prebuilt_html(html=record_fields(doc, schema, link, referenced_by))
    return [fields, *versions, *([prebuilt.prebuilt_html(html=history)] if history else [])]
