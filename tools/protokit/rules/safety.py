"""P5xx: safety: no script in pages, no patient data."""

from __future__ import annotations

import re

from . import rule

_UNSAFE = [
    (re.compile(r"<\s*script\b", re.I), "a <script> element"),
    (re.compile(r"<\s*(iframe|object|embed|frame|base|form)\b", re.I), "an <{0}> element"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute ({0})"),
    (re.compile(r"javascript\s*:", re.I), 'a "javascript:" URL'),
    (re.compile(r"http-equiv\s*=\s*[\"']?refresh", re.I), "a meta refresh"),
]


@rule("P501", "unsafe-html", scope="document")
def unsafe_html(doc, ctx):
    """Raw HTML that can run script or load another page is not allowed.

    Bad: ``<script>…</script>``, ``<img src=x onerror=…>``, ``<iframe>``, ``[x](javascript:…)``.

    Good: Markdown and MyST directives only; ask the handbook maintainers for a new feature.
    """
    fragments = [(h.line, h.text) for h in doc.html]
    fragments += [(r.line, r.target) for r in doc.refs if r.kind == "link"]
    for line, text in fragments:
        for rx, what in _UNSAFE:
            m = rx.search(text)
            if m:
                found = what.format(m.group(1) if m.groups() else m.group(0).strip())
                yield line, 1, f"raw HTML with {found} is not allowed in the handbook; remove it"
                break


@rule("P502", "meta-refresh", scope="document")
def meta_refresh(doc, ctx):
    """The front matter sets an HTML meta refresh (a silent redirect).

    Bad::

        myst:
          html_meta:
            http-equiv=refresh: "0; url=https://example.org"

    Good: no ``html_meta`` refresh; moved pages get a redirect from the maintainers.
    """
    myst = (doc.meta or {}).get("myst")
    meta = myst.get("html_meta") if isinstance(myst, dict) else None
    for key, value in meta.items() if isinstance(meta, dict) else ():
        if "refresh" in f"{key} {value}".lower():
            yield doc.field_line("myst"), 1, f'html_meta "{key}" makes the page redirect; remove it'


# [ \t] rather than \s: the patterns run over the whole text and must not span lines.
_MRN = re.compile(r"\b(MRN|hospital (?:number|no\.?)|medical record (?:number|no\.?))[ \t]*[:#=]?[ \t]*([A-Z]{0,3}\d{5,})", re.I)
_DOB = re.compile(
    r"\b(DOB|date of birth|d\.o\.b\.?)[ \t]*[:=]?[ \t]*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[ \t]+[A-Z][a-z]{2,8}[ \t]+\d{4})",
    re.I,
)
_NAME = re.compile(r"\bpatient(?:'s)? name[ \t]*[:=][ \t]*\S+", re.I)
_LABELLED = (
    (_MRN, "a record number", ("mrn", "hospital n", "medical record")),
    (_DOB, "a date of birth", ("dob", "date of birth", "d.o.b")),
    (_NAME, "a patient name", ("patient name", "patient's name")),
)
_NHS = re.compile(r"(?<![\w./-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w/-]|\.\d)")


def nhs_checksum_ok(digits: str) -> bool:
    """True when a 10-digit number passes the NHS number modulus-11 check."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@rule("P503", "patient-data", scope="document")
def patient_data(doc, ctx):
    """Text looks like patient-identifiable data (MRN, date of birth, NHS number, patient name).

    Bad: ``MRN: 12345678``, ``DOB 03/04/1961``, ``943 476 5919``, ``Patient name: …``.

    Good: no patient data at all; describe cases generically ("a 40-year-old with …").
    """
    # Whole-text searches (one pass per pattern), then line and column from the offset.
    text = doc.text
    lower = text.lower()
    hits = []
    for rx, what, keys in _LABELLED:
        if any(k in lower for k in keys):  # cheap prefilter: most pages mention none of these
            hits += [(m.start(), m.group(0), what) for m in rx.finditer(text)]
    for m in _NHS.finditer(text):
        digits = "".join(m.groups())
        if len(set(digits)) > 2 and nhs_checksum_ok(digits):
            hits.append((m.start(), m.group(0), "an NHS number"))
    for pos, found, what in sorted(hits):
        line = text.count("\n", 0, pos) + 1
        col = pos - text.rfind("\n", 0, pos)
        yield line, col, f'"{found}" looks like {what}; the handbook must not hold patient data'
