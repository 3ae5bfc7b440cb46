"""Containment, tried the way a careless or hostile author would: real builds, a secret outside the tree.

A canary file sits next to the handbook (as a CI runner's secrets would); hostile
pages point at it every way a page can. The build must fail with located
messages, never a traceback, and nothing of the canary, no script-capable
markup and no file outside the output folder may come out of it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO, sphinx_build
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protokit.check import check_tree
from protokit.containment import clean_url, scheme_of

ROOT = REPO / "tests" / "roots" / "test-protocols"
SECRET = "CANARY-SECRET-7f3a"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A copy of the test handbook with a secret file beside it (outside the tree)."""
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    (tmp_path / "secret.md").write_text(f"# Secret\n\n{SECRET}\n")
    src = tmp_path / "src" / "hb"
    shutil.copytree(ROOT, src)
    return src


def build(site: Path, out: Path) -> subprocess.CompletedProcess:
    """A strict build of a test handbook, as ``make html`` runs it."""
    return sphinx_build(site, out, env={"PYTHONPATH": str(REPO / "tools")})


def protocol(body: str, pid: str = "BST-SURG-09") -> str:
    """A valid protocol page with ``body`` in its Procedure section."""
    template = (ROOT / "protocols" / "BST-SURG-01.md").read_text()
    text = template.replace("BST-SURG-01", pid).replace(f"/diagrams/{pid}.mmd", "/diagrams/BST-SURG-01.mmd")
    head, sep, tail = text.partition("## Procedure\n")
    return head + sep + "\n" + body + "\n" + tail


HOSTILE = {
    "link": "[env](/../../../secret.txt) and [up](../../../secret.md)",
    "image": "![x](/../../../secret.txt)",
    "encoded": "[enc](%2e%2e/%2e%2e/%2e%2e/secret.txt)",
    "figure": "```{figure} /../../../secret.txt\nA figure.\n```",
    "include": "```{include} /../../../secret.md\n```",
    "literalinclude": "```{literalinclude} /../../../secret.txt\n```",
    "mermaid": "```{mermaid} /../../../secret.txt\n```",
    "raw": '```{raw} html\n<meta http-equiv="refresh" content="0; url=https://example.org">\n```',
    "eval-rst": "```{eval-rst}\n.. raw:: html\n\n   <script>alert(1)</script>\n```",
    "style": "<style>.admonition{display:none}</style>",
    "comment": "<!-- the rest of the page is hidden",
    "handler": '<a href="&#106;avascript:alert(1)">x</a> <img src="x" onerror="alert(1)">',
    "download": "{download}`secret </../../../secret.txt>`",
}


def scan_output(out: Path) -> list[str]:
    """Everything in the built site that must never be there."""
    problems = []
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if SECRET.encode() in data:
                problems.append(f"{path.relative_to(out)} holds the secret")
            if path.suffix == ".html" and path.parent.name != "id":
                problems += [f"{path.relative_to(out)}: {p}" for p in _unsafe_markup(data.decode("utf-8", "replace"))]
    return problems


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_body = False
        self.chart = 0  # inside a chart the build drew (div.mermaid-static > svg)
        self._last: tuple = ()

    def handle_starttag(self, tag, attrs):
        self.in_body |= tag == "body"
        if tag == "svg" and (self.chart or self._last == ("div", "mermaid-static")):
            self.chart += 1
        self._last = (tag, dict(attrs).get("class"))
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=>")
            if (
                name in ("href", "src", "action", "formaction")
                and value
                and scheme_of(value) in ("javascript", "vbscript", "data")
            ):
                self.problems.append(f"<{tag} {name}={clean_url(value)[:30]}>")
        # mermaid's own stylesheet, every rule scoped to the chart's id, is the one <style> allowed.
        if self.in_body and tag in ("style", "iframe", "object", "embed", "base") and not (tag == "style" and self.chart):
            self.problems.append(f"<{tag}> in the page body")
        if tag == "meta" and any(n == "http-equiv" and (v or "").lower() == "refresh" for n, v in attrs):
            self.problems.append("meta refresh")

    def handle_endtag(self, tag):
        if tag == "svg" and self.chart:
            self.chart -= 1

    def handle_data(self, data):
        if "alert(" in data and self.lasttag == "script":
            self.problems.append("an author's script")


