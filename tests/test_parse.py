"""The parser agrees with the build: anchors, lines, and strict YAML."""

from __future__ import annotations

import re
from pathlib import Path

from protokit.parse import parse_text


def test_heading_anchors_match_the_built_html(built_handbook):
    from protokit.settings import REPO_ROOT

    doc = parse_text("protocols/BST-SURG-01.md", (REPO_ROOT / "protocols" / "BST-SURG-01.md").read_text())
    html = (Path(built_handbook) / "protocols" / "BST-SURG-01.html").read_text(encoding="utf-8")
    ids = set(re.findall(r'id="([^"]+)"', html))
    for heading in doc.headings:
        if heading.level <= 3 and heading.slug:
            assert heading.slug in ids, heading


def test_duplicate_keys_and_dates_stay_strings():
    doc = parse_text("protocols/X.md", "---\nid: A\nreview_due: 2027-01-31\nid: B\n---\n# T\n")
    assert doc.meta == {"id": "B", "review_due": "2027-01-31"}
    assert [(d.kind, d.line) for d in doc.defects] == [("duplicate-key", 4)]
    assert doc.meta_lines == {"id": 2, "review_due": 3}


def test_references_inside_directives_are_found_with_their_lines():
    text = "---\nid: A\n---\n# T\n\n:::{note}\nSee {protocol}`BST-SURG-01`.\n:::\n"
    doc = parse_text("protocols/A.md", text)
    assert [(r.kind, r.target, r.line, r.col) for r in doc.refs] == [("protocol", "BST-SURG-01", 7, 5)]


def test_unclosed_fence_is_a_defect_not_a_silent_pass():
    doc = parse_text("protocols/A.md", "---\nid: A\n---\n# T\n\n```python\n## Lost heading\n")
    assert [(d.kind, d.line) for d in doc.defects] == [("unclosed-fence", 6)]
    assert [h.text for h in doc.headings] == ["T"]
