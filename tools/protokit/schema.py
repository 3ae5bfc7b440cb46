"""The protocol contract, read from ``protocols/schema.yaml``.

Code reads the contract from that one file; nothing repeats it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

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

    def required_sections(self, protocol_type: str) -> tuple[str, ...]:
        """Return the level-2 headings a protocol of this type needs, in order."""
        middle = self.sections_by_type.get(protocol_type, ())
        out: list[str] = []
        for name in self.common_sections:
            out.extend(middle if name == TYPE_SECTIONS else (name,))
        return tuple(out)


def _field(name: str, spec: dict) -> Field:
    return Field(
        name=name,
        kind=spec["kind"],
        required=bool(spec.get("required", False)),
        required_when=tuple(sorted((spec.get("required_when") or {}).items())),
        vocabulary=spec.get("vocabulary"),
        help=spec.get("help", ""),
    )


def parse_schema(data: dict) -> Schema:
    """Build a :class:`Schema` from the loaded YAML mapping."""
    try:
        sections = data["sections"]
        return Schema(
            id_pattern=re.compile(data["id_pattern"]),
            version_pattern=re.compile(data["version_pattern"]),
            fields={k: _field(k, v) for k, v in data["fields"].items()},
            vocabularies={k: tuple(v) for k, v in data["vocabularies"].items()},
            common_sections=tuple(sections["common"]),
            sections_by_type={k: tuple(v) for k, v in sections["by_type"].items()},
            retired_requires_one_of=tuple(data.get("retired_requires_one_of", ())),
            person_markers=tuple(data.get("person_markers", ())),
            prompts=dict(data.get("prompts") or {}),
            id_domains=dict(data.get("id_domains") or {}),
        )
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise SchemaError(f"{SCHEMA_FILE}: malformed schema ({exc!r})") from exc


def load_schema(path: Path | None = None) -> Schema:
    """Read and parse the schema file (default: the repository's)."""
    path = path or REPO_ROOT / SCHEMA_FILE
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SchemaError(f"{path}: cannot read the schema ({exc})") from exc
    if not isinstance(data, dict):
        raise SchemaError(f"{path}: the schema must be a YAML mapping")
    return parse_schema(data)


@lru_cache(maxsize=4)
def default_schema() -> Schema:
    """Return the repository's schema, read once per process."""
    return load_schema()
