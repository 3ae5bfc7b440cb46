"""Medication-safety wording: the abbreviations and number forms the do-not-use lists forbid.

The patterns follow the ISMP list of error-prone abbreviations, symbols and dose
designations and the Joint Commission's "do not use" list, with the house style
"micrograms" (never "µg", "ug" or "mcg"). Each hit carries its fix. Pure
functions over text: the parser runs them once per page (the result is cached
with the page) and the rule over flowcharts runs them on node labels.
"""

from __future__ import annotations

import re

#: Dose units after which a number is a dose (a "2.0" in a version or a score is not).
_UNITS = r"IU|U|cc|ug|mcg|µg|μg|mg|g|kg|micrograms?|mL|ml|units?|Gy|nanograms?|ng"
# Each pattern starts with a character class, so the regular-expression engine skips
# ahead to a candidate instead of trying every alternative at every character (the
# whole handbook is scanned on every cold check). Boundaries are checked in Python.
#: A number and its unit, and "OD" after a dose.
_NUMBER = re.compile(
    rf"\d[\d,]*(?P<decimal>\.\d+)?\s?(?P<unit>{_UNITS})(?![A-Za-z])(?P<od>(?:/\w+)?\s+(?:OD|od|o\.d\.)(?![\w]))?"
)
#: A decimal point with no leading zero.
_NAKED = re.compile(rf"\.\d+\s?(?:{_UNITS})(?![A-Za-z])")
#: Abbreviations that are wrong on their own.
_WORD = re.compile(r"[QqMIµμm](?:\.[oO]?\.?[dD]\.|\.[dD]\.|O?D|od|d|SO4|gSO4|SIR|S|U|cg|g)")
_WORD_KIND = {
    **dict.fromkeys(("QD", "qd", "QOD", "qod", "Q.D.", "q.d.", "Q.O.D.", "q.o.d."), "daily"),
    **dict.fromkeys(("MS", "MSO4", "MgSO4", "MSIR"), "ms"),
    "IU": "iu",
    **dict.fromkeys(("mcg", "µg", "μg"), "micro"),
}
_UNIT_KIND = {"IU": "units", "U": "units", "cc": "cc", "ug": "micro", "mcg": "micro", "µg": "micro", "μg": "micro"}
_ZERO_DECIMAL = re.compile(r"^\.0+$")


def _joined(text: str, start: int, end: int, before: str) -> bool:
    """True when the match is part of a longer word or number (so not the abbreviation itself)."""
    prev = text[start - 1] if start > 0 else " "
    nxt = text[end] if end < len(text) else " "
    return prev.isalnum() or prev in before or nxt.isalnum() or nxt in "_-"


def _kinds(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, kind)`` of every forbidden form, in text order."""
    found = []
    for m in _NUMBER.finditer(text):
        if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.,"):
            continue  # inside a longer token: "HER2", "v1.2"
        unit_kind = _UNIT_KIND.get(m.group("unit"))
        end = m.start("od") if m.group("od") else m.end()
        if m.group("decimal") and _ZERO_DECIMAL.match(m.group("decimal")):
            found.append((m.start(), end, "trailing"))
        elif unit_kind:
            found.append((m.start(), end, unit_kind))
        if m.group("od"):
            od = m.group("od").split()[-1]
            found.append((m.end() - len(od), m.end(), "od"))
    for m in _NAKED.finditer(text):
        if not (m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_.,")):
            found.append((m.start(), m.end(), "naked"))
    for m in _WORD.finditer(text):
        word = m.group(0)
        kind = _WORD_KIND.get(word)
        if kind is None or _joined(text, m.start(), m.end(), "_-." if kind == "daily" else "_-"):
            continue
        if kind in ("iu", "micro") and re.search(r"\d\s?$", text[max(0, m.start() - 2) : m.start()]):
            continue  # "400 IU", "500 µg": reported with the number above
        found.append((m.start(), m.end(), kind))
    return sorted(found)


_WHY = {
    "trailing": "a trailing zero is misread as a tenfold dose (ISMP, Joint Commission)",
    "naked": "a decimal point without a leading zero is missed, giving a tenfold dose (ISMP, Joint Commission)",
    "units": '"U" and "IU" are misread as 0, 4 or IV (ISMP, Joint Commission)',
    "iu": '"IU" is misread as IV or 10 (ISMP, Joint Commission)',
    "daily": '"QD" and "QOD" are mistaken for each other and for "QID" (ISMP, Joint Commission)',
    "od": '"OD" for once daily is read as "right eye" (ISMP)',
    "ms": '"MS", "MSO4" and "MgSO4" are confused: morphine sulfate or magnesium sulfate? (ISMP, Joint Commission)',
    "cc": '"cc" is misread as "u" or "00" (ISMP)',
    "micro": 'the house style is "micrograms": "µg" is misread as "mg" (ISMP)',
}


_ZEROS = re.compile(r"\.0+")
_UNIT_WORD = re.compile(r"\s?(?:IU|U|cc|µg|μg|mcg|ug)$")


def _fix(kind: str, found: str) -> str:
    text = found.strip()
    number = _UNIT_WORD.sub("", text)
    if kind == "trailing":
        return f'write "{_ZEROS.sub("", text)}"'
    if kind == "naked":
        return f'write "0{text}"'
    if kind == "units":
        return f'write "{number} units"'
    if kind == "iu":
        return 'write "units" in full'
    if kind == "daily":
        return 'write "once daily" or "every other day" in full'
    if kind == "od":
        return 'write "once daily"'
    if kind == "ms":
        return 'write "morphine sulfate" or "magnesium sulfate" in full'
    if kind == "cc":
        return f'write "{number} mL"'
    return f'write "{number} micrograms"' if number else 'write "micrograms"'


def wording_hits(text: str) -> list[tuple[int, str, str]]:
    """``(offset, found, message)`` for each forbidden form in ``text``."""
    out = []
    for start, end, kind in _kinds(text):
        found = text[start:end].strip()
        out.append((start, found, f'"{found}": {_fix(kind, found)}; {_WHY[kind]}'))
    return out


#: Mermaid label text: inside brackets, braces, parentheses or quotes, and arrow labels.
_LABEL = re.compile(r'"[^"\n]*"|\[[^\]\n]*\]|\{[^}\n]*\}|\([^)\n]*\)|\|[^|\n]*\||--\s[^->\n]*?\s-->|acc(?:Title|Descr)\s*:.*')


def label_spans(source: str) -> list[tuple[int, int, str]]:
    """``(line, col, text)`` of the label text of a mermaid flowchart (node ids left out)."""
    out = []
    for n, line in enumerate(source.split("\n"), start=1):
        stripped = line.lstrip()
        if stripped.startswith("%%"):
            continue
        for m in _LABEL.finditer(line):
            out.append((n, m.start() + 1, m.group(0)))
    return out
