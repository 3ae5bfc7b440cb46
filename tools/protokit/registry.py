"""The key numbers registry, read from ``protocols/key-values.yaml``.

A number the department states in more than one protocol (an interval, a
threshold, a time standard, a dose) is defined once there, with its unit, its
source and the role that owns it, and used in text through the ``{value}``
role. Problems in the file are findings with a line (never an exception), as
for the redirect map.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import frontmatter
from .settings import REGISTRY_FILE

#: A key: lower-case words joined by hyphens (``referral-bone-sarcoma-hours``).
KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: How a unit may be written by hand (used to find a restated number).
UNIT_FORMS = {
    "hours": ("hours", "hour", "h"),
    "days": ("days", "day"),
    "weeks": ("weeks", "week"),
    "months": ("months", "month"),
    "years": ("years", "year"),
    "minutes": ("minutes", "minute", "min"),
    "mg": ("mg",),
    "g": ("g",),
    "Gy": ("Gy",),
    "cm": ("cm",),
    "mL": ("mL", "ml"),
}


@dataclass(frozen=True)
class KeyValue:
    """One registry entry."""

    key: str
    label: str
    value: tuple[float, ...]  # one number, or the two ends of a range
    unit: str
    text: str  # what the role shows
    source: str
    owner: str
    protocol: str
    matches: tuple[str, ...]  # phrases that name this value in a sentence (lower case)
    line: int
    source_line: int


@dataclass(frozen=True)
class Registry:
    """Every key number, and the problems of the file (line, col, message)."""

    values: dict[str, KeyValue]
    problems: tuple[tuple[int, int, str], ...] = ()
    missing_source: tuple[tuple[int, int, str], ...] = ()


def number_text(value: float) -> str:
    """A number as the handbook writes it: no trailing zero, a leading zero (``0.5``, ``2``)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _numbers(raw: object) -> tuple[float, ...] | None:
    items = raw if isinstance(raw, list) else [raw]
    found = [float(v) for v in items if isinstance(v, int | float) and not isinstance(v, bool)]
    return tuple(found) if 1 <= len(found) == len(items) <= 2 else None


def default_text(value: tuple[float, ...], unit: str) -> str:
    number = " to ".join(number_text(v) for v in value)
    return f"{number} {unit}".strip()


def _entry(key: str, spec: dict, places: dict[str, tuple[int, int]], problems: list, unsourced: list) -> KeyValue | None:
    line, col = places.get(f"values.{key}:key", (1, 1))
    if not KEY.match(key):
        problems.append(
            (line, col, f'key "{key}" must be lower-case words joined by hyphens, e.g. "referral-bone-sarcoma-hours"')
        )
        return None
    value = _numbers(spec.get("value"))
    missing = [f for f in ("label", "unit", "owner") if not isinstance(spec.get(f), str)]
    if value is None:
        where = places.get(f"values.{key}.value", (line, col))
        problems.append((*where, f'"{key}": value must be a number or [low, high], e.g. 72 or [3, 6]'))
    if missing:
        problems.append((line, col, f'"{key}" needs {", ".join(missing)} (text); see the comment at the top of {REGISTRY_FILE}'))
    source = spec.get("source")
    if not isinstance(source, str) or not source.strip():
        unsourced.append(
            (line, col, f'"{key}" has no source: add source: with the guideline, trial or "local practice" it rests on')
        )
    if value is None or missing:
        return None
    unit = spec["unit"]
    text = spec["text"] if isinstance(spec.get("text"), str) else default_text(value, unit)
    matches = spec.get("matches") or [spec["label"]]
    return KeyValue(
        key=key,
        label=spec["label"],
        value=value,
        unit=unit,
        text=text,
        source=source if isinstance(source, str) else "",
        owner=spec["owner"],
        protocol=spec["protocol"] if isinstance(spec.get("protocol"), str) else "",
        matches=tuple(str(m).lower() for m in matches if isinstance(m, str) and m.strip()),
        line=line,
        source_line=places.get(f"values.{key}.source", (line, col))[0],
    )


def parse_registry(text: str) -> Registry:
    """Parse the registry file's text (never raises)."""
    data, places, defects = frontmatter.load_with_places(text, 1)
    if defects:
        return Registry({}, tuple((d.line, d.col, f"{REGISTRY_FILE} is not valid YAML ({d.kind}: {d.detail})") for d in defects))
    table = data.get("values") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return Registry({}, ((1, 1, f"{REGISTRY_FILE} must have a 'values:' mapping of key -> entry"),))
    problems: list[tuple[int, int, str]] = []
    unsourced: list[tuple[int, int, str]] = []
    values = {}
    for key, spec in table.items():
        if not isinstance(spec, dict):
            line, col = places.get(f"values.{key}:key", (1, 1))
            problems.append((line, col, f'"{key}" must be a mapping with value, unit, label, source and owner'))
            continue
        entry = _entry(str(key), spec, places, problems, unsourced)
        if entry:
            values[entry.key] = entry
    return Registry(values, tuple(problems), tuple(unsourced))


@lru_cache(maxsize=8)
def _cached(path: Path, mtime: float) -> Registry:
    try:
        return parse_registry(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return Registry({}, ((1, 1, f"cannot read {REGISTRY_FILE}: {exc}"),))


def load_registry(root: Path) -> Registry:
    """The registry of a handbook tree (empty when the tree has none)."""
    path = root / REGISTRY_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Registry({})
    return _cached(path, mtime)
