"""P2xx: headings and required sections."""

from __future__ import annotations

from ..suggest import closest
from . import rule


def _h2(doc):
    return [h for h in doc.headings if h.level == 2 and not h.nested]


def _required(doc, ctx):
    ptype = (doc.meta or {}).get("type")
    if not isinstance(ptype, str) or ptype not in ctx.schema.sections_by_type:
        return ()
    return ctx.schema.required_sections(ptype)


@rule("P201", "missing-section")
def missing_section(doc, ctx):
    """A section required for the protocol's type is missing.

    Bad: a surgery protocol without ``## Follow-up``.

    Good: every section listed for the type in ``protocols/schema.yaml``, as a level-2 heading.
    """
    present = {h.text for h in _h2(doc)}
    required = _required(doc, ctx)
    ptype = (doc.meta or {}).get("type")
    for n, name in enumerate(required):
        if name in present:
            continue
        before = next((r for r in reversed(required[:n]) if r in present), None)
        anchor = next((h for h in _h2(doc) if h.text == before), None)
        line = anchor.line if anchor else next((h.line for h in doc.headings if h.level == 1), 1)
        where = f' after "{before}"' if before else " first"
        near = closest(name, present - set(required))
        hint = f'; is "{near}" meant to be it? Use the exact heading' if near else ""
        yield line, 1, f'missing required section "{name}" (type: {ptype} requires it{where}){hint}'


@rule("P202", "section-order")
def section_order(doc, ctx):
    """Required sections are not in the order the schema gives.

    Bad: ``## References`` before ``## Responsibilities``.

    Good: the order in ``protocols/schema.yaml`` (readers find the same thing in the same place).
    """
    required = _required(doc, ctx)
    found = [h for h in _h2(doc) if h.text in required]
    expected_order = [r for r in required if r in {h.text for h in found}]
    for h, expected in zip(found, expected_order, strict=False):
        if h.text != expected:
            yield (
                h.line,
                1,
                f'section "{h.text}" is out of order: "{expected}" should come here (order: {" → ".join(expected_order)})',
            )
            return


@rule("P203", "empty-section")
def empty_section(doc, ctx):
    """A required section has a heading but no content.

    Bad: ``## Follow-up`` followed directly by the next heading.

    Good: at least one sentence, or "Not applicable: <reason>." when nothing applies.
    """
    required = set(_required(doc, ctx))
    for h in _h2(doc):
        if h.text in required and not h.has_body:
            yield h.line, 1, f'section "{h.text}" is empty; write its content, or "Not applicable: <reason>."'


@rule("P204", "multiple-h1", scope="document")
def multiple_h1(doc, ctx):
    """A page has more than one level-1 heading (the second is silently demoted).

    Bad: two lines starting with ``# ``.

    Good: one ``# Title``; use ``## `` for sections.
    """
    for h in [h for h in doc.headings if h.level == 1][1:]:
        yield h.line, 1, f'second level-1 heading "{h.text}"; a page has one "# " title, use "## " for sections'


@rule("P205", "missing-h1")
def missing_h1(doc, ctx):
    """A protocol has no level-1 heading (its title on the page).

    Bad: a protocol whose first heading is ``## Scope and purpose``.

    Good: ``# <the title from the front matter>`` right after the front matter.
    """
    if not any(h.level == 1 for h in doc.headings):
        yield 1, 1, 'no "# Title" heading; add one with the front-matter title'


@rule("P206", "title-mismatch")
def title_mismatch(doc, ctx):
    """The page heading differs from the front-matter ``title``.

    Bad: ``title: Limb salvage`` with ``# Limb-salvage surgery``.

    Good: the same text in both (catalogue, links and page must agree).
    """
    title = (doc.meta or {}).get("title")
    h1 = next((h for h in doc.headings if h.level == 1), None)
    if isinstance(title, str) and h1 and h1.text != title.strip():
        yield h1.line, 1, f'heading "{h1.text}" differs from the front-matter title "{title}"; make them the same'
