"""Charts as SVG in the page: shown at once, with no mermaid JavaScript on first visit.

Every chart of the handbook is drawn once, before pages are written, in headless
Chromium (:mod:`protokit.charts`, cached by content) and written into its page as
the SVG mermaid would have drawn there; a page whose charts are all drawn loads
no mermaid at all (sphinxcontrib-mermaid adds its script only to pages that still
hold a mermaid node). Without Chromium, or with ``protokit_static_charts = False``
(``make serve``: a save never waits for a browser), the browser draws them, as before.

They are drawn after the checker's rules ran (the consistency check): a build with
protocol findings fails under ``-W`` (``make html``), so it does not start a
browser to draw charts for pages nobody will read; the author sees the findings
seconds sooner. Its pages, if written (``--keep-going``), have the browser draw them.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging

from .. import charts
from ..settings import DOMAIN

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)


class static_chart(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """A chart already drawn: its SVG, written as is (never indexed for search)."""


def collect(app, doctree: nodes.document) -> None:
    """``doctree-read``: the mermaid sources of the page, as the page will hold them."""
    from sphinxcontrib.mermaid import mermaid

    codes = [node["code"] for node in doctree.findall(mermaid)]
    domain = app.env.domains[DOMAIN]
    if codes:
        domain.charts[app.env.docname] = codes
    else:
        domain.charts.pop(app.env.docname, None)


def enabled(app) -> bool:
    return bool(app.config.protokit_static_charts) and app.builder.format == "html"


def undecided(app, env) -> list[str]:
    """``env-updated``: this build has not drawn its charts yet."""
    env.domains[DOMAIN].charts_drawn = None
    return []


def draw_charts(app, env) -> None:
    """``env-check-consistency``: draw the charts not drawn yet (one Chromium session for all of them).

    Also called on the first page resolved when the build read no page (Sphinx then
    skips the consistency check) but still writes some.
    """
    domain = env.domains[DOMAIN]
    domain.charts_drawn = False
    if not enabled(app):
        return
    if domain.findings_warned:
        logger.info("charts: drawn by the browser, not beforehand: the protocol findings above fail a strict build")
        return
    sources = [code for codes in domain.charts.values() for code in codes]
    try:
        drawn = charts.draw(sources)
    except charts.ChartsUnavailableError as exc:
        logger.info(f"charts: drawn by the browser, not beforehand ({exc})")
        return
    if drawn:
        logger.info(f"charts: drew {drawn} chart(s) as SVG in headless Chromium")
    domain.charts_drawn = True


def place_charts(app, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: put each drawn chart's SVG where its mermaid node was."""
    domain = app.env.domains[DOMAIN]
    if domain.charts_drawn is None:
        draw_charts(app, app.env)
    if not domain.charts_drawn:
        return
    from sphinxcontrib.mermaid import mermaid

    seen: dict[str, int] = {}
    for node in list(doctree.findall(mermaid)):
        svg = charts.svg_of(node["code"])
        if svg is None:
            continue  # not drawable (P402 reports it): the browser shows mermaid's error, as before
        chart_id = charts.chart_id(node["code"])
        seen[chart_id] = seen.get(chart_id, 0) + 1
        if seen[chart_id] > 1:  # the same chart twice on a page: ids stay unique
            svg = svg.replace(chart_id, f"{chart_id}-{seen[chart_id]}")
        node.replace_self(static_chart(svg=svg, ids=list(node.get("ids", []))))


def visit_static_chart(self, node: static_chart) -> None:
    ids = f' id="{html.escape(node["ids"][0])}"' if node.get("ids") else ""
    self.body.append(f'<div class="mermaid-static"{ids}>{node["svg"]}</div>\n')
    raise nodes.SkipNode


def _skip(self, node) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("protokit_static_charts", True, "html", types=[bool])
    app.add_node(
        static_chart,
        html=(visit_static_chart, None),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    app.connect("doctree-read", collect)
    app.connect("env-updated", undecided)
    app.connect("env-check-consistency", draw_charts)
    app.connect("doctree-resolved", place_charts)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
