"""P1xx: front matter (metadata) against the schema."""

from __future__ import annotations

from collections import defaultdict

from ..dates import as_date
from ..model import RETIRED
from ..suggest import did_you_mean, one_of
from . import iter_defects, rule

#: The MyST per-page settings key; allowed, and checked by P502.
MYST_KEY = "myst"


@rule("P101", "no-front-matter")
def no_front_matter(doc, ctx):
    """A protocol has no YAML front matter.

    Bad: a protocol that starts with its ``# Title``.

    Good::

        ---
        id: BST-SURG-01
        title: Limb salvage surgery for bone sarcoma of the limbs
        ...
        ---
        # Limb salvage surgery for bone sarcoma of the limbs
    """
    for d in iter_defects(doc, "no-front-matter"):
        yield (
            d.line,
            d.col,
            'no front matter; start the file with a "---" block (copy one from another protocol or run "make new")',
        )


@rule("P102", "front-matter-not-mapping")
def not_mapping(doc, ctx):
    """The front matter is not a list of ``key: value`` lines.

    Bad: ``- id: BST-SURG-01`` (a list) or a single line of text.

    Good: ``id: BST-SURG-01`` with one field per line.
    """
    for d in iter_defects(doc, "front-matter-not-mapping"):
        yield d.line, d.col, f'front matter is a {d.detail}, not fields; write one "key: value" per line'


@rule("P103", "yaml-error", scope="document")
def yaml_error(doc, ctx):
    """The front matter is not valid YAML.

    Bad: ``title: Biopsy: principles`` (a second colon) or a tab for indentation.

    Good: ``title: "Biopsy: principles"`` (quote text containing ``: ``), spaces for indentation.
    """
    for d in iter_defects(doc, "yaml-error"):
        yield d.line, d.col, f'front matter is not valid YAML: {d.detail}; quote values that contain ": " or "#"'


@rule("P104", "duplicate-key", scope="document")
def duplicate_key(doc, ctx):
    """A front-matter key appears twice (YAML silently keeps only the last).

    Bad::

        version: "1.0"
        version: "1.1"

    Good: one ``version:`` line.
    """
    for d in iter_defects(doc, "duplicate-key"):
        yield d.line, d.col, f'key "{d.detail}" appears twice (only the last would count); delete one'


@rule("P105", "unknown-key")
def unknown_key(doc, ctx):
    """The front matter has a key the schema does not define.

    Bad: ``reviewed_due: 2027-01-31`` (a typo: the field is ignored).

    Good: ``review_due: 2027-01-31``.
    """
    known = set(ctx.schema.fields) | {MYST_KEY}
    for key in doc.meta or {}:
        if str(key) not in known:
            hint = did_you_mean(str(key), known) or f"; valid keys: {one_of(ctx.schema.fields)}"
            yield doc.field_line(str(key)), 1, f'unknown front-matter key "{key}"{hint}'


@rule("P106", "missing-field")
def missing_field(doc, ctx):
    """A required front-matter field is missing.

    Bad: a protocol without ``review_due``.

    Good: ``review_due: 2027-11-30``.
    """
    if doc.meta is None:
        return
    for f in ctx.schema.fields.values():
        if f.required and f.name not in doc.meta:
            yield 1, 1, f'missing required field "{f.name}" ({f.help}); add it to the front matter'


