"""The drug vocabulary, read from ``protocols/drugs.yaml``.

The clinicians' file says which drugs, units, dose bases and routes a regimen
block may use, each drug's required cap and cumulative-dose class, and the
limit and equivalence factors of each class, with their sources. Code reads it;
nothing repeats it. A malformed file stops the checker and the build with one
located line (exit 2), as a malformed schema does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import frontmatter
from .schema import SchemaError
from .settings import FORMULARY_FILE, REPO_ROOT

_CAP = re.compile(r"^[\s*_]*(\d+(?:\.\d+)?)\s*([A-Za-zµμ]+)")


def parse_amount(text: object) -> tuple[float, str] | None:
    """``"2 mg per dose"`` (or ``"**2 mg per dose**"``) -> ``(2.0, "mg")``; None when the text does not start with an amount."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text), ""
    m = _CAP.match(str(text))
    return (float(m.group(1)), m.group(2)) if m else None


@dataclass(frozen=True)
class Drug:
    """One drug of the vocabulary."""

    key: str
    name: str
    cap: tuple[float, str] | None = None  # the largest single dose, e.g. (2.0, "mg")
    cap_text: str = ""
    routes: tuple[str, ...] = ()  # empty: any allowed route
    cumulative: str | None = None  # the cumulative-dose class, e.g. "anthracycline"


@dataclass(frozen=True)
class DoseClass:
    """A cumulative-dose class: one limit for the sum of its drugs' equivalent doses."""

    key: str
    label: str
    unit: str
    basis: str
    limit: float
    factors: dict[str, float]
    source: str


@dataclass(frozen=True)
class Formulary:
    """What a regimen block may name (``protocols/drugs.yaml``)."""

    units: tuple[str, ...]
    unit_aliases: dict[str, str]
    bases: dict[str, str]  # key -> how it reads in a table
    routes: tuple[str, ...]
    rt_units: tuple[str, ...]
    drugs: dict[str, Drug]
    classes: dict[str, DoseClass] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def drug(self, name: str) -> Drug | None:
        """The drug called ``name`` (its key, its name or an alias; any case)."""
        key = self._names.get(str(name).strip().lower())
        return self.drugs.get(key) if key else None

    @property
    def names(self) -> list[str]:
        return sorted(self.drugs)


def _str_list(data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{FORMULARY_FILE}: '{key}' must be a list of words")
    return tuple(value)


def _drug(key: str, spec: object, classes: dict[str, DoseClass]) -> Drug:
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SchemaError(f"{FORMULARY_FILE}: drug '{key}' needs a 'name'")
    cap = parse_amount(spec["cap"]) if spec.get("cap") is not None else None
    if spec.get("cap") is not None and cap is None:
        raise SchemaError(f"{FORMULARY_FILE}: drug '{key}': cap must be an amount such as '2 mg'")
    cumulative = spec.get("cumulative")
    if cumulative is not None and (cumulative not in classes or key not in classes[cumulative].factors):
        raise SchemaError(f"{FORMULARY_FILE}: drug '{key}': cumulative class '{cumulative}' is unknown or has no factor for it")
    return Drug(
        key=key,
        name=spec["name"],
        cap=cap,
        cap_text=str(spec.get("cap") or ""),
        routes=_str_list(spec, "routes"),
        cumulative=cumulative,
    )


def _class(key: str, spec: object) -> DoseClass:
    if not isinstance(spec, dict):
        raise SchemaError(f"{FORMULARY_FILE}: cumulative class '{key}' must be a mapping")
    try:
        factors = {str(k): float(v) for k, v in (spec.get("factors") or {}).items()}
        return DoseClass(
            key=key,
            label=str(spec["label"]),
            unit=str(spec["unit"]),
            basis=str(spec["basis"]),
            limit=float(spec["limit"]),
            factors=factors,
            source=str(spec["source"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SchemaError(
            f"{FORMULARY_FILE}: cumulative class '{key}' needs label, unit, basis, limit, factors and source ({exc})"
        ) from exc


def parse_formulary(data: object) -> Formulary:
    """Build a :class:`Formulary` from the loaded YAML mapping."""
    if not isinstance(data, dict):
        raise SchemaError(f"{FORMULARY_FILE}: the file must be a YAML mapping")
    classes = {str(k): _class(str(k), v) for k, v in (data.get("cumulative") or {}).items()}
    drugs_spec = data.get("drugs")
    if not isinstance(drugs_spec, dict) or not drugs_spec:
        raise SchemaError(f"{FORMULARY_FILE}: 'drugs' must map each drug to its entry")
    drugs = {str(k): _drug(str(k), v, classes) for k, v in drugs_spec.items()}
    names: dict[str, str] = {}
    for key, spec in drugs_spec.items():
        aliases = spec.get("aliases") or [] if isinstance(spec, dict) else []
        for name in (key, drugs[str(key)].name, *aliases):
            names.setdefault(str(name).lower(), str(key))
    bases = data.get("bases") or {}
    if not isinstance(bases, dict):
        raise SchemaError(f"{FORMULARY_FILE}: 'bases' must map each basis to how it reads")
    aliases = data.get("unit_aliases") or {}
    return Formulary(
        units=_str_list(data, "units"),
        unit_aliases={str(k): str(v) for k, v in aliases.items()} if isinstance(aliases, dict) else {},
        bases={str(k): str(v) for k, v in bases.items()},
        routes=_str_list(data, "routes"),
        rt_units=_str_list(data, "rt_units") or ("Gy",),
        drugs=drugs,
        classes=classes,
        _names=names,
    )


def load_formulary(path: Path) -> Formulary:
    """Read and parse a drug vocabulary file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read the drug vocabulary ({exc}); restore it from Git") from exc
    data, _, defects = frontmatter.load(text, 1)
    if defects:
        d = defects[0]
        raise SchemaError(f"{path}:{d.line}:{d.col}: the drug vocabulary is not valid ({d.kind}: {d.detail}); fix that line")
    try:
        return parse_formulary(data)
    except SchemaError as exc:
        raise SchemaError(f"{path}: {str(exc).split(': ', 1)[-1]}") from None


@lru_cache(maxsize=8)
def _cached(path: Path, mtime: float) -> Formulary:
    return load_formulary(path)


def project_formulary(root: Path) -> Formulary:
    """The drug vocabulary of a handbook tree: its own file, else this repository's."""
    path = root / FORMULARY_FILE
    if not path.is_file():
        path = REPO_ROOT / FORMULARY_FILE
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read the drug vocabulary ({exc}); restore it from Git") from exc
    return _cached(path, mtime)
