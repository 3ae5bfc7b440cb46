"""Patient-identifiable data in text: record numbers, dates of birth, NHS numbers, names.

Pure functions over text (no rule machinery), so the parser scans each page once
and the result is cached with the page; rule P503 reports what they find, and
scans flowcharts with them too.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# [ \t] rather than \s: the patterns run over the whole text and must not span lines.
# They run over normalised text (see normalise): every space is " ", every dash "-".
_MRN = re.compile(
    r"\b(MRN|hospital (?:number|no\.?)|medical record (?:number|no\.?)|record (?:number|no\.?))[ \t]*[:#=]?[ \t]*([A-Z]{0,3}[ \-]?\d{5,})",
    re.I,
)
_DATE = r"(?:\d{1,2}[/.\- ]\d{1,2}[/.\- ]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}(?:st|nd|rd|th)?[ \t]+[A-Z][a-z]{2,8}[ \t]+\d{4}|[A-Z][a-z]{2,8}[ \t]+\d{1,2},?[ \t]+\d{4})"
_DOB = re.compile(r"\b(?:DOB|date of birth|d\.o\.b\.?|born(?:[ \t]+on)?)[ \t]*[:=]?[ \t]*" + _DATE, re.I)
_NAME = re.compile(r"\bpatient(?:'s)? name[ \t]*[:=][ \t]*\S+", re.I)
# Patterns that must start at a word boundary are written without the leading \b and
# searched with _bounded(): a leading \b or look-behind stops the regular-expression
# engine from skipping ahead to the first letter (every page is scanned on a cold check).
_TITLED = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Master)\.?[ \t]+[A-Z][a-z'\-]+(?:[ \t]+[A-Z][a-z'\-]+)?\b")
#: Full UK postcodes; only reported next to a name or a date (guideline codes like NG12 are not postcodes).
_POSTCODE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[ABD-HJLNP-UW-Z]{2}\b")
_NEAR = re.compile(_DATE + r"|\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?[ \t]+[A-Z][a-z]+")
#: A record-number shape: a short letter prefix and 6-8 digits (trial registries excluded).
_RECORD = re.compile(r"[A-Z]{1,3}\d{6,8}\b")
_NOT_RECORDS = ("NCT", "ISRCTN", "ACTRN", "PMC", "PMID", "CTRI", "DRKS", "ChiCTR", "EUCTR", "ISBN", "ISSN", "CD")
_LABELLED = (
    (_MRN, "a record number", ("mrn", "hospital n", "record n")),
    (_DOB, "a date of birth", ("dob", "date of birth", "d.o.b", "born")),
    (_NAME, "a patient name", ("patient name", "patient's name")),
    (_TITLED, "a person's name", ("mr", "mrs", "ms", "miss", "mx", "master")),
)
_NHS = re.compile(r"(\d{3})[ .\-]?(\d{3})[ .\-]?(\d{4})(?![\w/-]|\.\d)")
#: Invisible characters dropped before scanning ("943\u200b476 5919" is still an NHS number).
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"))


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Text for scanning (NFKC, one kind of space and dash, no invisible characters).

    Returns the normalised text and, when it differs in length, the offset in
    ``text`` of each of its characters (so findings point at the original).
    """
    if text.isascii():
        return text, None
    # Usually every non-ASCII character maps to exactly one character ("²" -> "2", "–" -> "-"):
    # then offsets are unchanged and no map is needed.
    mapped = {ch: _fold(ch) for ch in set(_NON_ASCII.findall(text))}
    if all(len(v) == 1 for v in mapped.values()):
        return _NON_ASCII.sub(lambda m: mapped[m.group()], text), None
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            out.append(ch)
            where.append(i)
            continue
        ch = _fold(ch)
        out.extend(ch)
        where.extend([i] * len(ch))
    return "".join(out), where


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _fold(ch: str) -> str:
    """What one non-ASCII character becomes for scanning ("" for an invisible one)."""
    if ord(ch) in _INVISIBLE:
        return ""
    cat = unicodedata.category(ch)
    if cat == "Zs":
        return " "
    if cat == "Pd" or ch == "\u2212":
        return "-"
    return unicodedata.normalize("NFKC", ch)


def _bounded(rx: re.Pattern[str], text: str, after: str = "") -> list[re.Match[str]]:
    """Matches of ``rx`` that start a word: not after a letter, digit, ``_`` or a character of ``after``.

    The same matches as a leading ``\\b`` (or ``(?<![\\w...])``) would give: a match that starts
    inside a word is dropped and the search resumes one character later.
    """
    out = []
    pos = 0
    while (m := rx.search(text, pos)) is not None:
        start = m.start()
        prev = text[start - 1] if start else " "
        if prev.isalnum() or prev == "_" or prev in after:
            pos = start + 1
            continue
        out.append(m)
        pos = m.end() if m.end() > start else start + 1
    return out


def nhs_checksum_ok(digits: str) -> bool:
    """True when a 10-digit number passes the NHS number modulus-11 check."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def patient_data_hits(original: str) -> list[tuple[int, int, str]]:
    """``(line, col, message)`` for everything in a text that looks like patient data."""
    text, where = normalise(original)
    lower = text.lower()
    hits = []
    for rx, what, keys in _LABELLED:
        if any(k in lower for k in keys):  # cheap prefilter: most pages mention none of these
            matches = _bounded(rx, text) if rx is _TITLED else list(rx.finditer(text))
            hits += [(m.start(), m.group(0), what) for m in matches]
    for m in _bounded(_NHS, text, "./-"):
        digits = "".join(m.groups())
        if len(set(digits)) > 2 and nhs_checksum_ok(digits):
            hits.append((m.start(), m.group(0), "an NHS number"))
    for m in _bounded(_POSTCODE, text):
        if _NEAR.search(text, max(0, m.start() - 60), m.end() + 60):
            hits.append((m.start(), m.group(0), "a postcode next to a name or date"))
    records = [m for m in _bounded(_RECORD, text) if not text.startswith(_NOT_RECORDS, m.start())]
    hits += [(m.start(), m.group(0), "a hospital record number") for m in records]
    out = []
    for pos, found, what in sorted(hits):
        pos = where[pos] if where else pos
        line = original.count("\n", 0, pos) + 1
        col = pos - original.rfind("\n", 0, pos)
        out.append((line, col, f'"{found}" looks like {what}; the handbook must not hold patient data'))
    return out
