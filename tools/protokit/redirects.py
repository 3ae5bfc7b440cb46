"""The redirect map: moved or renamed pages keep their old address.

``protocols/redirects.yaml`` maps an old page to its new one (docnames, i.e.
paths from the handbook root without ``.html``). The build writes a small
redirect page at each old address; the checker (P602, P603) refuses a map that
points to a missing page or would overwrite a live one.
"""

from __future__ import annotations

from pathlib import Path

from . import frontmatter

REDIRECTS_FILE = "protocols/redirects.yaml"


def load_redirects(root: Path) -> tuple[dict[str, tuple[str, int]], list[str]]:
    """Return {old: (new, line)} and problems reading the file (never raises)."""
    path = root / REDIRECTS_FILE
    if not path.is_file():
        return {}, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"cannot read {REDIRECTS_FILE}: {exc}"]
    data, _, defects = frontmatter.load(text, 1)
    if defects:
        return {}, [f"{REDIRECTS_FILE}:{d.line}: {d.kind} {d.detail}" for d in defects]
    table = (data or {}).get("redirects") if isinstance(data, dict) else None
    if table is None:
        return {}, []
    if not isinstance(table, dict):
        return {}, [f"{REDIRECTS_FILE}: 'redirects' must map old pages to new pages"]
    lines = {}
    for n, raw in enumerate(text.split("\n"), start=1):
        key = raw.strip().split(":", 1)[0].strip().strip("'\"")
        lines.setdefault(key, n)
    return {
        str(old).removesuffix(".html"): (str(new).removesuffix(".html"), lines.get(str(old), 1)) for old, new in table.items()
    }, []


REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Moved</title>
<meta http-equiv="refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
</head><body><p>This page has moved to <a href="{url}">{url}</a>.</p></body></html>
"""


def relative_url(old: str, new: str) -> str:
    depth = old.count("/")
    return "../" * depth + new + ".html"
