"""Glossary entries as search synonyms: each term, its abbreviation or expansion, the protocols it points to.

The glossary (``handbook/glossary.md``, a MyST ``{glossary}``) already says what
an abbreviation stands for ("MSCC" / "Metastatic spinal cord compression: ..."),
which other names a term has ("ABC (aneurysmal bone cyst)", "Also called
limb-sparing surgery") and which protocol covers it ("see {protocol}`BST-SPN-01`").
Search reads those facts from here, so a reader who types any of the names finds
the protocol that covers it. No Sphinx import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Document

_FENCE = re.compile(r"^(`{3,}|:{3,})\{glossary\}[^\n]*\n(.*?)^\1\s*$", re.S | re.M)
_PROTOCOL = re.compile(r"\{protocol\}`(?:[^`<]*<)?([A-Z0-9-]+)>?`")
_ROLE = re.compile(r"\{[a-z]+\}`(?:[^`<]*<)?([^`>]+)>?`")
_PAREN = re.compile(r"^(.*?)\s*\(([^()]+)\)\s*$")
_ALSO = re.compile(r"\b(?:also called|also known as)\s+([^.;:()]+)", re.I)
_ABBREVIATION = re.compile(r"^[A-Z][A-Za-z0-9/()-]{0,11}$")
MAX_EXPANSION_WORDS = 8


@dataclass(frozen=True)
class Entry:
    """One glossary entry: its names (as written) and the protocols its definition links."""

    terms: tuple[str, ...]
    forms: tuple[str, ...]  # every name a reader may type: terms, abbreviations, expansions
    protocols: tuple[str, ...]


def _plain(markdown: str) -> str:
    return re.sub(r"\s+", " ", _ROLE.sub(r"\1", markdown)).strip()


def _is_abbreviation(term: str) -> bool:
    return bool(_ABBREVIATION.match(term)) and sum(c.isupper() for c in term) >= 2


def _spells(abbreviation: str, words: list[str]) -> bool:
    """True when the abbreviation's letters are, in order, initials of the words (MSCC, LMWH, CTIMP)."""
    initials = iter(w[0].lower() for w in words if w)
    return all(any(c == i for i in initials) for c in abbreviation.lower() if c.isalnum())


def _expansion(abbreviation: str, definition: str) -> str | None:
    """ "Metastatic spinal cord compression: ..." -> the words before the first ":", "." or ";".

    Only when they spell the abbreviation: "MAP: the standard chemotherapy ..." is a
    description, not what MAP stands for.
    """
    text = re.sub(r"\([^()]*\)", "", definition)
    head = re.sub(r"^the\s+", "", re.split(r"[:.;]", text, maxsplit=1)[0].strip(), flags=re.I)
    words = re.split(r"[\s-]+", head)
    if not head or len(words) > MAX_EXPANSION_WORDS:
        return None
    # Or a short name with the same first letter ("TAE": "Transarterial embolisation").
    short = len(words) <= 4 and head[0].lower() == abbreviation[0].lower()
    return head if _spells(abbreviation, words) or short else None


def _forms(terms: list[str], definition: str) -> list[str]:
    forms: list[str] = []
    for term in terms:
        forms.append(term)
        match = _PAREN.match(term)
        if match:  # "ABC (aneurysmal bone cyst)"
            forms += [match.group(1), match.group(2)]
    for term in terms:
        expansion = _expansion(term, definition) if _is_abbreviation(term) else None
        if expansion:
            forms.append(expansion)
    # "Also called X or Y" names the term; inside a parenthesis it names something
    # else ("7 to 12 potentially unstable (also called indeterminate)").
    for also in _ALSO.finditer(re.sub(r"\([^()]*\)", "", definition)):
        forms += [re.sub(r"^(?:an?|the)\s+", "", name.strip(), flags=re.I) for name in re.split(r",\s*|\s+or\s+", also.group(1))]
    seen: dict[str, str] = {}
    for form in forms:
        form = form.strip()
        if form and form.lower() not in seen:
            seen[form.lower()] = form
    return list(seen.values())


def _entry(terms: list[str], definition: list[str]) -> Entry:
    text = " ".join(definition)
    protocols = tuple(dict.fromkeys(_PROTOCOL.findall(text)))
    return Entry(tuple(terms), tuple(_forms(terms, _plain(text))), protocols)


def entries(doc: Document) -> list[Entry]:
    """The entries of every ``{glossary}`` block of a page, in order.

    Unindented lines are terms (several may share one definition), indented lines
    the definition.
    """
    found: list[Entry] = []
    for fence in _FENCE.finditer(doc.text):
        terms: list[str] = []
        definition: list[str] = []
        for line in fence.group(2).splitlines():
            if not line.strip() or re.match(r"^:[\w-]+:", line):
                continue
            if line[0].isspace():
                definition.append(line.strip())
                continue
            if definition:
                found.append(_entry(terms, definition))
                terms, definition = [], []
            terms.append(line.strip())
        if terms:
            found.append(_entry(terms, definition))
    return found


def pattern(form: str) -> re.Pattern[str]:
    """How a form is found in a protocol: a whole word; an abbreviation in its own case."""
    flags = 0 if _is_abbreviation(form) else re.I
    words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", form))
    return re.compile(rf"(?<![\w-]){words}(?![\w-])", flags)
