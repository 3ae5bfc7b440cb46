"""Two clean builds of the same commit with SOURCE_DATE_EPOCH are byte-identical."""

from __future__ import annotations

import pytest
from conftest import REPO, sphinx_build

#: Builds whole handbooks (releases, bundles, twice for reproducibility): not in make test-fast.
pytestmark = pytest.mark.slow

EPOCH = "1795651200"  # 2026-11-26 00:00 UTC


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_clean_builds_are_identical(tmp_path):
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name / "html"
        proc = sphinx_build(REPO, out, "-E", env={"SOURCE_DATE_EPOCH": EPOCH})
        assert proc.returncode == 0, proc.stderr
        outs.append(files(out))
    assert sorted(outs[0]) == sorted(outs[1])
    different = [name for name in outs[0] if outs[0][name] != outs[1][name]]
    assert different == []
    review = outs[0]["handbook/review.html"].decode()
    assert "As of 2026-11-26 (the date of this build)." in review
