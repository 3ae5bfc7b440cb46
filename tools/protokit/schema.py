"""The protocol contract, read from ``protocols/schema.yaml``.

Code reads the contract from that one file; nothing repeats it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import frontmatter
from .settings import REPO_ROOT, SCHEMA_FILE

TYPE_SECTIONS = "{type-sections}"


class SchemaError(Exception):
    """The schema file itself is unreadable or malformed (exit code 2)."""


@dataclass(frozen=True)
class Field:
    """One front-matter field of the contract."""

    name: str
    kind: str
    required: bool
    required_when: tuple[tuple[str, str], ...]
    vocabulary: str | None
    help: str


#: Bounds used when a schema does not set its own (``limits:``).
DEFAULT_LIMITS = {"page_bytes": 1_000_000, "diagram_bytes": 200_000, "front_matter_bytes": 32_768, "front_matter_depth": 6}


@dataclass(frozen=True)
class Allowed:
    """The allow-lists: what a page may contain (``allowed:`` in the schema)."""

    protocol_directives: frozenset[str] = frozenset()
    page_directives: frozenset[str] = frozenset()  # in addition to the protocol ones
    protocol_roles: frozenset[str] = frozenset()
    page_roles: frozenset[str] = frozenset()
    html: dict[str, frozenset[str]] = field(default_factory=dict)
    url_schemes: frozenset[str] = frozenset({"http", "https", "mailto"})
    path_roots: tuple[str, ...] = ("protocols", "handbook", "diagrams", "index.md")

    def directives(self, is_protocol: bool) -> frozenset[str]:
        return self.protocol_directives if is_protocol else self.protocol_directives | self.page_directives

    def roles(self, is_protocol: bool) -> frozenset[str]:
        return self.protocol_roles if is_protocol else self.protocol_roles | self.page_roles


def _allowed(data: dict) -> Allowed:
    def pair(key: str) -> tuple[frozenset[str], frozenset[str]]:
        spec = data.get(key) or {}
        return frozenset(spec.get("protocol") or ()), frozenset(spec.get("page") or ())

    directives, roles = pair("directives"), pair("roles")
    return Allowed(
        protocol_directives=directives[0],
        page_directives=directives[1],
        protocol_roles=roles[0],
        page_roles=roles[1],
        html={str(tag).lower(): frozenset(a.lower() for a in attrs or ()) for tag, attrs in (data.get("html") or {}).items()},
        url_schemes=frozenset(s.lower() for s in data.get("url_schemes") or ("http", "https", "mailto")),
        path_roots=tuple(data.get("path_roots") or Allowed.path_roots),
    )


_GRADE = re.compile(r"^\s*([IV]+)\s*[,;/ ]\s*([A-Z])\s*$")


@dataclass(frozen=True)
class EvidenceGrades:
    """The evidence-grade vocabulary (``evidence_grades:``): ESMO levels and grades, and other kinds."""

    levels: dict[str, str] = field(default_factory=dict)  # "I" -> what it means
    grades: dict[str, str] = field(default_factory=dict)  # "A" -> what it means
    other: dict[str, str] = field(default_factory=dict)  # "local" -> what it means
    source: str = ""

    def parse(self, text: str) -> str | None:
        """The canonical form of a grade (``"IV,B"``, ``"local"``), or None when unknown."""
        word = text.strip().lower()
        for key in self.other:
            if word == key.lower():
                return key
        m = _GRADE.match(text.upper())
        if m and m.group(1) in self.levels and m.group(2) in self.grades:
            return f"{m.group(1)},{m.group(2)}"
        return None

    def label(self, canonical: str) -> str:
        """How the badge reads: ``ESMO IV, B``, ``Local practice``."""
        if "," in canonical:
            level, grade = canonical.split(",")
            return f"ESMO {level}, {grade}"
        return {"local": "Local practice", "consensus": "Consensus"}.get(canonical, canonical.capitalize())

    def title(self, canonical: str) -> str:
        """The badge's tooltip: what the level and grade mean."""
        if "," in canonical:
            level, grade = canonical.split(",")
            return f"Level {level}: {self.levels[level]} Grade {grade}: {self.grades[grade]}"
        return self.other.get(canonical, "")


