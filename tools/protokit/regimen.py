"""Regimen blocks: what a ```` ```{regimen} ```` body means, for the rules and the table alike.

A systemic-therapy block has ``drugs:`` (one row per drug), a radiotherapy block
has ``schedules:`` (one row per schedule). The rules (P70x) check the rows
against ``protocols/drugs.yaml``; the build renders the same rows as a table.
Numbers are always written without a trailing zero and with a leading zero.
"""

from __future__ import annotations

import re
from typing import Any

from .formulary import Formulary
from .registry import number_text

SYSTEMIC, RADIOTHERAPY = "systemic", "radiotherapy"
#: The standing notice above every regimen table.
NOTICE = (
    "Reference schedule only. Prescribing happens in the electronic prescribing system, against the "
    "approved regimen; doses are adjusted as the prescribing protocol says, never from this table."
)
#: What each kind of block may hold (a key outside these is a typo the rules report).
TOP_KEYS = {
    SYSTEMIC: ("title", "note", "cycle", "cycles", "drugs", "source"),
    RADIOTHERAPY: ("title", "note", "schedules", "source"),
}
DRUG_KEYS = (
    "drug",
    "label",
    "arm",
    "dose",
    "qualifier",
    "unit",
    "basis",
    "per",
    "route",
    "how",
    "days",
    "cycle",
    "cycles",
    "cap",
    "notes",
    "source",
)
SCHEDULE_KEYS = ("setting", "total", "unit", "per_fraction", "fractions", "technique", "notes", "source")
#: ``dose:`` may say this instead of a number (folinic acid rescue, G-CSF).
PER_REGIMEN = "per approved regimen"
QUALIFIERS = ("at least", "up to", "about")
PER = ("dose", "day", "cycle")
_RANGE = re.compile(r"^\s*(?:days?\s+)?(\d+)\s*(?:-|–|to)\s*(\d+)\b", re.I)
_DAY_LIST = re.compile(r"^\s*(?:days?\s+)?(\d+(?:\s*(?:,|and)\s*\d+)*)\b", re.I)
_ONLY_DAYS = re.compile(r"^\s*(?:days?\s+)?\d+(?:\s*(?:,|and|-|–|to)\s*\d+)*\s*$", re.I)
#: "6", "6 (4 MAP, 2 MA)", "Up to 6", "5 VDC cycles: ..." -> 6, 6, 6, 5 (the most the text allows).
_CYCLES = re.compile(r"^\s*(?:up to\s+)?(\d+)\b", re.I)


def kind(data: Any) -> str | None:
    """``systemic`` (``drugs:``), ``radiotherapy`` (``schedules:``) or None."""
    if not isinstance(data, dict):
        return None
    has_drugs, has_schedules = "drugs" in data, "schedules" in data
    if has_drugs == has_schedules:
        return None
    return SYSTEMIC if has_drugs else RADIOTHERAPY


def rows(data: Any, key: str) -> list[tuple[int, dict]]:
    """The mapping rows of ``drugs:`` or ``schedules:``, with their index."""
    items = data.get(key) if isinstance(data, dict) else None
    return [(n, r) for n, r in enumerate(items) if isinstance(r, dict)] if isinstance(items, list) else []


