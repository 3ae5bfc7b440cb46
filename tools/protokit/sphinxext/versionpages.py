"""Released versions of a protocol, and "What changed" pages (redlines)."""

from __future__ import annotations

from docutils import nodes


def versions_nodes(app, renderer, doc) -> list[nodes.Node]:
    return []
