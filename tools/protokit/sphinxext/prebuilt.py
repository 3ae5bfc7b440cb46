"""The governance record as HTML written directly: the same markup, without docutils nodes.

Every protocol page ends with its record (about a hundred nodes of field list and
table), out of the search index. Building and translating those nodes was a tenth
of the extension's cost per page; here the record is written as the HTML the
theme's translator produces for them, character for character (the tests build
pages both ways and compare).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

_ESCAPE = {ord("&"): "&amp;", ord("<"): "&lt;", ord('"'): "&quot;", ord(">"): "&gt;", ord("@"): "&#64;"}
_WORDS_AND_SPACES = re.compile(r"[^ \n]+| +|\n")

#: Writes one protocol link (or the bare id when no protocol has it) as HTML.
HtmlLink = Callable[[str], str]


class prebuilt_html(nodes.General, nodes.Element):  # noqa: N801 - docutils naming
    """HTML the build wrote for a part of a page; written out as is, never indexed for search."""


def esc(text) -> str:
    """Text as docutils' HTML writer encodes it."""
    return str(text).translate(_ESCAPE)


def literal(text: str) -> str:
    """``nodes.literal`` as Sphinx writes it: words kept whole, runs of spaces kept."""
    out = []
    for token in _WORDS_AND_SPACES.findall(esc(text)):
        if token.strip():
            out.append(f'<span class="pre">{token}</span>')
        elif token in " \n":
            out.append(token)
        else:
            out.append("&#160;" * (len(token) - 1) + " ")
    return f'<code class="docutils literal notranslate">{"".join(out)}</code>'


def span(text: str, classes: Sequence[str]) -> str:
    return f'<span class="{esc(" ".join(classes))}">{esc(text)}</span>'


def link(uri: str, text: str, title: str, classes: Sequence[str] = ("protocol-ref",)) -> str:
    """An internal reference (``make_refnode``) around a span."""
    return f'<a class="reference internal" href="{esc(uri)}" title="{esc(title)}">{span(text, classes)}</a>'


def field_list(rows: Sequence[tuple[str, str]], classes: Sequence[str]) -> str:
    """A field list of one paragraph per field (what ``_row`` builds): ``rows`` are (name, value HTML)."""
    out = [f'<dl class="{esc(" ".join([*classes, "field-list", "simple"]))}">\n']
    for n, (name, value) in enumerate(rows, start=1):
        parity = "field-odd" if n % 2 else "field-even"
        out.append(f'<dt class="{parity}">{esc(name)}<span class="colon">:</span></dt>\n')
        out.append(f'<dd class="{parity}"><p>{value}</p>\n</dd>\n')
    out.append("</dl>\n")
    return "".join(out)


def bullet_list(items: Sequence[str]) -> str:
    """A simple bullet list of one paragraph per item (value HTML)."""
    return '<ul class="simple">\n' + "".join(f"<li><p>{item}</p></li>\n" for item in items) + "</ul>\n"


def rubric(text: str, classes: Sequence[str]) -> str:
    return f'<p class="{esc(" ".join([*classes, "rubric"]))}">{esc(text)}</p>\n'


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str]) -> str:
    """A table of text cells as :func:`protokit.sphinxext.tables.table` builds it, as the theme writes it."""
    names = " ".join(["protocol-table", *classes, "table"])
    out = [f'<div class="pst-scrollable-table-container"><table class="{esc(names)}">\n<thead>\n']
    out.append('<tr class="row-odd">' + "\n".join(f'<th class="head"><p>{esc(h)}</p></th>' for h in headers) + "\n</tr>\n")
    out.append("</thead>\n<tbody>\n")
    for n, row in enumerate(rows):
        parity = "row-even" if n % 2 == 0 else "row-odd"
        out.append(f'<tr class="{parity}">' + "\n".join(f"<td><p>{esc(cell)}</p></td>" for cell in row) + "\n</tr>\n")
    out.append("</tbody>\n</table>\n</div>\n")
    return "".join(out)


def visit_prebuilt(self, node: prebuilt_html) -> None:
    self.body.append(node["html"])
    raise nodes.SkipNode


def _skip(self, node) -> None:
    raise nodes.SkipNode


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_node(
        prebuilt_html,
        html=(visit_prebuilt, None),
        latex=(_skip, None),
        text=(_skip, None),
        man=(_skip, None),
        texinfo=(_skip, None),
    )
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
