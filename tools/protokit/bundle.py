"""``make bundle``: the downtime bundle of the current release.

    python -m protokit.bundle [--out _build/bundle]

For when the intranet is down: a zip of the whole handbook that opens from disk
(``file://``) with every diagram visible and search working, and one printable
PDF with the print stamp. Browsers cannot load ES modules from ``file://``, so the
diagrams are drawn to SVG beforehand, all in one headless Chromium session, and
cached by content hash. Zip entries are sorted with fixed timestamps: two bundles
of the same release are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from . import charts
from .browser import CHROMIUM, FLAGS
from .build import progress as _progress
from .build import strict_build
from .releases import current_release
from .settings import REPO_ROOT

_PRE = re.compile(r'<pre\s+class="mermaid"[^>]*>\s*(.*?)\s*</pre>', re.S)
_MODULE = re.compile(r'<script type="module">import mermaid from .*?</script>\s*', re.S)


def progress(message: str) -> None:
    _progress("bundle", message)


def source_date_epoch(repo: Path) -> str:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return os.environ["SOURCE_DATE_EPOCH"]
    try:
        return subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%ct"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "315532800"  # 1980-01-01, the earliest date a zip can hold


def build(repo: Path, builder: str, out: Path, epoch: str) -> None:
    # From file:// the search cannot fetch pages for its result summaries: list titles only.
    cmd = strict_build(repo, out, "-q", "-E", "-D", "html_show_search_summary=0", builder=builder)
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "SOURCE_DATE_EPOCH": epoch}, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"[bundle] the {builder} build failed:\n{proc.stderr[-4000:]}")


def diagram_sources(site: Path) -> dict[str, str]:
    """Every diagram source in the built pages, keyed by content hash."""
    found = {}
    for page in site.rglob("*.html"):
        for match in _PRE.finditer(page.read_text(encoding="utf-8")):
            source = html.unescape(match.group(1))
            found[hashlib.sha256(source.encode()).hexdigest()] = source
    return found


def render_svgs(sources: dict[str, str]) -> dict[str, str]:
    """SVG for each source the build left to the browser (the build draws every chart it can)."""
    try:
        drawn = charts.draw(sources.values())
    except charts.ChartsUnavailableError as exc:
        raise SystemExit(f"[bundle] the bundle needs Chromium to draw its charts: {exc}") from None
    if drawn:
        progress(f"drew {drawn} diagram(s) in headless Chromium")
    svgs = {k: charts.svg_of(source) for k, source in sources.items()}
    failed = [sources[k][:200] for k, svg in svgs.items() if svg is None]
    if failed:
        raise SystemExit(f"[bundle] a diagram failed to draw: {failed[0]}")
    return svgs  # type: ignore[return-value]


def inline_svgs(site: Path, svgs: dict[str, str]) -> None:
    """Replace client-side diagrams by their SVG; drop the mermaid module script."""
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if not _PRE.search(text):
            continue

        def svg_for(match: re.Match) -> str:
            key = hashlib.sha256(html.unescape(match.group(1)).encode()).hexdigest()
            return f'<div class="mermaid-static">{svgs[key]}</div>'

        page.write_text(_MODULE.sub("", _PRE.sub(svg_for, text)), encoding="utf-8")


def write_zip(site: Path, target: Path, epoch: str) -> None:
    """A zip with sorted entries, fixed timestamps and permissions: byte-identical each time."""
    import datetime as dt

    stamp = max(dt.datetime.fromtimestamp(int(epoch), dt.UTC), dt.datetime(1980, 1, 1, tzinfo=dt.UTC))
    top = target.stem
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        # mermaid's JavaScript is not needed: every diagram is already an SVG.
        files = [p for p in site.rglob("*") if p.is_file() and not p.relative_to(site).as_posix().startswith("_static/mermaid/")]
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{path.relative_to(site).as_posix()}", stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())


def write_pdf(single: Path, target: Path) -> None:
    """One PDF of the whole handbook, printed with the print stylesheet (stamp, no navigation)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page()
        page.goto((single / "index.html").as_uri())
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        page.pdf(
            path=str(target),
            format="A4",
            print_background=True,
            margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
        )
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bundle", description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT)
    parser.add_argument("--out", type=Path, default=None, help="default: <repo>/_build/bundle")
    args = parser.parse_args(argv)
    out = (args.out or args.repo / "_build" / "bundle").resolve()
    release = current_release(args.repo)
    epoch = source_date_epoch(args.repo)
    site, single = out / "site", out / "singlehtml"
    for folder in (site, single):
        shutil.rmtree(folder, ignore_errors=True)
    progress(f"building release {release} (html and single page)")
    build(args.repo, "html", site, epoch)
    build(args.repo, "singlehtml", single, epoch)
    sources = diagram_sources(site) | diagram_sources(single)
    svgs = render_svgs(sources)
    inline_svgs(site, svgs)
    inline_svgs(single, svgs)
    name = f"handbook-{release}"
    write_zip(site, out / f"{name}.zip", epoch)
    progress(f"wrote {out / f'{name}.zip'}: open {name}/index.html from the unzipped folder")
    write_pdf(single, out / f"{name}.pdf")
    progress(f"wrote {out / f'{name}.pdf'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
