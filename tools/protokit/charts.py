"""Flowcharts drawn to SVG ahead of time, in headless Chromium, cached by content.

A page whose charts are already SVG shows them as soon as it is shown: no
mermaid JavaScript to download, parse and run (about a megabyte, and a second
of a phone's CPU). The SVG is exactly what mermaid draws in the browser, with
the same configuration (:data:`protokit.settings.MERMAID_CONFIG`), less two
things a reader never sees: the ``data-points`` copy of each arrow's points,
and decimals beyond the second (a hundredth of a pixel).

Drawing needs Debian's Chromium (one session for every missing chart, about
0.2 s each after a few seconds of start-up); the result is cached by content
hash, per mermaid version and configuration, in ``.cache/protokit/svg``. Without
Chromium nothing is drawn here and the browser draws the charts as before:
``make html`` never needs a browser.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .browser import CHROMIUM, FLAGS, serve
from .settings import MERMAID_CONFIG, REPO_ROOT

MERMAID_DIST = REPO_ROOT / "node_modules" / "mermaid" / "dist"
MERMAID_ENTRY = "mermaid.esm.min.mjs"


def _mermaid_version() -> str:
    try:
        return json.loads((MERMAID_DIST.parent / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "unknown"


#: One folder per mermaid version and configuration: an upgrade or a new setting redraws.
#: PROTOKIT_CHART_CACHE moves the folders (the tests share this checkout's with the small
#: handbooks they make, each with a copy of the tools: a chart is drawn once per session).
SVG_CACHE = (
    Path(os.environ.get("PROTOKIT_CHART_CACHE") or REPO_ROOT / ".cache" / "protokit" / "svg")
    / hashlib.sha256(f"{_mermaid_version()}\0{sorted(MERMAID_CONFIG.items())!r}\0slim-1".encode()).hexdigest()[:12]
)
RENDER_JS = """async ([entry, config, items]) => {
  const { default: mermaid } = await import(entry);
  mermaid.initialize(config);
  const out = [];
  for (const [id, source] of items) {
    try { out.push((await mermaid.render(id, source)).svg); } catch (e) { out.push('ERROR: ' + e.message); }
  }
  return out;
}"""
_POINTS = re.compile(r' data-points="[^"]*"')
_DECIMALS = re.compile(r"(\d\.\d\d)\d+")


#: How long Chromium may take to start or to load mermaid (Playwright's default is 30 s).
LAUNCH_TIMEOUT_MS = 120_000


class ChartsUnavailableError(Exception):
    """Chromium (or the Playwright driver, or mermaid) is missing: the browser will draw the charts."""


def key(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def chart_id(source: str) -> str:
    """The SVG's id (its CSS and the flowchart links are scoped by it): stable for a source."""
    return f"mermaid-{key(source)[:12]}"


def slim(svg: str) -> str:
    """Drop what a reader never sees: the points copy of each arrow, decimals beyond 1/100 px."""
    return _DECIMALS.sub(r"\1", _POINTS.sub("", svg))


def cached(source: str) -> Path:
    return SVG_CACHE / f"{key(source)}.svg"


def available() -> bool:
    if not Path(CHROMIUM).is_file() or not (MERMAID_DIST / MERMAID_ENTRY).is_file():
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def draw(sources: Iterable[str]) -> int:
    """Draw every source not in the cache yet, in one Chromium session; returns how many were drawn.

    Raises :class:`ChartsUnavailableError` when there is no browser to draw with. A
    chart mermaid cannot draw is left out (the browser shows mermaid's error
    graphic, as before, and the checker's P402 says what is wrong).
    """
    missing = sorted({s for s in sources if not cached(s).is_file()})
    if not missing:
        return 0
    if not available():
        raise ChartsUnavailableError(f"Chromium ({CHROMIUM}) or the npm packages are missing")
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        drawn = _draw_in_chromium(missing)
    else:
        # An event loop runs in this thread (an asyncio program, a session that holds a
        # browser open): Playwright's synchronous API refuses to run here, so draw from
        # a thread of its own.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            drawn = pool.submit(_draw_in_chromium, missing).result()
    SVG_CACHE.mkdir(parents=True, exist_ok=True)
    count = 0
    for source, svg in zip(missing, drawn, strict=True):
        if svg.startswith("ERROR:") or 'aria-roledescription="error"' in svg:
            continue
        tmp = cached(source).with_suffix(f".{os.getpid()}.tmp")  # parallel test workers draw at once
        tmp.write_text(slim(svg), encoding="utf-8")
        tmp.replace(cached(source))
        count += 1
    return count


def _draw_in_chromium(missing: list[str]) -> list[str]:
    """The SVG (or mermaid's error) of each source, drawn in one headless Chromium session."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    url, shutdown = serve(MERMAID_DIST)
    try:
        # Twice at most, with generous time-outs: on a busy CI runner Chromium can be
        # slow to start, and a chart left to the browser costs every reader.
        for attempt in (1, 2):
            try:
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, timeout=LAUNCH_TIMEOUT_MS)
                    try:
                        page = browser.new_page()
                        page.set_default_timeout(LAUNCH_TIMEOUT_MS)
                        page.goto(f"{url}/")
                        items = [[chart_id(s), s] for s in missing]
                        drawn = page.evaluate(RENDER_JS, [f"{url}/{MERMAID_ENTRY}", MERMAID_CONFIG, items])
                    finally:
                        browser.close()
                break
            except PlaywrightError as exc:
                if attempt == 2:
                    raise ChartsUnavailableError(f"Chromium could not draw: {str(exc).splitlines()[0]}") from None
    finally:
        shutdown()
    return drawn


def svg_of(source: str) -> str | None:
    """The drawn SVG of a source, or None when it has not been drawn."""
    try:
        return cached(source).read_text(encoding="utf-8")
    except OSError:
        return None
