"""The project index: built once over all documents, asked by cross-document rules."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from .model import Document


def resolve_path(doc_path: str, target: str) -> str:
    """Resolve a link or include target the way Sphinx does (``/`` = source root)."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), target))


@dataclass
class Index:
    """Every page, protocol id, label, anchor, glossary term and diagram file."""

    docs: dict[str, Document] = field(default_factory=dict)
    protocols: dict[str, Document] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, set[str]] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)  # lower case -> as written
    diagram_files: set[str] = field(default_factory=set)
    _docnames: set[str] | None = field(default=None, repr=False)

    @classmethod
    def build(cls, docs: list[Document], diagram_files: set[str] | None = None) -> Index:
        index = cls(diagram_files=set(diagram_files or ()))
        for doc in sorted(docs, key=lambda d: d.path):
            index.docs[doc.path] = doc
            if doc.is_protocol and doc.pid:
                index.protocols.setdefault(doc.pid, doc)
            for name, _ in doc.labels:
                index.labels.setdefault(name.lower(), doc.path)
            index.anchors[doc.path] = {h.slug for h in doc.headings if h.slug}
            for term, _ in doc.terms:
                index.terms.setdefault(term.lower(), term)
        return index

    @property
    def docnames(self) -> set[str]:
        """Every page's docname (computed once: rules ask it for every page)."""
        if self._docnames is None:
            self._docnames = {d.docname for d in self.docs.values()}
        return self._docnames

    @property
    def protocol_docs(self) -> list[Document]:
        return [d for d in self.docs.values() if d.is_protocol]

    def status_of(self, pid: str) -> str | None:
        doc = self.protocols.get(pid)
        value = (doc.meta or {}).get("status") if doc else None
        return value if isinstance(value, str) else None
