"""The change feed: an Atom feed (RFC 4287) of the handbook's releases.

One entry per release, newest first: the protocols added, changed (old and new
version, the history entry, a link to the redline) and retired, each linked to
its page in that release of the archive. Links are ``BASE_URL`` + path: give
``make versions BASE_URL=https://intranet.example/handbook/`` and every link is
absolute (with a path such as ``/handbook/`` they are absolute paths, which feed
readers resolve against the feed's own address). Written with ``feedgen``; the
tests read it back with ``feedparser``. No Sphinx import.
"""

from __future__ import annotations

import datetime as dt
import html
import uuid

from feedgen.feed import FeedGenerator

FEED_FILE = "releases.atom"
FEED_TYPE = "application/atom+xml"
FEED_TITLE = "Handbook releases"


def _when(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _urn(text: str) -> str:
    """A stable, absolute id (atom:id must be an absolute IRI even when links are paths)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, text).urn


def _item(release: dict, pid: str, title: str) -> str:
    url = f"{release['url']}protocols/{pid}.html"
    return f'<a href="{html.escape(url)}">{html.escape(pid)} — {html.escape(title)}</a>'


def entry_html(release: dict) -> str:
    """The entry's content: what was added, changed and retired, with links."""
    notes, parts = release["notes"], []
    if notes["added"]:
        items = [
            f"<li>{_item(release, n['id'], n['title'])}, version {html.escape(str(n['version']))}</li>" for n in notes["added"]
        ]
        parts.append(f"<p>Added:</p><ul>{''.join(items)}</ul>")
    if notes["changed"]:
        items = []
        for n in notes["changed"]:
            redline = f"{release['url']}changes/{n['id']}.html"
            items.append(
                f"<li>{_item(release, n['id'], n['title'])}: version {html.escape(str(n['old_version']))} → "
                f"{html.escape(str(n['new_version']))}. {html.escape(n['summary'] or '')} "
                f'<a href="{html.escape(redline)}">What changed</a></li>'
            )
        parts.append(f"<p>Changed:</p><ul>{''.join(items)}</ul>")
    if notes["retired"]:
        items = [
            f"<li>{_item(release, n['id'], n['title'])}, retired on {html.escape(str(n.get('retired_on') or '—'))}"
            + (f", replaced by {html.escape(n['superseded_by'])}" if n.get("superseded_by") else "")
            + "</li>"
            for n in notes["retired"]
        ]
        parts.append(f"<p>Retired:</p><ul>{''.join(items)}</ul>")
    if notes["removed"]:
        items = [f"<li>{html.escape(n['id'])} — {html.escape(n['title'])}</li>" for n in notes["removed"]]
        parts.append(f"<p>Removed from the handbook:</p><ul>{''.join(items)}</ul>")
    return "".join(parts) or "<p>No protocol changed.</p>"


def entry_summary(release: dict) -> str:
    """One line of plain text: the counts and the changed protocols' versions."""
    notes = release["notes"]
    counts = [f"{len(notes[k])} {k}" for k in ("added", "changed", "retired", "removed") if notes[k]]
    changed = [
        f"{n['id']} {n['old_version']} → {n['new_version']}" + (f": {n['summary']}" if n.get("summary") else "")
        for n in notes["changed"]
    ]
    text = ", ".join(counts) or "no protocol changed"
    return text + (f" ({'; '.join(changed)})" if changed else "")


def atom(data: dict, author: str, fallback_epoch: int = 0) -> bytes:
    """The feed of every release in ``data`` (release data, see :mod:`protokit.releases`)."""
    base = data.get("base_url") or "/"
    releases = data["releases"]
    fg = FeedGenerator()
    fg.id(_urn(f"{base}{FEED_FILE}"))
    fg.title(FEED_TITLE)
    fg.author({"name": author})
    fg.language("en")
    fg.generator("protokit")
    fg.link(href=f"{base}latest/{FEED_FILE}", rel="self", type=FEED_TYPE)
    fg.link(href=f"{base}latest/handbook/releases.html", rel="alternate", type="text/html")
    fg.subtitle("Protocols added, changed and retired in each release of the handbook.")
    fg.updated(_when(releases[-1]["epoch"] if releases else fallback_epoch))
    for release in reversed(releases):
        fe = fg.add_entry(order="append")
        fe.id(_urn(f"{base}{release['name']}"))
        fe.title(f"Release {release['name']} ({release['date']})")
        fe.published(_when(release["epoch"]))
        fe.updated(_when(release["epoch"]))
        fe.link(href=f"{release['url']}handbook/releases.html", rel="alternate", type="text/html")
        fe.summary(entry_summary(release))
        fe.content(entry_html(release), type="html")
    return fg.atom_str(pretty=True)
