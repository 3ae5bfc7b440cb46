"""Run the checker's rules inside the build and log each finding as a located warning.

The same parser, schema and rules as ``make check``: an error finding becomes a
Sphinx warning ``[protocol.<rule>]`` (so ``-W`` fails), a warning-severity
finding (overdue review, retired reference) is printed as information unless
``protocol_release_mode`` is on. :meth:`.domain.ProtocolDomain.check_consistency`
calls :func:`check_documents` once every page is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sphinx import addnodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from ..check import discover, make_context, run_rules
from ..findings import visible
from ..rules import all_rules
from ..rules.diagrams import diagram_path
from ..settings import DOMAIN, MYST
from .flowchart import diagram_key

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

    from .domain import ProtocolDomain

logger = logging.getLogger(__name__)


#: The rules that report a broken {term}, {doc}, {ref} or Markdown link (with a did-you-mean).
REFERENCE_RULES = frozenset({"P302", "P303", "P304", "P305"})
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
        reported = self.env.domains[DOMAIN].reported_references  # type: ignore[attr-defined]
        for node in list(self.document.findall(addnodes.pending_xref)):
            covered = (node.get("refdomain"), node.get("reftype")) in _COVERED
            if covered and (node.get("refdoc", self.env.docname), _line(node)) in reported:
                node.replace_self(node[0].deepcopy() if node.children else [])


def _line(node) -> int | None:
    """The source line of a node, or of its nearest ancestor that has one (MyST's ``#anchor`` links have none)."""
    while node is not None:
        if node.line:
            return node.line
        node = node.parent
    return None


def _location(env, path: str, line: int):
    docname = path[:-3] if path.endswith(".md") else None
    if docname and docname in env.all_docs:
        return (docname, line)
    return f"{Path(env.srcdir, path)}:{line}"


def keep_graphs(domain: ProtocolDomain, ctx, docs) -> None:
    """Each diagram's graph, for the links written into its page (see flowchart.py)."""
    graphs = {}
    for doc in docs:
        for d in doc.diagrams:
            path = diagram_path(doc, d)
            source = ctx.diagram_text(path) if path else d.source
            verdict = ctx.mermaid_verdict(source) if source is not None else None
            if verdict and verdict.graph:
                graphs[diagram_key(doc, d)] = verdict.graph
    domain.graphs = graphs
    domain.id_pattern = ctx.schema.id_pattern


def check_documents(domain: ProtocolDomain) -> None:
    """Run every rule over the domain's documents; log findings with their location."""
    env = domain.env
    root = Path(env.srcdir)
    docs = list(domain.docs.values())
    _, diagram_files = discover(root)
    ctx = make_context(root, docs, diagram_files, release=env.config.protocol_release_mode)
    ctx.validate_diagrams(docs)
    keep_graphs(domain, ctx, docs)
    reported = domain.reported_references = set()
    domain.findings_warned = 0
    for f in run_rules(ctx, all_rules(), memo=domain.rule_memo):
        if f.code in REFERENCE_RULES and f.path.endswith(".md"):
            reported.add((f.path[:-3], f.line))
        message = visible(f"{f.code} {f.message}")
        location = _location(env, f.path, f.line)
        if f.severity == "error":
            domain.findings_warned += 1
            logger.warning(message, location=location, type="protocol", subtype=f.rule)
        else:
            logger.info(f"note: {message} [protocol.{f.rule}]", location=location)


def _as_compared(value: object) -> object:
    return sorted(value) if isinstance(value, (list, set, tuple)) else value


def same_myst_settings(app: Sphinx, config) -> None:
    """``config-inited``: MyST must parse pages exactly as the checker does, or its lines and anchors differ."""
    for name, expected in MYST.items():
        value = config[name]
        if _as_compared(value) != _as_compared(expected):
            logger.error(
                f"conf.py: {name} = {value!r} but the checker parses with {expected!r}; "
                f"set it from protokit.settings.MYST so the build and make check read pages alike"
            )
            raise SystemExit(2)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("config-inited", same_myst_settings)
    app.add_post_transform(OneWarningPerReference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
