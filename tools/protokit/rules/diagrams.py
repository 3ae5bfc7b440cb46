"""P4xx: mermaid diagrams: files exist, parse, carry a text alternative, are used."""

from __future__ import annotations

import re

from ..index import resolve_path
from ..settings import DIAGRAM_DIR
from ..suggest import did_you_mean
from . import rule

_ACC_TITLE = re.compile(r"^\s*accTitle\s*:\s*\S", re.M)
_ACC_DESCR = re.compile(r"^\s*accDescr\s*(:\s*\S|\{)", re.M)


def diagram_path(doc, diagram) -> str | None:
    """The repository path of a diagram file argument (None for inline diagrams)."""
    return resolve_path(doc.path, diagram.file) if diagram.file else None


@rule("P401", "missing-diagram-file", scope="document")
def missing_file(doc, ctx):
    """A mermaid directive names a diagram file that does not exist.

    Bad: ``\u0060\u0060\u0060{mermaid} /diagrams/BST-SURG-1.mmd``.

    Good: ``\u0060\u0060\u0060{mermaid} /diagrams/BST-SURG-01.mmd`` (a leading ``/`` means the handbook root).
    """
    for d in doc.diagrams:
        path = diagram_path(doc, d)
        if path and ctx.diagram_text(path) is None:
            yield d.line, d.col, f'diagram file "{d.file}" not found ({path}){did_you_mean(path, ctx.index.diagram_files)}'


@rule("P402", "mermaid-syntax", scope="document")
def mermaid_syntax(doc, ctx):
    """A diagram does not parse with mermaid (the page would show an error graphic).

    Bad::

        flowchart TD
          A[Referral] --> B{MDT
    Good::

        flowchart TD
          A[Referral] --> B{MDT}
    """
    for d in doc.diagrams:
        path = diagram_path(doc, d)
        source = ctx.diagram_text(path) if path else d.source
        verdict = ctx.mermaid_verdict(source) if source is not None else None
        if verdict and verdict.error:
            where = f"{path} line {verdict.line}" if path and verdict.line else (path or "the diagram")
            # mermaid's list of expected tokens means nothing to an author: keep the pointer.
            error = verdict.error.split(" Expecting ")[0].split(" Expecting token")[0]
            yield d.line, d.col, f"mermaid cannot parse {where}: {error}; check brackets, quotes and arrows"


@rule("P403", "diagram-no-alt", scope="document")
def no_alt(doc, ctx):
    """A diagram has no text alternative (``accTitle`` and ``accDescr``).

    Bad: a flowchart with neither line.

    Good::

        flowchart TD
          accTitle: Limb salvage decision pathway
          accDescr: From MDT decision to resection, reconstruction and follow-up.
    """
    for d in doc.diagrams:
        path = diagram_path(doc, d)
        source = ctx.diagram_text(path) if path else d.source
        if source is None:
            continue
        missing = [n for n, rx in (("accTitle", _ACC_TITLE), ("accDescr", _ACC_DESCR)) if not rx.search(source)]
        if missing:
            which = f"diagram {path} has" if path else "the diagram has"
            them = "them" if len(missing) == 2 else "it"
            yield d.line, d.col, f"{which} no {' and no '.join(missing)}; add {them} so screen readers can describe it"


@rule("P404", "unused-diagram", scope="project")
def unused_diagram(ctx):
    """A file in ``diagrams/`` is included by no page.

    Bad: ``diagrams/BST-SURG-01-old.mmd`` left behind after a change.

    Good: delete it, or include it with ``\u0060\u0060\u0060{mermaid} /diagrams/<file>.mmd``.
    """
    used = {diagram_path(doc, d) for doc in ctx.index.docs.values() for d in doc.diagrams}
    for path in sorted(ctx.index.diagram_files - used):
        yield path, 1, 1, f"diagram {path} is not included by any page; include it or delete it"


@rule("P405", "no-diagram")
def no_diagram(doc, ctx):
    """A protocol has no pathway flowchart.

    Bad: a ``## Pathway flowchart`` section with only text.

    Good: ``\u0060\u0060\u0060{mermaid} /diagrams/BST-SURG-01.mmd`` in that section, plus the decisions in text.
    """
    if doc.meta is not None and not doc.diagrams:
        line = next((h.line for h in doc.headings if h.text == "Pathway flowchart"), 1)
        yield line, 1, "the protocol has no mermaid flowchart; include one from diagrams/ (see the authoring guide)"


@rule("P406", "mermaid-unavailable", scope="project")
def mermaid_unavailable(ctx):
    """Diagrams could not be validated because Node.js or the npm packages are missing.

    Bad: running the checker before ``make venv``.

    Good: run ``make check`` (it installs what it needs), or ``--ignore P4`` to skip diagrams knowingly.
    """
    if ctx.mermaid_problem:
        yield DIAGRAM_DIR, 1, 1, f"cannot validate diagrams: {ctx.mermaid_problem}"
