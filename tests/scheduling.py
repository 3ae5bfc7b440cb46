"""How pytest-xdist shares the tests out (make test, make test-fast: ``pytest -n auto --dist loadgroup``).

A test is a work unit of its own, so the workers share out even one long module,
unless it names an ``xdist_group`` (the tours, tests/tours.py) or uses a
module-scoped fixture of its own module (the release archive, the bundle, a test
root's build): then it runs on one worker with the rest of its group, and the
fixture is set up once. The longest units start first (:data:`LONGEST_FIRST`), so
that the workers finish together rather than one idling while the other runs a
long module picked up last; the tests that read the built handbook come after the
others, since make test builds it while pytest starts.

pytest-xdist's own ``loadgroup`` appends the group to each test id on the worker,
and pytest 9.2's structured ids ignore that: the groups silently vanish
(pytest-dev/pytest-xdist#1386). Here each worker writes the groups to a file as
it collects, and the controller's scheduler reads them.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

#: The folder the workers write the groups to (set by the controller, inherited by the workers).
GROUPS_ENV = "PROTOKIT_XDIST_GROUPS"

#: The longest work units (CPU seconds in make test on 2 cores), started in this order;
#: the rest keep their collection order, after these. A group name or a test id prefix.
LONGEST_FIRST = (
    "tests/test_versions.py",  # ~15: two release builds; redline and in-force pages in Chromium, axe
    "tour-1280",  # ~12: every content page at 1280 x 900
    "tests/test_bundle.py",  # ~11: two bundles (build, PDF), opened from disk in Chromium
    "tour-390",  # ~11: every protocol page at 390 x 844, then printed
    "tests/test_reproducible.py",  # ~6: a serial build of the whole handbook, on one core
    "tests/test_clinical.py",  # ~6: the structured root's builds
    "tests/test_serve.py",  # ~2 of CPU, but ~7 s of waiting for a preview server
    "tests/test_extension.py",
    "tests/test_containment.py",
)


def group_of(item) -> str | None:
    """The test's xdist group: the one it names, else its module if it uses a fixture the module sets up once."""
    names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")})
    if names:
        return "_".join(names)
    module = item.nodeid.split("::")[0]
    for defs in item._fixtureinfo.name2fixturedefs.values():
        if defs and defs[-1].scope in ("package", "module", "class") and defs[-1].baseid.startswith(module):
            return module
    return None


def _order(item) -> tuple[bool, int]:
    """Tests that need the built handbook after the others (make test builds it as pytest starts), longest first."""
    unit = group_of(item) or item.nodeid
    rank = next((n for n, prefix in enumerate(LONGEST_FIRST) if unit.startswith(prefix)), len(LONGEST_FIRST))
    return "built_handbook" in item.fixturenames, rank


def configure(config) -> None:
    """In the controller of a ``--dist loadgroup`` run: a folder for the workers' groups."""
    if os.environ.get("PYTEST_XDIST_WORKER") or config.getoption("dist", "no") != "loadgroup":
        return
    folder = tempfile.mkdtemp(prefix="pytest-xdist-groups-")
    os.environ[GROUPS_ENV] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def record(items) -> None:
    """In a worker: order the tests (see :func:`_order`) and write down each test's group."""
    folder, worker = os.environ.get(GROUPS_ENV), os.environ.get("PYTEST_XDIST_WORKER")
    if not (folder and worker):
        return
    items.sort(key=_order)  # stable: a unit's tests, and the rest, keep their order
    groups = {item.nodeid: group_of(item) for item in items}
    tmp = Path(folder) / f"{worker}.tmp"
    tmp.write_text(json.dumps(groups), encoding="utf-8")
    tmp.replace(Path(folder) / f"{worker}.json")


def make_scheduler(config, log):
    """The controller's scheduler for ``--dist loadgroup``: xdist's scope scheduling over these groups."""
    if config.getoption("dist", "no") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _groups().get(nodeid) or nodeid

    config.option.loadscopereorder = False  # the workers' order: longest first
    return GroupScheduling(config, log)


@functools.cache
def _groups() -> dict[str, str | None]:
    """The groups a worker wrote (every worker collects the same tests); read when scheduling starts."""
    for path in sorted(Path(os.environ.get(GROUPS_ENV, "/nonexistent")).glob("*.json")):
        return json.loads(path.read_text(encoding="utf-8"))
    return {}  # no groups written: every test on its own (still correct, fixtures set up per worker)
