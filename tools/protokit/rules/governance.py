"""P12x: governance: the record must not contradict itself."""

from __future__ import annotations

import datetime as dt

from ..dates import as_date
from ..model import RETIRED
from . import rule


@rule("P120", "bad-successor")
def bad_successor(doc, ctx):
    """``superseded_by`` names a protocol that does not exist, is retired, is itself, or leads back in a cycle.

    Bad: ``superseded_by: BST-SURG-01`` in BST-SURG-01, or two retired protocols naming each other.

    Good: the id of the live protocol that replaces this one.
    """
    successor = (doc.meta or {}).get("superseded_by")
    if not isinstance(successor, str) or not doc.pid:
        return
    line = doc.field_line("superseded_by")
    if successor == doc.pid:
        yield line, 1, f'"superseded_by" names the protocol itself ({successor}); name the protocol that replaces it'
        return
    if successor not in ctx.index.protocols:
        yield line, 1, f'"superseded_by" names {successor}, which does not exist; name an existing protocol or use retired_reason'
        return
    seen, current = {doc.pid}, successor
    while current in ctx.index.protocols and ctx.index.status_of(current) == RETIRED:
        if current in seen:
            yield (
                line,
                1,
                f'"superseded_by" goes round in a cycle ({" → ".join([doc.pid, successor])} …); end it at a live protocol',
            )
            return
        seen.add(current)
        nxt = (ctx.index.protocols[current].meta or {}).get("superseded_by")
        if not isinstance(nxt, str):
            yield line, 1, f'"superseded_by" names {successor}, which is retired with no live successor; name the live protocol'
            return
        current = nxt
    if current not in ctx.index.protocols:
        yield line, 1, f'"superseded_by" chain from {successor} ends at {current}, which does not exist; name the live protocol'


@rule("P121", "approval-dates")
def approval_dates(doc, ctx):
    """Approval is dated in the future, or after the date the protocol came into force.

    Bad: ``approved_on: 2031-01-01`` today, or ``approved_on`` later than ``effective_date``.

    Good: ``approved_on`` ≤ ``effective_date``, and ``approved_on`` not after today.
    """
    meta = doc.meta or {}
    approved, effective = as_date(meta.get("approved_on")), as_date(meta.get("effective_date"))
    if approved and approved > ctx.today:
        yield doc.field_line("approved_on"), 1, f"approved_on {approved} is in the future; approval is recorded when it happens"
    if approved and effective and approved > effective:
        yield (
            doc.field_line("effective_date"),
            1,
            f"effective_date {effective} is before approved_on {approved}; a protocol comes into force after approval",
        )


@rule("P122", "review-too-far")
def review_too_far(doc, ctx):
    """``review_due`` is further ahead than the schema's review horizon.

    Bad: ``review_due: 9999-12-31`` (the protocol would never come up for review).

    Good: a date within ``review_horizon_years`` of today (three years is usual).
    """
    due = as_date((doc.meta or {}).get("review_due"))
    years = ctx.schema.review_horizon_years
    try:
        horizon = ctx.today.replace(year=ctx.today.year + years)
    except ValueError:  # 29 February
        horizon = ctx.today + dt.timedelta(days=365 * years)
    if due and due > horizon:
        yield doc.field_line("review_due"), 1, f"review_due {due} is more than {years} years ahead; set a date before {horizon}"


@rule("P123", "history-order")
def history_order(doc, ctx):
    """The history is not newest first, repeats a version, or a version goes down.

    Bad: entries dated 2026-01-10 then 2026-11-02, or version "1.1" listed twice.

    Good: newest entry first; each version once; versions and dates falling as you read down.
    """
    history = (doc.meta or {}).get("history")
    if not isinstance(history, list):
        return
    line = doc.field_line("history")
    entries = [e for e in history if isinstance(e, dict) and isinstance(e.get("version"), str)]
    seen: set[str] = set()
    for entry in entries:
        if entry["version"] in seen:
            yield line, 1, f'history lists version "{entry["version"]}" twice; each version has one entry'
        seen.add(entry["version"])
    for n, (newer, older) in enumerate(zip(entries, entries[1:], strict=False), start=1):
        nv, ov = version_key(newer["version"]), version_key(older["version"])
        nd, od = as_date(newer.get("date")), as_date(older.get("date"))
        if nv is not None and ov is not None and nv <= ov and newer["version"] != older["version"]:
            yield (
                line,
                1,
                f'history entry {n} (version "{newer["version"]}") is not newer than entry {n + 1} ("{older["version"]}"); list the newest first',
            )
        elif nd and od and nd < od:
            yield line, 1, f"history entry {n} is dated {nd}, before entry {n + 1} ({od}); list the newest first"


@rule("P124", "duplicate-in-list")
def duplicate_in_list(doc, ctx):
    """A front-matter list names the same value twice.

    Bad: ``related: [BST-MET-01, BST-MET-01]``.

    Good: each id or value once.
    """
    for f in ctx.schema.fields.values():
        value = (doc.meta or {}).get(f.name)
        if f.kind.startswith("list-of") and isinstance(value, list):
            seen = set()
            for item in value:
                if isinstance(item, str) and item in seen:
                    yield doc.field_line(f.name), 1, f'"{f.name}" lists "{item}" twice; list it once'
                if isinstance(item, str):
                    seen.add(item)


def version_key(text: str) -> tuple[int, ...] | None:
    """``"1.10"`` -> ``(1, 10)``; None when it is not numbers and dots."""
    parts = text.split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else None
