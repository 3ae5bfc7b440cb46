"""Structured clinical content: regimen tables, evidence-grade badges and key numbers, as a reader and an author meet them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import built_app
from protokit.parse import parse_text
from protokit.regimen import course_total, day_numbers, dose_text
from protokit.wording import wording_hits

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "tests" / "roots" / "test-protocols"
PASS = REPO / "tests" / "fixtures" / "pass"


@pytest.fixture
def src(tmp_path: Path) -> Path:
    """A private copy of the structured test root (tests edit it)."""
    return structured_root(tmp_path / "src")


@pytest.fixture(scope="module")
def structured(tmp_path_factory):
    """The untouched structured test root, built once for the tests that only read its output and warnings."""
    return built_app(structured_root(tmp_path_factory.mktemp("structured") / "src"))


def structured_root(dest: Path) -> Path:
    """The extension's test root plus the structured fixtures (a chemotherapy and a radiotherapy protocol)."""
    shutil.copytree(ROOT, dest)
    for name in ("BST-ONC-01.md", "BST-RT-01.md", "drugs.yaml", "key-values.yaml"):
        shutil.copy(PASS / "protocols" / name, dest / "protocols" / name)
    for page in ("key-numbers.md", "evidence-grades.md"):
        text = (REPO / "handbook" / page).read_text(encoding="utf-8")
        (dest / "handbook" / page).write_text(re.sub(r" \(see the \[authoring guide\]\([^)]*\)\)", "", text), encoding="utf-8")
    index = dest / "index.md"
    index.write_text(
        index.read_text().replace("handbook/glossary\n", "handbook/glossary\nhandbook/key-numbers\nhandbook/evidence-grades\n")
    )
    return dest


def build(make_app, srcdir: Path, **kwargs):
    app = make_app("html", srcdir=srcdir, **kwargs)
    app.build()
    app.cleanup()
    return app


def html_of(app, page: str) -> str:
    return (Path(app.outdir) / page).read_text(encoding="utf-8")


def text_of(app, page: str) -> str:
    html = html_of(app, page)
    body = html[html.index('<div class="body"') :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).replace(" ,", ",")


def warnings(app) -> list[str]:
    from sphinx.util.console import strip_colors

    return strip_colors(app.warning.getvalue()).strip().splitlines()


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), start=1) if needle in line)


def test_structured_pages_build_without_warnings(structured):
    assert warnings(structured) == []


def test_regimen_table_has_the_notice_a_caption_doses_and_caps(structured):
    app = structured
    page = text_of(app, "protocols/BST-ONC-01.html")
    assert (
        "Reference schedule only. Prescribing happens in the electronic prescribing system, against the approved regimen" in page
    )
    assert "VDC with vincristine capped (fixture) [1]" in page  # the caption, with its source
    assert "Drug Dose Route Days Cycle length Cycles Cap Notes" in page
    assert "Vincristine 2 mg/m² IV minibag Day 1 14 days VDC cycles 2 mg per dose Intravenous only" in page
    assert "Doxorubicin (VDC) 75 mg/m² per cycle IV continuous infusion over 48 hours Day 1 14 days 6" in page
    assert "Folinic acid (calcium folinate) Per approved regimen IV After each methotrexate dose" in page
    assert "Calcium At least 500 mg oral Daily" in page
    assert "Arm Drug Dose" in page and "with ifosfamide Doxorubicin 25 mg/m² per day IV Days 1 to 3" in page
    html = html_of(app, "protocols/BST-ONC-01.html")
    assert re.search(r"<table [^>]*protocol-regimen-table[^>]*>\s*<caption>", html)
    assert '<th class="head stub"><p>Drug</p></th>' in html  # a header row a screen reader announces


def test_radiotherapy_table_shows_total_fraction_and_count(structured):
    page = text_of(structured, "protocols/BST-RT-01.html")
    assert "Setting Total dose Dose per fraction Fractions Technique Notes" in page
    assert "Pre-operative 50 Gy 2 Gy 25 IMRT" in page
    assert "Post-operative 60 to 66 Gy 2 Gy 30 to 33" in page
    assert "Chordoma 70 to 74 Gy(RBE)" in page and "Ewing, definitive 54 Gy 1.8 Gy 30" in page


