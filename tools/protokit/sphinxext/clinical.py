"""Structured clinical content in the build: regimen tables, evidence-grade badges, key numbers.

The ``{regimen}`` directive renders the block the checker's parser kept in the
page's :class:`~protokit.model.Document` (one parse for both); ``{grade}`` and
``{value}`` become badges and numbers linked to the legend and the key numbers
page. Nothing here warns: a broken block, grade or key is reported once, located,
by the checker's rules (P70x, P72x, P73x), which the build runs too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from .. import frontmatter
from .. import regimen as rg
from ..check import project_schema
from ..formulary import project_formulary
from ..parse import parse_bytes
from ..registry import load_registry
from ..settings import FORMULARY_FILE, GRADES_PAGE, KEY_NUMBERS_PAGE, REGISTRY_FILE, SCHEMA_FILE
from .tables import table

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

#: Where the page's parsed Document waits for its directives (set at source-read).
CURRENT_DOC = "protokit_document"
#: The data files the page being read already depends on.
DEPENDENCIES = "protokit_dependencies"


class linked_to_page(nodes.Inline, nodes.TextElement):  # noqa: N801 - docutils naming
    """Text that becomes a link to a handbook page (and anchor) at write time, when that page exists."""


def depend_on(env, rel: str) -> None:
    """Rebuild the current page when the data file it renders from changes.

    Only a file the tree has: a tree without its own schema or drug vocabulary uses the
    repository's, and a dependency on a missing file would make Sphinx re-read the page on
    every build.
    """
    noted = env.current_document.setdefault(DEPENDENCIES, set())
    if rel in noted:  # once per page: a page with eight grades and values asked eight times
        return
    noted.add(rel)
    path = Path(env.srcdir) / rel
    if path.is_file():
        env.note_dependency(str(path))


def _document(directive: SphinxDirective):
    """The page's Document, parsed once by the checker's parser (source-read left it here)."""
    current = directive.env.current_document
    if CURRENT_DOC in current:
        return current[CURRENT_DOC]
    path = Path(directive.env.doc2path(directive.env.docname))
    return parse_bytes(path.relative_to(directive.env.srcdir).as_posix(), path.read_bytes())


class RegimenDirective(SphinxDirective):
    """A systemic-therapy or radiotherapy schedule as a table, under the standing notice."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        depend_on(self.env, FORMULARY_FILE)
        doc = _document(self)
        block = next((r for r in doc.regimens if r.line == self.lineno), None)
        if block is None:  # not where the parser saw it (a renderer's line shift): read it the same way
            data, _, defects = frontmatter.load_with_places("\n".join(self.content), self.lineno + 1)
            data = None if defects else data
        else:
            data = block.data if not block.defects else None
        kind = rg.kind(data)
        box = nodes.container(classes=["protocol-regimen"])
        if kind is None or not isinstance(data, dict) or not isinstance(data.get("title"), str):
            text = "This regimen could not be read; run make check to see why."
            box += nodes.paragraph(text, text, classes=["protocol-regimen-invalid"])
            return [box]
        box += self._notice(data)
        box += self._systemic(data) if kind == rg.SYSTEMIC else self._radiotherapy(data)
        return [box]

    def _inline(self, value: Any) -> list[nodes.Node]:
        text = rg.text_of(value)
        if not text:
            return []
        found, _ = self.parse_inline(text, lineno=self.lineno)
        return list(found)

    def _notice(self, data: dict) -> nodes.Node:
        para = nodes.paragraph("", "", nodes.strong(rg.NOTICE, rg.NOTICE))
        if data.get("note"):
            para += nodes.Text(" ")
            para.extend(self._inline(data["note"]))
        return nodes.important("", para, classes=["protocol-regimen-notice"])

    def _caption(self, table_node: nodes.table, data: dict) -> nodes.table:
        table_node["ids"] = [nodes.make_id(f"regimen-{data['title']}")]
        title = nodes.title("", "", *self._inline(data["title"]))
        if data.get("source"):
            title += nodes.Text(" ")
            title.extend(self._inline(data["source"]))
        table_node.insert(0, title)
        return table_node

    def _systemic(self, data: dict) -> nodes.table:
        formulary = project_formulary(Path(self.env.srcdir))
        rows = [r for _, r in rg.rows(data, "drugs")]
        sourced = any(r.get("source") for r in rows)
        arms = any(r.get("arm") is not None for r in rows)  # alternatives: say which row belongs to which
        headers = ["Drug", "Dose", "Route", "Days", "Cycle length", "Cycles", "Cap", "Notes"] + (["Source"] if sourced else [])
        headers = (["Arm"] if arms else []) + headers
        body = []
        for row in rows:
            cells = ([self._inline(row.get("arm"))] if arms else []) + [
                self._inline(rg.drug_name(row, formulary)),
                rg.dose_text(row, formulary),
                self._inline(rg.route_text(row)),
                self._inline(rg.days_text(row)),
                self._inline(rg.field(row, data, "cycle")),
                self._inline(rg.field(row, data, "cycles")),
                self._inline(row.get("cap")),
                self._inline(row.get("notes")),
            ]
            body.append(cells + ([self._inline(row.get("source"))] if sourced else []))
        return self._caption(table(headers, body, classes=["protocol-regimen-table"], stub_columns=1), data)

    def _radiotherapy(self, data: dict) -> nodes.table:
        rows = [r for _, r in rg.rows(data, "schedules")]
        sourced = any(r.get("source") for r in rows)
        headers = ["Setting", "Total dose", "Dose per fraction", "Fractions", "Technique", "Notes"] + (
            ["Source"] if sourced else []
        )
        body = []
        for row in rows:
            unit = rg.text_of(row.get("unit", "Gy"))
            cells = [
                self._inline(row.get("setting")),
                rg.rt_dose_text(row.get("total"), unit),
                rg.rt_dose_text(row.get("per_fraction"), unit),
                rg.text_of(row.get("fractions")),
                self._inline(row.get("technique")),
                self._inline(row.get("notes")),
            ]
            body.append(cells + ([self._inline(row.get("source"))] if sourced else []))
        return self._caption(table(headers, body, classes=["protocol-regimen-table"], stub_columns=1), data)


