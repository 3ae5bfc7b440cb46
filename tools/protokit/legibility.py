"""``make legibility``: how large flowchart text is on screen and on paper, per protocol page.

    python -m protokit.legibility [--site _build/html] [--pages BST-SPN-01 ...]

Opens every protocol page of a built site in headless Chromium, as a reader
would, at 1280 x 900 and at 390 x 844 (a phone), and in print emulation at the
printable width of an A4 page. For every node label of every flowchart it
measures the text size on screen: the label's CSS font size times the scale of
the SVG's screen transform (``getScreenCTM()``). It prints the smallest per
page and exits 1 when any is below the handbook's thresholds (12 CSS px on
screen, 8 pt on paper). The browser tests use the same measurement.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .browser import CHROMIUM, MEASURING_FLAGS, serve
from .settings import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

#: Thresholds the handbook promises (issue 14): on screen in CSS px, on paper in pt.
MIN_SCREEN_PX = 12.0
MIN_PRINT_PT = 8.0
#: Viewports a reader uses: a desktop and a phone.
VIEWPORTS: dict[str, ViewportSize] = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}
#: A4 (210 mm) minus the bundle's 12 mm side margins, in CSS px (96 per inch).
PRINT_WIDTH_PX = round((210 - 24) / 25.4 * 96)

#: Every diagram on the page drawn, with its nodes (mermaid may redraw once after load).
DRAWN_JS = """() => [...document.querySelectorAll('.mermaid')].every(
    el => el.getAttribute('data-processed') === 'true' && el.querySelector('svg g.node'))"""

#: The on-screen size of each node label: font size x the screen transform's scale.
LABEL_SIZES_JS = """() => {
  const out = [];
  const svgs = new Set(document.querySelectorAll('.protocol-flow svg, .mermaid svg, .mermaid-static svg'));
  for (const svg of svgs) {
    if (!svg.getClientRects().length || svg.closest('[hidden]')) continue;  // not shown in this view
    for (const node of svg.querySelectorAll('g.node')) {
      const labels = node.querySelectorAll('.nodeLabel, text');
      for (const label of labels) {
        if (!label.textContent.trim()) continue;
        const holder = label.closest('foreignObject') || label;
        const m = holder.getScreenCTM();
        if (!m) continue;
        const scale = Math.hypot(m.a, m.b);
        const font = parseFloat(getComputedStyle(label).fontSize);
        const id = (node.id.match(/-flowchart-(.+)-\\d+$/) || [null, node.id])[1];
        out.push({ node: id, text: label.textContent.trim().slice(0, 40),
                   px: font * scale });
        break;
      }
    }
  }
  return out;
}"""


def protocol_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in (site / "protocols").glob("BST-*.html"))


#: What the browser does before printing (the bundle's PDF does it too).
BEFORE_PRINT_JS = "() => window.dispatchEvent(new Event('beforeprint'))"


def smallest(page, url: str, printing: bool = False) -> dict | None:
    """The smallest node label of the page's flowcharts (None when the page has none)."""
    page.goto(url)
    if page.locator(".mermaid").count():
        page.wait_for_function(DRAWN_JS, timeout=30000)
    if printing:
        page.evaluate(BEFORE_PRINT_JS)
    sizes = page.evaluate(LABEL_SIZES_JS)
    return min(sizes, key=lambda s: s["px"]) if sizes else None


def measure(site: Path, pages: list[str] | None = None) -> list[dict]:
    """Per page: the smallest label in CSS px at each viewport and in pt in print."""
    from playwright.sync_api import sync_playwright

    rows = []
    url, shutdown = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=MEASURING_FLAGS)
            tabs = {name: browser.new_page(viewport=vp) for name, vp in VIEWPORTS.items()}
            tabs["print"] = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1000})
            tabs["print"].emulate_media(media="print")
            for rel in pages or protocol_pages(site):
                row: dict = {"page": rel}
                for name, tab in tabs.items():
                    found = smallest(tab, f"{url}/{rel}", printing=name == "print")
                    if name == "print" and found:
                        found = {**found, "pt": found["px"] * 0.75}
                    row[name] = found
                rows.append(row)
            browser.close()
    finally:
        shutdown()
    return rows


def failures(rows: list[dict]) -> list[str]:
    bad = []
    for row in rows:
        for name in VIEWPORTS:
            s = row[name]
            if s and s["px"] < MIN_SCREEN_PX:
                bad.append(f"{row['page']}: node {s['node']} ({s['text']!r}) is {s['px']:.1f} px at {name} px wide")
        s = row["print"]
        if s and s["pt"] < MIN_PRINT_PT:
            bad.append(f"{row['page']}: node {s['node']} ({s['text']!r}) prints at {s['pt']:.1f} pt")
    return bad


def table(rows: list[dict]) -> str:
    def cell(s, key):
        return f"{s[key]:.1f}" if s else "-"

    out = ["| page | smallest px at 1280 | smallest px at 390 | smallest pt in print |", "|---|---|---|---|"]
    out += [f"| {r['page']} | {cell(r['1280'], 'px')} | {cell(r['390'], 'px')} | {cell(r['print'], 'pt')} |" for r in rows]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make legibility", description=__doc__.split("\n")[0])
    parser.add_argument("--site", type=Path, default=REPO_ROOT / "_build" / "html")
    parser.add_argument("--pages", nargs="*", help="protocol ids (default: every protocol page)")
    args = parser.parse_args(argv)
    if not (args.site / "protocols").is_dir():
        print(f"error: no built handbook in {args.site}; run make html first", file=sys.stderr)
        return 2
    pages = [f"protocols/{p}.html" for p in args.pages] if args.pages else None
    rows = measure(args.site, pages)
    sys.stdout.write(table(rows))
    bad = failures(rows)
    for line in bad:
        print(line, file=sys.stderr)
    print(f"thresholds: {MIN_SCREEN_PX:g} px on screen, {MIN_PRINT_PT:g} pt in print; {len(bad)} below", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