def _type_problem(field, value, schema) -> str | None:
    """Say what is wrong with a value of a field, or None."""
    kind = field.kind
    if kind in ("string", "role", "id", "version"):
        if not isinstance(value, str) or not value.strip():
            shown = repr(value) if not isinstance(value, str) else '""'
            quote = (
                " in quotes (YAML read it as a number)" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            )
            return f'"{field.name}" must be text, got {shown}; write it{quote or " as text"}'
        if kind == "version" and not schema.version_pattern.match(value):
            return f'"version" value "{value}" is not MAJOR.MINOR (e.g. "1.2") or semver (e.g. "1.2.0")'
    elif kind in ("list-of-vocabulary", "list-of-ids"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return f'"{field.name}" must be a list of text values, e.g. [a, b] (use [] for none)'
    elif kind == "vocabulary" and not isinstance(value, str):
        return f'"{field.name}" must be one word from the list, got {value!r}; write it in quotes if YAML changed it'
    return None


@rule("P107", "wrong-type")
def wrong_type(doc, ctx):
    """A front-matter value has the wrong type (YAML changed its meaning).

    Bad: ``version: 1.10`` (YAML reads the number 1.1) or ``status: no`` (YAML reads false).

    Good: ``version: "1.10"``; ``status: draft``.
    """
    for name, value in (doc.meta or {}).items():
        field = ctx.schema.fields.get(str(name))
        problem = field and _type_problem(field, value, ctx.schema)
        if problem:
            yield doc.field_line(field.name), 1, problem


@rule("P108", "bad-date")
def bad_date(doc, ctx):
    """A date field is not a real date in ``YYYY-MM-DD`` form.

    Bad: ``review_due: 31/11/2027`` or ``review_due: 2027-02-30``.

    Good: ``review_due: 2027-11-30``.
    """
    for f in ctx.schema.fields.values():
        if f.kind == "date" and f.name in (doc.meta or {}):
            value = doc.meta[f.name]
            if as_date(value) is None:
                shown = "is empty" if value is None else f'value "{value}" is not a date'
                yield doc.field_line(f.name), 1, f'"{f.name}" {shown}; write it as YYYY-MM-DD, e.g. 2027-11-30'


@rule("P109", "unknown-value")
def unknown_value(doc, ctx):
    """A value is not in the schema's controlled vocabulary.

    Bad: ``sites: [femur]`` or ``status: final``.

    Good: ``sites: [lower-limb]``; ``status: approved``. The lists are in ``protocols/schema.yaml``.
    """
    for f in ctx.schema.fields.values():
        if not f.vocabulary or f.name not in (doc.meta or {}):
            continue
        allowed = ctx.schema.vocabularies[f.vocabulary]
        value = doc.meta[f.name]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, str) and v not in allowed:
                hint = did_you_mean(v, allowed) or f"; use one of: {one_of(allowed)}"
                yield doc.field_line(f.name), 1, f'"{f.name}" has unknown value "{v}"{hint}'


@rule("P110", "bad-id")
def bad_id(doc, ctx):
    """An id (the protocol's own, ``superseded_by``) does not follow the id pattern.

    Bad: ``id: bst-surg-1``.

    Good: ``id: BST-SURG-01`` (see ``id_pattern`` in ``protocols/schema.yaml``).
    """
    for f in ctx.schema.fields.values():
        value = (doc.meta or {}).get(f.name)
        if f.kind == "id" and isinstance(value, str) and not ctx.schema.id_pattern.match(value):
            yield (
                doc.field_line(f.name),
                1,
                (
                    f'"{f.name}" value "{value}" is not a protocol id like "BST-SURG-01"'
                    f"{did_you_mean(value, set(ctx.index.protocols) - {value})}"
                ),
            )


@rule("P111", "duplicate-id", scope="project")
def duplicate_id(ctx):
    """Two protocols have the same id (ids are unique and never reused).

    Bad: ``protocols/BST-SURG-01.md`` and ``protocols/BST-SURG-02.md`` both saying ``id: BST-SURG-01``.

    Good: each protocol has its own id; a new protocol takes the next free number.
    """
    by_id = defaultdict(list)
    for doc in ctx.index.protocol_docs:
        if doc.pid:
            by_id[doc.pid].append(doc)
    for pid, docs in sorted(by_id.items()):
        for doc in docs[1:]:
            yield (
                doc.path,
                doc.field_line("id"),
                1,
                f'id "{pid}" is already used by {docs[0].path}; choose a new id (ids are never reused)',
            )


@rule("P112", "id-filename-mismatch")
def id_filename(doc, ctx):
    """The file name does not carry the protocol's id.

    Bad: ``protocols/limb-salvage.md`` with ``id: BST-SURG-01``.

    Good: ``protocols/BST-SURG-01.md`` (the id is the page's stable address).
    """
    expected = f"{doc.pid}.md"
    if doc.pid and doc.path.rsplit("/", 1)[-1] != expected:
        yield doc.field_line("id"), 1, f'file name does not match id "{doc.pid}"; rename the file to protocols/{expected}'


