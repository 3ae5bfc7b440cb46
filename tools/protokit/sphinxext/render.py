"""What a reader sees on a protocol page: status banner, governance panel, history.

Read time leaves one placeholder under the H1 and one at the end; write time
(:mod:`protokit.sphinxext.resolve`) turns them into these nodes from the page's
own front matter (values exactly as written). Building them late keeps the
pickled doctrees small and lets links to other protocols resolve directly.
"""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes

from ..model import Document
from .tables import joined, table

PRINT_NOTE = "Uncontrolled when printed — check the handbook for the current version."
DRAFT_TEXT = "Draft — not approved for clinical use."


class protocol_placeholder(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """Filled late from all protocols' data (kind: backlinks, overdue, catalogue, ...)."""


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "—"
    return "—" if value in (None, "") else str(value)


def status_badge(status: str) -> nodes.inline:
    colour = {"approved": "success", "draft": "warning", "retired": "secondary"}.get(status, "danger")
    return nodes.inline(status, status, classes=["sd-badge", f"sd-bg-{colour}", f"sd-bg-text-{colour}", "protocol-status"])


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


def _row(name: str, value: nodes.Node | str) -> nodes.field:
    body = nodes.field_body()
    body += nodes.paragraph("", "", value if isinstance(value, nodes.Node) else nodes.Text(value))
    return nodes.field("", nodes.field_name(name, name), body)


def governance_panel(doc: Document, link: Link) -> nodes.container:
    """The panel at the top of every protocol page (a sphinx-design card)."""
    meta = doc.meta or {}
    related = [p for p in meta.get("related") or [] if isinstance(p, str)]
    fields = nodes.field_list(classes=["protocol-fields"])
    fields += _row("Id", nodes.literal(doc.pid or "", doc.pid or ""))
    fields += _row("Version", _text(meta.get("version")))
    fields += _row("Status", status_badge(_text(meta.get("status"))))
    fields += _row("Owner", _text(meta.get("owner")))
    fields += _row("Approved by", _text(meta.get("approved_by")))
    fields += _row("Approved on", _text(meta.get("approved_on")))
    fields += _row("Effective date", _text(meta.get("effective_date")))
    fields += _row("Review due", _text(meta.get("review_due")))
    fields += _row("Type", _text(meta.get("type")))
    fields += _row("Modalities", _text(meta.get("modalities")))
    fields += _row("Sites", _text(meta.get("sites")))
    rel = nodes.inline("", "", *joined([link(p) for p in related], "; ")) if related else "—"
    fields += _row("Related", rel)
    fields += _row("Referenced by", protocol_placeholder(kind="backlinks", pid=doc.pid or ""))

    # no-search: the panel's labels on every page would only add noise to search results.
    card = nodes.container(classes=["sd-card", "sd-sphinx-override", "sd-mb-3", "sd-shadow-sm", "protocol-panel", "no-search"])
    header = nodes.container(classes=["sd-card-header"])
    header += nodes.paragraph("", "Governance")
    body = nodes.container(classes=["sd-card-body"])
    body += fields
    card += header
    card += body
    return card


def print_stamp(doc: Document) -> nodes.container:
    """Shown only on paper: id, version, status, print date, uncontrolled notice."""
    meta = doc.meta or {}
    stamp = nodes.container(classes=["protocol-print-stamp", "no-search"])
    line = f"{doc.pid} · version {_text(meta.get('version'))} · status {_text(meta.get('status'))} · printed "
    stamp += nodes.paragraph("", "", nodes.Text(line), nodes.inline("", "", classes=["protocol-print-date"]))
    stamp += nodes.paragraph("", "", nodes.strong(PRINT_NOTE, PRINT_NOTE))
    return stamp


def history_section(doc: Document) -> list[nodes.Node]:
    """The revision history table from the ``history`` metadata."""
    history = (doc.meta or {}).get("history")
    if not isinstance(history, list) or not history:
        return []
    rows = [(_text(h.get("version")), _text(h.get("date")), _text(h.get("summary"))) for h in history if isinstance(h, dict)]
    return [
        nodes.rubric("Revision history", "Revision history", classes=["protocol-history-title"]),
        table(["Version", "Date", "Summary"], rows, classes=["protocol-history"]),
    ]


def decorate(doctree: nodes.document, doc: Document) -> None:
    """Leave placeholders under the H1 (stamp, banners, panel) and at the end (history)."""
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or doc.meta is None:
        return
    title_index = section.first_child_matching_class(nodes.title)
    section.insert(0 if title_index is None else title_index + 1, protocol_placeholder(kind="header", pid=doc.pid or ""))
    section.append(protocol_placeholder(kind="history", pid=doc.pid or ""))


def header_nodes(doc: Document, link: Link) -> list[nodes.Node]:
    """Print stamp, status banners and governance panel, in reading order."""
    return [print_stamp(doc), *status_banners(doc, link), governance_panel(doc, link)]
