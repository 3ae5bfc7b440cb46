"""Measure where "Key recommendations" starts on each protocol page, on a desktop and a phone screen.

    .venv/bin/python tests/first_screen.py [_build/html]

Prints, for 1280x900 and 390x844, the y of the heading on every protocol page
(CSS pixels from the top of the page) and how many pages show it on the first
screen. tests/test_reader.py asserts the desktop case.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

SCREENS = {"1280x900": (1280, 900), "390x844": (390, 844)}
HEADING_Y = "() => { const h = document.querySelector('#key-recommendations h2'); return h ? Math.round(h.getBoundingClientRect().top + window.scrollY) : null; }"


def key_recommendations_y(browser, base_url: str, pids: list[str]) -> dict[str, dict[str, int | None]]:
    """{screen: {protocol id: y of the heading}} for each protocol page."""
    out: dict[str, dict[str, int | None]] = {}
    for name, (width, height) in SCREENS.items():
        page = browser.new_page(viewport={"width": width, "height": height})
        out[name] = {}
        for pid in pids:
            page.goto(f"{base_url}/protocols/{pid}.html")
            out[name][pid] = page.evaluate(HEADING_Y)
        page.close()
    return out


def main(site: Path) -> None:
    from playwright.sync_api import sync_playwright
    from protokit.browser import CHROMIUM, FLAGS, serve

    pids = sorted(p.stem for p in (site / "protocols").glob("BST-*.html"))
    url, shutdown = serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            found = key_recommendations_y(browser, url, pids)
            browser.close()
    finally:
        shutdown()
    for name, ys in found.items():
        height = SCREENS[name][1]
        values = [v for v in ys.values() if v is not None]
        on_first = sum(1 for v in values if v + 40 <= height)  # the heading's whole line is visible
        print(
            f"{name}: y of 'Key recommendations' min {min(values)}, median {statistics.median(values):.0f}, "
            f"max {max(values)}; on the first screen on {on_first} of {len(values)} protocol pages"
        )
        print("  " + ", ".join(f"{pid} {y}" for pid, y in ys.items()))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))
