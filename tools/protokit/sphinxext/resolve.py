"""Fill placeholders late, from every protocol's data, when a page is written."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

from ..check import project_schema
from ..check import today as build_today
from .aggregates import TABLES, AggregateTables
from .domain import DOMAIN
from .releasepages import in_force_page, release_notes
from .render import banner, header_nodes, protocol_placeholder, record_nodes
from .tables import joined
from .versionpages import versions_nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def backlinks(domain) -> dict[str, list[str]]:
    """Map protocol id -> ids of the protocols that reference it (role or related)."""
    found: dict[str, set[str]] = {}
    for doc in domain.docs.values():
        if not (doc.is_protocol and doc.pid):
            continue
        for target in doc.protocol_references() - {doc.pid}:
            found.setdefault(target, set()).add(doc.pid)
    return {k: sorted(v) for k, v in found.items()}


def _overdue(doc) -> list[nodes.Node]:
    due = doc.date("review_due")
    if not due or not doc.is_overdue(build_today()):
        return []
    text = f"Review was due on {due.isoformat()}."
    return [banner("overdue", nodes.strong(text, text), nodes.Text(" Check with the owner that this protocol is still current."))]


def resolve_placeholders(app, doctree: nodes.document, docname: str) -> None:
    domain = app.env.domains[DOMAIN]
    placeholders = list(doctree.findall(protocol_placeholder))
    if not placeholders:
        return
    protocols = domain.protocols()
    tables = AggregateTables(app.builder, docname, protocols, project_schema(app.srcdir), Path(app.srcdir))
    links = domain.derived("backlinks", backlinks)
    schema = tables.schema
    # Headers and records first: they hold placeholders of their own.
    for node in placeholders:
        if node["kind"] in ("header", "record"):
            doc = protocols[node["pid"]][1] if node["pid"] in protocols else None
            if doc is None:
                new = []
            elif node["kind"] == "header":
                new = header_nodes(doc, schema, tables.link_or_text, build_today())
            else:
                referenced_by = [tables.link_html(p) for p in links.get(node["pid"], []) if p in protocols]
                new = record_nodes(doc, schema, tables.link_or_text_html, referenced_by, versions_nodes(app, tables, doc))
            node.replace_self(new or [nodes.inline()])
    for node in list(doctree.findall(protocol_placeholder)):
        kind, pid = node["kind"], node["pid"]
        if kind == "backlinks":
            refs = [tables.link(p) for p in links.get(pid, []) if p in protocols]
            new = joined(refs, "; ") if refs else [nodes.Text("—")]
        elif kind == "overdue":
            new = _overdue(protocols[pid][1]) if pid in protocols else []
        elif kind == "release_notes":
            new = release_notes(app, tables)
        elif kind == "in_force":
            new = in_force_page(app)
        elif kind in TABLES:
            new = TABLES[kind](tables)
        else:
            new = []
        node.replace_self(new or [nodes.inline()])


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_node(protocol_placeholder)
    app.connect("doctree-resolved", resolve_placeholders)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
