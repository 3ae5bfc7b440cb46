"""Incremental builds: rewrite every page whose generated content a change affects.

Sphinx rewrites only the pages it re-read. A protocol's title, status or
references also show on other pages (links, backlinks, catalogue, matrix,
dashboard), so after each read we compare a snapshot of what those pages show
with the previous build's and hand Sphinx the pages to rewrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..check import today
from ..searchdata import keywords
from .domain import DOMAIN
from .search import data_of

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

SNAPSHOT = "protokit_snapshot"


def snapshot(domain) -> dict:
    """What other pages show about each protocol, and who references whom."""
    signatures, refs, values = {}, {}, {}
    for docname, doc in domain.docs.items():
        refs[docname] = doc.protocols_shown()
        values[docname] = sorted({r.target.strip() for r in doc.refs if r.kind == "value"})
        if doc.is_protocol and doc.pid:
            signatures[doc.pid] = (docname, doc.title, repr(sorted((doc.meta or {}).items(), key=str)))
    backlinks: dict[str, set[str]] = {}
    for docname, targets in refs.items():
        for pid in targets:
            backlinks.setdefault(pid, set()).add(docname)
    # A protocol's index entry carries its glossary synonyms: a glossary edit changes them.
    found = data_of(domain)
    synonyms = {docname: keywords(found, docname) for docname in refs if docname.startswith("protocols/")}
    # Who uses which key number: the key numbers page lists them.
    return {
        "today": today().isoformat(),
        "signatures": signatures,
        "refs": refs,
        "backlinks": backlinks,
        "synonyms": synonyms,
        "values": values,
    }


def pages_to_rewrite(old: dict | None, new: dict, aggregates: list[str], protocol_pages: dict[str, str]) -> set[str]:
    """Docnames whose generated content differs between two snapshots."""
    if old is None:
        return set()
    if old["today"] != new["today"]:
        return set(aggregates) | set(protocol_pages.values())
    changed = {
        pid
        for pid in old["signatures"].keys() | new["signatures"].keys()
        if old["signatures"].get(pid) != new["signatures"].get(pid)
    }
    out: set[str] = set()
    if changed or old.get("values") != new.get("values"):
        out |= set(aggregates)
        out |= {d for d, targets in new["refs"].items() if targets & changed}
    for docname, words in new.get("synonyms", {}).items():
        if old.get("synonyms", {}).get(docname) != words:
            out.add(docname)
    for pid in old["backlinks"].keys() | new["backlinks"].keys():
        if old["backlinks"].get(pid) != new["backlinks"].get(pid) and pid in protocol_pages:
            out.add(protocol_pages[pid])
    return out


def on_env_updated(app, env) -> list[str]:
    domain = env.domains[DOMAIN]
    new = snapshot(domain)
    pages = {pid: docname for pid, (docname, _) in domain.protocols().items()}
    rewrite = pages_to_rewrite(getattr(env, SNAPSHOT, None), new, list(domain.aggregates), pages)
    # Release pages depend on git tags too, which Sphinx cannot see: always rewrite them.
    rewrite |= {d for d, kinds in domain.aggregates.items() if {"release_notes", "in_force"} & set(kinds)}
    setattr(env, SNAPSHOT, new)
    return sorted(d for d in rewrite if d in env.all_docs)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("env-updated", on_env_updated)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
