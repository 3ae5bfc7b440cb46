"""The repository's own handbook: strict build, offline, mermaid served locally."""

from __future__ import annotations

import re
from pathlib import Path

from protokit.settings import REPO_ROOT

EXTERNAL_LOAD = [
    # HTML elements that load a resource from another host.
    re.compile(r"<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc=[\"']?(?:https?:)?//", re.I),
    re.compile(r"<link\b[^>]*\bhref=[\"']?(?:https?:)?//", re.I),
    # CSS that pulls fonts, images or sheets from another host.
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"@import\s+[\"'](?:https?:)?//", re.I),
    # JavaScript module imports from another host.
    re.compile(r"""\bimport\s*(?:\(|[\w{}\s,*]+from\s*)\s*[\"'](?:https?:)?//""", re.I),
    re.compile(r"importScripts\(\s*[\"'](?:https?:)?//", re.I),
]


def external_loads(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [m.group(0)[:120] for rx in EXTERNAL_LOAD for m in rx.finditer(text)]


def test_strict_build_produces_every_protocol_page(built_handbook):
    protocols = sorted(p.stem for p in (REPO_ROOT / "protocols").glob("BST-*.md"))
    assert len(protocols) >= 15
    for pid in protocols:
        page = (built_handbook / "protocols" / f"{pid}.html").read_text(encoding="utf-8")
        assert "protocol-status-line" in page and "protocol-record" in page, pid
        # The chart is drawn into the page (Chromium is there in tests): no mermaid to load.
        assert 'class="mermaid-static"><svg' in page and "import mermaid" not in page, pid
        assert (built_handbook / "id" / f"{pid}.html").is_file()


def test_nothing_loads_from_another_host(built_handbook):
    offenders = {}
    for path in built_handbook.rglob("*"):
        if path.suffix in (".html", ".css", ".js", ".mjs") and path.is_file():
            found = external_loads(path)
            if found:
                offenders[str(path.relative_to(built_handbook))] = found
    assert offenders == {}


def test_the_scanner_catches_a_cdn_script(tmp_path):
    page = tmp_path / "x.html"
    page.write_text(
        '<script type="module">import mermaid from "https://cdn.jsdelivr.net/npm/mermaid.mjs";</script>'
        '<link rel="stylesheet" href="//fonts.example.org/a.css">'
    )
    assert len(external_loads(page)) == 2


def test_mermaid_bundle_is_served_from_the_site(built_handbook):
    static = built_handbook / "_static" / "mermaid"
    assert (static / "mermaid.esm.min.mjs").is_file()
    chunks = list((static / "chunks" / "mermaid.esm.min").glob("*.mjs"))
    assert len(chunks) > 50
    assert not list(static.rglob("*.map"))  # for charts the build could not draw (see test_extension)


def test_mermaid_is_loaded_only_on_pages_with_diagrams(built_handbook):
    glossary = (built_handbook / "handbook" / "glossary.html").read_text(encoding="utf-8")
    assert "mermaid.esm.min.mjs" not in glossary
