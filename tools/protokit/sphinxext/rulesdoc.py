"""The rule reference page, generated from the rules' docstrings (``{protocol-rules}``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from ..rules import all_rules

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

_INLINE = re.compile(r"``(.+?)``")


def inline(text: str) -> list[nodes.Node]:
    """Plain text with ````code```` spans as literals."""
    out: list[nodes.Node] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(nodes.Text(text[pos : m.start()]))
        out.append(nodes.literal(m.group(1), m.group(1)))
        pos = m.end()
    out.append(nodes.Text(text[pos:]))
    return out


def docstring_nodes(text: str) -> list[nodes.Node]:
    """Paragraphs, and ``Label::`` followed by an indented literal block."""
    out: list[nodes.Node] = []
    blocks = re.split(r"\n\s*\n", text.strip())
    expect_literal = False
    for block in blocks:
        if expect_literal and block.startswith("    "):
            code = "\n".join(line[4:] for line in block.split("\n"))
            out.append(nodes.literal_block(code, code))
            expect_literal = False
            continue
        para = " ".join(line.strip() for line in block.split("\n"))
        expect_literal = para.endswith("::")
        if expect_literal:
            para = para[:-1]
            first, _, rest = block.partition("::\n")
            if rest.strip():  # "Bad::" with the code in the same block
                out.append(nodes.paragraph("", "", *inline(" ".join(first.split()) + ":")))
                code = "\n".join(line[4:] for line in rest.split("\n"))
                out.append(nodes.literal_block(code, code))
                expect_literal = False
                continue
        out.append(nodes.paragraph("", "", *inline(para)))
    return out


class RulesDirective(SphinxDirective):
    """Every checker rule: code, name, severity, summary, bad and good examples."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        out: list[nodes.Node] = []
        for rule in all_rules():
            anchor = f"{rule.code.lower()}-{rule.name}"
            box = nodes.container(ids=[anchor], classes=["protocol-rule"])
            title = f"{rule.code} {rule.name}"
            box += nodes.rubric(title, title)
            severity = "warning (an error with --release)" if rule.severity == "warning" else "error"
            box += nodes.paragraph("", "", nodes.strong(rule.summary, rule.summary), nodes.Text(f" Severity: {severity}."))
            box.extend(docstring_nodes(rule.details))
            out.append(box)
        return out


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_directive("protocol-rules", RulesDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