def number(value: Any) -> float | None:
    """A YAML number (never a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def numbers(value: Any) -> tuple[float, ...] | None:
    """One number or a ``[low, high]`` pair, else None."""
    items = value if isinstance(value, list) else [value]
    found = [number(v) for v in items]
    if not 1 <= len(found) <= 2 or any(v is None for v in found):
        return None
    return tuple(v for v in found if v is not None)


def day_numbers(days: Any) -> list[int] | None:
    """The days of a cycle as numbers (``[1, 8]``, ``"1-5"``, ``"1 to 3"``, ``"1, 8 and 15"``), or None for text."""
    if isinstance(days, bool):
        return None
    if isinstance(days, int):
        return [days]
    if isinstance(days, list) and days and all(isinstance(d, int) and not isinstance(d, bool) for d in days):
        return list(days)
    if isinstance(days, str):  # text counts when it starts with its days: "Days 1 and 2 of each cycle"
        m = _RANGE.match(days)
        if m and int(m.group(1)) <= int(m.group(2)):
            return list(range(int(m.group(1)), int(m.group(2)) + 1))
        m = _DAY_LIST.match(days)
        if m:
            return [int(d) for d in re.findall(r"\d+", m.group(1))]
    return None


def cycle_count(cycles: Any) -> float | None:
    """The number of cycles to count: a number, or text that starts with one ("Up to 6", "6 (4 MAP, 2 MA)")."""
    found = number(cycles)
    if found is not None:
        return found
    m = _CYCLES.match(cycles) if isinstance(cycles, str) else None
    return float(m.group(1)) if m else None


def field(row: dict, data: dict, key: str) -> Any:
    """A row's value, else the block's default (``cycle``, ``cycles``)."""
    return row.get(key, data.get(key) if isinstance(data, dict) else None)


def course_total(row: dict, data: dict) -> tuple[float, str] | None:
    """A row's total over the course, e.g. ``(450.0, "37.5 × 2 days × 6 cycles")``; None when not countable."""
    dose, cycles = number(row.get("dose")), cycle_count(field(row, data, "cycles"))
    days = day_numbers(row.get("days"))
    if dose is None or cycles is None or (days is None and row.get("per") != "cycle"):
        return None
    per_cycle = 1 if row.get("per") == "cycle" else len(days or [])
    parts = [number_text(dose)]
    if per_cycle != 1:
        parts.append(f"{per_cycle} days")
    parts.append(f"{number_text(cycles)} cycle{'s' if cycles != 1 else ''}")
    return dose * per_cycle * cycles, " × ".join(parts)


# -- how a row reads in the table ------------------------------------------------------------


def _days_phrase(days: list[int]) -> str:
    if len(days) == 1:
        return f"Day {days[0]}"
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"Days {days[0]} to {days[-1]}"
    return "Days " + ", ".join(str(d) for d in days[:-1]) + f" and {days[-1]}"


def days_text(row: dict) -> str:
    """Days written as numbers read as a phrase ("Days 1 to 3"); days written as text stay as written."""
    days = row.get("days")
    if isinstance(days, str) and not _ONLY_DAYS.match(days):
        return days
    found = day_numbers(days)
    if found is not None:
        return _days_phrase(found)
    return "" if days is None else str(days)


def text_of(value: Any) -> str:
    """A cell's text: numbers without trailing zeros, lists joined, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, list):
        return " to ".join(text_of(v) for v in value)
    return str(value)


def drug_name(row: dict, formulary: Formulary) -> str:
    if isinstance(row.get("label"), str):
        return row["label"]
    drug = formulary.drug(str(row.get("drug", "")))
    return drug.name if drug else text_of(row.get("drug"))


_UNIT_PER_BASIS = {"per m2": "/m²", "per kg": "/kg"}


def dose_text(row: dict, formulary: Formulary) -> str:
    """``60 mg/m² per day``, ``160 mg``, ``At least 500 mg``, ``Per approved regimen``."""
    dose = row.get("dose")
    if isinstance(dose, str) and dose.strip().lower() == PER_REGIMEN:
        return "Per approved regimen"
    amount = text_of(dose)
    unit = text_of(row.get("unit"))
    basis = text_of(row.get("basis"))
    text = f"{amount} {unit}{_UNIT_PER_BASIS.get(basis, '')}".strip()
    if basis and basis not in _UNIT_PER_BASIS and basis != "flat":
        text += f" {formulary.bases.get(basis, basis)}"
    per = row.get("per")
    if per in PER:  # "per dose" only when the author says so (the default reads as a single dose)
        text += f" per {per}"
    qualifier = row.get("qualifier")
    if isinstance(qualifier, str) and qualifier:
        text = f"{qualifier[0].upper()}{qualifier[1:]} {text}"
    return text


def route_text(row: dict) -> str:
    route, how = text_of(row.get("route")), text_of(row.get("how"))
    if route.strip().lower() == PER_REGIMEN:
        route = "Per approved regimen"
    return f"{route} {how}".strip()


def rt_dose_text(value: Any, unit: str) -> str:
    text = text_of(value)
    return f"{text} {unit}" if text else ""
