"""P73x: the key numbers registry (``protocols/key-values.yaml``) and the ``{value}`` role."""

from __future__ import annotations

import re
from functools import lru_cache

from ..registry import UNIT_FORMS
from ..settings import REGISTRY_FILE
from ..suggest import did_you_mean
from . import rule

ROLE = "value"
#: A sentence ends at . ! ? followed by a space, at a blank line, at a list item or a YAML field
#: starting a line, or at a table cell border. (The pattern starts with one character class, so
#: the engine skips ahead to candidates.)
_SENTENCE = re.compile(
    r"[.!?\n|](?:(?<=[.!?])\s+(?=[-A-Z*_(\[{])|(?<=\n)[ \t]*\n|(?<=\n)(?=[ \t]*(?:[-*+] |\d+\. |[A-Za-z_]+: ))|(?<=\|))"
)
_NUMBER = r"(\d+(?:\.\d+)?)"


@lru_cache(maxsize=256)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the (lower-case) phrases, whatever whitespace (a line break) separates their words."""
    return re.compile("|".join(r"\s+".join(map(re.escape, p.lower().split())) for p in phrases))


@lru_cache(maxsize=64)
def _unit_pattern(unit: str) -> re.Pattern[str]:
    forms = UNIT_FORMS.get(unit, (unit,))
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<![\w.]){_NUMBER}(?:\s*(?:to|-|–|or)\s*{_NUMBER})?\s*(?:{alternatives})(?![\w])")


@rule("P730", "unknown-key", scope="document")
def unknown_key(doc, ctx):
    """A ``{value}`` role names a key that is not in the key numbers registry.

    Bad: ``{value}`referal-bone-sarcoma-hours``` (did you mean "referral-bone-sarcoma-hours"?).

    Good: a key listed in ``protocols/key-values.yaml``; a new shared number is added there first,
    with its value, unit, source and owner.
    """
    keys = ctx.registry.values
    for ref in doc.refs:
        if ref.kind == ROLE and ref.target.strip() not in keys:
            yield (
                ref.line,
                ref.col,
                f'unknown key "{ref.target}" (not in {REGISTRY_FILE}){did_you_mean(ref.target.strip(), keys)}',
            )


@rule("P731", "unused-key", scope="project")
def unused_key(ctx):
    """A key number that no protocol uses (delete it, or use it with ``{value}`key```).

    Bad: ``mirels-fixation-threshold`` defined in ``protocols/key-values.yaml`` but no protocol
    writes ``{value}`mirels-fixation-threshold```.

    Good: every key is used by at least one protocol; a number used by one protocol only stays in
    that protocol's text.
    """
    used = {r.target.strip() for d in ctx.index.protocol_docs for r in d.refs if r.kind == ROLE}
    for key, entry in sorted(ctx.registry.values.items()):
        if key not in used:
            yield REGISTRY_FILE, entry.line, 1, f'key "{key}" is used by no protocol; use it with {{value}}`{key}` or delete it'


@rule("P732", "value-without-source", scope="project")
def value_without_source(ctx):
    """A key number without a source.

    Bad: ``value: 72`` and ``unit: hours`` with no ``source:``.

    Good: ``source: "BOAST 2022, Primary Malignant Bone Tumours, standard 2"``, or
    ``source: "Local practice (department default), to be confirmed by the approving clinicians"``.
    """
    for line, col, message in ctx.registry.missing_source:
        yield REGISTRY_FILE, line, col, message


@rule("P734", "key-values-invalid", scope="project")
def key_values_invalid(ctx):
    """The key numbers registry cannot be read, or an entry lacks its value, unit, label or owner.

    Bad: ``value: seventy-two``; an entry without ``owner:``; a key with capitals or spaces.

    Good::

        values:
          referral-bone-sarcoma-hours:
            label: Referral of a suspected primary bone tumour
            value: 72
            unit: hours
            source: "BOAST 2022 ..."
            owner: Sarcoma MDT lead
    """
    for line, col, message in ctx.registry.problems:
        yield REGISTRY_FILE, line, col, message


def _differs(found: tuple[float, ...], value: tuple[float, ...]) -> bool:
    if found == value:
        return False
    if len(found) == 1 and len(value) == 2:  # a single number inside the registry's range
        return not value[0] <= found[0] <= value[1]
    return True


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or table cell) that holds ``text[start:end]``."""
    window = max(0, start - 600)
    first = window
    for m in _SENTENCE.finditer(text, window, start):
        first = m.end()
    after = _SENTENCE.search(text, end)
    return first, after.start() if after else len(text)


@rule("P733", "value-restated", scope="protocol")
def value_restated(doc, ctx):
    """A registry number restated by hand with a different value, in a sentence that names it.

    When a sentence contains one of the key's ``matches`` phrases (by default its label) and a
    number in the key's unit that differs from the registry, the two have drifted apart. Keys
    without a unit (a score threshold) are not checked this way.

    Bad: "surgery 4 to 8 weeks after pre-operative radiotherapy" when the registry says 3 to 6 weeks.

    Good: "surgery {value}`rt-to-surgery-weeks` after pre-operative radiotherapy".
    """
    body = doc.text
    lower = body.lower()
    # Cheap test first: a phrase's last word must occur somewhere in the page.
    # A score without a unit (Mirels, SINS) is not checked: any number near its name could be a component.
    entries = [e for e in ctx.registry.values.values() if e.unit and any(m.split()[-1] in lower for m in e.matches if m.split())]
    if not entries:
        return
    if len(lower) != len(body):  # a character whose lower case is longer: search a copy that keeps offsets
        lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in body)
    text_start = body.find("\n---", 3) + 4 if body.startswith("---") else 0  # the front matter is metadata
    for entry in entries:
        pattern, named = _unit_pattern(entry.unit), _phrase_pattern(entry.matches)
        done: set[int] = set()
        for hit in named.finditer(lower, max(text_start, 0)):
            start, end = _sentence_around(body, hit.start(), hit.end())
            start = max(start, text_start)
            if start in done:
                continue
            done.add(start)
            sentence = body[start:end]
            for m in pattern.finditer(sentence):
                found = tuple(float(g) for g in m.groups() if g is not None)
                if _differs(found, entry.value):
                    pos = start + m.start()
                    line = body.count("\n", 0, pos) + 1
                    col = pos - body.rfind("\n", 0, pos)
                    yield (
                        line,
                        col,
                        f'"{m.group(0)}" differs from the registry\'s {entry.text} for "{entry.label}" '
                        f"({REGISTRY_FILE}); write {{value}}`{entry.key}` or correct the number",
                    )
