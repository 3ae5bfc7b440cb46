"""Parse one Markdown page into a :class:`~protokit.model.Document`.

Uses MyST's own markdown-it parser with the build's settings, so headings,
anchors and line numbers are the ones Sphinx sees. Never raises on bad input:
what cannot be read becomes a :class:`~protokit.model.Defect`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown_it.token import Token
from myst_parser.slugs import github_slugify, unique_slug

from . import frontmatter
from .model import Defect, Diagram, Directive, Document, Heading, Html, Ref, Regimen, Step
from .patientdata import patient_data_hits
from .settings import FLOWCHART_SECTION, MYST_HEADING_ANCHORS, NODE_ROLE, markdown_parser
from .wording import label_spans, wording_hits

#: Directives whose body is not Markdown (never re-parsed for references).
LITERAL_DIRECTIVES = frozenset(
    {
        "code",
        "code-block",
        "sourcecode",
        "literalinclude",
        "include",
        "math",
        "raw",
        "csv-table",
        "mermaid",
        "glossary",
        "eval-rst",
        "highlight",
        "regimen",
    }
)
#: The directive whose body is a YAML regimen (its text fields are Markdown).
REGIMEN = "regimen"
#: Regimen fields holding a word from the drug vocabulary, not text for readers.
_CODED_FIELDS = frozenset({"drug", "unit", "basis", "route", "per", "qualifier", "arm"})
_OPTION = re.compile(r"^:([\w-]+):")
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_DIRECTIVE = re.compile(r"^\{([\w:.-]+)\}\s*(.*)$")
#: Deeper nesting than this is dropped by the build; say so instead of recursing.
MAX_DEPTH = 20


def read_source(data: bytes) -> tuple[str, list[Defect]]:
    """Decode file bytes to text, recording encoding problems as defects."""
    defects: list[Defect] = []
    if data.startswith(b"\xef\xbb\xbf"):
        defects.append(Defect("bom", 1, 1, ""))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        defects.append(Defect("not-utf8", line, col, data[exc.start : exc.start + 1].hex()))
        text = data.decode("utf-8", errors="replace")
    if "\x00" in text:
        pos = text.index("\x00")
        line = text.count("\n", 0, pos) + 1
        defects.append(Defect("nul-byte", line, pos - text.rfind("\n", 0, pos), ""))
        text = text.replace("\x00", "\ufffd")
    if "\r" in text:
        pos = text.index("\r")
        defects.append(Defect("crlf", text.count("\n", 0, pos) + 1, 1, ""))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, defects


class _Collector:
    """Walks markdown-it tokens and collects the parts of a Document."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self.headings: list[Heading] = []
        self.labels: list[tuple[str, int]] = []
        self.refs: list[Ref] = []
        self.diagrams: list[Diagram] = []
        self.html: list[Html] = []
        self.directives: list[Directive] = []
        self.terms: list[tuple[str, int]] = []
        self.defects: list[Defect] = []
        self.slugs: set[str] = set()
        self.meta_token: Token | None = None
        self.regimens: list[Regimen] = []
        self.bullets: list[tuple[int, int]] = []
        self.wording: list[tuple[int, int, str]] = []
        self.section = ""  # the current level-2 heading
        self.steps: list[Step] = []
        self.steps_line = 0
        self.steps_state = "before"  # "before", "in" or "after" the list of the decisions in words
        self.step_start = 1

    def walk(self, tokens: list[Token], offset: int, depth: int) -> None:
        """Collect from a token stream whose line 0 is source line ``offset``."""
        lists = 0
        for i, tok in enumerate(tokens):
            start = (tok.map[0] if tok.map else 0) + offset
            if tok.type in ("bullet_list_open", "ordered_list_open"):
                lists += 1
            elif tok.type in ("bullet_list_close", "ordered_list_close"):
                lists -= 1
            elif tok.type == "list_item_open" and lists == 1 and tok.map:
                self.bullets.append((start + 1, tok.map[1] + offset))
            if tok.type == "front_matter" and depth == 0:
                self.meta_token = tok
            elif tok.type == "myst_target":
                self.labels.append((tok.content.strip(), start + 1))
            elif tok.type == "heading_open":
                self._heading(tokens, i, start, depth)
            elif tok.type in ("ordered_list_open", "ordered_list_close", "list_item_open") and depth == 0:
                self._steps(tok, start)
            elif tok.type == "inline":
                self._inline(tok, start)
            elif tok.type in ("fence", "colon_fence"):
                self._fence(tok, start, depth)
            elif tok.type in ("html_block",):
                self.html.append(Html(tok.content, start + 1))

    def _heading(self, tokens: list[Token], i: int, start: int, depth: int) -> None:
        level = int(tokens[i].tag[1])
        inline = tokens[i + 1]
        text = "".join(c.content for c in inline.children or [] if c.type in ("text", "code_inline"))
        slug = ""
        if level <= MYST_HEADING_ANCHORS:
            slug = github_slugify(text)
            slug = unique_slug(slug, self.slugs) if slug else ""
            self.slugs.add(slug)
        has_body = False
        for nxt in tokens[i + 3 :]:
            if nxt.type == "heading_open" and int(nxt.tag[1]) <= level:
                break
            if nxt.level == 0 and not nxt.type.startswith("heading") and _is_content(nxt):
                has_body = True
                break
        self.headings.append(Heading(level, text.strip(), slug, start + 1, has_body, depth > 0))
        if depth == 0 and level <= 2:
            self.section = text.strip() if level == 2 else ""
            if self.section == FLOWCHART_SECTION and not self.steps_line:
                self.steps_line = start + 1

    def _steps(self, tok: Token, start: int) -> None:
        """The first numbered list of the flowchart section: "The decisions in words"."""
        if tok.type == "ordered_list_open" and tok.level == 0:
            if self.section == FLOWCHART_SECTION and self.steps_state == "before":
                self.steps_state = "in"
                self.step_start = int(tok.attrs.get("start", 1) or 1)
        elif tok.type == "ordered_list_close" and tok.level == 0 and self.steps_state == "in":
            self.steps_state = "after"
        elif tok.type == "list_item_open" and tok.level == 1 and self.steps_state == "in":
            raw = self.lines[start] if start < len(self.lines) else ""
            marker = re.match(r"\s*\d+[.)]\s*", raw)
            col = marker.end() + 1 if marker else 1
            self.steps.append(Step(self.step_start + len(self.steps), start + 1, col))

    def _locate(self, start: int, needle: str, cursor: list[int]) -> tuple[int, int]:
        """Find ``needle`` in the source from a block's first line onwards."""
        line_no, col = cursor
        for n in range(line_no, min(len(self.lines), line_no + 200)):
            found = self.lines[n].find(needle, col if n == line_no else 0)
            if found >= 0:
                cursor[:] = [n, found + len(needle)]
                return n + 1, found + 1
        return start + 1, 1

    def _inline(self, tok: Token, start: int) -> None:
        cursor = [start, 0]
        for child in tok.children or []:
            if child.type == "myst_role":
                name = child.meta.get("name", "")
                line, col = self._locate(start, f"{{{name}}}`", cursor)
                self.refs.append(Ref(name, child.content, line, col))
                if name == NODE_ROLE and self.steps_state == "in" and self.steps:
                    step = self.steps[-1]
                    self.steps[-1] = Step(step.number, step.line, step.col, (*step.nodes, self.refs[-1]))
            elif child.type == "link_open":
                href = str(child.attrs.get("href", ""))
                line, col = self._locate(start, "](" + href, cursor)
                self.refs.append(Ref("link", href, line, col + 2 if col > 1 else col))
            elif child.type == "image":
                src = str(child.attrs.get("src", ""))
                line, col = self._locate(start, "](" + src, cursor)
                self.refs.append(Ref("image", src, line, col + 2 if col > 1 else col))
            elif child.type == "html_inline":
                line, _ = self._locate(start, child.content, cursor)
                self.html.append(Html(child.content, line))
            elif child.type == "text" and child.content:
                for _, found, message in wording_hits(child.content):
                    line, col = self._locate(start, found, cursor)
                    self.wording.append((line, col, message))

    def _fence(self, tok: Token, start: int, depth: int) -> None:
        end = (tok.map[1] if tok.map else start + 1) + (start - (tok.map[0] if tok.map else 0))
        self._check_closed(tok, start, end)
        info = tok.info.strip()
        match = _DIRECTIVE.match(info)
        name, arg = (match.group(1), match.group(2).strip()) if match else (info.split()[0] if info else "", "")
        body_lines = tok.content.split("\n")
        skip = _option_lines(body_lines)
        body = "\n".join(body_lines[skip:])
        if match:
            options = tuple(_options(body_lines[:skip]))
            self.directives.append(Directive(name, arg, options, start + 1))
        if name == "mermaid":
            self.diagrams.append(Diagram(arg or None, None if arg else body, start + 1, 1, self.section, start + 2 + skip))
            if not arg:  # an inline flowchart: its labels are text readers see
                first = start + 1 + skip
                for line, col, label in label_spans(body):
                    self.wording += [(first + line, col + off, msg) for off, _, msg in wording_hits(label)]
        elif name == REGIMEN and match:
            self._regimen(body, start, skip)
        elif name == "glossary" and match:
            self._glossary(body_lines, start + 1)
        elif match and name not in LITERAL_DIRECTIVES:
            if depth >= MAX_DEPTH:
                self.defects.append(Defect("too-deep", start + 1, 1, name))
                return
            inner = markdown_parser().parse(body)
            self.walk(inner, start + 1 + skip, depth + 1)

    def _regimen(self, body: str, start: int, skip: int) -> None:
        """Keep the block's YAML and where each field is; its text fields are Markdown."""
        data, places, defects = frontmatter.load_with_places(body, start + 2 + skip)
        self.regimens.append(Regimen(start + 1, data, places, tuple(defects)))
        for path, value in _strings(data, ""):
            if path.rsplit(".", 1)[-1] in _CODED_FIELDS:  # checked against the vocabulary (P702-P704)
                continue
            line, _ = places.get(path, (start + 1, 1))
            for tok in markdown_parser().parseInline(value):
                self._inline(tok, line - 1)

    def _check_closed(self, tok: Token, start: int, end: int) -> None:
        last = self.lines[end - 1].strip() if 0 < end <= len(self.lines) else ""
        marker = tok.markup
        closed = end - 1 > start and last.startswith(marker) and set(last) <= {marker[0]}
        if not closed:
            self.defects.append(Defect("unclosed-fence", start + 1, 1, marker))

    def _glossary(self, body: list[str], first: int) -> None:
        for n, raw in enumerate(body):
            if not raw.strip() or _OPTION.match(raw):
                continue
            if not raw[0].isspace():
                self.terms.append((raw.strip(), first + n + 1))
                for m in _ROLE.finditer(raw):
                    self.refs.append(Ref(m.group(1), m.group(2), first + n + 1, m.start() + 1))
            else:  # a definition is Markdown: its links, roles and HTML reach the page
                self.walk(markdown_parser().parse(raw.strip()), first + n, 1)


