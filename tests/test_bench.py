"""The benchmark's synthetic handbook and its MkDocs conversion (no peer environment needed)."""

from __future__ import annotations

import re

import pytest
import yaml
from protokit.bench import corpus, peer
from protokit.check import check_tree

N = 14  # every domain once, and a second protocol in two of them


@pytest.fixture(scope="module")
def bench_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus, "BENCH_DIR", folder)
        corpus.generate(N)
        corpus.generate(N, baseline=True)
        peer.convert(N)
        yield folder


def test_the_synthetic_handbook_passes_every_rule(bench_dir):
    findings = check_tree(bench_dir / str(N) / "src", use_cache=False)
    assert [str(f) for f in findings if f.severity == "error"] == []


def load(path):
    """A MkDocs configuration, its one Python tag (the mermaid fence format) read as text."""
    return yaml.safe_load(path.read_text().replace("!!python/name:", ""))


def test_the_peer_config_fails_strict_builds_on_broken_links(bench_dir):
    config = load(bench_dir / f"{N}-peer" / "project" / "mkdocs.yml")
    assert config["validation"]["links"] == {
        "not_found": "warn",
        "anchors": "warn",
        "absolute_links": "warn",
        "unrecognized_links": "warn",
    }
    assert config["validation"]["nav"]["omitted_files"] == "warn"
    assert config["theme"] == {"name": "material", "font": False, "features": []}
    prune = load(bench_dir / f"{N}-peer" / "project" / "mkdocs-prune.yml")
    assert prune["theme"]["features"] == ["navigation.prune"]
    assert "-q" not in peer.build_command(bench_dir, "mkdocs.yml", bench_dir / "site")  # mkdocs#4126


_LINK = re.compile(r"\]\(([^)#]+)(?:#([^)]+))?\)")
_SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.M)


def test_every_converted_link_and_diagram_resolves(bench_dir):
    project = bench_dir / f"{N}-peer" / "project"
    docs = project / "docs"
    pages = sorted(docs.rglob("*.md"))
    assert len([p for p in pages if p.name.startswith("BST-")]) == N
    for page in pages:
        text = page.read_text()
        for target, anchor in _LINK.findall(text):
            linked = (page.parent / target).resolve()
            assert linked.is_file(), (page, target)
            if anchor:
                headings = {peer.slug(h) for h in re.findall(r"^#+ (.+)$", linked.read_text(), re.M)}
                assert anchor in headings, (page, target, anchor)
        for include in _SNIPPET.findall(text):
            assert (project / include).is_file(), (page, include)
    sample = (docs / "protocols" / "BST-SURG-01.md").read_text()
    assert '```mermaid\n--8<-- "diagrams/BST-SURG-01.mmd"\n```' in sample
    assert "{protocol}" not in sample and "{term}" not in sample
    assert sample.startswith("---\nid: BST-SURG-01\n")  # the same front matter


def test_the_checker_targets_are_reported():
    """The bench says whether the checker's targets (issue 15) hold: cold CPU ≤ 3 s, re-check ≤ 1 s."""
    from protokit import bench

    def row(cold: float, wall: float, cpu: float) -> dict:
        return {
            "tool": bench.OURS,
            "n_protocols": 1000,
            "check_cpu_s": {"median": cold},
            "recheck_one_wall_s": {"median": wall},
            "recheck_one_cpu_s": {"median": cpu},
        }

    met = bench.targets({"rows": [row(2.8, 0.5, 0.45)]})
    assert "- met: checker at 1000, cold, without diagrams: 2.80 s CPU ≤ 3 s" in met
    assert "- met: re-check after one edit at 1000: 0.50 s wall (0.45 s CPU) ≤ 1 s" in met
    missed = bench.targets({"rows": [row(3.1, 1.09, 1.0)]})
    assert "- not met: checker at 1000, cold, without diagrams: 3.10 s CPU ≤ 3 s" in missed
    assert "- not met: re-check after one edit at 1000: 1.09 s wall (1.00 s CPU) ≤ 1 s" in missed


def test_the_baseline_shows_by_hand_what_ours_shows(bench_dir):
    """Like with like: the baseline's pages carry what ours renders, in plain MyST (no extension syntax)."""
    base = bench_dir / f"{N}-baseline" / "src"
    onc = (base / "protocols" / "BST-ONC-01.md").read_text()  # a systemic protocol: a regimen block in ours
    rt = (base / "protocols" / "BST-RT-01.md").read_text()
    for role in ("{protocol}", "{grade}", "{value}", "{node}", "{regimen}", "{protocol-catalogue}"):
        assert role not in onc + rt + (base / "protocols" / "index.md").read_text()
    assert "| vincristine | 1.5 mg per m2 | IV | 1 | 2 mg per dose | Intravenous only [1] |" in onc
    assert "| Pre-operative | 50 | 2 | 25 |" in rt
    assert "*(grade IV,B)*" in onc
    assert f"{{admonition}} {corpus.DRAFT_TITLE}" in onc
    assert "| Referenced by | " in onc and "## Revision history" in onc
    assert onc.count("```{container} no-search\n") == 2  # the record and history, out of the index as ours are
    assert "| [BST-ONC-01](BST-ONC-01.md) | Synthetic protocol BST-ONC-01 |" in (base / "protocols" / "index.md").read_text()
    # The peer's pages carry the same hand-written parts (one definition of "the same page").
    peer_onc = (bench_dir / f"{N}-peer" / "project" / "docs" / "protocols" / "BST-ONC-01.md").read_text()
    assert corpus.regimen_table(corpus.REGIMEN.split("\n", 1)[1].rsplit("```", 1)[0]) in peer_onc
