"""Real headless Chromium (Debian's) against the built handbook served on 127.0.0.1."""

from __future__ import annotations

#: A chart drawn by mermaid in the browser, or drawn into the page by the build.
DRAWN = '[data-processed="true"] > svg, .mermaid-static > svg'


class Recorder:
    """Every request, failed response and console error of one page."""

    def __init__(self, page):
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: r.status >= 400 and self.failures.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def open_page(browser, url: str, **context):
    page = browser.new_page(**context)
    rec = Recorder(page)
    page.goto(url)
    return page, rec


def test_protocol_diagram_renders_offline(browser, handbook_server):
    page, rec = open_page(browser, f"{handbook_server}/protocols/BST-SURG-01.html")
    page.wait_for_selector(DRAWN, timeout=20000)
    assert page.locator('svg[aria-roledescription="error"]').count() == 0
    assert page.locator(f"{DRAWN} title").first.text_content()  # accTitle reached the SVG
    page.close()
    outside = [u for u in rec.requests if not u.startswith(handbook_server) and not u.startswith(("data:", "blob:"))]
    assert outside == []
    assert rec.failures == []
    assert rec.errors == []


def test_a_syntax_error_draws_an_error_graphic_which_the_wait_would_catch(browser, handbook_server, tmp_path):
    """Guard for the test above: a broken diagram yields mermaid's error SVG, not a pass."""
    page, _ = open_page(browser, f"{handbook_server}/protocols/BST-SURG-01.html")
    page.wait_for_selector(DRAWN, timeout=20000)
    svg = page.evaluate(
        """async () => {
            const { default: mermaid } = await import('../_static/mermaid/mermaid.esm.min.mjs');
            const el = document.createElement('pre'); el.className = 'mermaid';
            el.textContent = 'flowchart TD\\n  A --> B{broken';
            document.body.appendChild(el);
            await mermaid.run({ nodes: [el], suppressErrors: true });
            return el.innerHTML;
        }"""
    )
    assert 'aria-roledescription="error"' in svg
    page.close()
