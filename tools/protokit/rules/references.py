"""P3xx: cross-references between pages, protocols, labels and glossary terms."""

from __future__ import annotations

import re

from ..index import resolve_path
from ..model import RETIRED
from ..suggest import did_you_mean
from . import rule

_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)
_EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _roles(doc, *names):
    return (r for r in doc.refs if r.kind in names)


@rule("P301", "unknown-protocol", scope="document")
def unknown_protocol(doc, ctx):
    """A ``{protocol}`` reference names an id no protocol has.

    Bad: ``{protocol}`BST-SRG-01```.

    Good: ``{protocol}`BST-SURG-01``` (or ``{protocol}`limb salvage <BST-SURG-01>```).
    """
    for ref in _roles(doc, "protocol"):
        target = ref.target_id
        if target not in ctx.index.protocols:
            yield ref.line, ref.col, f'unknown protocol id "{target}"{did_you_mean(target, ctx.index.protocols)}'


def _link_problem(doc, ctx, target: str) -> str | None:
    path, _, anchor = target.partition("#")
    if not path:
        if anchor and anchor not in ctx.index.anchors.get(doc.path, ()):
            return f'no heading with anchor "#{anchor}" on this page{did_you_mean(anchor, ctx.index.anchors.get(doc.path, ()))}'
        return None
    if not path.endswith(".md"):
        return None
    resolved = resolve_path(doc.path, path)
    if resolved not in ctx.index.docs:
        return f'link to "{path}", but {resolved} does not exist{did_you_mean(resolved, ctx.index.docs)}'
    if anchor and anchor not in ctx.index.anchors.get(resolved, ()):
        hint = did_you_mean(anchor, ctx.index.anchors.get(resolved, ()))
        return f'{resolved} has no heading with anchor "#{anchor}"{hint}'
    return None


@rule("P302", "broken-link", scope="document")
def broken_link(doc, ctx):
    """A link to another page, or to a ``#heading`` anchor, points nowhere.

    Bad: ``[biopsy](BST-DX-02.md#tract-plannning)``.

    Good: ``[biopsy](BST-DX-02.md#tract-planning)``: anchors are the heading text in
    lower case with spaces as hyphens (levels 1 to 3).
    """
    for ref in _roles(doc, "link"):
        if _EXTERNAL.match(ref.target) and not ref.target.lower().startswith("javascript:"):
            continue
        problem = _link_problem(doc, ctx, ref.target)
        if problem:
            yield ref.line, ref.col, problem


@rule("P303", "unknown-label", scope="document")
def unknown_label(doc, ctx):
    """A ``{ref}`` reference names a label that no page defines.

    Bad: ``{ref}`mirels-scor```.

    Good: ``{ref}`mirels-score``` with ``(mirels-score)=`` above the target heading.
    """
    for ref in _roles(doc, "ref", "numref"):
        target = ref.target_id.lower()
        if target not in ctx.index.labels:
            hint = did_you_mean(target, ctx.index.labels) or f'; define it with "({target})=" above a heading'
            yield ref.line, ref.col, f'unknown label "{target}"{hint}'


@rule("P304", "unknown-term", scope="document")
def unknown_term(doc, ctx):
    """A ``{term}`` reference names a term missing from the glossary.

    Bad: ``{term}`Mirel score```.

    Good: ``{term}`Mirels score```, or add the term to ``handbook/glossary.md``.
    """
    for ref in _roles(doc, "term"):
        target = ref.target_id
        if target.lower() not in ctx.index.terms:
            hint = did_you_mean(target, ctx.index.terms.values()) or "; add it to handbook/glossary.md or fix the spelling"
            yield ref.line, ref.col, f'"{target}" is not in the glossary{hint}'


@rule("P305", "unknown-doc", scope="document")
def unknown_doc(doc, ctx):
    """A ``{doc}`` reference names a page that does not exist.

    Bad: ``{doc}`/handbook/governanse```.

    Good: ``{doc}`/handbook/governance``` (path without ``.md``; ``/`` = handbook root).
    """
    docnames = ctx.index.docnames
    for ref in _roles(doc, "doc"):
        target = resolve_path(doc.path, ref.target_id)
        if target not in docnames:
            yield ref.line, ref.col, f'no page "{target}"{did_you_mean(target, docnames)}'


@rule("P306", "unknown-related")
def unknown_related(doc, ctx):
    """An id in ``related`` is not a protocol.

    Bad: ``related: [BST-MET-1]``.

    Good: ``related: [BST-MET-01]``.
    """
    related = (doc.meta or {}).get("related")
    for pid in related if isinstance(related, list) else ():
        if isinstance(pid, str) and pid not in ctx.index.protocols:
            yield doc.field_line("related"), 1, f'related id "{pid}" is not a protocol{did_you_mean(pid, ctx.index.protocols)}'
        elif pid == doc.pid:
            yield doc.field_line("related"), 1, f'"{pid}" lists itself in related; remove it'


@rule("P307", "retired-reference", severity="warning", scope="document")
def retired_reference(doc, ctx):
    """A page refers to a retired protocol (a warning; an error with ``--release``).

    Bad: ``{protocol}`BST-SURG-01``` after BST-SURG-01 was retired.

    Good: refer to its successor (the retired page names it).
    """
    refs = [(r.line, r.col, r.target_id) for r in _roles(doc, "protocol")]
    related = (doc.meta or {}).get("related") if doc.is_protocol else None
    refs += [(doc.field_line("related"), 1, p) for p in related if isinstance(p, str)] if isinstance(related, list) else []
    if doc.status == RETIRED:
        return
    for line, col, pid in refs:
        if ctx.index.status_of(pid) == RETIRED:
            succ = (ctx.index.protocols[pid].meta or {}).get("superseded_by")
            instead = f'; refer to "{succ}" instead' if isinstance(succ, str) else ""
            yield line, col, f'"{pid}" is retired{instead}'
