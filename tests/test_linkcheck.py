"""``make linkcheck`` settings against a local server: good page, 404, missing anchor."""

from __future__ import annotations

import json
import shutil

from conftest import REPO, serve, sphinx_build


def test_linkcheck_reports_broken_links_with_file_and_line(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "good.html").write_text('<html><body><h1 id="intro">Intro</h1></body></html>')
    url, shutdown = serve(site)
    try:
        src = tmp_path / "src"
        shutil.copytree(REPO / "tests" / "roots" / "test-linkcheck", src)
        index = src / "index.md"
        index.write_text(index.read_text().replace("http://HOST", url))
        out = tmp_path / "out"
        cmd = ["-b", "linkcheck"]
        proc = sphinx_build(src, out, *cmd, env={"PYTHONPATH": str(REPO / "tools")})
    finally:
        shutdown()
    results = {r["uri"].replace(url, ""): r for r in map(json.loads, (out / "output.json").read_text().splitlines())}
    assert results["/good.html"]["status"] == "working"
    assert results["/good.html#intro"]["status"] == "working"
    assert results["/missing.html"]["status"] == "broken"
    assert "404" in results["/missing.html"]["info"]
    assert results["/good.html#nowhere"]["status"] == "broken"
    assert "nowhere" in results["/good.html#nowhere"]["info"]
    assert (results["/missing.html"]["filename"], results["/missing.html"]["lineno"]) == ("index.md", 5)
    report = (out / "output.txt").read_text()
    assert f"index.md:5: [broken] {url}/missing.html" in report
    assert f"index.md:6: [broken] {url}/good.html#nowhere" in report
    assert proc.returncode != 0  # a broken link fails the strict run