def test_grade_badges_link_to_the_legend(structured):
    app = structured
    html = html_of(app, "protocols/BST-ONC-01.html")
    assert re.search(
        r'href="../handbook/evidence-grades.html#esmo-levels"><span class="[^"]*protocol-grade-esmo[^"]*"><abbr title="Level I: Evidence from at least one large randomised',
        html,
    )
    assert ">ESMO I, A</abbr>" in html and ">ESMO IV, B</abbr>" in html
    assert re.search(r'href="../handbook/evidence-grades.html#grade-local">.*?>Local practice</abbr>', html)
    legend = text_of(app, "handbook/evidence-grades.html")
    assert "IV Retrospective cohort studies or case-control studies." in legend
    assert "E Strong evidence against efficacy or for adverse outcome, never recommended." in legend
    assert 'id="grade-consensus"' in html_of(app, "handbook/evidence-grades.html")


def test_key_numbers_show_the_registry_value_and_link_to_their_row(structured):
    app = structured
    html = html_of(app, "protocols/BST-ONC-01.html")
    assert re.search(
        r'href="../handbook/key-numbers.html#key-bone-referral-hours" title="Referral of a suspected primary bone tumour"><span class="protocol-value">72 hours</span>',
        html,
    )
    assert "book surgery 3 to 6 weeks after the last fraction" in text_of(app, "protocols/BST-ONC-01.html")
    numbers = text_of(app, "handbook/key-numbers.html")
    assert "3 to 6 weeks Interval from pre-operative radiotherapy to surgery rt-to-surgery-weeks O'Sullivan 2002" in numbers
    assert "Consultant clinical oncologist (sarcoma radiotherapy lead) ( BST-RT-01 ) BST-ONC-01" in numbers
    assert 'id="key-bone-referral-hours"' in html_of(app, "handbook/key-numbers.html")


def test_each_broken_block_grade_or_key_is_one_located_warning(make_app, src):
    page = src / "protocols" / "BST-ONC-01.md"
    text = page.read_text()
    text = text.replace("- drug: vincristine\n", "- drug: vincristin\n", 1)
    text = text.replace("{grade}`I,A`", "{grade}`1A`").replace("{value}`bone-referral-hours`", "{value}`bone-referal-hours`")
    text = text.replace(
        "## Pre-treatment work-up\n\nEchocardiography.", "## Pre-treatment work-up\n\nEchocardiography; 2.0 mg test dose."
    )
    page.write_text(text)
    rt = src / "protocols" / "BST-RT-01.md"
    rt.write_text(rt.read_text().replace("    fractions: 25\n", "    fractions: 20\n", 1))
    app = build(make_app, src)
    found = sorted(warnings(app))
    assert found == sorted(
        [
            f'{page}:{line_of(page, "drug: vincristin")}: WARNING: P702 unknown drug "vincristin" (not in protocols/drugs.yaml); did you mean "vincristine"? [protocol.unknown-drug]',
            f'{page}:{line_of(page, "{grade}`1A`")}: WARNING: P721 unknown evidence grade "1A": write the guideline\'s level I-V and grade A-E ("IV,B"), or "consensus" or "local" [protocol.unknown-grade]',
            f'{page}:{line_of(page, "bone-referal-hours")}: WARNING: P730 unknown key "bone-referal-hours" (not in protocols/key-values.yaml); did you mean "bone-referral-hours"? [protocol.unknown-key]',
            f'{page}:{line_of(page, "2.0 mg test dose")}: WARNING: P509 "2.0 mg": write "2 mg"; a trailing zero is misread as a tenfold dose (ISMP, Joint Commission) [protocol.medication-wording]',
            f"{rt}:{line_of(rt, 'total: 50')}: WARNING: P707 2 Gy × 20 fractions = 40 Gy, not 50 Gy; correct the total, the dose per fraction or the number of fractions [protocol.fractions-mismatch]",
            f'{src / "protocols" / "key-values.yaml"}:11: WARNING: P731 key "bone-referral-hours" is used by no protocol; use it with {{value}}`bone-referral-hours` or delete it [protocol.unused-key]',
        ]
    )
    # The reader still sees the page: the bad grade and key as marked text, the regimen as a table.
    shown = text_of(app, "protocols/BST-ONC-01.html")
    assert "bone-referal-hours" in shown and "1A" in shown and "vincristin" in shown


