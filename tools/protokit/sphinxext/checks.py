"""Run the checker's rules inside the build and log each finding as a located warning.

The same parser, schema and rules as ``make check``: an error finding becomes a
Sphinx warning ``[protocol.<rule>]`` (so ``-W`` fails), a warning-severity
finding (overdue review, retired reference) is printed as information unless
``protocol_release_mode`` is on.
"""

from __future__ import annotations

from pathlib import Path

from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from ..check import RuleMemo, discover, make_context, run_rules
from ..findings import visible
from ..rules import all_rules
from ..rules.diagrams import diagram_path
from .domain import DOMAIN
from .flowchart import diagram_key

logger = logging.getLogger(__name__)


#: The rules that report a broken {term}, {doc}, {ref} or Markdown link (with a did-you-mean).
REFERENCE_RULES = frozenset({"P302", "P303", "P304", "P305"})
#: Where this build's reference rules reported something: (docname, line), per environment.
REPORTED_REFERENCES: dict[int, set[tuple[str, int]]] = {}
#: Sphinx's and MyST's own reference kinds that those rules cover.
_COVERED = {("std", "term"), ("std", "doc"), ("std", "ref"), ("doc", "myst"), (None, "myst"), ("", "myst")}


class OneWarningPerReference(SphinxPostTransform):
    """Keep Sphinx's and MyST's own "not found" quiet where a P30x rule already said it, with its hint.

    Runs before both resolvers, and only on a reference whose line a rule
    reported: anything the rules did not catch still gets Sphinx's or MyST's
    own warning, so nothing is lost.
    """

    default_priority = 5  # Sphinx's ReferencesResolver is 10, MyST's resolver 9

    def run(self, **kwargs) -> None:
        reported = REPORTED_REFERENCES.get(id(self.env), set())
        for node in list(self.document.findall(addnodes.pending_xref)):
            covered = (node.get("refdomain"), node.get("reftype")) in _COVERED
            if covered and (node.get("refdoc", self.env.docname), node.line) in reported:
                node.replace_self(node[0].deepcopy() if node.children else [])


def _location(env, path: str, line: int):
    docname = path[:-3] if path.endswith(".md") else None
    if docname and docname in env.all_docs:
        return (docname, line)
    return f"{Path(env.srcdir, path)}:{line}"


def keep_graphs(app, ctx, docs) -> None:
    """Each diagram's graph, for the links written into its page (see flowchart.py)."""
    graphs = {}
    for doc in docs:
        for d in doc.diagrams:
            path = diagram_path(doc, d)
            source = ctx.diagram_text(path) if path else d.source
            verdict = ctx.mermaid_verdict(source) if source is not None else None
            if verdict and verdict.graph:
                graphs[diagram_key(doc, d)] = verdict.graph
    app._protokit_graphs = graphs
    app._protokit_id_pattern = ctx.schema.id_pattern


def check_consistency(app, env) -> None:
    """Run every rule over the stored documents; log findings with their location."""
    root = Path(app.srcdir)
    docs = list(env.domains[DOMAIN].docs.values())
    _, diagram_files = discover(root)
    ctx = make_context(root, docs, diagram_files, release=app.config.protocol_release_mode)
    ctx.validate_diagrams(docs)
    keep_graphs(app, ctx, docs)
    reported = REPORTED_REFERENCES[id(env)] = set()
    memo = getattr(app, "_protokit_rule_memo", None)
    if memo is None:  # lives as long as the process: make serve's rebuilds re-check only what changed
        memo = app._protokit_rule_memo = RuleMemo()
    for f in run_rules(ctx, all_rules(), memo=memo):
        if f.code in REFERENCE_RULES and f.path.endswith(".md"):
            reported.add((f.path[:-3], f.line))
        message = visible(f"{f.code} {f.message}")
        location = _location(env, f.path, f.line)
        if f.severity == "error":
            logger.warning(message, location=location, type="protocol", subtype=f.rule)
        else:
            logger.info(f"note: {message} [protocol.{f.rule}]", location=location)
