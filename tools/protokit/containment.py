"""Containment: what an author writes may only point inside the handbook.

Shared by the checker's rules and the build's guards (one answer to "may this
page show, link or include that?"). No Sphinx import.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import unicodedata
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from .index import resolve_path
from .schema import Allowed

#: ``scheme:`` at the start of a URL (after decoding and dropping blanks).
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
#: Characters browsers ignore inside a URL scheme ("java\tscript:").
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
#: Directives whose argument is a file, and options that name a file.
FILE_DIRECTIVES = frozenset({"image", "figure", "include", "literalinclude", "mermaid", "csv-table", "raw"})
FILE_OPTIONS = frozenset({"file", "source", "url"})
#: Bidirectional controls: they make "01 g" display as "10 g".
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_url(url: str) -> str:
    """Decode entities and percent-escapes and drop what browsers ignore."""
    text = html.unescape(url)
    for _ in range(3):  # %252e -> %2e -> .
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return _IGNORED_IN_URL.sub("", unicodedata.normalize("NFKC", text))


def scheme_of(url: str) -> str | None:
    """The URL's scheme in lower case, ``//`` for a protocol-relative URL, or None for a path."""
    text = clean_url(url)
    if text.startswith(("//", "\\\\", "/\\", "\\/")):
        return "//"
    m = _SCHEME.match(text)
    return m.group(1).lower() if m else None


def url_problem(url: str, allowed: Allowed, *, loads: bool) -> str | None:
    """Why this link (``loads``: image or other embedded resource) is refused, or None."""
    scheme = scheme_of(url)
    if scheme is None:
        return None
    if loads:
        return f'"{url}" would load from another host or scheme; put the file in the handbook and use its path'
    if scheme == "//" or scheme in allowed.url_schemes:
        return None
    return f'link scheme "{scheme}:" is not allowed (allowed: {", ".join(sorted(allowed.url_schemes))}); use a web address or a path in the handbook'


def path_problem(
    doc_path: str, target: str, allowed: Allowed, root: Path | None = None, folders: dict[str, str] | None = None
) -> str | None:
    """Why a path written in ``doc_path`` points outside the handbook's folders, or None (``folders``: see :func:`real_path`)."""
    raw = clean_url(target).split("#", 1)[0].split("?", 1)[0]
    if not raw:
        return None
    if "\\" in raw or raw.startswith("~"):
        return f'path "{target}" is not a handbook path; use "/" and a path inside {_roots(allowed)}'
    rel = resolve_path(doc_path, raw)
    top = rel.split("/", 1)[0]
    if rel.startswith("..") or posixpath.isabs(rel) or top not in allowed.path_roots:
        return f'path "{target}" points outside the handbook ({rel}); only files inside {_roots(allowed)} may be linked or shown'
    if root is not None and not inside_repo(root, rel, folders):
        return f'path "{target}" is a link to a file outside the repository; copy the file into the handbook instead'
    return None


def inside_repo(root: Path, rel: str, folders: dict[str, str] | None = None) -> bool:
    """True when ``root/rel``, symbolic links followed, is still inside ``root`` (``folders``: see :func:`real_path`)."""
    return repo_path(root, rel, folders) is not None


def repo_path(root: Path, rel: str, folders: dict[str, str] | None = None) -> str | None:
    """The real path of ``root/rel`` (symbolic links followed) when it is inside ``root``, else None."""
    real_root = _real(os.path.abspath(root))
    real = real_path(real_root, rel, folders)
    return real if real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep) else None


def real_path(base: str, rel: str, folders: dict[str, str] | None = None) -> str:
    """``os.path.realpath(os.path.join(base, rel))``.

    ``folders`` (one dict per ``base``, for one check) keeps each folder's real
    path, so a file that is no link costs one ``lstat``: its folder's real path
    and its name, which is what ``realpath`` would return.
    """
    full = os.path.join(base, rel)
    if folders is None:
        return os.path.realpath(full)
    head, _, name = rel.rpartition("/")
    parts = rel.split("/")
    if posixpath.isabs(rel) or "" in parts or "." in parts or ".." in parts or os.path.islink(full):
        return os.path.realpath(full)
    if head not in folders:
        folders[head] = os.path.realpath(os.path.join(base, head))
    return os.path.join(folders[head], name)


@lru_cache(maxsize=16)
def _real(path: str) -> str:
    """The handbook root with symbolic links resolved (asked once per page: computed once)."""
    return os.path.realpath(path)


def _roots(allowed: Allowed) -> str:
    return ", ".join(f"{r}/" if "." not in r else r for r in allowed.path_roots)


class _HtmlCheck(HTMLParser):
    """Walk raw HTML with the standard parser (entities decoded) against the allow-list."""

    def __init__(self, allowed: Allowed):
        super().__init__(convert_charrefs=True)
        self.allowed = allowed
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.allowed.html:
            self.problems.append(f"<{tag}> is not allowed (allowed tags: {', '.join(sorted(self.allowed.html)) or 'none'})")
            return
        for name, value in attrs:
            if name not in self.allowed.html[tag]:
                self.problems.append(f'attribute "{name}" on <{tag}> is not allowed')
            elif value and scheme_of(value) not in (None, "http", "https"):
                self.problems.append(f'attribute "{name}" on <{tag}> holds a URL that is not allowed')

    handle_startendtag = handle_starttag

    def handle_decl(self, decl):
        self.problems.append(f"<!{decl}> is not allowed")

    def handle_pi(self, data):
        self.problems.append("a processing instruction is not allowed")

    def unknown_decl(self, data):
        self.problems.append(f"<![{data[:20]}> is not allowed")


def html_problems(fragment: str, allowed: Allowed) -> list[str]:
    """What in a raw HTML fragment is not on the allow-list (empty: it is safe)."""
    checker = _HtmlCheck(allowed)
    stripped = re.sub(r"<!--.*?-->", "", fragment, flags=re.S)
    if "<!--" in stripped:
        checker.problems.append('an HTML comment "<!--" is never closed, so it hides the rest of the page; close it with "-->"')
        stripped = stripped.split("<!--", 1)[0]
    try:
        checker.feed(stripped)
        checker.close()
    except (AssertionError, ValueError) as exc:  # the parser gives up on some broken markup
        checker.problems.append(f"unreadable HTML ({exc})")
    return checker.problems
