"""Inline suppressions: a reviewed false positive is silenced where it occurs, with its reason.

    <!-- protokit: ignore[P503] trial registration number, not an NHS number -->
    %% protokit: ignore[P404] kept for the 2027 revision      (in a .mmd flowchart)

A suppression covers findings of the listed codes on its own line and on the
next line. It must give a reason, may name only rules the schema lets authors
silence (``suppressible:``), and is itself reported when it silences nothing
(as ruff's RUF100), so stale ones do not pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT = re.compile(r"(?:<!--|%%)\s*protokit:\s*ignore\[(?P<codes>[^\]]*)\]\s*(?P<reason>.*?)\s*(?:-->|$)")
_CODE = re.compile(r"^P\d{3}$")


@dataclass(frozen=True)
class Suppression:
    """One ``protokit: ignore[...]`` comment."""

    path: str
    line: int
    col: int
    codes: tuple[str, ...]
    reason: str

    def covers(self, path: str, line: int, code: str) -> bool:
        return path == self.path and line in (self.line, self.line + 1) and code in self.codes


def find_suppressions(path: str, text: str, first_line: int = 1, *, diagram: bool = False) -> list[Suppression]:
    """The suppression comments in a raw HTML fragment of a page, or in a flowchart.

    Pages pass their HTML fragments (so an example inside a code block is not a
    comment); flowcharts pass their whole text, where ``%%`` starts a comment.
    """
    if "protokit:" not in text:  # the common case: one substring test per file
        return []
    out = []
    for n, line in enumerate(text.split("\n"), start=first_line):
        if diagram and not line.lstrip().startswith("%%"):
            continue
        for m in _COMMENT.finditer(line):
            if m.group(0).startswith("%%") != diagram:
                continue
            codes = tuple(c.strip() for c in m.group("codes").split(",") if c.strip())
            out.append(Suppression(path, n, m.start() + 1, codes, m.group("reason")))
    return out


def problems(s: Suppression, known: set[str], suppressible: tuple[str, ...]) -> list[str]:
    """What is wrong with a suppression comment itself (empty: it is well formed)."""
    out = []
    if not s.codes:
        out.append("names no rule; write the code, e.g. ignore[P503]")
    for code in s.codes:
        if not _CODE.match(code) or code not in known:
            out.append(f'names "{code}", which is not a rule (see make check --list-rules)')
        elif not code.startswith(suppressible):
            out.append(f"{code} cannot be silenced (allowed: {', '.join(suppressible)} in protocols/schema.yaml)")
    if not s.reason:
        out.append("gives no reason; say why this finding is a false positive")
    return out
