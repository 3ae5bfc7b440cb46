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
_UNIT = r"(?:mg|g|kg|micrograms?|mcg|µg|μg|ug|mL|ml|units?|IU|U|Gy|nanograms?|ng)(?![A-Za-z])"
#: One pass over the text; the group that matched names the problem.
_PATTERN = re.compile(
    "|".join(
        (
            rf"(?P<trailing>(?<![\d.,])\d+\.0+\s?{_UNIT})",
            rf"(?P<naked>(?<![\w.,])\.\d+\s?{_UNIT})",
            r"(?P<units>(?<![\w.,])\d[\d,.]*\s?(?:IU|U)(?![\w-]))",
            r"(?P<iu>(?<![\w-])IU(?![\w-]))",
            r"(?P<daily>(?<![\w.])(?:QD|qd|Q\.D\.|q\.d\.|QOD|qod|Q\.O\.D\.|q\.o\.d\.)(?![\w]))",
            rf"(?P<od>(?<=\d)\s?{_UNIT}(?:/\w+)?\s+(?:OD|od|o\.d\.)(?![\w]))",
            r"(?P<ms>(?<![\w-])(?:MSO4|MgSO4|MSIR|MS)(?![\w-]))",
            r"(?P<cc>(?<![\w.,])\d[\d,.]*\s?cc(?![\w]))",
            r"(?P<micro>(?:(?<![\w.,])\d[\d,.]*\s?)?(?:µg|μg|mcg(?![\w]))|(?<![\w.,])\d[\d,.]*\s?ug(?![\w]))",
        )
    )
)

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
    for m in _PATTERN.finditer(text):
        kind = m.lastgroup or ""
        found = m.group(0)
        start = m.start()
        if kind == "od":  # point at "OD", not at the unit before it
            found = found.split()[-1]
            start = m.end() - len(found)
        elif found[:1].isspace():
            found, start = found.lstrip(), start + len(found) - len(found.lstrip())
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
