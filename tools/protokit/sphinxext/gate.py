"""The build's containment gate: a page the checker refuses is never parsed.

MyST reads ``{include}`` files, diagram files and front matter while it parses
a page, before any checker rule runs in the build. So a page whose containment
rules fail (a path outside the handbook, a directive or role off the
allow-list, a YAML alias bomb, an oversized page) is replaced, at
``source-read``, by a short refusal page; the rules still report it, once,
with its location, and ``-W`` fails the build. Whatever the page would have
pulled in never reaches ``_build/html``.

A second guard at ``doctree-read`` (before Sphinx's image and download
collectors copy files) drops any image, download, link or raw HTML that is
off the allow-list, whatever produced it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging

from ..check import Context, project_schema, today
from ..containment import html_problems, inside_repo, path_problem, url_problem
from ..index import Index
from ..rules import all_rules
from .domain import protocol_domain

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: The rules whose failure means "do not even parse this page".
GATE_RULES = ("P009", "P504", "P505", "P506", "P508")

REFUSED = """# Page refused

This page was not built: it breaks a containment rule of the handbook
(see the build log or run `make check`).
"""


def contain_config(app, config) -> None:
    """Settings no handbook may loosen: sources are never copied into the site.

    Sphinx copies a page's file from disk into ``_sources/`` after the gate has
    replaced what it parses; a page that is a link to the build machine's files
    would be published that way.
    """
    config.html_copy_source = False


def check_schema(app) -> None:
    """Stop at once, with the schema's own message, when the schema cannot be read.

    Every rule reads the schema; a broken one is one clear line and exit 2,
    never Sphinx's crash report (SystemExit passes its exception handler).
    """
    from ..formulary import project_formulary
    from ..schema import SchemaError

    try:
        project_schema(Path(app.srcdir))
        project_formulary(Path(app.srcdir))
    except SchemaError as exc:
        logger.error("%s", exc)
        raise SystemExit(2) from None


def _gate_rules():
    return [r for r in all_rules() if r.code in GATE_RULES]


def on_source_read(app, docname: str, source: list[str]) -> None:
    """Replace a page that fails a containment rule before MyST reads it."""
    from .clinical import CURRENT_DOC

    root = Path(app.srcdir)
    path = Path(app.env.doc2path(docname))
    try:
        rel = path.relative_to(root).as_posix()
        if not inside_repo(root, rel):  # a page that is a link to the build machine's files
            source[0] = REFUSED
            return
        # The checker's parse cache, shared with the domain's reading of the page.
        doc = protocol_domain(app.env).document_cache.get(rel, path.read_bytes())
    except (OSError, ValueError):
        source[0] = REFUSED
        return
    app.env.current_document[CURRENT_DOC] = doc  # the page's directives render from this parse
    ctx = Context(root, project_schema(root), Index.build([doc]), today())
    for r in _gate_rules():
        if next(iter(r.on_document(doc, ctx)), None) is not None:
            source[0] = REFUSED
            return


def _drop(node: nodes.Node) -> None:
    """Replace a node by its plain text (nothing it points at is fetched or linked)."""
    keep_text = isinstance(node, nodes.TextElement) and not isinstance(node, nodes.raw)
    node.replace_self(nodes.Text(node.astext()) if keep_text else [])


def on_doctree_read(app, doctree: nodes.document) -> None:
    """Drop images, downloads, links and raw HTML that are off the allow-list."""
    env = app.env
    root = Path(app.srcdir)
    allowed = project_schema(root).allowed
    page = Path(env.doc2path(env.docname)).relative_to(root).as_posix()
    # One walk over the page for the four kinds of node (a page holds thousands of nodes).
    guarded = (nodes.image, addnodes.download_reference, nodes.reference, nodes.raw)
    for node in list(doctree.findall(lambda n: isinstance(n, guarded))):
        if isinstance(node, nodes.image):
            uri = node.get("uri", "")
            drop = bool(url_problem(uri, allowed, loads=True) or path_problem(page, uri, allowed, root))
        elif isinstance(node, addnodes.download_reference):
            drop = bool(path_problem(page, node.get("reftarget", ""), allowed, root))
        elif isinstance(node, nodes.reference):
            uri = node.get("refuri", "")
            drop = bool(uri and url_problem(uri, allowed, loads=False))
        else:
            html = "html" in node.get("format", "").split()
            drop = bool(not html or node.get("source") or html_problems(node.astext(), allowed))
        if drop:
            _drop(node)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("config-inited", contain_config)
    app.connect("builder-inited", check_schema)
    app.connect("source-read", on_source_read)
    # Before Sphinx's image and download collectors (priority 500) copy any file.
    app.connect("doctree-read", on_doctree_read, priority=400)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
