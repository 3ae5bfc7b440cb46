"""Did-you-mean suggestions for messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(value: str, choices: Iterable[str]) -> str | None:
    """Return the choice closest to ``value`` (case-insensitive), or None."""
    pool = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(value.lower(), list(pool), n=1, cutoff=0.6)
    return pool[close[0]] if close else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """Return '; did you mean "x"?' for the closest choice, or ''."""
    match = closest(value, choices)
    return f'; did you mean "{match}"?' if match else ""


def one_of(choices: Iterable[str]) -> str:
    """Render a short list of valid values for a message."""
    items = sorted(choices)
    shown = ", ".join(items[:12])
    return shown + (", ..." if len(items) > 12 else "")