def test_a_regimen_that_cannot_be_read_says_so_on_the_page(make_app, src):
    page = src / "protocols" / "BST-ONC-01.md"
    page.write_text(page.read_text().replace("title: VDC with vincristine capped (fixture)\n", "title: [unclosed\n", 1))
    app = build(make_app, src)
    assert [w.split(" WARNING: ")[1][:4] for w in warnings(app)] == ["P701"]
    assert "This regimen could not be read; run make check to see why." in text_of(app, "protocols/BST-ONC-01.html")


def test_editing_the_registry_updates_every_page_that_uses_it(make_app, src):
    build(make_app, src)
    registry = src / "protocols" / "key-values.yaml"
    registry.write_text(registry.read_text().replace("value: 72", "value: 48"))
    app = build(make_app, src)
    assert "within 48 hours" in text_of(app, "protocols/BST-ONC-01.html")
    assert "48 hours Referral of a suspected primary bone tumour" in text_of(app, "handbook/key-numbers.html")
    # The hand-written "72 hours" in the same protocol now disagrees with the registry.
    page = src / "protocols" / "BST-ONC-01.md"
    assert warnings(app) == [
        f'{page}:{line_of(page, "centre within 72 hours too")}: WARNING: P733 "72 hours" differs from the registry\'s 48 hours for '
        '"Referral of a suspected primary bone tumour" (protocols/key-values.yaml); write {value}`bone-referral-hours` or correct the number '
        "[protocol.value-restated]"
    ]


def test_a_new_use_of_a_key_number_is_listed_after_an_incremental_build(make_app, src):
    build(make_app, src)
    page = src / "protocols" / "BST-RT-01.md"
    page.write_text(
        page.read_text().replace("Limb sarcoma.", "Limb sarcoma; surgery {value}`rt-to-surgery-weeks` after the last fraction.")
    )
    app = build(make_app, src)
    assert warnings(app) == []
    assert "( BST-RT-01 ) BST-ONC-01, BST-RT-01" in text_of(app, "handbook/key-numbers.html")


def test_parallel_build_equals_serial_build(make_app, structured, tmp_path):
    serial = structured  # the module's serial build; the same source folder again, with two processes
    parallel = build(make_app, structured.srcdir, builddir=tmp_path / "parallel", parallel=2)
    assert warnings(serial) == warnings(parallel) == []
    for page in ("protocols/BST-ONC-01.html", "protocols/BST-RT-01.html", "handbook/key-numbers.html"):
        assert html_of(serial, page) == html_of(parallel, page), page


# -- the model the checker and the build share -----------------------------------------------


def test_the_parser_keeps_each_regimen_with_the_place_of_every_field():
    doc = parse_text(
        "protocols/BST-ONC-09.md",
        "# T\n\n## Key recommendations\n\n- One {grade}`local`\n\n```{regimen}\ntitle: X\ndrugs:\n  - drug: cisplatin\n    dose: 60\n```\n",
    )
    (block,) = doc.regimens
    assert block.line == 7 and block.data["drugs"][0]["dose"] == 60
    assert block.where("drugs.0.dose") == (11, 11)
    assert doc.bullets == ((5, 6),) and doc.section_of(5) == "Key recommendations"


@pytest.mark.parametrize(
    ("days", "count"),
    [
        ([1, 8], [1, 8]),
        (1, [1]),
        ("1-5", [1, 2, 3, 4, 5]),
        ("1 to 3", [1, 2, 3]),
        ("1, 8 and 15", [1, 8, 15]),
        ("Daily", None),
        (True, None),
    ],
)
def test_days_are_read_as_numbers_when_they_can_be(days, count):
    assert day_numbers(days) == count


def test_course_total_counts_dose_days_and_cycles():
    assert course_total({"dose": 37.5, "days": [1, 2], "per": "day"}, {"cycles": 6}) == (450.0, "37.5 × 2 days × 6 cycles")
    assert course_total({"dose": 75, "days": 1, "per": "cycle", "cycles": 5}, {}) == (375.0, "75 × 5 cycles")
    assert course_total({"dose": 25, "days": "Days 1 to 3 of each cycle", "per": "day"}, {"cycles": "Up to 6"}) == (
        450.0,
        "25 × 3 days × 6 cycles",
    )
    assert course_total({"dose": 75, "days": "As the regimen sets", "cycles": 5}, {}) is None
    assert course_total({"dose": 75, "days": [1], "cycles": "Until progression"}, {}) is None


