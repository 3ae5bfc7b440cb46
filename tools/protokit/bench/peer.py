"""The peer: the same synthetic handbook as an MkDocs Material project.

The converter rewrites each page of the synthetic handbook (:mod:`.corpus`) the
way a MkDocs author would write it: the same front matter, headings, text and
table; ``{protocol}`` and ``{term}`` links as Markdown links (with the
protocol's title, as ours show it); the flowchart as a ```` ```mermaid ```` fence
through pymdownx.superfences whose body includes the same ``.mmd`` file with
pymdownx.snippets (``check_paths``: a missing diagram fails the build);
registry numbers as their value, evidence grades as text and regimen blocks as
tables; the
draft banner, the governance record, "Referenced by" and the revision history
written out as Markdown (ours generates them); the catalogue as a table;
glossary terms as headings. ``validation`` is set so that ``--strict`` fails on
a broken link or anchor. Mermaid is served from the site (no CDN), as ours is.

Two configurations: Material's default navigation (every page lists every
page) and ``navigation.prune`` (only the visible part of the navigation).

MkDocs runs from its own pinned virtual environment under ``_build/bench/``,
created on demand by ``make bench``; ``make html`` and ``make test`` never
install it. Never run it with ``-q``: MkDocs 1.6 then hides ``--strict``
failures (upstream issue mkdocs/mkdocs#4126); :func:`strict_fails` checks that a
planted broken link fails the build.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .corpus import BENCH_DIR, DRAFT_TEXT, DRAFT_TITLE, KEYS, TERMS, corpus_dir, governance_table, history_table, regimen_table
from .corpus import table as _table

VENV = BENCH_DIR / "peer-venv"
REQUIREMENTS = Path(__file__).with_name("peer-requirements.txt")
MERMAID_UMD = Path(__file__).resolve().parents[3] / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
#: The configurations built: name -> Material theme features.
CONFIGS = {"mkdocs.yml": [], "mkdocs-prune.yml": ["navigation.prune"]}

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_PROTOCOL = re.compile(r"\{protocol\}`([^`]+)`")
_TERM = re.compile(r"\{term\}`([^`]+)`")
_NODE = re.compile(r"\{node\}`([^`]+)`")
_MERMAID = re.compile(r"```\{mermaid\} /(\S+)\n```")
_VALUE = re.compile(r"\{value\}`([^`]+)`")
_GRADE = re.compile(r" ?\{grade\}`([^`]+)`")
_REGIMEN = re.compile(r"```\{regimen\}\n(.*?)```\n", re.S)
_H1 = re.compile(r"^# .*$", re.M)


def slug(text: str) -> str:
    """Python-Markdown's toc slug (lower case, words joined by hyphens)."""
    return re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", text).strip().lower())


def mkdocs_yml(project: Path, features: list[str]) -> str:
    """The MkDocs configuration: Material, offline, strict link validation."""
    config = {
        "site_name": "Synthetic handbook",
        "docs_dir": "docs",
        "theme": {"name": "material", "font": False, "features": features},
        "plugins": ["search"],
        "extra_javascript": ["javascripts/mermaid.min.js"],
        "markdown_extensions": [
            "tables",
            "admonition",
            "attr_list",
            {"toc": {"permalink": True}},
            {"pymdownx.snippets": {"base_path": [str(project)], "check_paths": True}},
            {"pymdownx.superfences": {"custom_fences": [{"name": "mermaid", "class": "mermaid", "format": "FENCE_FORMAT"}]}},
        ],
        "validation": {
            "nav": {"omitted_files": "warn", "not_found": "warn", "absolute_links": "warn"},
            "links": {"not_found": "warn", "anchors": "warn", "absolute_links": "warn", "unrecognized_links": "warn"},
        },
    }
    text = yaml.safe_dump(config, sort_keys=False)
    return text.replace("FENCE_FORMAT", "!!python/name:pymdownx.superfences.fence_code_format")


def convert_protocol(text: str, titles: dict[str, str], backlinks: list[str]) -> str:
    """One protocol page in Python-Markdown + pymdownx syntax."""
    meta = yaml.safe_load(_FRONT.match(text).group(1))  # type: ignore[union-attr]

    def link(pid: str) -> str:
        return f"[{pid} — {titles[pid]}]({pid}.md)"

    body = _PROTOCOL.sub(lambda m: link(m.group(1)), text)
    body = _TERM.sub(lambda m: f"[{m.group(1)}](../handbook/glossary.md#{slug(m.group(1))})", body)
    body = _NODE.sub(lambda m: f"**{m.group(1)}**", body)
    body = _VALUE.sub(lambda m: f"{KEYS[m.group(1)][1]} {KEYS[m.group(1)][2]}", body)
    body = _GRADE.sub(lambda m: f" *(grade {m.group(1)})*", body)
    body = _REGIMEN.sub(lambda m: regimen_table(m.group(1)), body)
    body = _MERMAID.sub(lambda m: f'```mermaid\n--8<-- "{m.group(1)}"\n```', body)
    header = f'!!! warning "{DRAFT_TITLE}"\n    {DRAFT_TEXT}\n\n' + governance_table(meta, link, backlinks)
    body = _H1.sub(lambda m: m.group(0) + "\n\n" + header, body, count=1)
    return body.rstrip() + "\n\n## Revision history\n\n" + history_table(meta)


