"""``make versions``: build every release (annotated tag ``v*``) from its own tree.

    python -m protokit.versions [--force] [--base-url /handbook/] [--out _build/versions]

Each tag is exported with ``git archive`` (never the current tree with an old
label) and built strict into ``<out>/<tag>/``. A release already built is not
rebuilt: releases are immutable once built (``--force`` repairs). Then
``versions.json`` (the switcher's list), ``latest/`` and ``index.html`` are written.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

from .releases import BASE_URL_ENV, DATA_ENV, RELEASE_ENV, GitError, list_tags, release_data
from .settings import REPO_ROOT

VERSIONS_JSON = "versions.json"
INDEX = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Handbook releases</title>
<meta http-equiv="refresh" content="0; url={latest}/">
</head><body><p>The current release is <a href="{latest}/">{latest}</a>.</p>
<ul>
{items}
</ul></body></html>
"""


def progress(message: str) -> None:
    print(f"[versions] {message}", flush=True)


def export(repo: Path, tag: str, dest: Path) -> None:
    """Extract the tree of ``tag`` into ``dest`` (git archive, no .git)."""
    archive = subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", tag], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")


def build_release(repo: Path, tag, out: Path, data_file: Path, base_url: str) -> None:
    work = out / f".{tag.name}.build"
    shutil.rmtree(work, ignore_errors=True)
    src = work / "src"
    export(repo, tag.name, src)
    # The npm packages are not in git: the release's build uses this checkout's.
    if (repo / "node_modules").is_dir() and not (src / "node_modules").exists():
        (src / "node_modules").symlink_to(repo / "node_modules", target_is_directory=True)
    env = {
        **os.environ,
        RELEASE_ENV: tag.name,
        DATA_ENV: str(data_file),
        BASE_URL_ENV: base_url,
        "HANDBOOK_VERSIONS_JSON": f"../{VERSIONS_JSON}",
        "SOURCE_DATE_EPOCH": str(tag.epoch),
    }
    cmd = [
        sys.executable,
        "-m",
        "sphinx",
        "-b",
        "html",
        "-n",
        "-W",
        "--keep-going",
        "-q",
        "-d",
        str(work / "doctrees"),
        str(src),
        str(work / "html"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"[versions] {tag.name}: the build failed:\n{proc.stderr[-4000:]}")
    target = out / tag.name
    shutil.rmtree(target, ignore_errors=True)
    (work / "html").rename(target)
    shutil.rmtree(work, ignore_errors=True)


def write_index(out: Path, tags: list, base_url: str) -> None:
    newest = tags[-1]
    entries = [
        {
            "name": f"{t.name} (latest)" if t is newest else t.name,
            "version": t.name,
            "url": f"{base_url}{t.name}/",
            "date": t.date,
            **({"preferred": True} if t is newest else {}),
        }
        for t in reversed(tags)
    ]
    (out / VERSIONS_JSON).write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    latest = out / "latest"
    shutil.rmtree(latest, ignore_errors=True)
    shutil.copytree(out / newest.name, latest)
    items = "\n".join(f'<li><a href="{t.name}/">{t.name}</a> ({t.date})</li>' for t in reversed(tags))
    (out / "index.html").write_text(INDEX.format(latest=newest.name, items=items), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make versions", description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=REPO_ROOT)
    parser.add_argument("--out", type=Path, default=None, help="default: <repo>/_build/versions")
    parser.add_argument("--base-url", default="/", help="URL path where the archive is served (default: /)")
    parser.add_argument("--force", action="store_true", help="rebuild releases that are already built (repairs only)")
    args = parser.parse_args(argv)
    base_url = args.base_url if args.base_url.endswith("/") else args.base_url + "/"
    out = (args.out or args.repo / "_build" / "versions").resolve()
    try:
        tags = list_tags(args.repo)
    except GitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not tags:
        print(
            "error: no release yet: a release is an annotated tag, e.g. git tag -a v2026.1 -m 'Release 2026.1'", file=sys.stderr
        )
        return 2
    out.mkdir(parents=True, exist_ok=True)
    data_file = out / "release-data.json"
    data_file.write_text(json.dumps(release_data(args.repo, base_url), indent=1, sort_keys=True), encoding="utf-8")
    for n, tag in enumerate(tags, start=1):
        if (out / tag.name / "index.html").is_file() and not args.force:
            progress(f"{n}/{len(tags)} {tag.name}: already built, skipped (releases are immutable; --force to rebuild)")
            continue
        progress(f"{n}/{len(tags)} {tag.name}: building from its own tree ({tag.date})")
        build_release(args.repo, tag, out, data_file, base_url)
    write_index(out, tags, base_url)
    progress(f"done: {len(tags)} release(s) in {out}; newest {tags[-1].name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
