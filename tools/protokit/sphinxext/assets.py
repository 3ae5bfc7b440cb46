"""Files the built site serves itself: mermaid (never a CDN), our CSS/JS, id permalinks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

from ..redirects import load_redirects, redirect_page, relative_url
from ..settings import REPO_ROOT
from .domain import DOMAIN
from .flowchart import copy_panzoom

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
TEMPLATES = Path(__file__).with_name("templates")
MERMAID_DIST = REPO_ROOT / "node_modules" / "mermaid" / "dist"
MERMAID_ENTRY = "mermaid.esm.min.mjs"
MERMAID_CHUNKS = Path("chunks") / "mermaid.esm.min"
PANZOOM_DIST = REPO_ROOT / "node_modules" / "@panzoom" / "panzoom" / "dist"
#: Permalinks: <site>/id/BST-SURG-01.html redirects to the protocol's page.
PERMALINK_DIR = "id"


def _copy_if_changed(src: Path, dest: Path) -> None:
    if dest.is_file() and dest.stat().st_size == src.stat().st_size:
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)


def copy_mermaid(outdir: Path) -> bool:
    """Copy mermaid's ES module and its chunks (no source maps) into ``_static/mermaid``."""
    entry = MERMAID_DIST / MERMAID_ENTRY
    if not entry.is_file():
        return False
    target = outdir / "_static" / "mermaid"
    _copy_if_changed(entry, target / MERMAID_ENTRY)
    for chunk in sorted((MERMAID_DIST / MERMAID_CHUNKS).glob("*.mjs")):
        _copy_if_changed(chunk, target / MERMAID_CHUNKS / chunk.name)
    return True


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (resolved) is inside ``folder``: the build writes nowhere else."""
    return path.resolve().is_relative_to(folder.resolve())


def write_permalinks(outdir: Path, protocols: dict) -> None:
    """One small redirect page per protocol id, so a bookmark survives a move or retitle."""
    folder = outdir / PERMALINK_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for pid, (docname, _) in protocols.items():
        page = folder / f"{pid}.html"
        if not inside(page, folder):  # an id that is not an id (P110 reports it): write nothing
            continue
        text = redirect_page(f"../{docname}.html", title=pid, what=f"{pid} is at")
        if not page.is_file() or page.read_text(encoding="utf-8") != text:
            page.write_text(text, encoding="utf-8")


def copy_scripts(app) -> None:
    """The pan/zoom library, before the pages link it (Sphinx adds its checksum to the link)."""
    if app.builder.format != "html":
        return
    if not copy_panzoom(Path(app.outdir), PANZOOM_DIST):
        logger.warning(
            'the pan/zoom library is not installed (node_modules/@panzoom/panzoom); run "make venv"',
            type="protocol",
            subtype="assets",
        )


def on_build_finished(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    if not copy_mermaid(outdir):
        logger.warning(
            'mermaid is not installed (node_modules/mermaid); run "make venv" so diagrams render',
            type="protocol",
            subtype="assets",
        )
    write_permalinks(outdir, app.env.domains[DOMAIN].protocols())
    write_redirects(app, outdir)


def write_redirects(app, outdir: Path) -> None:
    """A redirect page at each old address of the redirect map (never over a live page: P603)."""
    redirects, _ = load_redirects(Path(app.srcdir))
    for old, (new, _line) in sorted(redirects.items()):
        if old in app.env.all_docs or new not in app.env.all_docs:
            continue  # reported by P603 / P602, which fail the strict build
        page = outdir / f"{old}.html"
        if not inside(page, outdir):  # load_redirects refuses such names; never write outside anyway
            continue
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(redirect_page(relative_url(old, new)), encoding="utf-8")


def setup_static(app, config) -> None:
    config.html_static_path.append(str(STATIC))
    config.templates_path.append(str(TEMPLATES))


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("config-inited", setup_static)
    app.connect("builder-inited", copy_scripts)
    app.connect("build-finished", on_build_finished)
    app.add_css_file("protokit.css")
    app.add_js_file("protokit.js")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
