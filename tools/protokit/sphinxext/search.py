"""Search that answers clinical questions, with Sphinx's own search (no hosted service).

* Each protocol's index entry gains the names of the glossary entries it uses or
  covers (``<meta name="keywords">``), so "MSCC" finds a protocol that only says
  "metastatic spinal cord compression".
* The handbook's scorer (``static/protokit-scorer.js``, set as
  ``html_search_scorer``) ranks and names the results with the data written here
  (``_static/protokit-search-data.js``, loaded by the search page only).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from docutils import nodes

from ..searchdata import keywords, search_data
from .assets import STATIC
from .csp import page_script
from .domain import DOMAIN
from .releasepages import write_static

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

DATA_SCRIPT = "protokit-search-data.js"
SCORER = STATIC / "protokit-scorer.js"


def data_of(domain) -> dict:
    """The search data of the stored pages, computed once per change of them."""
    return domain.derived("search", lambda d: search_data(list(d.docs.values())))


def data(env) -> dict:
    return data_of(env.domains[DOMAIN])


def set_scorer(app, config) -> None:
    if not config.html_search_scorer:
        config.html_search_scorer = str(SCORER)


def write_search_data(app, env) -> None:
    """``env-updated``: the scorer's data, written before any page (its ``?v=`` is current)."""
    if app.builder.format != "html":
        return
    payload = json.dumps(data(env), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    write_static(app, DATA_SCRIPT, f"window.PROTOKIT_SEARCH = {payload};\n")


def add_keywords(app, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: a protocol page's synonyms, for the index (and the page's head)."""
    words = keywords(data(app.env), docname)
    if words:
        doctree.insert(0, nodes.meta(name="keywords", content=", ".join(words)))


def add_search_script(app, pagename, templatename, context, doctree) -> None:
    if pagename == "search":
        page_script(app, DATA_SCRIPT)


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("config-inited", set_scorer)
    app.connect("doctree-resolved", add_keywords)
    app.connect("env-updated", write_search_data)
    app.connect("html-page-context", add_search_script)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
