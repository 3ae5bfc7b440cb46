"""The ``protocol`` domain: per-document protocol data, the ``{protocol}`` role."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.domains import Domain, ObjType
from sphinx.roles import XRefRole
from sphinx.util.nodes import make_refnode

from ..model import Document

DOMAIN = "protocol"


class ProtocolRole(XRefRole):
    """``{protocol}`BST-SURG-01``` or ``{protocol}`text <BST-SURG-01>```."""

    def run(self):
        # Registered globally as {protocol} (not {protocol:protocol}), so set the
        # domain here: otherwise Sphinx would look the id up in the std domain.
        self.refdomain, self.reftype = DOMAIN, "protocol"
        self.classes = ["xref", DOMAIN]
        return self.create_xref_node()

    def process_link(self, env, refnode, has_explicit_title, title, target):
        return title, target.strip()


def link_text(doc: Document) -> str:
    """How a protocol link reads: its id and title."""
    return f"{doc.pid} — {doc.title}"


def _protocol_map(domain) -> dict[str, tuple[str, Document]]:
    found: dict[str, tuple[str, Document]] = {}
    for docname, doc in sorted(domain.docs.items()):
        if doc.is_protocol and doc.pid:
            found.setdefault(doc.pid, (docname, doc))
    return dict(sorted(found.items()))


class ProtocolDomain(Domain):
    """Stores the parsed :class:`~protokit.model.Document` of every page."""

    name = DOMAIN
    label = "Protocol"
    object_types = {"protocol": ObjType("protocol", "protocol")}
    roles = {"protocol": ProtocolRole(innernodeclass=nodes.inline)}
    initial_data = {"docs": {}, "aggregates": {}, "charts": {}}
    data_version = 2

    @property
    def docs(self) -> dict[str, Document]:
        return self.data["docs"]

    @property
    def aggregates(self) -> dict[str, list[str]]:
        """Docnames of generated pages (catalogue, matrix, ...) and their kinds."""
        return self.data["aggregates"]

    @property
    def charts(self) -> dict[str, list[str]]:
        """The mermaid sources of each page with charts (drawn to SVG before pages are written)."""
        return self.data["charts"]

    # Derived views (protocol map, backlinks) are computed once per change of the
    # stored documents, not once per page written: that keeps the build linear.
    _derived: dict[str, Any] | None = None

    def set_doc(self, docname: str, doc: Document) -> None:
        self.docs[docname] = doc
        self._derived = None

    def clear_doc(self, docname: str) -> None:
        self.docs.pop(docname, None)
        self.aggregates.pop(docname, None)
        self.charts.pop(docname, None)
        self._derived = None

    def merge_domaindata(self, docnames, otherdata: dict) -> None:
        for docname in docnames:
            if docname in otherdata["docs"]:
                self.docs[docname] = otherdata["docs"][docname]
            if docname in otherdata["aggregates"]:
                self.aggregates[docname] = otherdata["aggregates"][docname]
            if docname in otherdata["charts"]:
                self.charts[docname] = otherdata["charts"][docname]
        self._derived = None

    def derived(self, name: str, compute) -> Any:
        """A view of the stored documents, cached until they change."""
        if self._derived is None:
            self._derived = {}
        if name not in self._derived:
            self._derived[name] = compute(self)
        return self._derived[name]

    def protocols(self) -> dict[str, tuple[str, Document]]:
        """Map id -> (docname, Document) for every protocol page, sorted by id."""
        return self.derived("protocols", _protocol_map)

    def resolve_xref(self, env, fromdocname, builder, typ, target, node: pending_xref, contnode):
        hit = self.protocols().get(target)
        if hit is None:
            # Reported once, located, by rule P301 (unknown-protocol): no second warning.
            return nodes.inline(contnode.astext(), contnode.astext(), classes=["protocol-unknown"])
        docname, doc = hit
        if not node.get("refexplicit"):
            contnode = nodes.inline(link_text(doc), link_text(doc))
        contnode["classes"].append("protocol-ref")
        return make_refnode(builder, fromdocname, docname, "", contnode, link_text(doc))

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        return []

    def get_objects(self):
        for pid, (docname, doc) in self.protocols().items():
            # The anchor is the page's status line (render.status_line), right under the title.
            yield pid, link_text(doc), "protocol", docname, f"protocol-{pid.lower()}", 1
