"""Small docutils builders for tables and links (no Sphinx state)."""

from __future__ import annotations

from collections.abc import Sequence

from docutils import nodes


def cell_nodes(value) -> list[nodes.Node]:
    """Turn a cell value (text, node or list of nodes) into a node list."""
    if isinstance(value, nodes.Node):
        return [value]
    if isinstance(value, list):
        return value
    return [nodes.Text("" if value is None else str(value))]


def table(headers: Sequence[str], rows: Sequence[Sequence], classes: Sequence[str] = (), stub_columns: int = 0) -> nodes.table:
    """Build a docutils table; a cell may be text, a node or a list of nodes."""
    tbl = nodes.table(classes=["protocol-table", *classes])
    group = nodes.tgroup(cols=len(headers))
    tbl += group
    for _ in headers:
        group += nodes.colspec(colwidth=1)
    if stub_columns:
        group[0]["stub"] = True
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in headers:
        row += nodes.entry("", nodes.paragraph("", h))
    head += row
    body = nodes.tbody()
    group += body
    for values in rows:
        row = nodes.row()
        for value in values:
            row += nodes.entry("", nodes.paragraph("", "", *cell_nodes(value)))
        body += row
    return tbl


def joined(items: Sequence[nodes.Node], sep: str = ", ") -> list[nodes.Node]:
    """Interleave nodes with a separator."""
    out: list[nodes.Node] = []
    for n, item in enumerate(items):
        if n:
            out.append(nodes.Text(sep))
        out.append(item)
    return out