def test_doses_are_written_without_trailing_zeros():
    from protokit.formulary import project_formulary

    formulary = project_formulary(PASS)
    assert dose_text({"dose": 2.0, "unit": "mg", "basis": "flat"}, formulary) == "2 mg"
    assert dose_text({"dose": 0.5, "unit": "mg", "basis": "per kg", "per": "day"}, formulary) == "0.5 mg/kg per day"


@pytest.mark.parametrize(
    "text",
    [
        "EURAMOS-1",
        "U2AF1 variant",
        "version 2.0",
        "MSTS score 2.0",
        "MSCC",
        "MS-CC",
        "cc the GP",
        "OD (overdose)",
        "0.5 mg",
        "1.25 mg",
        "NCT01234567",
        "PEG 2.0",
        "10 units/kg",
        "p < .05",
    ],
)
def test_near_misses_of_the_wording_rule_pass(text):
    assert wording_hits(text) == []


# -- in the real handbook, in Chromium ---------------------------------------------------------


def test_a_reader_sees_the_regimen_table_with_its_notice_and_caps(tab, handbook_server):
    page = tab
    page.goto(f"{handbook_server}/protocols/BST-ONC-04.html")
    table = page.locator("table.protocol-regimen-table", has=page.locator("caption", has_text="Interval-compressed VDC/IE"))
    assert table.is_visible()
    box = page.locator(".protocol-regimen", has=table)
    assert "Prescribing happens in the electronic prescribing system" in box.locator(".protocol-regimen-notice").inner_text()
    row = table.locator("tr", has=page.locator("th", has_text="Vincristine (VDC)"))
    assert row.locator("td").nth(5).inner_text() == "2 mg per dose"
    assert row.locator("td").nth(0).inner_text() == "2 mg/m²"


def test_on_a_phone_a_regimen_table_scrolls_inside_its_box(tab, handbook_server):
    page = tab
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{handbook_server}/protocols/BST-ONC-04.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table = page.locator("table.protocol-regimen-table").first
    box = page.locator(".protocol-regimen .pst-scrollable-table-container").first
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")  # the table's box scrolls, the page does not
    page.wait_for_function("document.querySelector('.protocol-regimen .pst-scrollable-table-container').tabIndex === 0")
    assert table.locator("caption").evaluate("c => c.getBoundingClientRect().right") <= 390


def test_a_grade_badge_and_a_key_number_lead_to_their_explanations(tab, handbook_server):
    page = tab
    page.goto(f"{handbook_server}/protocols/BST-SPN-01.html")
    recommendations = page.locator("section#key-recommendations")
    badge = recommendations.locator(".protocol-grade-consensus").first
    assert badge.inner_text() == "Consensus"
    badge.click()
    page.wait_for_url("**/handbook/evidence-grades.html#grade-consensus")
    assert page.locator("#grade-consensus").is_visible()
    page.go_back()
    number = recommendations.locator(".protocol-value", has_text="16 mg").first
    number.click()
    page.wait_for_url("**/handbook/key-numbers.html#key-dexamethasone-mscc-mg")
    row = page.locator("tr#key-dexamethasone-mscc-mg")
    assert "NICE NG234" in row.inner_text() and "BST-SPN-01" in row.inner_text() and "BST-PWY-03" in row.inner_text()


def test_flowchart_node_ids_are_not_wording():
    from protokit.wording import label_spans

    chart = 'flowchart TD\n  MS[Give 16 mg] --> U{"Dose?"}\n  U -- "Yes: 10 U" --> OD([Operate])\n'
    labels = [text for _, _, text in label_spans(chart)]
    assert all("MS" not in label and "OD" not in label for label in labels)
    assert [hit for text in labels for _, hit, _ in wording_hits(text)] == ["10 U"]


def test_an_edit_re_reads_only_that_page_when_the_tree_uses_the_repository_vocabulary(make_app, src):
    (src / "protocols" / "drugs.yaml").unlink()  # this tree falls back to the repository's drug vocabulary
    build(make_app, src)
    page = src / "protocols" / "BST-MET-01.md"
    page.write_text(page.read_text() + "\nOne more line.\n")
    app = build(make_app, src)
    from sphinx.util.console import strip_colors

    assert "updating environment: 0 added, 1 changed, 0 removed" in strip_colors(app.status.getvalue())
    assert warnings(app) == []
