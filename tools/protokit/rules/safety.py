"""P5xx: safety: no script in pages, no patient data."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..containment import html_problems
from . import rule


@rule("P501", "unsafe-html", scope="document")
def unsafe_html(doc, ctx):
    """Raw HTML that is not on the schema's allow-list (it could run script, hide or restyle the page).

    Bad: ``<script>…</script>``, ``<img src=x onerror=…>``, ``<style>``, ``<a href="&#106;avascript:…">``,
    ``<!--`` never closed (it hides the rest of the page, the draft banner included).

    Good: Markdown and MyST directives; the few tags in ``allowed.html`` (``<br>``, ``<sub>``, ``<sup>``).
    """
    for fragment in doc.html:
        for problem in html_problems(fragment.text, ctx.schema.allowed)[:1]:
            yield fragment.line, 1, f"raw HTML: {problem}; use Markdown instead"


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
# They run over normalised text (see normalise): every space is " ", every dash "-".
_MRN = re.compile(
    r"\b(MRN|hospital (?:number|no\.?)|medical record (?:number|no\.?)|record (?:number|no\.?))[ \t]*[:#=]?[ \t]*([A-Z]{0,3}[ \-]?\d{5,})",
    re.I,
)
_DATE = r"(?:\d{1,2}[/.\- ]\d{1,2}[/.\- ]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z]{2,8}[ \t]+\d{4}|[A-Z][a-z]{2,8}[ \t]+\d{1,2},?[ \t]+\d{4})"
_DOB = re.compile(r"\b(?:DOB|date of birth|d\.o\.b\.?|born(?:[ \t]+on)?)[ \t]*[:=]?[ \t]*" + _DATE, re.I)
_NAME = re.compile(r"\bpatient(?:'s)? name[ \t]*[:=][ \t]*\S+", re.I)
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?[ \t]+[A-Z][a-z'\-]+(?:[ \t]+[A-Z][a-z'\-]+)?\b")
#: Full UK postcodes; only reported next to a name or a date (guideline codes like NG12 are not postcodes).
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b")
_NEAR = re.compile(_DATE + r"|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?[ \t]+[A-Z][a-z]+")
#: A record-number shape: a short letter prefix and 6-8 digits (trial registries excluded).
_RECORD = re.compile(r"\b(?!NCT|ISRCTN|ACTRN|PMC|PMID|CTRI|DRKS|ChiCTR|EUCTR|ISBN|ISSN|CD)[A-Z]{1,3}\d{6,8}\b")
_LABELLED = (
    (_MRN, "a record number", ("mrn", "hospital n", "record n")),
    (_DOB, "a date of birth", ("dob", "date of birth", "d.o.b", "born")),
    (_NAME, "a patient name", ("patient name", "patient's name")),
    (_TITLED, "a person's name", ("mr", "mrs", "ms", "miss", "mx", "master")),
)
_NHS = re.compile(r"(?<![\w./-])(\d{3})[ .\-]?(\d{3})[ .\-]?(\d{4})(?![\w/-]|\.\d)")
#: Invisible characters dropped before scanning ("943\u200b476 5919" is still an NHS number).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"))


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Text for scanning (NFKC, one kind of space and dash, no invisible characters).

    Returns the normalised text and, when it differs in length, the offset in
    ``text`` of each of its characters (so findings point at the original).
    """
    if text.isascii():
        return text, None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            out.append(ch)
            where.append(i)
            continue
        if ord(ch) in _INVISIBLE:
            continue
        cat = unicodedata.category(ch)
        if cat == "Zs":
            ch = " "
        elif cat == "Pd" or ch == "\u2212":
            ch = "-"
        else:
            ch = unicodedata.normalize("NFKC", ch)
        out.extend(ch)
        where.extend([i] * len(ch))
    return "".join(out), where


def nhs_checksum_ok(digits: str) -> bool:
    """True when a 10-digit number passes the NHS number modulus-11 check."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@lru_cache(maxsize=8192)
def patient_data_hits(original: str) -> tuple[tuple[int, int, str], ...]:
    """``(line, col, message)`` for everything in a text that looks like patient data."""
    text, where = normalise(original)
    lower = text.lower()
    hits = []
    for rx, what, keys in _LABELLED:
        if any(k in lower for k in keys):  # cheap prefilter: most pages mention none of these
            hits += [(m.start(), m.group(0), what) for m in rx.finditer(text)]
    for m in _NHS.finditer(text):
        digits = "".join(m.groups())
        if len(set(digits)) > 2 and nhs_checksum_ok(digits):
            hits.append((m.start(), m.group(0), "an NHS number"))
    for m in _POSTCODE.finditer(text):
        if _NEAR.search(text, max(0, m.start() - 60), m.end() + 60):
            hits.append((m.start(), m.group(0), "a postcode next to a name or date"))
    hits += [(m.start(), m.group(0), "a hospital record number") for m in _RECORD.finditer(text)]
    out = []
    for pos, found, what in sorted(hits):
        pos = where[pos] if where else pos
        line = original.count("\n", 0, pos) + 1
        col = pos - original.rfind("\n", 0, pos)
        out.append((line, col, f'"{found}" looks like {what}; the handbook must not hold patient data'))
    return tuple(out)  # cached by text: make serve re-checks only what changed


@rule("P503", "patient-data", scope="project")
def patient_data(ctx):
    """Text looks like patient-identifiable data (record number, date of birth, NHS number, a name).

    Checked in every page (front matter included) and every flowchart, after folding
    look-alike characters: no-break spaces, en dashes, dots and zero-width characters
    between digits do not hide a number.

    Bad: ``MRN: 12345678``, ``DOB 03/04/1961``, ``born 3 April 1961``, ``943 476 5919``,
    ``Mrs Jane Example``, ``Patient name: …``, ``RX1234567``, a postcode next to a name.

    Good: no patient data at all; describe cases generically ("a 40-year-old with …").
    Trial numbers (``NCT01234567``), guideline codes (``NG234``) and doses are fine.
    """
    for doc in ctx.index.docs.values():
        for line, col, message in patient_data_hits(doc.text):
            yield doc.path, line, col, message
    for path in sorted(ctx.index.diagram_files):
        text = ctx.diagram_text(path)
        for line, col, message in patient_data_hits(text or ""):
            yield path, line, col, message