def _grades(data: dict) -> EvidenceGrades:
    spec = data.get("evidence_grades") or {}
    return EvidenceGrades(
        levels={str(k): str(v) for k, v in (spec.get("levels") or {}).items()},
        grades={str(k): str(v) for k, v in (spec.get("grades") or {}).items()},
        other={str(k): str(v) for k, v in (spec.get("other") or {}).items()},
        source=str(spec.get("source") or ""),
    )


@dataclass(frozen=True)
class Schema:
    """The parsed contract: fields, vocabularies and required sections."""

    id_pattern: re.Pattern[str]
    version_pattern: re.Pattern[str]
    fields: dict[str, Field]
    vocabularies: dict[str, tuple[str, ...]]
    common_sections: tuple[str, ...]
    sections_by_type: dict[str, tuple[str, ...]]
    retired_requires_one_of: tuple[str, ...]
    person_markers: tuple[str, ...]
    prompts: dict[str, str]
    id_domains: dict[str, str]
    allowed: Allowed = field(default_factory=lambda: Allowed())
    review_horizon_years: int = 5
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    #: Human labels of vocabulary values ("upper-limb" -> "Upper limb"); slugs stay the stored values.
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Sections a reader meets first on the page, straight under the status line.
    page_lead: tuple[str, ...] = ()
    #: Longest ``short_title`` (the matrix and other tight places show it).
    short_title_max: int = 40
    suppressible: tuple[str, ...] = ("P1", "P2", "P3", "P4", "P503", "P6")
    #: Which protocol types may hold a regimen block of each kind (systemic, radiotherapy).
    regimen_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    evidence_grades: EvidenceGrades = field(default_factory=EvidenceGrades)
    #: The section whose every list item needs an evidence grade.
    graded_section: str = "Key recommendations"

    def label(self, vocabulary: str, value) -> str:
        """The human label of a vocabulary value (the value itself when it has none)."""
        text = "" if value is None else str(value)
        return self.labels.get(vocabulary, {}).get(text, text)

    def required_sections(self, protocol_type: str) -> tuple[str, ...]:
        """Return the level-2 headings a protocol of this type needs, in order."""
        middle = self.sections_by_type.get(protocol_type, ())
        out: list[str] = []
        for name in self.common_sections:
            out.extend(middle if name == TYPE_SECTIONS else (name,))
        return tuple(out)


def _has_repeat_or_branch(items) -> bool:
    from re import _constants as c  # type: ignore[attr-defined]  # the compiler's own opcodes

    for op, arg in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT, c.BRANCH):
            return True
        if op == c.SUBPATTERN and _has_repeat_or_branch(arg[-1]):
            return True
    return False


def _walk_repeats(items) -> str | None:
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[1] > 1 and _has_repeat_or_branch(arg[2]):
            return "a repeated group that itself repeats or has alternatives"
        children = arg[-1] if op == c.SUBPATTERN else arg[2] if op in (c.MAX_REPEAT, c.MIN_REPEAT) else None
        if op == c.BRANCH:
            for branch in arg[1]:
                if problem := _walk_repeats(branch):
                    return problem
        elif children is not None and (problem := _walk_repeats(children)):
            return problem
    return None


def safe_pattern(key: str, pattern: str) -> re.Pattern[str]:
    """Compile a schema pattern, refusing shapes that can backtrack for ever.

    ``(a+)+`` or ``(a|aa)*`` take exponential time on a near-miss: one such
    pattern in the schema would hang every check and build.
    """
    from re import _parser  # type: ignore[attr-defined]

    if not isinstance(pattern, str) or len(pattern) > 500:
        raise SchemaError(f"{SCHEMA_FILE}: {key} must be a pattern of at most 500 characters")
    try:
        problem = _walk_repeats(_parser.parse(pattern))
    except re.error as exc:
        raise SchemaError(f"{SCHEMA_FILE}: {key} is not a valid pattern ({exc})") from exc
    if problem:
        raise SchemaError(f"{SCHEMA_FILE}: {key} {pattern!r} has {problem}, which can hang the checker; simplify it")
    return re.compile(pattern)


