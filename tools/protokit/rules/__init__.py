"""The rule registry: one small function per rule, registered by a decorator.

Each rule has a stable code (``P0xx`` files, ``P1xx`` metadata, ``P2xx``
sections, ``P3xx`` cross-references, ``P4xx`` diagrams, ``P5xx`` safety, ``P6xx`` releases,
``P7xx`` structured clinical content), a
kebab-case name and a docstring whose first line is its summary; the rest shows
a bad and a good example. The handbook's rule reference is generated from them.

A *document* rule is called as ``func(doc, ctx)`` and yields
``(line, col, message)`` about the page, or ``(path, line, col, message)`` about
another file of the page (a flowchart's ``.mmd``); a *project* rule is called
as ``func(ctx)`` and yields ``(path, line, col, message)``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from ..findings import Finding

if TYPE_CHECKING:  # types only: the engine imports the rules, never the reverse at run time
    from ..check import Context
    from ..model import Document


#: What a document rule yields: a place in the page, or a place in another file of it.
Located = tuple[int, int, str] | tuple[str, int, int, str]


class DocumentRule(Protocol):
    """A rule over one page: yields ``(line, col, message)`` or ``(path, line, col, message)``."""

    def __call__(self, doc: Document, ctx: Context) -> Iterator[Located]: ...


class ProjectRule(Protocol):
    """A rule over the whole handbook: yields ``(path, line, col, message)``."""

    def __call__(self, ctx: Context) -> Iterator[tuple[str, int, int, str]]: ...


@dataclass(frozen=True)
class Rule:
    """A registered rule."""

    code: str
    name: str
    severity: str  # "error" or "warning"
    scope: str  # "document", "protocol" (protocol pages only) or "project"
    func: Callable[..., Iterator[tuple]]
    #: The rule looks at the file system beyond the page's and its diagrams' text (where a
    #: symbolic link leads): its findings are never reused from an earlier check.
    reads_files: bool = False

    def on_document(self, doc: Document, ctx: Context) -> Iterator[tuple[str, int, int, str]]:
        """Run a document or protocol rule on one page; each finding says its file."""
        for item in cast("DocumentRule", self.func)(doc, ctx):
            yield item if len(item) == 4 else (doc.path, *item)

    def on_project(self, ctx: Context) -> Iterator[tuple[str, int, int, str]]:
        """Run a project rule over the whole handbook."""
        return cast("ProjectRule", self.func)(ctx)

    @property
    def summary(self) -> str:
        return (inspect.getdoc(self.func) or "").split("\n", 1)[0]

    @property
    def details(self) -> str:
        parts = (inspect.getdoc(self.func) or "").split("\n", 1)
        return parts[1].strip() if len(parts) > 1 else ""

    def finding(self, path: str, line: int, col: int, message: str, release: bool) -> Finding:
        severity = "error" if release else self.severity
        if len(message) > MAX_MESSAGE:  # a message quotes the author's text: keep a 40 kB paste readable
            message = message[: MAX_MESSAGE - 1] + "…"
        return Finding(path, max(line, 1), max(col, 1), self.code, message, self.name, severity)


#: The longest message a finding carries.
MAX_MESSAGE = 400

REGISTRY: dict[str, Rule] = {}
_MODULES = (
    "files",
    "metadata",
    "sections",
    "references",
    "diagrams",
    "flowchart",
    "safety",
    "containment",
    "governance",
    "releases",
    "regimens",
    "grades",
    "keyvalues",
)


def rule(code: str, name: str, *, severity: str = "error", scope: str = "protocol", reads_files: bool = False):
    """Register the decorated function as a rule (``reads_files``: see :attr:`Rule.reads_files`)."""

    def register(func: Callable[..., Iterator[tuple]]) -> Callable[..., Iterator[tuple]]:
        if code in REGISTRY:
            raise RuntimeError(f"rule code {code} registered twice")
        if not inspect.getdoc(func):
            raise RuntimeError(f"rule {code} needs a docstring")
        REGISTRY[code] = Rule(code, name, severity, scope, func, reads_files)
        return func

    return register


def all_rules() -> list[Rule]:
    """Return every rule, sorted by code."""
    for module in _MODULES:
        importlib.import_module(f"{__name__}.{module}")
    return [REGISTRY[code] for code in sorted(REGISTRY)]


def select_rules(select: list[str] | None, ignore: list[str] | None) -> list[Rule]:
    """Filter rules by code prefix, as flake8 and ruff do."""
    chosen = []
    for r in all_rules():
        if select and not any(r.code.startswith(p) for p in select):
            continue
        if ignore and any(r.code.startswith(p) for p in ignore):
            continue
        chosen.append(r)
    return chosen


def iter_defects(doc, kind: str) -> Iterator:
    """Yield the parse defects of one kind (helper for file-level rules)."""
    return (d for d in doc.defects if d.kind == kind)
