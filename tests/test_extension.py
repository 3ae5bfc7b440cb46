"""The Sphinx extension on tiny test roots, with Sphinx's own testing fixtures."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, built_app, sphinx_build

ROOT = Path(__file__).parent / "roots" / "test-protocols"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A private copy of the test root (tests edit it)."""
    dest = tmp_path / "src"
    shutil.copytree(ROOT, dest)
    return dest


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The untouched test root, built once for the tests that only read its output and warnings.

    Tests that edit the source, rebuild or touch the environment build their own copy.
    """
    dest = tmp_path_factory.mktemp("clean") / "src"
    shutil.copytree(ROOT, dest)
    return built_app(dest)


def build(make_app, srcdir: Path, **kwargs):
    app = make_app("html", srcdir=srcdir, **kwargs)
    app.build()
    app.cleanup()  # unregister docutils nodes, so a second app in this test starts clean
    return app


def text_of(app, page: str) -> str:
    """The visible text of a built page's body, whitespace collapsed."""
    html = (Path(app.outdir) / page).read_text(encoding="utf-8")
    body = html[html.index('<div class="body"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace(" ,", ",")


def warnings(app) -> str:
    from sphinx.util.console import strip_colors

    return strip_colors(app.warning.getvalue())


def test_clean_root_builds_without_warnings(clean):
    assert warnings(clean) == ""


def test_status_line_under_the_title_and_governance_record_at_the_end(clean):
    app = clean
    page = text_of(app, "protocols/BST-SURG-01.html")
    status = "BST-SURG-01 · Version 1.2 · Approved · In force since 2026-02-01 · Review due 2028-12-31 · "
    status += "Owner: Consultant surgeon (role BST-SURG-01) · Governance record"
    assert status in page
    record = page[page.index("Governance record ¶") :]
    for expected in (
        "Id : BST-SURG-01",
        "Version : 1.2",
        "Status : Approved",
        "Owner : Consultant surgeon (role BST-SURG-01)",
        "Approved by : Protocol committee",
        "Approved on : 2026-01-10",
        "Effective date : 2026-02-01",
        "Review due : 2028-12-31",
        "Modalities : Surgery",  # the schema's label, not the slug
        "Sites : Lower limb",
        "Referenced by : BST-MET-01 — Bone metastases",
        "Released versions",
        "Reconstruction options clarified.",  # revision history
    ):
        assert expected in record
    # Decision first: the status line, then Key recommendations, then the flowchart; the record last.
    html = (Path(app.outdir) / "protocols/BST-SURG-01.html").read_text(encoding="utf-8")
    order = [
        html.index(m)
        for m in (
            'class="protocol-status-line',
            'id="key-recommendations"',
            'id="pathway-flowchart"',
            'id="scope-and-purpose"',
            'id="governance-record"',
        )
    ]
    assert order == sorted(order)
    assert 'class="section protocol-record no-search"' in html or "protocol-record no-search" in html


def test_status_banners(clean):
    app = clean
    draft = text_of(app, "protocols/BST-MET-01.html")
    assert "Draft — not approved for clinical use." in draft
    assert "Review was due on 2020-01-31." in draft
    retired = text_of(app, "protocols/BST-SURG-02.html")
    assert "Retired on 2025-12-31 — see BST-SURG-01 — Limb salvage" in retired
    approved = text_of(app, "protocols/BST-SURG-01.html")
    assert "Draft —" not in approved and "Retired on" not in approved


def test_protocol_role_links_with_id_and_title(clean):
    app = clean
    html = (Path(app.outdir) / "protocols/BST-MET-01.html").read_text(encoding="utf-8")
    assert re.search(r'<a class="reference internal" href="BST-SURG-01.html"[^>]*>.*?BST-SURG-01 — Limb salvage', html, re.S)
    assert re.search(r'href="BST-SURG-02.html"[^>]*>.*?the old one', html, re.S)


def test_catalogue_matrix_and_dashboard(clean):
    app = clean
    catalogue = text_of(app, "protocols/index.html")
    assert "BST-MET-01 Bone metastases Surgery Draft 0.3" in catalogue
    assert "BST-SURG-02 Old limb salvage Surgery Retired 2.0" in catalogue
    matrix = text_of(app, "handbook/matrix.html")
    assert "Modality \\ site Upper limb Lower limb Pelvis Sacrum Spine Trunk wall" in matrix
    # Each cell names its protocols by (short) title and id; the retired one is left out.
    surgery = "Surgery Upper limb: gap Lower limb: Bone metastases BST-MET-01 Limb salvage BST-SURG-01 "
    surgery += "Pelvis: Bone metastases BST-MET-01 Sacrum: gap Spine: gap Trunk wall: gap"
    assert surgery in matrix
    assert "Assessment Upper limb: gap Lower limb: gap" in matrix
    review = text_of(app, "handbook/review.html")
    assert "Overdue (1) Protocol Review due Owner BST-MET-01 — Bone metastases 2020-01-31" in review


def test_unknown_protocol_id_is_a_located_warning(make_app, src):
    page = src / "protocols" / "BST-MET-01.md"
    page.write_text(page.read_text().replace("Text.\n\n## Procedure", "See {protocol}`BST-SRG-01`.\n\n## Procedure", 1))
    app = build(make_app, src)
    line = page.read_text().split("\n").index("See {protocol}`BST-SRG-01`.") + 1
    assert warnings(app).strip().splitlines() == [
        f'{page}:{line}: WARNING: P301 unknown protocol id "BST-SRG-01"; did you mean "BST-SURG-01"? [protocol.unknown-protocol]'
    ]


def test_each_broken_reference_is_one_warning_with_its_hint(make_app, src):
    page = src / "protocols" / "BST-MET-01.md"
    broken = "See {term}`Mirells score`, {doc}`/handbook/revew`, {ref}`nolabel` and [x](BST-SURG-01.md#procedur)."
    page.write_text(page.read_text().replace("Text.\n\n## Procedure", broken + "\n\n## Procedure", 1))
    app = build(make_app, src)
    line = page.read_text().split("\n").index(broken) + 1
    found = warnings(app).strip().splitlines()
    assert sorted(w.split(" WARNING: ")[1].split(" ", 1)[0] for w in found) == ["P302", "P303", "P304", "P305"]
    assert all(w.startswith(f"{page}:{line}: WARNING: ") for w in found)
    assert any('P305 no page "handbook/revew"; did you mean "handbook/review"?' in w for w in found)


def test_an_anchor_link_to_a_protocol_id_is_one_warning(make_app, src):
    # MyST gives a [text](#anchor) link no line of its own: the rule's line is its paragraph's.
    page = src / "handbook" / "review.md"
    broken = "See [the metastasis protocol](#BST-MET-01)."
    page.write_text(page.read_text() + "\n" + broken + "\n")
    app = build(make_app, src)
    line = page.read_text().split("\n").index(broken) + 1
    assert warnings(app).strip().splitlines() == [
        f'{page}:{line}: WARNING: P302 no heading with anchor "#BST-MET-01" on this page [protocol.broken-link]'
    ]


def test_the_domain_resolves_a_protocol_id_for_any_reference(clean):
    from docutils import nodes
    from protokit.sphinxext.domain import DOMAIN
    from sphinx.addnodes import pending_xref

    app = clean
    domain = app.env.domains[DOMAIN]
    node = pending_xref("", refdomain="", reftype="any", reftarget="BST-SURG-01")
    found = domain.resolve_any_xref(app.env, "index", app.builder, "BST-SURG-01", node, nodes.inline("", ""))
    assert [(role, ref["refuri"], ref.astext()) for role, ref in found] == [
        ("protocol:protocol", "protocols/BST-SURG-01.html", "BST-SURG-01 — Limb salvage")
    ]
    assert domain.resolve_any_xref(app.env, "index", app.builder, "BST-SRG-01", node, nodes.inline("", "")) == []


def test_features_are_separate_extensions_with_no_state_on_app(clean):
    from protokit.sphinxext import FEATURES

    app = clean
    for feature in FEATURES:
        extension = app.extensions[f"protokit.sphinxext.{feature}"]
        assert extension.parallel_read_safe and extension.parallel_write_safe, feature
    assert [name for name in vars(app) if "protokit" in name] == []


def test_myst_settings_other_than_the_checkers_stop_the_build(src, tmp_path):
    proc = sphinx_build(src, tmp_path / "html", "-D", "myst_heading_anchors=2", env={"PYTHONPATH": str(REPO / "tools")})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "conf.py: myst_heading_anchors = 2 but the checker parses with 3" in proc.stderr


def test_charts_are_drawn_into_the_page_or_left_to_the_browser(make_app, clean, tmp_path):
    drawn = clean  # the default: drawn at build time
    page = (Path(drawn.outdir) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    log = drawn.status.getvalue()  # says why when Chromium could not draw
    assert '<div class="mermaid-static"><svg id="mermaid-' in page and 'aria-roledescription="flowchart-v2"' in page, log
    assert "import mermaid" not in page and "data-points=" not in page
    browser = build(make_app, clean.srcdir, builddir=tmp_path / "browser", confoverrides={"protokit_static_charts": False})
    page = (Path(browser.outdir) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    assert '<pre  class="mermaid">' in page and "mermaid-static" not in page
    assert 'import mermaid from "../_static/mermaid/mermaid.esm.min.mjs"' in page
    assert warnings(drawn) == warnings(browser) == ""


def test_parallel_build_equals_serial_build(make_app, clean, tmp_path):
    serial = clean  # the module's serial build; the same source folder again, with two processes
    parallel = build(make_app, clean.srcdir, builddir=tmp_path / "parallel", parallel=2)
    assert warnings(serial) == warnings(parallel) == ""
    pages = sorted(p.relative_to(serial.outdir) for p in Path(serial.outdir).rglob("*.html"))
    assert pages == sorted(p.relative_to(parallel.outdir) for p in Path(parallel.outdir).rglob("*.html"))
    for page in pages:
        assert (Path(serial.outdir) / page).read_bytes() == (Path(parallel.outdir) / page).read_bytes(), page


def test_incremental_build_after_retitle_updates_every_page(make_app, src):
    build(make_app, src)
    page = src / "protocols" / "BST-SURG-01.md"
    page.write_text(page.read_text().replace("Limb salvage", "Limb-sparing surgery"))
    app = build(make_app, src)
    assert warnings(app) == ""
    assert "BST-SURG-01 Limb-sparing surgery" in text_of(app, "protocols/index.html")
    assert "BST-SURG-01 — Limb-sparing surgery" in text_of(app, "protocols/BST-MET-01.html")
    assert "see BST-SURG-01 — Limb-sparing surgery" in text_of(app, "protocols/BST-SURG-02.html")
    for built in Path(app.outdir).rglob("*.html"):
        assert "Limb salvage" not in built.read_text(encoding="utf-8"), built


def test_glossary_names_reach_the_protocol_index_entry_and_follow_an_edit(make_app, src):
    """A protocol's index entry carries the names of the glossary entries that point to it."""

    def synonyms(app) -> str:
        html = (Path(app.outdir) / "protocols/BST-SURG-01.html").read_text(encoding="utf-8")
        found = re.search(r'<meta content="([^"]*)" name="keywords"', html)
        return found.group(1) if found else ""

    assert "xyzq" not in synonyms(build(make_app, src))
    glossary = src / "handbook" / "glossary.md"
    glossary.write_text(
        "# Glossary\n\n```{glossary}\nMDT\n  Multidisciplinary team.\n\n"
        "XYZQ\n  Xylo-zygomatic quadrant: see {protocol}`BST-SURG-01`.\n```\n"
    )
    app = build(make_app, src)  # incremental: only the glossary was edited
    assert warnings(app) == ""
    assert {"xyzq", "xylo", "zygomatic", "quadrant"} <= set(synonyms(app).split(", "))
    index = (Path(app.outdir) / "searchindex.js").read_text(encoding="utf-8")
    assert '"xyzq"' in index


def test_a_body_edit_rewrites_only_the_page_and_its_catalogue(make_app, src):
    """make serve's path: one Sphinx rebuilds after a save; pages that show nothing of the edit stay as they are."""
    app = make_app("html", srcdir=src)
    app.build()
    out = Path(app.outdir)

    def stamps():
        return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*.html")}

    before = stamps()
    page = src / "protocols" / "BST-SURG-02.md"
    page.write_text(page.read_text().replace("## Procedure\n", "## Procedure\n\nA sentence added while previewing.\n", 1))
    app.build()  # the same application, as make serve rebuilds
    after = stamps()
    rewritten = {rel for rel, stamp in after.items() if before.get(rel) != stamp}
    # The page itself and the catalogue (its toctree parent, listing it); Sphinx rewrites its
    # index and search pages after every build. Pages linking to BST-SURG-02 show its title,
    # which did not change: they are not rewritten.
    assert rewritten == {"protocols/BST-SURG-02.html", "protocols/index.html", "genindex.html", "search.html"}
    assert "A sentence added while previewing." in text_of(app, "protocols/BST-SURG-02.html")
    assert warnings(app) == ""
    app.cleanup()


def test_incremental_build_after_deleting_a_protocol(make_app, src):
    build(make_app, src)
    (src / "protocols" / "BST-MET-01.md").unlink()
    (src / "diagrams" / "BST-MET-01.mmd").unlink()
    app = build(make_app, src)
    assert warnings(app) == ""
    assert "BST-MET-01" not in text_of(app, "protocols/index.html")
    assert "BST-MET-01" not in text_of(app, "handbook/matrix.html")
    assert "Referenced by : —" in text_of(app, "protocols/BST-SURG-01.html")


def test_domain_purge_and_merge(make_app, src):
    from protokit.sphinxext.domain import DOMAIN

    app = build(make_app, src)
    domain = app.env.domains[DOMAIN]
    assert set(domain.protocols()) == {"BST-MET-01", "BST-SURG-01", "BST-SURG-02"}
    other = {"docs": dict(domain.docs), "aggregates": dict(domain.aggregates), "charts": dict(domain.charts)}
    domain.clear_doc("protocols/BST-MET-01")
    assert "BST-MET-01" not in domain.protocols()
    domain.merge_domaindata(["protocols/BST-MET-01"], other)
    assert "BST-MET-01" in domain.protocols()


def test_permalink_pages_redirect_by_id(clean):
    app = clean
    page = (Path(app.outdir) / "id" / "BST-SURG-01.html").read_text(encoding="utf-8")
    assert 'content="0; url=../protocols/BST-SURG-01.html"' in page


def test_redirect_map_keeps_an_old_address(make_app, src):
    (src / "protocols" / "redirects.yaml").write_text("redirects:\n  protocols/BST-LIMB-01: protocols/BST-SURG-01\n")
    app = build(make_app, src)
    assert warnings(app) == ""
    page = (Path(app.outdir) / "protocols" / "BST-LIMB-01.html").read_text(encoding="utf-8")
    assert 'content="0; url=../protocols/BST-SURG-01.html"' in page


def test_redirect_over_a_live_page_fails_the_build(make_app, src):
    (src / "protocols" / "redirects.yaml").write_text("redirects:\n  protocols/BST-MET-01: protocols/BST-SURG-01\n")
    app = build(make_app, src)
    assert 'P603 redirect from "protocols/BST-MET-01" would overwrite a live page' in warnings(app)
    assert "Bone metastases" in text_of(app, "protocols/BST-MET-01.html")


FLOW_FIXTURES = sorted(p for p in (Path(__file__).parent / "fixtures" / "fail").glob("P4*.mmd") if "P407" <= p.stem[:4] <= "P413")


@pytest.mark.parametrize("fixture", FLOW_FIXTURES, ids=lambda p: p.stem)
def test_a_flowchart_finding_is_the_same_warning_in_the_build(make_app, src, fixture, fixture_diagrams_validated):
    from protokit.check import check_tree

    chart = src / "diagrams" / "BST-SURG-01.mmd"
    chart.write_text(fixture.read_text().split("%% expect:")[0])
    page = src / "protocols" / "BST-SURG-01.md"
    page.write_text(page.read_text().replace("{node}`A, B`", "{node}`A, B, C, D`"))
    # src is a fresh copy (an empty page cache); the build reads the diagram's verdict this check cached.
    expected = [f for f in check_tree(src) if f.path == "diagrams/BST-SURG-01.mmd"]
    assert expected, fixture.name
    app = build(make_app, src)
    found = warnings(app).strip().splitlines()
    assert sorted(found) == sorted(f"{chart}:{f.line}: WARNING: {f.code} {f.message} [protocol.{f.rule}]" for f in expected)


def test_boxes_and_steps_link_both_ways_in_the_html(clean):
    app = clean
    html = (Path(app.outdir) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    assert '<li id="BST-SURG-01-step-A">' in html  # the step a box links to
    assert 'href="#BST-SURG-01-node-A"' in html  # the step's link back to its box
    links = re.search(
        r'<figure class="protocol-flow" id="BST-SURG-01-chart" data-prefix="BST-SURG-01" data-links="([^"]+)"', html
    )
    assert links and "BST-SURG-01-step-B" in links.group(1).replace("&quot;", '"')
    assert "<script" not in html[html.index('<figure class="protocol-flow"') : html.index("</figure>")]


def test_charts_are_drawn_where_an_event_loop_runs(tmp_path, monkeypatch):
    """Playwright's synchronous API refuses a thread with a running event loop: draw anyway."""
    import asyncio
    import concurrent.futures

    from protokit import charts

    monkeypatch.setattr(charts, "SVG_CACHE", tmp_path)
    source = "flowchart TD\n  A([Start]) --> B([End])\n"

    async def build_inside_a_loop() -> int:
        return charts.draw([source])

    def in_a_thread_with_its_own_loop() -> int:  # whatever the test worker's own thread holds
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(build_inside_a_loop())
        finally:
            loop.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(in_a_thread_with_its_own_loop).result() == 1
    assert 'aria-roledescription="flowchart-v2"' in (charts.svg_of(source) or "")


def test_a_build_with_findings_starts_no_browser_and_leaves_the_charts_to_it(make_app, src):
    """A strict build that fails on a protocol finding does not wait for Chromium to draw its charts."""
    import uuid

    from protokit import charts

    chart = src / "diagrams" / "BST-SURG-01.mmd"
    chart.write_text(chart.read_text().replace("A[Start]", f"A[Start {uuid.uuid4().hex[:8]}]"))  # drawn by no earlier build
    met = src / "protocols" / "BST-MET-01.md"
    good = met.read_text()
    met.write_text(good.replace("{protocol}`BST-SURG-01`", "{protocol}`BST-SURG-09`"))
    app = build(make_app, src, freshenv=True)
    assert "P301" in warnings(app)
    assert (
        "charts: drawn by the browser, not beforehand: the protocol findings above fail a strict build" in app.status.getvalue()
    )
    assert "charts: drew" not in app.status.getvalue()
    page = (Path(app.outdir) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    assert '<pre  class="mermaid">' in page and "mermaid-static" not in page
    # Fixed: the next build draws it beforehand.
    met.write_text(good)
    app = build(make_app, src)
    assert warnings(app) == ""
    assert "charts: drew 1 chart(s)" in app.status.getvalue()
    page = (Path(app.outdir) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    assert "mermaid-static" in page and '<pre  class="mermaid">' not in page
    assert charts.svg_of(next(iter(app.env.domains["protocol"].charts["protocols/BST-SURG-01"]))) is not None
