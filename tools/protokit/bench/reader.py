"""What a reader's browser does on a first visit to a protocol page.

Debian's headless Chromium with an empty cache and its CPU slowed down 4x
(``Emulation.setCPUThrottlingRate``, as a mid-range phone), over the local web
server (no compression, as ``python -m http.server`` and ``make serve`` send it).
Measured: bytes transferred (``encodedDataLength`` of every response), of which
JavaScript, and the time from navigation start until the flowchart's first box
is drawn and visible inside the page content.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from ..browser import CHROMIUM, FLAGS, serve

THROTTLE = 4
#: Installed before the page's own scripts: notes when an SVG inside the page
#: content shows the label (mermaid's off-screen measuring copy does not count).
WATCH = """(() => {
  const label = %r;
  const check = () => {
    for (const svg of document.querySelectorAll('article svg, main svg')) {
      if (!svg.textContent.includes(label)) continue;
      const box = svg.getBoundingClientRect();
      if (box.width > 0 && box.height > 0 && getComputedStyle(svg).visibility !== 'hidden') {
        window.__chartVisible = performance.now();
        return;
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();"""


def _visit(browser, url: str, label: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    kinds: dict[str, str] = {}
    sizes: dict[str, float] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e.get("type", "")))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    page.add_init_script(WATCH % label)
    try:
        page.goto(url, wait_until="load", timeout=120000)
        page.wait_for_function("window.__chartVisible !== undefined", timeout=120000, polling=100)
        visible = page.evaluate("window.__chartVisible") / 1000
        page.wait_for_load_state("networkidle", timeout=120000)
    except PlaywrightError as exc:
        raise SystemExit(f"{url}: the chart showing {label!r} did not appear: {exc}") from None
    finally:
        context.close()
    js = sum(size for rid, size in sizes.items() if kinds.get(rid) == "Script")
    return {"chart_visible_s": visible, "transfer_kb": sum(sizes.values()) / 1024, "js_kb": js / 1024, "requests": len(sizes)}


def first_visits(site: Path, pages: dict[str, str], runs: int) -> dict:
    """Medians over ``runs`` first visits to each page of a built site (page -> the label its chart shows)."""
    from playwright.sync_api import sync_playwright

    base, shutdown = serve(site)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                for _ in range(runs):
                    results += [_visit(browser, f"{base}/{rel}", label) for rel, label in pages.items()]
            finally:
                browser.close()
    finally:
        shutdown()
    return {key: round(statistics.median(r[key] for r in results), 3) for key in results[0]} | {
        "chart_visible_s_max": round(max(r["chart_visible_s"] for r in results), 3)
    }