_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _is_content(tok: Token) -> bool:
    """False for what shows nothing on the page: comments, targets, blank HTML."""
    if tok.type in ("myst_target", "myst_line_comment", "myst_block_break"):
        return False
    if tok.type == "html_block":
        return bool(_COMMENT.sub("", tok.content).strip())
    return tok.type != "inline"


def _strings(value: Any, path: str) -> list[tuple[str, str]]:
    """Every string in a YAML value, with its dotted path."""
    if isinstance(value, str):
        return [(path, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [s for n, v in enumerate(value) for s in _strings(v, f"{path}.{n}" if path else str(n))]
    return []


def _options(lines: list[str]) -> list[tuple[str, str]]:
    """The ``:key: value`` options of a directive (YAML-block options as ``key: value``)."""
    out = []
    for raw in lines:
        m = _OPTION.match(raw) or re.match(r"^([\w-]+):", raw)
        if m:
            out.append((m.group(1), raw[m.end() :].strip()))
    return out


def _option_lines(body: list[str]) -> int:
    """Count the directive option lines (``:key: value`` or a YAML block) at the top."""
    if body and body[0].strip() == "---":
        for n, raw in enumerate(body[1:], start=1):
            if raw.strip() == "---":
                return n + 1
        return 0
    n = 0
    while n < len(body) and _OPTION.match(body[n]):
        n += 1
    return n


def parse_text(path: str, text: str, defects: list[Defect] | None = None) -> Document:
    """Parse Markdown text into a Document (``path`` relative to the repo root)."""
    defects = list(defects or [])
    lines = text.split("\n")
    col = _Collector(lines)
    try:
        col.walk(markdown_parser().parse(text), 0, 0)
    except RecursionError:
        defects.append(Defect("too-deep", 1, 1, "the page"))
    meta: Any = None
    meta_lines: dict[str, int] = {}
    tok = col.meta_token
    if tok is None:
        defects.append(Defect("no-front-matter", 1, 1, ""))
    else:
        meta, meta_lines, yaml_defects = frontmatter.load(tok.content, 2)
        defects.extend(yaml_defects)
        if meta is not None and not isinstance(meta, dict):
            defects.append(Defect("front-matter-not-mapping", 2, 1, type(meta).__name__))
            meta = None
        elif meta is None and not yaml_defects:
            meta = {}
    return Document(
        path=path,
        text=text,
        meta=meta,
        meta_lines=meta_lines,
        defects=tuple(defects + col.defects),
        headings=tuple(col.headings),
        labels=tuple(col.labels),
        refs=tuple(col.refs),
        diagrams=tuple(col.diagrams),
        html=tuple(col.html),
        directives=tuple(col.directives),
        terms=tuple(col.terms),
        regimens=tuple(col.regimens),
        bullets=tuple(col.bullets),
        wording=tuple(col.wording),
        patient_data=tuple(patient_data_hits(text)),
        steps=tuple(col.steps),
        steps_line=col.steps_line,
    )


def parse_bytes(path: str, data: bytes) -> Document:
    """Parse file bytes; encoding problems become defects."""
    text, defects = read_source(data)
    return parse_text(path, text, defects)


def unreadable(rel: str, exc: OSError) -> Document:
    """The Document of a file that cannot be read (rule P006 reports it)."""
    return Document(path=rel, text="", meta=None, defects=(Defect("unreadable", 1, 1, exc.strerror or str(exc)),))


def parse_file(root: Path, path: Path) -> Document:
    """Read and parse one file; an unreadable file becomes a defect."""
    rel = path.resolve().relative_to(root.resolve()).as_posix() if path.is_absolute() else path.as_posix()
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        return unreadable(rel, exc)
    return parse_bytes(rel, data)