def _unsafe_markup(text: str) -> list[str]:
    parser = _Markup()
    parser.feed(text)
    return parser.problems


def test_every_hostile_page_is_refused_and_nothing_leaks(site: Path):
    for n, (name, body) in enumerate(sorted(HOSTILE.items()), start=10):
        (site / "protocols" / f"BST-SURG-{n}.md").write_text(protocol(f"<!-- {name} -->\n\n{body}", f"BST-SURG-{n}"))
    (site / "handbook" / "notes.md").write_text("# Notes\n\n```{include} /../../../secret.md\n```\n")
    (site / "handbook" / "linked.md").symlink_to(site.parent.parent / "secret.md")
    (site / "protocols" / "redirects.yaml").write_text("redirects:\n  ../../../x: index\n  search: index\n")
    out = site.parent / "out" / "html"
    proc = build(site, out)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Exception occurred" not in proc.stderr
    for code in ("P504", "P505", "P506", "P501", "P602", "P008"):
        assert re.search(rf"protocols/BST-SURG-\d+\.md:\d+: WARNING: {code} |{code} ", proc.stderr), code
    assert re.search(r"handbook/notes\.md:3: WARNING: P504 ", proc.stderr)
    assert SECRET not in proc.stderr + proc.stdout  # not even in the log of a CI job
    assert scan_output(out) == []
    assert not (site.parent / "x.html").exists() and not (site.parent.parent / "x.html").exists()
    assert not (out / ".doctrees").exists() and (out.parent / "html.doctrees").is_dir()


def test_the_checker_refuses_the_same_pages(site: Path):
    for n, (name, body) in enumerate(sorted(HOSTILE.items()), start=10):
        page = site / "protocols" / f"BST-SURG-{n}.md"
        page.write_text(protocol(body, f"BST-SURG-{n}"))
        codes = {f.code for f in check_tree(site, only={f"protocols/{page.name}"}, use_cache=False) if f.severity == "error"}
        assert codes & {"P501", "P504", "P505", "P506", "P508"}, name
        page.unlink()


def test_a_broken_schema_is_one_line_not_a_traceback(site: Path):
    (site / "protocols" / "schema.yaml").write_text("id_pattern: [\n")
    proc = build(site, site.parent / "out" / "html")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "protocols/schema.yaml:2:1: the schema is not valid" in proc.stderr


def test_unreadable_pages_are_located_messages(site: Path):
    (site / "protocols" / "folder.md").mkdir()
    (site / "protocols" / "BST-SURG-07.md").symlink_to(site / "nowhere.md")
    proc = build(site, site.parent / "out" / "html")
    assert "Traceback" not in proc.stderr
    assert "protocols/BST-SURG-07.md" in proc.stderr