@rule("P113", "missing-approval")
def missing_approval(doc, ctx):
    """A protocol's status requires fields it does not have (e.g. approved without approval details).

    Bad: ``status: approved`` without ``approved_by``, ``approved_on`` and ``effective_date``.

    Good: all three present, or ``status: draft`` until a clinician has approved it.
    """
    meta = doc.meta or {}
    for f in ctx.schema.fields.values():
        for key, value in f.required_when:
            if meta.get(key) == value and f.name not in meta:
                yield doc.field_line(key), 1, f'status "{value}" requires "{f.name}" ({f.help}); add it, or keep status: draft'


@rule("P114", "retired-without-successor")
def retired_successor(doc, ctx):
    """A retired protocol names neither its successor nor a reason.

    Bad: ``status: retired`` alone.

    Good: ``superseded_by: BST-SURG-04`` or ``retired_reason: "The procedure is no longer offered."``.
    """
    meta = doc.meta or {}
    needed = ctx.schema.retired_requires_one_of
    if meta.get("status") == RETIRED and not any(meta.get(k) for k in needed):
        yield doc.field_line("status"), 1, f"a retired protocol needs {' or '.join(needed)} so readers know where to go"


@rule("P115", "review-overdue", severity="warning")
def review_overdue(doc, ctx):
    """The review date has passed (a warning; an error with ``--release``).

    Bad: ``review_due: 2024-01-31`` in a protocol still in use.

    Good: review the protocol, then set the next ``review_due`` and add a ``history`` entry.
    """
    due = doc.date("review_due")
    if due and doc.is_overdue(ctx.today):
        yield (
            doc.field_line("review_due"),
            1,
            f"review was due on {due.isoformat()}; review the protocol and set a new review_due",
        )


@rule("P116", "person-not-role")
def person_not_role(doc, ctx):
    """An owner or approver is a person's name; the handbook names roles.

    Bad: ``owner: Dr A. Example``.

    Good: ``owner: Consultant orthopaedic oncologist (limb salvage lead)``.
    """
    for f in ctx.schema.fields.values():
        value = (doc.meta or {}).get(f.name)
        if f.kind == "role" and isinstance(value, str):
            for marker in ctx.schema.person_markers:
                if value.startswith(marker) or f" {marker}" in value:
                    yield doc.field_line(f.name), 1, f'"{f.name}" looks like a person ("{value}"); name the role instead'
                    break


@rule("P117", "bad-history")
def bad_history(doc, ctx):
    """The ``history`` list is malformed or does not end at the current version.

    Bad::

        version: "1.1"
        history:
          - {version: "1.0", date: 2026-01-10, summary: First issue.}

    Good: newest entry first, and it matches ``version``::

        history:
          - {version: "1.1", date: 2026-11-02, summary: Mirels threshold wording clarified.}
          - {version: "1.0", date: 2026-01-10, summary: First issue.}
    """
    history = (doc.meta or {}).get("history")
    if history is None:
        return
    line = doc.field_line("history")
    if not isinstance(history, list) or not history:
        yield line, 1, "history must be a list of entries with version, date and summary"
        return
    for n, entry in enumerate(history, start=1):
        if not isinstance(entry, dict) or set(entry) != {"version", "date", "summary"}:
            yield line, 1, f"history entry {n} must have exactly version, date and summary"
        elif as_date(entry["date"]) is None or not isinstance(entry["version"], str):
            yield line, 1, f'history entry {n}: date must be YYYY-MM-DD and version quoted text, e.g. "1.0"'
    first = history[0]
    version = (doc.meta or {}).get("version")
    if isinstance(first, dict) and isinstance(version, str) and first.get("version") != version:
        yield (
            line,
            1,
            f'the newest history entry is for version "{first.get("version")}" but the protocol is version "{version}"; add an entry for "{version}" at the top',
        )


@rule("P125", "short-title-too-long")
def short_title_too_long(doc, ctx):
    """The ``short_title`` is too long for the places that show it (the matrix, a phone).

    Bad: ``short_title: Bone metastases of the limbs and pelvis: impending fracture``.

    Good: ``short_title: Limb and pelvic metastases``.
    """
    value = (doc.meta or {}).get("short_title")
    limit = ctx.schema.short_title_max
    if isinstance(value, str) and len(value.strip()) > limit:
        yield (
            doc.field_line("short_title"),
            1,
            f'"short_title" has {len(value.strip())} characters, more than {limit}: shorten "{value.strip()}" '
            f'(the full title stays in "title")',
        )
