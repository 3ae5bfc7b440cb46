"""Releases from git: tags, each release's protocols, release notes, "in force on a date".

A release is an annotated git tag ``v*``. Everything here is computed from git,
so it is the same for a developer, CI and ``make versions``; the result is plain
JSON (``release_data``) that builds of old releases receive through the
``HANDBOOK_RELEASE_DATA`` environment variable (their tree has no ``.git``).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .model import Document
from .parse import parse_text

DEVELOPMENT = "development"
DATA_ENV = "HANDBOOK_RELEASE_DATA"
RELEASE_ENV = "HANDBOOK_RELEASE"
BASE_URL_ENV = "HANDBOOK_BASE_URL"


class GitError(Exception):
    """git is missing or the folder is not a repository."""


def git(repo: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise GitError(f"git is not available ({exc})") from exc
    if proc.returncode != 0:
        raise GitError(proc.stderr.strip() or f"git {' '.join(args)} failed")
    return proc.stdout


@dataclass(frozen=True)
class Tag:
    name: str
    date: str  # ISO date of the tag
    epoch: int  # tagger time, for SOURCE_DATE_EPOCH


def list_tags(repo: Path) -> list[Tag]:
    """Annotated ``v*`` tags, oldest first."""
    out = git(
        repo, "for-each-ref", "--sort=taggerdate", "--format=%(objecttype) %(refname:short) %(taggerdate:unix)", "refs/tags/v*"
    )
    tags = []
    for line in out.splitlines():
        kind, name, epoch = line.split()
        if kind == "tag":  # lightweight tags are not releases
            tags.append(Tag(name, _iso(int(epoch)), int(epoch)))
    return tags


def _iso(epoch: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(epoch, dt.UTC).date().isoformat()


def current_release(repo: Path) -> str:
    """The release being built: $HANDBOOK_RELEASE, the tag at HEAD, or "development"."""
    if os.environ.get(RELEASE_ENV):
        return os.environ[RELEASE_ENV]
    try:
        return git(repo, "describe", "--tags", "--exact-match", "--match", "v*", "HEAD").strip() or DEVELOPMENT
    except GitError:
        return DEVELOPMENT


def protocols_at(repo: Path, ref: str) -> dict[str, dict]:
    """Front matter of every protocol at a git ref: id -> {meta, text_hash}."""
    names = git(repo, "ls-tree", "--name-only", ref, "protocols/").split()
    found = {}
    for name in names:
        if not name.endswith(".md") or name.endswith("/index.md"):
            continue
        text = git(repo, "show", f"{ref}:{name}")
        doc = parse_text(name, text)
        if doc.is_protocol and doc.pid and isinstance(doc.meta, dict):
            found[doc.pid] = {
                "meta": _jsonable(doc.meta),
                "title": doc.title,
                "path": name,
                "body": body_hash(text),
                "text": text,
            }
    return found


def protocols_in_tree(root: Path) -> dict[str, dict]:
    docs = []
    for path in sorted((root / "protocols").glob("*.md")):
        docs.append(parse_text(f"protocols/{path.name}", path.read_text(encoding="utf-8", errors="replace")))
    return protocols_of(docs)


def protocols_of(docs: Iterable[Document]) -> dict[str, dict]:
    """What a release records of each protocol, from parsed pages (the build passes its own)."""
    found = {}
    for doc in sorted(docs, key=lambda d: d.path):
        if doc.is_protocol and doc.pid and isinstance(doc.meta, dict):
            found[doc.pid] = {
                "meta": _jsonable(doc.meta),
                "title": doc.title,
                "path": doc.path,
                "body": body_hash(doc.text),
                "text": doc.text,
            }
    return found


def body_hash(text: str) -> str:
    """A hash of the text after the front matter (a change to it needs a version bump)."""
    import hashlib

    parts = text.split("---\n", 2)
    body = parts[2] if text.startswith("---\n") and len(parts) == 3 else text
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value if isinstance(value, (str, int, float, bool)) or value is None else str(value)


def _summary(meta: dict, version) -> str:
    for entry in meta.get("history") or []:
        if isinstance(entry, dict) and entry.get("version") == version:
            return str(entry.get("summary", ""))
    return ""


def compare(old: dict[str, dict], new: dict[str, dict]) -> dict[str, list]:
    """Release notes: protocols added, changed (old -> new version, summary), retired, removed."""
    notes: dict[str, list] = {"added": [], "changed": [], "retired": [], "removed": []}
    for pid in sorted(new):
        meta = new[pid]["meta"]
        if pid not in old:
            notes["added"].append({"id": pid, "title": new[pid]["title"], "version": meta.get("version")})
            continue
        before = old[pid]["meta"]
        if meta.get("status") == "retired" and before.get("status") != "retired":
            notes["retired"].append(
                {
                    "id": pid,
                    "title": new[pid]["title"],
                    "superseded_by": meta.get("superseded_by"),
                    "retired_on": meta.get("retired_on"),
                }
            )
        elif before.get("version") != meta.get("version") or old[pid]["body"] != new[pid]["body"]:
            notes["changed"].append(
                {
                    "id": pid,
                    "title": new[pid]["title"],
                    "old_version": before.get("version"),
                    "new_version": meta.get("version"),
                    "summary": _summary(meta, meta.get("version")),
                }
            )
    notes["removed"] = [{"id": pid, "title": old[pid]["title"]} for pid in sorted(set(old) - set(new))]
    return notes


def release_data(repo: Path, base_url: str = "/") -> dict:
    """Every release: date, notes against the previous one, and each protocol's versions.

    ``texts`` maps each protocol text's ``body`` hash to the text itself, once per
    distinct text: the redlines ("What changed") compare them.
    """
    releases = []
    texts: dict[str, str] = {}
    previous: dict[str, dict] = {}
    for tag in list_tags(repo):
        current = protocols_at(repo, tag.name)
        for p in current.values():
            texts.setdefault(p["body"], p["text"])
        protocols = {
            pid: {
                "title": p["title"],
                "version": p["meta"].get("version"),
                "status": p["meta"].get("status"),
                "body": p["body"],
                "effective_date": p["meta"].get("effective_date"),
                "retired_on": p["meta"].get("retired_on"),
                "history": p["meta"].get("history") or [],
                "url": f"{base_url}{tag.name}/protocols/{pid}.html",
                "short_title": p["meta"].get("short_title"),
            }
            for pid, p in current.items()
        }
        releases.append(
            {
                "name": tag.name,
                "date": tag.date,
                "epoch": tag.epoch,
                "url": f"{base_url}{tag.name}/",
                "notes": compare(previous, current),
                "protocols": protocols,
            }
        )
        previous = current
    return {"base_url": base_url, "releases": releases, "texts": dict(sorted(texts.items()))}


def timeline(data: dict) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """Each protocol's dated events across releases, oldest first.

    An approved version is in force from its ``effective_date``; a retired
    protocol stops on ``retired_on``. Drafts are never in force. Each event links
    to the first release that carried it. The "in force" page looks dates up in
    this data in the browser (``static/protokit-in-force.js``, tested in Chromium).
    Returns the events per protocol and where each protocol first appeared.
    """
    events: dict[str, dict[tuple, dict]] = {}
    titles: dict[str, dict] = {}
    for release in data["releases"]:
        for pid, p in release["protocols"].items():
            titles.setdefault(pid, {"title": p["title"], "url": p["url"], "release": release["name"]})
            found = events.setdefault(pid, {})
            for date, state in _events_of(p):
                found.setdefault(
                    (date, state, p["version"]),
                    {
                        "since": date,
                        "state": state,
                        "version": p["version"],
                        "release": release["name"],
                        "url": p["url"],
                        "title": p["title"],
                    },
                )
    return {pid: [found[k] for k in sorted(found)] for pid, found in sorted(events.items())}, titles


def _events_of(p: dict) -> list[tuple[str, str]]:
    """The dated events one release's copy of a protocol declares."""
    out = []
    if p["status"] == "approved" and p.get("effective_date"):
        out.append((p["effective_date"], "in force"))
    if p["status"] == "retired" and p.get("retired_on"):
        out.append((p["retired_on"], "retired"))
    return out


def load_release_data(root: Path) -> dict | None:
    """Release data for a build: from $HANDBOOK_RELEASE_DATA, else from git, else None."""
    path = os.environ.get(DATA_ENV)
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        return release_data(root, os.environ.get(BASE_URL_ENV, "/"))
    except GitError:
        return None