def test_alias_bomb_is_refused_quickly_and_small(site: Path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    page = protocol("Wide resection.").replace("related: []\n", "related: []\n" + bomb)
    (site / "protocols" / "BST-SURG-09.md").write_text(page)
    # Bounded: a second of CPU and 1 GB of memory are far more than a refusal needs.
    limit = "import resource as r; r.setrlimit(r.RLIMIT_AS, (2**30, 2**30)); r.setrlimit(r.RLIMIT_CPU, (60, 60))"
    code = f"{limit}; import sys; from sphinx.cmd.build import main; sys.exit(main(sys.argv[1:]))"
    out = site.parent / "out" / "html"
    proc = subprocess.run(
        [sys.executable, "-c", code, "-b", "html", "-n", "-W", "--keep-going", "-d", str(out.parent / "dt"), str(site), str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools")},
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "P009 YAML anchor a is not allowed in front matter" in proc.stderr


# --- property: generated paths and HTML never get out -------------------------------------------

_SEGMENT = st.sampled_from(["..", ".", "%2e%2e", "protocols", "diagrams", "handbook", "secret.txt", "x", "", "etc"])
_PATHS = st.builds(
    lambda lead, parts: lead + "/".join(parts), st.sampled_from(["", "/", "./", "../"]), st.lists(_SEGMENT, max_size=7)
)
_TAG = st.sampled_from(["script", "style", "img", "a", "iframe", "meta", "svg", "b", "sub", "br", "object", "form"])
_ATTR = st.sampled_from(
    [
        'onerror="alert(1)"',
        'href="javascript:alert(1)"',
        'href="&#106;avascript:alert(1)"',
        'src="data:text/html,x"',
        'title="t"',
        "",
    ]
)
_HTML = st.builds(lambda t, a, sep: f"<{t}{sep}{a}>alert(1)</{t}>", _TAG, _ATTR, st.sampled_from([" ", "/", "\t"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=_PATHS)
def test_checker_refuses_exactly_the_paths_that_leave_the_handbook(site: Path, path: str):
    from protokit.containment import path_problem
    from protokit.schema import default_schema

    allowed = default_schema().allowed
    rel = (
        os.path.normpath(os.path.join("protocols", clean_url(path)))
        if not clean_url(path).startswith("/")
        else os.path.normpath(clean_url(path).lstrip("/"))
    )
    real = (site / rel).resolve()
    leaves = not real.is_relative_to(site.resolve()) or rel.split("/")[0] not in allowed.path_roots
    assert (path_problem("protocols/BST-SURG-01.md", path, allowed, site) is not None) == leaves


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(_PATHS, min_size=8, max_size=8), fragments=st.lists(_HTML, min_size=8, max_size=8))
def test_generated_pages_leak_nothing_into_the_site(site: Path, paths: list[str], fragments: list[str]):
    body = "\n\n".join(f"[a]({p}) ![b]({p})\n\n{h}" for p, h in zip(paths, fragments, strict=True))
    (site / "protocols" / "BST-SURG-09.md").write_text(protocol(body))
    out = site.parent / "out" / "html"
    shutil.rmtree(out.parent, ignore_errors=True)
    proc = build(site, out)
    assert "Traceback" not in proc.stderr
    assert scan_output(out) == []


def test_an_id_that_climbs_out_writes_no_permalink_outside(site: Path):
    page = protocol("Wide resection.").replace("id: BST-SURG-09", "id: ../../../escaped")
    (site / "protocols" / "BST-SURG-09.md").write_text(page)
    out = site.parent / "out" / "html"
    proc = build(site, out)
    assert proc.returncode != 0 and "P110" in proc.stderr
    assert not list(site.parent.parent.rglob("escaped.html"))


def test_a_huge_page_is_refused_by_the_checker_and_the_build(site: Path):
    page = site / "protocols" / "BST-SURG-09.md"
    page.write_text(protocol("Wide resection.\n\n" + "A long line of pasted text. " * 60_000))
    found = check_tree(site, only={"protocols/BST-SURG-09.md"}, use_cache=False)
    assert [f.code for f in found] == ["P009"]
    proc = build(site, site.parent / "out" / "html")
    assert proc.returncode != 0 and "P009 the page is 1,6" in proc.stderr
    assert "A long line of pasted text" not in (site.parent / "out" / "html" / "protocols" / "BST-SURG-09.html").read_text()


def test_a_schema_pattern_that_can_hang_is_refused(site: Path):
    schema = (REPO / "protocols" / "schema.yaml").read_text()
    (site / "protocols" / "schema.yaml").write_text(schema.replace("id_pattern: '^BST-", "id_pattern: '^(B+)+ST-", 1))
    proc = subprocess.run(
        [sys.executable, "-m", "protokit", "--root", str(site), "--no-cache"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO / "tools")},
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "id_pattern '^(B+)+ST-" in proc.stderr and "can hang the checker" in proc.stderr
