"""Dates as the front matter writes them (``YYYY-MM-DD`` text; YAML timestamps are off)."""

from __future__ import annotations

import datetime as dt


def as_date(value) -> dt.date | None:
    """The date a ``YYYY-MM-DD`` string names, or None."""
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None