def _field(name: str, spec: dict) -> Field:
    return Field(
        name=name,
        kind=spec["kind"],
        required=bool(spec.get("required", False)),
        required_when=tuple(sorted((spec.get("required_when") or {}).items())),
        vocabulary=spec.get("vocabulary"),
        help=spec.get("help", ""),
    )


def _default_label(slug: str) -> str:
    text = str(slug).replace("-", " ")
    return text[:1].upper() + text[1:]


def _vocabulary(name: str, spec) -> tuple[tuple[str, ...], dict[str, str]]:
    """A vocabulary written as a list of slugs, or as ``slug: Label`` pairs."""
    if isinstance(spec, dict):
        return tuple(str(k) for k in spec), {str(k): str(v) if v else _default_label(k) for k, v in spec.items()}
    if isinstance(spec, list):
        return tuple(str(v) for v in spec), {str(v): _default_label(v) for v in spec}
    raise SchemaError(f'{SCHEMA_FILE}: vocabulary {name!r} must be a list or "slug: Label" lines')


def parse_schema(data: dict) -> Schema:
    """Build a :class:`Schema` from the loaded YAML mapping."""
    try:
        sections = data["sections"]
        return Schema(
            id_pattern=safe_pattern("id_pattern", data["id_pattern"]),
            version_pattern=safe_pattern("version_pattern", data["version_pattern"]),
            fields={k: _field(k, v) for k, v in data["fields"].items()},
            vocabularies={k: _vocabulary(k, v)[0] for k, v in data["vocabularies"].items()},
            labels={k: _vocabulary(k, v)[1] for k, v in data["vocabularies"].items()},
            common_sections=tuple(sections["common"]),
            sections_by_type={k: tuple(v) for k, v in sections["by_type"].items()},
            retired_requires_one_of=tuple(data.get("retired_requires_one_of", ())),
            person_markers=tuple(data.get("person_markers", ())),
            prompts=dict(data.get("prompts") or {}),
            id_domains=dict(data.get("id_domains") or {}),
            allowed=_allowed(data.get("allowed") or {}),
            review_horizon_years=int(data.get("review_horizon_years", 5)),
            limits=DEFAULT_LIMITS | {k: int(v) for k, v in (data.get("limits") or {}).items()},
            page_lead=tuple(str(s) for s in data.get("page_lead") or ()),
            short_title_max=int(data.get("short_title_max", 40)),
            suppressible=tuple(str(c) for c in data.get("suppressible") or ("P1", "P2", "P3", "P4", "P503", "P6")),
            regimen_types={str(k): tuple(v or ()) for k, v in (data.get("regimen_types") or {}).items()},
            evidence_grades=_grades(data),
            graded_section=str((data.get("evidence_grades") or {}).get("section") or "Key recommendations"),
        )
    except KeyError as exc:
        raise SchemaError(f"{SCHEMA_FILE}: the schema has no {exc.args[0]!r} entry; restore it from Git") from exc
    except (TypeError, AttributeError, ValueError, re.error) as exc:
        raise SchemaError(f"{SCHEMA_FILE}: the schema is malformed ({exc}); restore it from Git") from exc


def load_schema(path: Path | None = None) -> Schema:
    """Read and parse the schema file (default: the repository's)."""
    path = path or REPO_ROOT / SCHEMA_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SchemaError(f"{path}: cannot read the schema ({exc}); restore it from Git") from exc
    data, _, defects = frontmatter.load(text, 1)
    if defects:
        d = defects[0]
        raise SchemaError(
            f"{path}:{d.line}:{d.col}: the schema is not valid ({d.kind}: {d.detail}); fix that line or restore the file from Git"
        )
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: the schema must be a YAML mapping")
    return parse_schema(data)


@lru_cache(maxsize=4)
def default_schema() -> Schema:
    """Return the repository's schema, read once per process."""
    return load_schema()
