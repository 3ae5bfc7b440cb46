"""The protocol model: what the parser extracts from one Markdown file.

Plain frozen dataclasses with no Sphinx import, so the checker and the Sphinx
extension share them (and Sphinx can pickle them in its environment).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .dates import as_date

#: The protocol statuses the code acts on (the schema lists the vocabulary).
DRAFT, APPROVED, RETIRED = "draft", "approved", "retired"

_EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


@dataclass(frozen=True)
class Defect:
    """A problem found while reading or parsing a file (becomes a finding)."""

    kind: str
    line: int
    col: int
    detail: str


@dataclass(frozen=True)
class Heading:
    """A Markdown heading: level, plain text, MyST anchor slug, line."""

    level: int
    text: str
    slug: str
    line: int
    has_body: bool
    nested: bool = False  # inside a directive (a note, a dropdown): not a section of the page


@dataclass(frozen=True)
class Ref:
    """A cross-reference: a role (``{protocol}`x```) or a Markdown link."""

    kind: str  # role name ("protocol", "ref", "term", "doc", ...) or "link"
    target: str
    line: int
    col: int

    @property
    def target_id(self) -> str:
        """What a role points at: ``text <target>`` -> ``target``; a leading ``~``/``!`` dropped."""
        match = _EXPLICIT.match(self.target.strip())
        target = match.group("target") if match else self.target.strip()
        return target.lstrip("~!")


@dataclass(frozen=True)
class Diagram:
    """A mermaid diagram: a file argument or inline source."""

    file: str | None  # as written, e.g. "/diagrams/x.mmd"
    source: str | None  # inline source, when there is no file
    line: int
    col: int
    section: str = ""  # the level-2 heading it sits under
    body_line: int = 0  # the source line of an inline diagram's first line


@dataclass(frozen=True)
class Step:
    """A numbered item of "The decisions in words" under the pathway flowchart.

    ``nodes`` are the ``{node}`` roles in it: the chart boxes the step explains.
    """

    number: int
    line: int
    col: int
    nodes: tuple[Ref, ...] = ()


@dataclass(frozen=True)
class Directive:
    """A MyST directive (```` ```{name} arg ````), with its options."""

    name: str
    arg: str
    options: tuple[tuple[str, str], ...]
    line: int


@dataclass(frozen=True)
class Html:
    """A raw HTML fragment (block or inline) found in the Markdown."""

    text: str
    line: int


@dataclass(frozen=True)
class Regimen:
    """A ```` ```{regimen} ```` block: its YAML body and where each field of it is."""

    line: int  # the fence's line
    data: Any  # the YAML value (None when unreadable)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)  # "drugs.0.dose" -> (line, col)
    defects: tuple[Defect, ...] = ()

    def where(self, path: str) -> tuple[int, int]:
        """The line and column of a field (its value, else its key, else the block)."""
        return self.places.get(path) or self.places.get(path + ":key") or (self.line, 1)


@dataclass(frozen=True)
class Document:
    """One parsed page: front matter, structure and references."""

    path: str  # relative to the repository root, POSIX separators
    text: str
    meta: dict[str, Any] | None
    meta_lines: dict[str, int] = field(default_factory=dict)
    defects: tuple[Defect, ...] = ()
    headings: tuple[Heading, ...] = ()
    labels: tuple[tuple[str, int], ...] = ()
    refs: tuple[Ref, ...] = ()
    diagrams: tuple[Diagram, ...] = ()
    html: tuple[Html, ...] = ()
    directives: tuple[Directive, ...] = ()
    terms: tuple[tuple[str, int], ...] = ()
    steps: tuple[Step, ...] = ()
    steps_line: int = 0  # the "Pathway flowchart" heading (0: no such section)
    regimens: tuple[Regimen, ...] = ()
    bullets: tuple[tuple[int, int], ...] = ()  # (first line, last line) of each outermost list item
    wording: tuple[tuple[int, int, str], ...] = ()  # medication-safety wording: (line, col, message)
    patient_data: tuple[tuple[int, int, str], ...] = ()  # what looks like patient data: (line, col, message)

    def section_of(self, line: int) -> str | None:
        """The level-2 heading (of the page itself, not of a box inside it) above ``line``."""
        found = None
        for h in self.headings:
            if h.line > line:
                break
            if h.level == 2 and not h.nested:
                found = h.text
            elif h.level == 1 and not h.nested:
                found = None
        return found

    @property
    def docname(self) -> str:
        """The Sphinx docname: the path without ``.md``."""
        return self.path[:-3] if self.path.endswith(".md") else self.path

    @property
    def is_protocol(self) -> bool:
        """True for a protocol page (``protocols/*.md`` except the index)."""
        parts = self.path.split("/")
        return len(parts) == 2 and parts[0] == "protocols" and parts[1] != "index.md"

    def get(self, key: str) -> Any:
        """A front-matter value (None when absent or when the front matter is unreadable)."""
        return (self.meta or {}).get(key)

    def date(self, key: str) -> dt.date | None:
        """A front-matter date (``YYYY-MM-DD``), or None when absent or not a date."""
        return as_date(self.get(key))

    @property
    def status(self) -> str | None:
        value = self.get("status")
        return value if isinstance(value, str) else None

    def is_overdue(self, on: dt.date) -> bool:
        """True when the review date has passed on ``on`` (retired protocols are never overdue)."""
        due = self.date("review_due")
        return bool(due and due < on and self.status != RETIRED)

    def protocol_references(self) -> set[str]:
        """The protocols this page refers to: ``{protocol}`` roles and ``related`` (its "Referenced by" links)."""
        related = self.get("related")
        return {r.target_id for r in self.refs if r.kind == "protocol"} | (
            {v for v in related if isinstance(v, str)} if isinstance(related, list) else set()
        )

    def protocols_shown(self) -> set[str]:
        """Every protocol whose title or status this page shows: its references and its successor."""
        successor = self.get("superseded_by")
        return self.protocol_references() | ({successor} if isinstance(successor, str) else set())

    def field_line(self, key: str) -> int:
        """Return the line of a front-matter key (or of the front matter)."""
        return self.meta_lines.get(key, 1)

    @property
    def pid(self) -> str | None:
        """The protocol id from the front matter, when it is a string."""
        value = (self.meta or {}).get("id")
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str:
        """The page title: the first H1, else the front-matter title."""
        for h in self.headings:
            if h.level == 1:
                return h.text
        value = (self.meta or {}).get("title")
        return value if isinstance(value, str) else self.docname
