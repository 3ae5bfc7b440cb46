"""The handbook's Sphinx extension: protocol domain, panels, generated pages, checks.

It reuses the checker's parser, schema and rules (see :mod:`protokit.check`), so
a protocol that passes ``make check`` cannot fail the build on a protocol rule.
"""

from __future__ import annotations

import gc
import zlib
from pathlib import Path

from ..check import DocumentCache, project_schema
from ..index import resolve_path
from ..parse import parse_file
from .assets import copy_scripts, on_build_finished, setup_static
from .charts import register as register_charts
from .checks import OneWarningPerReference, check_consistency
from .clinical import EvidenceGradesDirective, RegimenDirective, grade_role, linked_to_page, resolve_links, value_role
from .csp import forget_written, replace_pagename_script
from .csp import on_build_finished as scan_scripts
from .domain import DOMAIN, ProtocolDomain
from .flowchart import register as register_flowcharts
from .flowchart import wrap_diagrams
from .gate import check_schema, contain_config, on_source_read
from .gate import on_doctree_read as guard_doctree
from .incremental import on_env_updated
from .pages import CatalogueDirective, KeyNumbersDirective, MatrixDirective, ReviewDirective
from .prebuilt import register as register_prebuilt
from .releasepages import (
    InForceDirective,
    ReleaseNotesDirective,
    add_feed_link,
    add_page_scripts,
    add_release_context,
    write_data_script,
    write_feed,
)
from .render import decorate, protocol_placeholder
from .resolve import resolve_placeholders
from .rulesdoc import RulesDirective
from .search import add_keywords, add_search_script, set_scorer, write_search_data
from .versionpages import collect_redlines


def document_cache(app) -> DocumentCache:
    """The checker's cache of parsed pages (by content hash), shared with the build."""
    cache = getattr(app, "_protokit_documents", None)
    if cache is None:
        cache = app._protokit_documents = DocumentCache(Path(app.srcdir))
    return cache


def save_document_cache(app, exception) -> None:
    cache = getattr(app, "_protokit_documents", None)
    if cache is not None and exception is None:
        cache.save(list(cache.entries))


def on_doctree_read(app, doctree) -> None:
    """Parse the page's source with the checker's parser (or its cache); mark protocol pages."""
    from .clinical import CURRENT_DOC

    env = app.env
    root = Path(app.srcdir)
    # The parse source-read made of these very bytes (gate.py); read and hashed again only without it.
    doc = env.current_document.get(CURRENT_DOC)
    if doc is None:
        path = Path(env.doc2path(env.docname))
        try:
            doc = document_cache(app).get(path.relative_to(root).as_posix(), path.read_bytes())
        except (OSError, ValueError):
            doc = parse_file(root, path)
    env.domains[DOMAIN].set_doc(env.docname, doc)
    for diagram in doc.diagrams:
        if diagram.file:  # editing the .mmd rebuilds the page that includes it
            env.note_dependency(str(root / resolve_path(doc.path, diagram.file)))
    if doc.diagrams:
        wrap_diagrams(doctree, doc, env.docname)
    if doc.is_protocol:
        decorate(doctree, doc, project_schema(app.srcdir).page_lead)


def freeze_long_lived(app, *args) -> list[str]:
    """Keep what lives until the build ends out of the garbage collector's scans.

    Reading and writing allocate millions of short-lived nodes, and each full
    collection rescans every object alive: the environment, the parsed pages the
    checker's cache loaded (thousands of objects each), the diagram verdicts. So
    they are frozen as soon as they exist: before reading (with the parse cache
    loaded), after reading, and after the rules ran. Unfrozen when the build
    finishes, so ``make serve``'s long-lived process still collects what a
    rebuild drops.
    """
    if args and isinstance(args[-1], list):  # env-before-read-docs: load the parse cache first
        document_cache(app)
    gc.freeze()
    return []


def unfreeze(app, exception) -> None:
    gc.unfreeze()


def _code_version() -> int:
    """A number that changes whenever protokit's code or static files change.

    Sphinx re-reads every page when an extension's env_version changes, so a
    change to the rendering code never leaves stale pages behind.
    """
    package = Path(__file__).resolve().parents[1]
    digest = 0
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".css", ".js", ".mjs") and path.is_file():
            digest = zlib.crc32(path.read_bytes(), zlib.crc32(path.name.encode(), digest))
    return digest


def setup(app):
    app.add_config_value("protocol_release_mode", False, "env", types=[bool])
    app.add_domain(ProtocolDomain)
    app.add_node(protocol_placeholder)
    app.add_node(linked_to_page)
    app.add_directive("protocol-catalogue", CatalogueDirective)
    app.add_directive("protocol-matrix", MatrixDirective)
    app.add_directive("protocol-review", ReviewDirective)
    app.add_directive("protocol-rules", RulesDirective)
    app.add_directive("protocol-release-notes", ReleaseNotesDirective)
    app.add_directive("protocol-in-force", InForceDirective)
    app.add_directive("protocol-key-numbers", KeyNumbersDirective)
    app.add_directive("protocol-evidence-grades", EvidenceGradesDirective)
    app.add_directive("regimen", RegimenDirective)
    app.add_role("protocol", ProtocolDomain.roles["protocol"])
    app.add_role("grade", grade_role)
    app.add_role("value", value_role)
    register_flowcharts(app)
    register_charts(app)
    register_prebuilt(app)
    app.connect("config-inited", setup_static)
    app.connect("config-inited", contain_config)
    app.connect("config-inited", set_scorer)
    app.connect("builder-inited", check_schema)
    app.connect("builder-inited", copy_scripts)
    app.connect("env-before-read-docs", forget_written)
    app.connect("source-read", on_source_read)
    # Before Sphinx's image and download collectors (priority 500) copy any file.
    app.connect("doctree-read", guard_doctree, priority=400)
    # Before Sphinx's collectors (priority 500): the table of contents follows the
    # reading order that decorate() gives a protocol page.
    app.connect("doctree-read", on_doctree_read, priority=450)
    app.connect("env-updated", on_env_updated)
    app.connect("env-before-read-docs", freeze_long_lived, priority=900)
    app.connect("env-updated", freeze_long_lived, priority=900)  # after every other handler
    app.connect("env-check-consistency", freeze_long_lived, priority=900)
    app.connect("build-finished", unfreeze)
    app.connect("env-check-consistency", check_consistency)
    app.add_post_transform(OneWarningPerReference)
    app.connect("doctree-resolved", resolve_placeholders)
    app.connect("doctree-resolved", resolve_links)
    app.connect("doctree-resolved", add_keywords)
    app.connect("env-updated", write_search_data)
    app.connect("html-page-context", add_search_script)
    app.connect("build-finished", on_build_finished)
    app.connect("builder-inited", write_data_script)
    app.connect("builder-inited", write_feed)
    app.connect("html-page-context", add_feed_link)
    app.connect("build-finished", save_document_cache)
    app.connect("html-page-context", add_release_context)
    app.connect("html-page-context", add_page_scripts)
    app.connect("html-collect-pages", collect_redlines)
    app.connect("build-finished", scan_scripts, priority=900)  # after the pages and assets exist
    app.connect("html-page-context", replace_pagename_script, priority=900)  # after the theme's
    app.add_css_file("protokit.css")
    app.add_js_file("protokit.js")
    # Safe in parallel: per-document data lives in the domain, which implements
    # clear_doc and merge_domaindata (tested by a -j 2 build in tests/).
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": _code_version()}
