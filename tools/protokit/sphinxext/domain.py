"""The ``protocol`` domain: every page's parsed protocol, the ``{protocol}`` role, the checks.

As Sphinx's own domains (``citation``, ``std``) do, the domain owns the work on
its data: :meth:`ProtocolDomain.process_doc` reads each page with the checker's
parser (the same :class:`~protokit.model.Document` ``make check`` sees) and
arranges a protocol page decision first; :meth:`ProtocolDomain.check_consistency`
runs the checker's rules over all of them once every page is read. State that
lives longer than one page (the parse cache, the rule memo, the flowchart graphs
of the last check, the release data) is kept on the domain, not on ``app``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.domains import Domain, ObjType
from sphinx.roles import XRefRole
from sphinx.util.nodes import make_refnode

from ..check import DocumentCache, RuleMemo, project_schema
from ..index import resolve_path
from ..model import Document
from ..parse import parse_file
from ..settings import DOMAIN
from .build_checks import check_documents
from .clinical import CURRENT_DOC
from .flowchart import wrap_diagrams
from .render import decorate

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

__all__ = ["DOMAIN", "ProtocolDomain", "link_text", "setup"]


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


def _protocol_map(domain: ProtocolDomain) -> dict[str, tuple[str, Document]]:
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

    def __init__(self, env: BuildEnvironment) -> None:
        super().__init__(env)
        for key in ("docs", "charts"):  # the large per-page data: see ReadHere
            if not isinstance(self.data[key], ReadHere):
                self.data[key] = ReadHere(self.data[key])
        # Derived views (protocol map, backlinks, search data) are computed once per
        # change of the stored documents, not once per page written: that keeps the
        # build linear.
        self._derived: dict[str, Any] | None = None
        #: The checker's cache of parsed pages (by content hash), loaded on first use.
        self._document_cache: DocumentCache | None = None
        #: Rule results by input, kept as long as the process: ``make serve``'s
        #: rebuilds re-check only what changed.
        self.rule_memo = RuleMemo()
        #: Filled by each consistency check: the graph of each flowchart (for the
        #: links written into its page), the protocol id pattern, and the lines
        #: where a reference rule reported (see ``build_checks.OneWarningPerReference``).
        self.graphs: dict[str, Any] = {}
        self.id_pattern: re.Pattern[str] | None = None
        self.reported_references: set[tuple[str, int]] = set()
        #: How many findings of the last consistency check were warnings (errors).
        self.findings_warned = 0
        #: Whether this build drew the charts beforehand (see :mod:`.charts`);
        #: None until it was decided.
        self.charts_drawn: bool | None = None
        #: The release history, read from git once per process (see :mod:`.releasepages`).
        self.release_history: dict | None = None

    # -- stored data -------------------------------------------------------

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

    @property
    def document_cache(self) -> DocumentCache:
        """The checker's cache of parsed pages, shared with the build (saved when it ends)."""
        if self._document_cache is None:
            self._document_cache = DocumentCache(Path(self.env.srcdir))
        return self._document_cache

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

    def derived(self, name: str, compute: Callable[[ProtocolDomain], Any]) -> Any:
        """A view of the stored documents, cached until they change."""
        if self._derived is None:
            self._derived = {}
        if name not in self._derived:
            self._derived[name] = compute(self)
        return self._derived[name]

    def protocols(self) -> dict[str, tuple[str, Document]]:
        """Map id -> (docname, Document) for every protocol page, sorted by id."""
        return self.derived("protocols", _protocol_map)

    # -- per-document processing and the consistency check -------------------

    def process_doc(self, env: BuildEnvironment, docname: str, document: nodes.document) -> None:
        """Parse the page's source with the checker's parser (or its cache); arrange a protocol page.

        Runs while the page is read (before the ``doctree-read`` collectors): the
        table of contents follows the reading order :func:`.render.decorate` gives.
        """
        root = Path(env.srcdir)
        # The parse source-read made of these very bytes (gate.py); read and hashed again only without it.
        doc = env.current_document.get(CURRENT_DOC)
        if doc is None:
            path = Path(env.doc2path(docname))
            try:
                doc = self.document_cache.get(path.relative_to(root).as_posix(), path.read_bytes())
            except (OSError, ValueError):
                doc = parse_file(root, path)
        self.set_doc(docname, doc)
        for diagram in doc.diagrams:
            if diagram.file:  # editing the .mmd rebuilds the page that includes it
                env.note_dependency(str(root / resolve_path(doc.path, diagram.file)))
        if doc.diagrams:
            wrap_diagrams(document, doc, docname)
        if doc.is_protocol:
            decorate(document, doc, project_schema(root).page_lead)

    def check_consistency(self) -> None:
        """Run every checker rule over the stored documents; each finding is a located warning."""
        check_documents(self)

    # -- cross-references ----------------------------------------------------

    def _refnode(self, builder, fromdocname: str, target: str, node: pending_xref, contnode: nodes.Element):
        hit = self.protocols().get(target.strip())
        if hit is None:
            return None
        docname, doc = hit
        if not node.get("refexplicit"):
            contnode = nodes.inline(link_text(doc), link_text(doc))
        contnode["classes"].append("protocol-ref")
        return make_refnode(builder, fromdocname, docname, "", contnode, link_text(doc))

    def resolve_xref(self, env, fromdocname, builder, typ, target, node: pending_xref, contnode):
        found = self._refnode(builder, fromdocname, target, node, contnode)
        if found is None:
            # Reported once, located, by rule P301 (unknown-protocol): no second warning.
            return nodes.inline(contnode.astext(), contnode.astext(), classes=["protocol-unknown"])
        return found

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        """A protocol id in an ``{any}`` reference or a MyST ``[text](#BST-SURG-01)`` link."""
        found = self._refnode(builder, fromdocname, target, node, contnode)
        return [(f"{DOMAIN}:protocol", found)] if found is not None else []

    def get_objects(self) -> Iterator[tuple[str, str, str, str, str, int]]:
        for pid, (docname, doc) in self.protocols().items():
            # The anchor is the page's status line (render.status_line), right under the title.
            yield pid, link_text(doc), "protocol", docname, f"protocol-{pid.lower()}", 1


def protocol_domain(env: BuildEnvironment) -> ProtocolDomain:
    """The build's protocol domain (typed)."""
    return env.domains[DOMAIN]  # type: ignore[return-value]


def save_document_cache(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: keep what this build parsed for the next check or build."""
    domain = protocol_domain(app.env)
    if exception is None and domain._document_cache is not None:
        domain._document_cache.save(list(domain._document_cache.entries))


def setup(app: Sphinx) -> ExtensionMetadata:
    # Findings of warning severity (overdue review, retired reference) stop the build too:
    # the release build sets it (``make html SPHINXOPTS="-D protocol_release_mode=1"``), as
    # ``python -m protokit --release`` does for the checker.
    app.add_config_value("protocol_release_mode", False, "env", types=[bool])
    app.add_domain(ProtocolDomain)
    app.add_role("protocol", ProtocolDomain.roles["protocol"])
    app.connect("build-finished", save_document_cache)
    # Safe in parallel: per-document data lives in the domain's data, merged by
    # merge_domaindata (tested by a -j 2 build in tests/).
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
