"""Property-based tests: no input makes the checker raise or exit outside 0/1/2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from protokit.check import make_context, run_rules
from protokit.parse import parse_bytes
from protokit.rules import all_rules

RULES = [r for r in all_rules() if not r.code.startswith("P4")]  # diagrams need Node: covered elsewhere
BASE = (Path(__file__).parent / "fixtures" / "pass" / "protocols" / "BST-SURG-01.md").read_text()
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_bytes(data: bytes) -> list:
    doc = parse_bytes("protocols/BST-SURG-09.md", data)
    ctx = make_context(Path("."), [doc], set(), on=dt.date(2026, 11, 26))
    return run_rules(ctx, RULES)


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data):
    for f in check_bytes(data):
        assert f.line >= 1 and f.col >= 1


@FUZZ
@given(st.text(max_size=1500))
def test_arbitrary_text_never_raises(text):
    check_bytes(text.encode("utf-8"))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | st.dates().map(str),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "title",
                "type",
                "version",
                "status",
                "owner",
                "review_due",
                "modalities",
                "sites",
                "related",
                "history",
                "approved_on",
                "myst",
                "other",
            ]
        ),
        yaml_values,
    )
)
def test_arbitrary_front_matter_never_raises(meta):
    front = yaml.safe_dump(meta, allow_unicode=True)
    body = BASE.split("---\n", 2)[2]
    check_bytes(f"---\n{front}---\n{body}".encode())


@FUZZ
@given(st.text(alphabet="-:#{}[]`\n *>|&!%@'\"abc0123", max_size=400))
def test_yaml_like_noise_in_front_matter_never_raises(noise):
    check_bytes(f"---\n{noise}\n---\n# T\n".encode())
