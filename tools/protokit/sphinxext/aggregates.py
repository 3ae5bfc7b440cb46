"""Generated pages: catalogue, modality × site matrix, review dashboard, key numbers.

Each is a directive that leaves a placeholder; :mod:`.resolve` fills it from
every protocol's metadata at write time, so the pages are never maintained by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from docutils import nodes
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

from ..check import today as build_today
from ..model import Document
from ..registry import load_registry
from ..schema import Schema
from ..settings import REGISTRY_FILE
from . import prebuilt
from .clinical import depend_on
from .domain import DOMAIN, ProtocolDomain, link_text
from .render import _text, labels, protocol_placeholder, status_badge
from .tables import joined, table

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

DUE_SOON_DAYS = 90


class AggregateDirective(SphinxDirective):
    """Base: a placeholder of ``self.kind``, noted in the domain for rebuilds."""

    kind = ""
    has_content = False

    def run(self) -> list[nodes.Node]:
        aggregates = cast(ProtocolDomain, self.env.domains[DOMAIN]).aggregates
        aggregates.setdefault(self.env.docname, [])
        if self.kind not in aggregates[self.env.docname]:
            aggregates[self.env.docname].append(self.kind)
        return [protocol_placeholder(kind=self.kind, pid="")]


class CatalogueDirective(AggregateDirective):
    kind = "catalogue"


class MatrixDirective(AggregateDirective):
    kind = "matrix"


class ReviewDirective(AggregateDirective):
    kind = "review"


class KeyNumbersDirective(AggregateDirective):
    """Every key number of ``protocols/key-values.yaml`` and the protocols that use it."""

    kind = "key_numbers"

    def run(self) -> list[nodes.Node]:
        depend_on(self.env, REGISTRY_FILE)
        return super().run()


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class AggregateTables:
    """Builds the aggregate tables for one page being written."""

    def __init__(self, builder, fromdocname: str, protocols: dict[str, tuple[str, Document]], schema: Schema, root: Path):
        self.root = root
        self.builder = builder
        self.fromdocname = fromdocname
        self.protocols = protocols
        self.schema = schema

    def link(self, pid: str, text: str | None = None) -> nodes.Node:
        docname, doc = self.protocols[pid]
        label = text or link_text(doc)
        inline = nodes.inline(label, label, classes=["protocol-ref"])
        return make_refnode(self.builder, self.fromdocname, docname, "", inline, link_text(doc))

    def short_link(self, pid: str) -> nodes.Node:
        """A link showing the protocol's short title (its title when it has none), then its id."""
        docname, doc = self.protocols[pid]
        short = (doc.meta or {}).get("short_title")
        label = short.strip() if isinstance(short, str) and short.strip() else doc.title
        inline = nodes.inline("", "", nodes.Text(label), nodes.Text(" "), nodes.literal(pid, pid), classes=["protocol-ref"])
        return make_refnode(self.builder, self.fromdocname, docname, "", inline, link_text(doc))

    def link_html(self, pid: str) -> str:
        """:meth:`link` as the HTML the theme writes for it (for :mod:`.prebuilt` parts)."""
        docname, doc = self.protocols[pid]
        uri = self.builder.get_relative_uri(self.fromdocname, docname)
        return prebuilt.link(uri, link_text(doc), link_text(doc))

    def link_or_text_html(self, pid: str) -> str:
        return self.link_html(pid) if pid in self.protocols else prebuilt.literal(pid)

    def link_or_text(self, pid: str) -> nodes.Node:
        """A link showing "id — title", or the bare id when no protocol has it (P301/P306 report it)."""
        return self.link(pid) if pid in self.protocols else nodes.literal(pid, pid)

    def catalogue(self) -> list[nodes.Node]:
        rows = []
        for pid, (_, doc) in self.protocols.items():
            meta = doc.meta or {}
            rows.append(
                (
                    self.link(pid, pid),
                    doc.title,
                    labels(self.schema, "types", meta.get("type")),
                    status_badge(_text(meta.get("status")), labels(self.schema, "statuses", meta.get("status"))),
                    _text(meta.get("version")),
                    _text(meta.get("owner")),
                    _text(meta.get("review_due")),
                )
            )
        headers = ["Id", "Title", "Type", "Status", "Version", "Owner", "Review due"]
        return [table(headers, rows, classes=["protocol-catalogue"])]

    def matrix(self) -> list[nodes.Node]:
        cells: dict[tuple[str, str], list[str]] = defaultdict(list)
        for pid, (_, doc) in self.protocols.items():
            meta = doc.meta or {}
            if meta.get("status") == "retired":
                continue  # a retired protocol covers nothing any more
            for m in meta.get("modalities") or []:
                for s in meta.get("sites") or []:
                    cells[(m, s)].append(pid)
        sites = self.schema.vocabularies["sites"]
        rows = []
        for m in self.schema.vocabularies["modalities"]:
            label = self.schema.label("modalities", m)
            row: list = [nodes.strong(label, label)]
            for s in sites:
                pids = cells.get((m, s))
                # The site's name in each cell: shown on phones, where the table becomes a list.
                site = nodes.inline("", self.schema.label("sites", s) + ": ", classes=["protocol-matrix-site"])
                items = [nodes.inline("", "", self.short_link(p), classes=["protocol-matrix-item"]) for p in pids or ()]
                row.append([site, *items] if pids else [site, nodes.inline("gap", "gap", classes=["protocol-gap"])])
            rows.append(row)
        headers = ["Modality \\ site", *(self.schema.label("sites", s) for s in sites)]
        return [table(headers, rows, classes=["protocol-matrix"], stub_columns=1)]

    def review(self) -> list[nodes.Node]:
        today = build_today()
        overdue, soon, by_owner = [], [], defaultdict(list)
        for pid, (_, doc) in self.protocols.items():
            meta = doc.meta or {}
            if meta.get("status") == "retired":
                continue
            due = _date(meta.get("review_due"))
            by_owner[_text(meta.get("owner"))].append(pid)
            if due and due < today:
                overdue.append((self.link(pid), _text(meta.get("review_due")), _text(meta.get("owner"))))
            elif due and (due - today).days <= DUE_SOON_DAYS:
                soon.append((self.link(pid), _text(meta.get("review_due")), _text(meta.get("owner"))))
        out: list[nodes.Node] = [nodes.paragraph("", f"As of {today.isoformat()} (the date of this build).")]
        for title, listed in ((f"Overdue ({len(overdue)})", overdue), (f"Due within {DUE_SOON_DAYS} days ({len(soon)})", soon)):
            out.append(nodes.rubric(title, title))
            out.append(table(["Protocol", "Review due", "Owner"], listed) if listed else nodes.paragraph("", "None."))
        out.append(nodes.rubric("By owner", "By owner"))
        owners = [(owner, joined([self.link(p) for p in pids], "; ")) for owner, pids in sorted(by_owner.items())]
        out.append(table(["Owner", "Protocols"], owners))
        return out

    def key_numbers(self) -> list[nodes.Node]:
        """One row per key number: value, what it is, source, owner, and every protocol using it."""
        users: dict[str, list[str]] = defaultdict(list)
        for pid, (_, doc) in self.protocols.items():
            for key in sorted({r.target.strip() for r in doc.refs if r.kind == "value"}):
                users[key].append(pid)
        rows = []
        for key, entry in sorted(self.load().items(), key=lambda kv: kv[1].label.lower()):
            owner: list[nodes.Node] = [nodes.Text(entry.owner)]
            if entry.protocol in self.protocols:
                owner += [nodes.Text(" ("), self.link(entry.protocol, entry.protocol), nodes.Text(")")]
            used = joined([self.link(p, p) for p in users.get(key, [])], ", ") or [nodes.Text("—")]
            rows.append(
                (
                    nodes.strong(entry.text, entry.text),
                    [nodes.Text(f"{entry.label} "), nodes.literal(key, key)],
                    entry.source,
                    owner,
                    used,
                )
            )
        tbl = table(["Value", "What (key)", "Source", "Owner", "Used in"], rows, classes=["protocol-key-numbers"])
        body = next(iter(tbl.findall(nodes.tbody)))
        for row, (key, _) in zip(body.children, sorted(self.load().items(), key=lambda kv: kv[1].label.lower()), strict=True):
            row["ids"].append(f"key-{key}")
        return [tbl]

    def load(self):
        return load_registry(self.root).values


#: What fills each kind of aggregate placeholder (release pages: see :mod:`.releasepages`).
TABLES: dict[str, Callable[[AggregateTables], list[nodes.Node]]] = {
    "catalogue": AggregateTables.catalogue,
    "matrix": AggregateTables.matrix,
    "review": AggregateTables.review,
    "key_numbers": AggregateTables.key_numbers,
}


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("protocol-catalogue", CatalogueDirective)
    app.add_directive("protocol-matrix", MatrixDirective)
    app.add_directive("protocol-review", ReviewDirective)
    app.add_directive("protocol-key-numbers", KeyNumbersDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
