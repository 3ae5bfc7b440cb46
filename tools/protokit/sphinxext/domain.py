"""The ``protocol`` domain: per-document protocol data, the ``{protocol}`` role."""

from __future__ import annotations

import os
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


class ReadHere(dict):
    """Per-page data that a parallel read's worker sends back with only the pages it read.

    Sphinx forks each reading worker from the main process and pickles the
    worker's whole environment back, so every page merged before the fork went
    back again with each later chunk (at 1,000 protocols, 15 chunks sent back
    about 7,500 parsed Documents to unpickle in the main process, for 1,000 read).
    Each entry remembers the process that set it: pickled in a worker, only that
    worker's entries go; pickled in the process that made the dict (the
    environment saved at the end of a build), all of them. It unpickles as a dict.
    """

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self._made_in = os.getpid()
        self._set_in = dict.fromkeys(self, self._made_in)

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._set_in[key] = os.getpid()

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kwargs) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __reduce__(self):
        here = os.getpid()
        if here == self._made_in:
            return (dict, (dict(self),))
        return (dict, ({k: v for k, v in self.items() if self._set_in.get(k) == here},))


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

    def __init__(self, env) -> None:
        super().__init__(env)
        for key in ("docs", "charts"):  # the large per-page data: see ReadHere
            if not isinstance(self.data[key], ReadHere):
                self.data[key] = ReadHere(self.data[key])

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