def grade_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{grade}`IV,B``` -> a badge linked to the legend page; an unknown grade stays as text (P721 reports it)."""
    env = inliner.document.settings.env
    grades = project_schema(Path(env.srcdir)).evidence_grades
    depend_on(env, SCHEMA_FILE)
    canonical = grades.parse(text)
    if canonical is None:
        return [nodes.inline(rawtext, text, classes=["protocol-grade-unknown"])], []
    label = grades.label(canonical)
    kind = "esmo" if "," in canonical else canonical
    badge = nodes.inline("", "", classes=["sd-badge", "protocol-grade", f"protocol-grade-{kind}"])
    badge += nodes.abbreviation(label, label, explanation=grades.title(canonical))
    anchor = "esmo-levels" if kind == "esmo" else f"grade-{kind}"
    return [linked_to_page("", "", badge, page=GRADES_PAGE, anchor=anchor)], []


def value_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{value}`key``` -> the registry's number and unit, linked to its row on the key numbers page."""
    env = inliner.document.settings.env
    root = Path(env.srcdir)
    depend_on(env, REGISTRY_FILE)
    entry = load_registry(root).values.get(text.strip())
    if entry is None:  # P730 reports it, with a did-you-mean
        return [nodes.inline(rawtext, text, classes=["protocol-value-unknown"])], []
    shown = nodes.inline(entry.text, entry.text, classes=["protocol-value"])
    return [linked_to_page("", "", shown, page=KEY_NUMBERS_PAGE, anchor=f"key-{entry.key}", reftitle=entry.label)], []


def resolve_links(app, doctree: nodes.document, docname: str) -> None:
    """Turn each :class:`linked_to_page` into a link, or into its bare content when the page is absent."""
    for node in list(doctree.findall(linked_to_page)):
        # Moved, not copied: the node is dropped here, so its children need no deep copy.
        children = list(node.children)
        node.children = []
        if node["page"] not in app.env.all_docs:
            node.replace_self(children)
            continue
        uri = app.builder.get_relative_uri(docname, node["page"]) + f"#{node['anchor']}"
        ref = nodes.reference("", "", *children, refuri=uri, internal=True, classes=["protocol-linked"])
        if node.get("reftitle"):
            ref["reftitle"] = node["reftitle"]
        node.replace_self(ref)


class EvidenceGradesDirective(SphinxDirective):
    """The legend of evidence grades, generated from the schema (``evidence_grades:``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir)
        depend_on(self.env, SCHEMA_FILE)
        grades = project_schema(root).evidence_grades
        levels = nodes.container(ids=["esmo-levels"])
        levels += nodes.rubric("ESMO levels of evidence", "ESMO levels of evidence")
        levels += table(
            ["Level", "Meaning"], [(nodes.strong(k, k), v) for k, v in grades.levels.items()], classes=["protocol-grades"]
        )
        levels += nodes.rubric("ESMO grades of recommendation", "ESMO grades of recommendation")
        levels += table(
            ["Grade", "Meaning"], [(nodes.strong(k, k), v) for k, v in grades.grades.items()], classes=["protocol-grades"]
        )
        out: list[nodes.Node] = [levels]
        for key, meaning in grades.other.items():
            box = nodes.container(ids=[f"grade-{key}"])
            label = grades.label(key)
            box += nodes.rubric(label, label)
            box += nodes.paragraph(meaning, meaning)
            out.append(box)
        if grades.source:
            out.append(nodes.paragraph("", "", nodes.emphasis("Source: ", "Source: "), nodes.Text(grades.source)))
        return out


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_node(linked_to_page)
    app.add_directive("regimen", RegimenDirective)
    app.add_directive("protocol-evidence-grades", EvidenceGradesDirective)
    app.add_role("grade", grade_role)
    app.add_role("value", value_role)
    app.connect("doctree-resolved", resolve_links)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
