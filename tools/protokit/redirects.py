"""The redirect map: moved or renamed pages keep their old address.

``protocols/redirects.yaml`` maps an old page to its new one (docnames, i.e.
paths from the handbook root without ``.html``). The build writes a small
redirect page at each old address; the checker (P602, P603) refuses a map that
points to a missing page or would overwrite a live one.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import frontmatter

REDIRECTS_FILE = "protocols/redirects.yaml"
#: A page address: folders and a name, nothing that can climb out of the site.
_PAGE_NAME = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")
#: Addresses the build itself writes; a redirect must never replace them.
RESERVED = frozenset({"search", "genindex", "py-modindex", "id", "_static", "_images", "_downloads", "_sources", "versions"})


def load_redirects(root: Path) -> tuple[dict[str, tuple[str, int]], list[tuple[int, str]]]:
    """Return {old: (new, line)} and (line, problem) pairs (never raises)."""
    path = root / REDIRECTS_FILE
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [(1, f"cannot read {REDIRECTS_FILE}: {exc}")]
    data, _, defects = frontmatter.load(text, 1)
    if defects:
        return {}, [(d.line, f"{REDIRECTS_FILE} is not valid YAML ({d.kind}: {d.detail})") for d in defects]
    table = (data or {}).get("redirects") if isinstance(data, dict) else None
    if table is None:
        return {}, []
    if not isinstance(table, dict):
        return {}, [(1, "'redirects' must map old pages to new pages")]
    lines: dict[str, int] = {}
    for n, raw in enumerate(text.split("\n"), start=1):
        key = raw.strip().split(":", 1)[0].strip().strip("'\"")
        lines.setdefault(key, n)
    out, problems = {}, []
    for old, new in table.items():
        old, new = str(old).removesuffix(".html"), str(new).removesuffix(".html")
        line = lines.get(old, 1)
        for name in (old, new):
            if not _PAGE_NAME.match(name) or name.split("/", 1)[0] in RESERVED:
                problems.append(
                    (
                        line,
                        f'"{name}" is not a page address of the handbook; '
                        "write a path like protocols/BST-OLD-01 (letters, digits, - and _, separated by /; "
                        "never .., a leading /, or the generated pages search, genindex, id/)",
                    )
                )
                break
        else:
            out[old] = (new, line)
    return out, problems


REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta http-equiv="refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
</head><body><p>{what} <a href="{url}">{url}</a>.</p></body></html>
"""


def redirect_page(url: str, title: str = "Moved", what: str = "This page has moved to") -> str:
    """The one redirect page: moved pages (redirect map) and id permalinks."""
    return REDIRECT_PAGE.format(url=url, title=title, what=what)


def relative_url(old: str, new: str) -> str:
    depth = old.count("/")
    return "../" * depth + new + ".html"
