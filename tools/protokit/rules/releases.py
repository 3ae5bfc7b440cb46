"""P6xx: releases: version bumps since a release, and the redirect map."""

from __future__ import annotations

from ..redirects import REDIRECTS_FILE
from ..releases import body_hash
from . import rule
from .governance import version_key

#: Fields whose change alone needs no new version (bookkeeping, not content).
BOOKKEEPING = {"version", "history", "review_due"}


@rule("P601", "unversioned-change")
def unversioned_change(doc, ctx):
    """A protocol changed since the given release (``--since``) without a version bump and history entry.

    Bad: editing the Procedure section of a released protocol and leaving ``version: "1.2"``.

    Good: ``version: "1.3"`` and a new history entry at the top saying what changed.
    """
    if ctx.since is None or doc.pid not in ctx.since:
        return
    old = ctx.since[doc.pid]
    meta = doc.meta or {}
    changed = old["body"] != body_hash(doc.text) or {k: v for k, v in old["meta"].items() if k not in BOOKKEEPING} != {
        k: v for k, v in meta.items() if k not in BOOKKEEPING
    }
    before, now = old["meta"].get("version"), meta.get("version")
    if isinstance(before, str) and isinstance(now, str) and before != now:
        old_key, new_key = version_key(before), version_key(now)
        if old_key is not None and new_key is not None and new_key < old_key:
            yield (
                doc.field_line("version"),
                1,
                f'"version" went down from "{before}" in {ctx.since_ref} to "{now}"; a new version is always higher',
            )
            return
    if not changed:
        return
    if old["meta"].get("version") == meta.get("version"):
        yield (
            doc.field_line("version"),
            1,
            (
                f'the protocol changed since {ctx.since_ref} but "version" is still '
                f'"{meta.get("version")}"; raise it and add a history entry'
            ),
        )
        return
    history = meta.get("history") if isinstance(meta.get("history"), list) else []
    newest = history[0].get("version") if history and isinstance(history[0], dict) else None
    if newest != meta.get("version"):
        yield (
            doc.field_line("history"),
            1,
            f'the protocol changed since {ctx.since_ref}: add a history entry for version "{meta.get("version")}"',
        )


@rule("P602", "redirect-target-missing", scope="project")
def redirect_target_missing(ctx):
    """The redirect map sends an old address to a page that does not exist.

    Bad: ``protocols/BST-OLD-01: protocols/BST-SURG-9`` (a typo).

    Good: ``protocols/BST-OLD-01: protocols/BST-SURG-09``.
    """
    docnames = ctx.index.docnames
    for line, problem in ctx.redirect_problems:
        yield REDIRECTS_FILE, line, 1, problem
    for old, (new, line) in sorted(ctx.redirects.items()):
        if new not in docnames:
            yield REDIRECTS_FILE, line, 1, f'redirect from "{old}" goes to "{new}", which is not a page'


@rule("P603", "redirect-overwrites-page", scope="project")
def redirect_overwrites(ctx):
    """The redirect map would replace a live page with a redirect.

    Bad: ``protocols/BST-SURG-01: protocols/BST-SURG-02`` while BST-SURG-01 still exists.

    Good: redirect only addresses that no page uses any more (retired pages stay, with their banner).
    """
    docnames = ctx.index.docnames
    for old, (_new, line) in sorted(ctx.redirects.items()):
        if old in docnames:
            yield (
                REDIRECTS_FILE,
                line,
                1,
                f'redirect from "{old}" would overwrite a live page; remove the entry (a retired page keeps its address)',
            )