def convert(n: int) -> Path:
    """Write the MkDocs project of the synthetic handbook of ``n`` protocols; returns its folder."""
    src = corpus_dir(n) / "src"
    project = corpus_dir(n, "peer") / "project"
    if project.exists():
        shutil.rmtree(project)
    docs = project / "docs"
    for folder in ("protocols", "handbook", "javascripts"):
        (docs / folder).mkdir(parents=True)
    shutil.copytree(src / "diagrams", project / "diagrams")
    pages = sorted(p for p in (src / "protocols").glob("BST-*.md"))
    texts = {p.stem: p.read_text(encoding="utf-8") for p in pages}
    metas = {pid: yaml.safe_load(_FRONT.match(t).group(1)) for pid, t in texts.items()}  # type: ignore[union-attr]
    titles = {pid: m["title"] for pid, m in metas.items()}
    referenced: dict[str, set[str]] = {}
    for pid, t in texts.items():
        for target in set(_PROTOCOL.findall(t)) | set(metas[pid].get("related") or []):
            if target != pid:
                referenced.setdefault(target, set()).add(pid)
    for pid, t in texts.items():
        (docs / "protocols" / f"{pid}.md").write_text(
            convert_protocol(t, titles, sorted(referenced.get(pid, ()))), encoding="utf-8"
        )
    rows = [
        (f"[{pid}]({pid}.md)", m["title"], m["type"], m["status"], str(m["version"]), m["owner"], str(m["review_due"]))
        for pid, m in sorted(metas.items())
    ]
    catalogue = _table(rows, ("Id", "Title", "Type", "Status", "Version", "Owner", "Review due"))
    (docs / "protocols" / "index.md").write_text(f"# Protocols\n\n{catalogue}", encoding="utf-8")
    terms = "".join(f"## {t}\n\nDefinition of {t}.\n\n" for t in TERMS)
    (docs / "handbook" / "glossary.md").write_text(f"# Glossary\n\n{terms}", encoding="utf-8")
    (docs / "index.md").write_text(
        "# Synthetic handbook\n\n- [Protocols](protocols/index.md)\n- [Glossary](handbook/glossary.md)\n", encoding="utf-8"
    )
    shutil.copyfile(MERMAID_UMD, docs / "javascripts" / "mermaid.min.js")
    for name, features in CONFIGS.items():
        (project / name).write_text(mkdocs_yml(project, features), encoding="utf-8")
    return project


def ensure_venv() -> Path:
    """The pinned MkDocs Material environment (created or repaired on demand); returns its ``mkdocs``."""
    stamp = VENV / ".installed"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not (stamp.is_file() and stamp.read_text() == wanted):
        if not (VENV / "bin" / "python").is_file():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [
                str(VENV / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
                str(REQUIREMENTS),
            ],
            check=True,
        )
        stamp.write_text(wanted)
    return VENV / "bin" / "mkdocs"


def build_command(project: Path, config: str, out: Path) -> list[str]:
    """``mkdocs build --strict`` (never ``-q``: it hides strict failures in MkDocs 1.6)."""
    return [str(VENV / "bin" / "mkdocs"), "build", "--strict", "-f", str(project / config), "-d", str(out)]


def serve_command(project: Path, config: str, port: int, dirty: bool = False) -> list[str]:
    """``mkdocs serve``: rebuilds the whole site on every change (``--dirty``: changed pages only)."""
    cmd = [str(VENV / "bin" / "mkdocs"), "serve", "-f", str(project / config), "-a", f"127.0.0.1:{port}"]
    return [*cmd, "--dirty"] if dirty else cmd


def strict_fails(project: Path) -> dict:
    """Plant a broken link in a peer project: ``--strict`` must fail and name it.

    Returns what happened, including whether ``-q`` hid the failure (mkdocs#4126).
    """
    page = sorted((project / "docs" / "protocols").glob("BST-*.md"))[0]
    original = page.read_text(encoding="utf-8")
    out = project.parent / "planted-site"
    try:
        page.write_text(original + "\nSee [a protocol that does not exist](BST-NOPE-99.md).\n", encoding="utf-8")
        loud = subprocess.run(build_command(project, "mkdocs.yml", out), capture_output=True, text=True, check=False)
        quiet = subprocess.run([*build_command(project, "mkdocs.yml", out), "-q"], capture_output=True, text=True, check=False)
    finally:
        page.write_text(original, encoding="utf-8")
        shutil.rmtree(out, ignore_errors=True)
    reported = "BST-NOPE-99.md" in loud.stderr + loud.stdout
    if loud.returncode == 0 or not reported:
        raise SystemExit(
            f"the peer build did not fail on a planted broken link (exit {loud.returncode}); "
            f"its validation settings are not strict:\n{loud.stderr[-2000:]}"
        )
    return {"strict_exit": loud.returncode, "quiet_strict_exit": quiet.returncode}
