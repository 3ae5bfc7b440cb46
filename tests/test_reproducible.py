"""A clean build is reproducible: serial and parallel (make html's -j auto) builds are byte-identical."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import EPOCH, REPO, sphinx_build

#: Builds the whole handbook a second time: not in make test-fast.
pytestmark = pytest.mark.slow


def files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_serial_clean_build_equals_the_sessions_parallel_build(built_handbook, tmp_path):
    out = tmp_path / "serial" / "html"
    proc = sphinx_build(REPO, out, "-E", "-j", "1", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert proc.returncode == 0, proc.stderr
    serial, parallel = files(out), files(built_handbook)
    assert sorted(serial) == sorted(parallel)
    different = [name for name in serial if serial[name] != parallel[name]]
    assert different == []
    day = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).date().isoformat()
    assert f"As of {day} (the date of this build)." in serial["handbook/review.html"].decode()
