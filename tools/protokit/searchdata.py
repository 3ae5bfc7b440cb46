"""What search needs beyond Sphinx's index: protocol names, glossary synonyms, matching sections.

Sphinx's own index knows which pages contain a word. For a clinical query it
does not know which protocol *covers* a term (the glossary says so), that
"MSCC" and "metastatic spinal cord compression" are one thing, nor which section
of a protocol answers. This module computes that from the parsed pages; the
build writes it next to the index for the handbook's scorer
(``sphinxext/static/protokit-scorer.js``) and adds each protocol's synonyms to
its index entry. No Sphinx import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .glossary import Entry, entries, pattern
from .model import Document, Heading

#: Sections that mention terms without answering a question about them (citations).
NOT_AN_ANSWER = frozenset({"References"})


@dataclass(frozen=True)
class Usage:
    """Where a protocol uses a glossary entry: its best section and how often."""

    anchor: str
    title: str
    count: int


def sections(doc: Document) -> list[tuple[str, str, str]]:
    """(anchor, title, Markdown text) of each level-2 section, in file order."""
    return [(anchor, title, body) for anchor, title, body, _ in _sections(doc.text, doc.headings)]


@lru_cache(maxsize=4096)
def _sections(text: str, headings: tuple[Heading, ...]) -> tuple[tuple[str, str, str, str], ...]:
    """Each section once per page text (every glossary entry asks): anchor, title, text, lower-case text."""
    lines = text.split("\n")
    heads = [h for h in headings if h.level == 2 and not h.nested]
    out = []
    for n, head in enumerate(heads):
        end = heads[n + 1].line - 1 if n + 1 < len(heads) else len(lines)
        body = "\n".join(lines[head.line : end])
        out.append((head.slug, head.text, body, body.lower()))
    return tuple(out)


def usage(entry: Entry, doc: Document) -> Usage | None:
    """The section of ``doc`` that uses the entry's names most (the first such), or None."""
    return _usage(tuple(entry.forms), doc.text, doc.headings)


@lru_cache(maxsize=1 << 16)
def _usage(forms: tuple[str, ...], text: str, headings: tuple[Heading, ...]) -> Usage | None:
    """Cached by the entry's names and the page's text: make serve recomputes only the page saved."""
    best: Usage | None = None
    compiled = [(form.lower(), pattern(form)) for form in forms]
    for anchor, title, body, lower in _sections(text, headings):
        if title in NOT_AN_ANSWER:
            continue
        count = sum(len(rx.findall(body)) for low, rx in compiled if low in lower)
        if count and (best is None or count > best.count):
            best = Usage(anchor, title, count)
    return best


def glossary_entries(docs: list[Document]) -> list[Entry]:
    return [e for doc in sorted(docs, key=lambda d: d.path) if not doc.is_protocol for e in entries(doc)]


def search_data(docs: list[Document]) -> dict:
    """The scorer's data: protocols by docname, and glossary entries with the protocols they cover and where."""
    protocols = {d.docname: d for d in docs if d.is_protocol and d.pid}
    by_id = {d.pid: d.docname for d in protocols.values()}
    out_entries = []
    for entry in glossary_entries(docs):
        uses = {}
        for docname, doc in sorted(protocols.items()):
            found = usage(entry, doc)
            if found:
                uses[docname] = [found.anchor, found.title, found.count]
        cover = [by_id[p] for p in entry.protocols if p in by_id]
        if uses or cover:
            forms = sorted({_normal(f) for f in entry.forms})
            out_entries.append({"forms": forms, "cover": cover, "uses": uses})
    return {
        "protocols": {name: {"id": d.pid, "title": d.title, "short": _short(d)} for name, d in sorted(protocols.items())},
        "entries": out_entries,
    }


def keywords(data: dict, docname: str) -> list[str]:
    """Words a protocol's index entry gains: every name of each glossary entry it uses or covers."""
    words: set[str] = set()
    for entry in data["entries"]:
        if docname in entry["uses"] or docname in entry["cover"]:
            for form in entry["forms"]:
                words.update(form.split())
    return sorted(words)


def _normal(text: str) -> str:
    """Lower case, words only: how the scorer compares a query with a name."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _short(doc: Document) -> str:
    value = (doc.meta or {}).get("short_title")
    return value.strip() if isinstance(value, str) else ""
