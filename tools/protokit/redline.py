"""Redlines: what changed between two versions of a protocol, by section, word by word.

Each version's Markdown is read with the same MyST parser as the build and
reduced to its level-2 sections, each a list of text blocks (paragraphs, list
items, table rows, sub-headings, the text inside notes and warnings) with the
markup gone, so a reader sees words rather than Markdown. Sections are matched
by title; inside a section the words are compared with :mod:`difflib`.
No Sphinx import: the build renders the result (see ``sphinxext/versionpages``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .parse import markdown_parser

#: Separates blocks in the word sequence that is compared.
BREAK = "\n"
_WORDS = re.compile(r"\s+|[^\s]+")
_OPTION = re.compile(r"^:[\w-]+:.*$", re.M)
_INLINE_TEXT = {"text", "code_inline", "myst_role", "math_inline"}


@dataclass(frozen=True)
class Section:
    """A level-2 section of a protocol: its title and its text blocks."""

    title: str
    blocks: tuple[str, ...]


@dataclass(frozen=True)
class Change:
    """One section compared: ``state`` is changed, added, removed or unchanged.

    ``blocks`` holds, per block of text, runs of ``(op, text)`` where op is
    ``equal``, ``insert`` or ``delete``.
    """

    title: str
    state: str
    blocks: tuple[tuple[tuple[str, str], ...], ...]
    inserted: int = 0
    deleted: int = 0


def body_of(text: str) -> str:
    """The Markdown after the front matter."""
    if text.startswith("---\n"):
        parts = text.split("\n---\n", 1)
        if len(parts) == 2:
            return parts[1]
    return text


def _inline(token) -> str:
    out = []
    for child in token.children or ():
        if child.type in _INLINE_TEXT:
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _blocks(tokens, depth: int = 0) -> list[tuple[int, str]]:
    """(heading level or 0, text) for each block of a token stream, in order."""
    out: list[tuple[int, str]] = []
    level = 0
    row: list[str] | None = None
    for tok in tokens:
        if tok.type == "heading_open":
            level = int(tok.tag[1:])
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "tr_close" and row is not None:
            out.append((0, " | ".join(row)))
            row = None
        elif tok.type == "inline":
            text = _inline(tok)
            if row is not None:
                row.append(text)
            elif text:
                out.append((level, text))
            level = 0
        elif tok.type == "fence" and tok.info.startswith("{") and depth < 4:
            name, _, arg = tok.info.strip()[1:].partition("}")
            content = _OPTION.sub("", tok.content).strip()
            if name == "mermaid":
                out.append((0, f"[Flowchart {arg.strip()}]" if arg.strip() else "[Flowchart]"))
            if name in ("note", "warning", "important", "tip", "caution", "attention", "danger", "admonition"):
                out.append((0, name.capitalize() + (f": {arg.strip()}" if arg.strip() else ":")))
            if content and name != "mermaid":
                out += _blocks(markdown_parser().parse(content), depth + 1)
        elif tok.type in ("fence", "code_block") and tok.content.strip():
            out.append((0, tok.content.strip()))
    return out


def sections(text: str) -> list[Section]:
    """The level-2 sections of a protocol's Markdown (front matter and title left out)."""
    found: list[Section] = []
    title: str | None = None
    blocks: list[str] = []
    for level, block in _blocks(markdown_parser().parse(body_of(text))):
        if level in (1, 2):
            if title is not None:
                found.append(Section(title, tuple(blocks)))
            title, blocks = (block if level == 2 else None), []
        elif title is not None:
            blocks.append(block)
    if title is not None:
        found.append(Section(title, tuple(blocks)))
    return found


def _words(blocks: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for n, block in enumerate(blocks):
        if n:
            out.append(BREAK)
        out += _WORDS.findall(block)
    return out


#: An unchanged stretch of at most this many words between two changes is shown as
#: part of the change: "is the default" -> "or allograft, decided at the MDT" reads
#: as one replaced passage, not as words stitched around a shared "the".
GLUE_WORDS = 2


def _merged(opcodes, old: list[str], new: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """difflib's opcodes as (equal|change, old words, new words), short equal stretches absorbed."""
    out: list[tuple[str, list[str], list[str]]] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        removed, added = old[i1:i2], new[j1:j2]
        between = 0 < n < len(opcodes) - 1
        short = sum(1 for w in added if w.strip() and w != BREAK) <= GLUE_WORDS and BREAK not in added
        if tag == "equal" and not (between and short):
            out.append(("equal", removed, added))
        elif out and out[-1][0] == "change":
            out[-1] = ("change", out[-1][1] + removed, out[-1][2] + added)
        else:
            out.append(("change", removed, added))
    return out


def _runs(old: list[str], new: list[str]) -> tuple[list[list[tuple[str, str]]], int, int]:
    """Word-level runs per block, and how many words were inserted and deleted."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    blocks: list[list[tuple[str, str]]] = [[]]
    inserted = deleted = 0

    def emit(op: str, words: list[str]) -> None:
        for word in words:
            if word == BREAK:
                blocks.append([])
                continue
            run = blocks[-1]
            if run and run[-1][0] == op:
                run[-1] = (op, run[-1][1] + word)
            else:
                run.append((op, word))

    for tag, removed, added in _merged(matcher.get_opcodes(), old, new):
        if tag == "equal":
            emit("equal", added)
            continue
        deleted += sum(1 for w in removed if w.strip())
        inserted += sum(1 for w in added if w.strip())
        emit("delete", removed)
        emit("insert", added)
    return [b for b in blocks if any(text.strip() for _, text in b)], inserted, deleted


def compare(old_text: str, new_text: str) -> list[Change]:
    """Every section of the new version (and the removed ones), compared with the old version."""
    old = {s.title: s for s in sections(old_text)}
    new = sections(new_text)
    out: list[Change] = []
    for section in new:
        before = old.get(section.title)
        if before is None:
            blocks = tuple((("insert", b),) for b in section.blocks)
            out.append(Change(section.title, "added", blocks, inserted=sum(len(b.split()) for b in section.blocks)))
        elif before.blocks == section.blocks:
            out.append(Change(section.title, "unchanged", ()))
        else:
            runs, inserted, deleted = _runs(_words(before.blocks), _words(section.blocks))
            out.append(Change(section.title, "changed", tuple(tuple(r) for r in runs), inserted, deleted))
    titles = {s.title for s in new}
    for title, section in old.items():
        if title not in titles:
            blocks = tuple((("delete", b),) for b in section.blocks)
            out.append(Change(title, "removed", blocks, deleted=sum(len(b.split()) for b in section.blocks)))
    return out
