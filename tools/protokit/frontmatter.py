"""Read YAML front matter strictly: duplicate keys rejected, key lines kept.

Timestamps are not resolved implicitly, so dates arrive as strings and the
checker can say exactly what is wrong with one instead of YAML raising.
"""

from __future__ import annotations

from typing import Any

import yaml

from .model import Defect

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _walk_mappings(node: yaml.Node, offset: int, out: list[Defect]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen:
                    out.append(
                        Defect(
                            "duplicate-key",
                            key.start_mark.line + offset,
                            key.start_mark.column + 1,
                            key.value,
                        )
                    )
                seen.add(key.value)
            _walk_mappings(value, offset, out)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk_mappings(item, offset, out)


#: Deeper nesting than this is refused before YAML builds anything (a recursion bomb).
MAX_DEPTH = 20


def _refuse_bombs(text: str, first_line: int) -> Defect | None:
    """Refuse anchors and aliases (an alias bomb) and deep nesting, before any value is built.

    Front matter has no use for ``&anchor``/``*alias``; ten lines of them can make
    a structure of billions of items that the build would try to print.
    """
    depth = 0
    try:
        for token in yaml.scan(text, Loader=_Loader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                kind = "anchor" if isinstance(token, yaml.AnchorToken) else "alias"
                mark = token.start_mark
                return Defect("yaml-alias", mark.line + first_line, mark.column + 1, f"{kind} {token.value}")
            if isinstance(
                token,
                (
                    yaml.BlockMappingStartToken,
                    yaml.BlockSequenceStartToken,
                    yaml.FlowMappingStartToken,
                    yaml.FlowSequenceStartToken,
                ),
            ):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = token.start_mark
                    return Defect("yaml-too-deep", mark.line + first_line, mark.column + 1, str(MAX_DEPTH))
            elif isinstance(token, (yaml.BlockEndToken, yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
                depth -= 1
    except yaml.YAMLError:
        return None  # load() reports the syntax error with its position
    return None


def _places(node: yaml.Node, offset: int, path: str, out: dict[str, tuple[int, int]]) -> None:
    """Record where each value starts, by dotted path (``drugs.0.dose``)."""
    out.setdefault(path, (node.start_mark.line + offset, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                child = f"{path}.{key.value}" if path else str(key.value)
                out.setdefault(child + ":key", (key.start_mark.line + offset, key.start_mark.column + 1))
                _places(value, offset, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            _places(item, offset, f"{path}.{n}" if path else str(n), out)


def load_with_places(text: str, first_line: int) -> tuple[Any, dict[str, tuple[int, int]], list[Defect]]:
    """Like :func:`load`, but return where every value starts (line, column) by dotted path.

    Used for YAML blocks inside pages (regimens), whose findings point at the
    exact field. Never raises.
    """
    bomb = _refuse_bombs(text, first_line)
    if bomb:
        return None, {}, [bomb]
    defects: list[Defect] = []
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, defects
        _walk_mappings(node, first_line, defects)
        places: dict[str, tuple[int, int]] = {}
        _places(node, first_line, "", places)
        return loader.construct_document(node), places, defects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        col = mark.column + 1 if mark else 1
        defects.append(Defect("yaml-error", line, col, exc.problem or exc.context or "invalid YAML"))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        defects.append(Defect("yaml-error", first_line, 1, str(exc).splitlines()[0]))
    finally:
        loader.dispose()
    return None, {}, defects


def load(text: str, first_line: int) -> tuple[Any, dict[str, int], list[Defect]]:
    """Load front matter whose first content line is ``first_line`` (1-based).

    Returns the data (None when unreadable), the line of each top-level key,
    and defects (YAML errors, duplicate keys). Never raises.
    """
    defects: list[Defect] = []
    bomb = _refuse_bombs(text, first_line)
    if bomb:
        return None, {}, [bomb]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}, defects
        _walk_mappings(node, first_line, defects)
        lines: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            for key, _ in node.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault(key.value, key.start_mark.line + first_line)
        return loader.construct_document(node), lines, defects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        col = mark.column + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        defects.append(Defect("yaml-error", line, col, problem))
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        defects.append(Defect("yaml-error", first_line, 1, str(exc).splitlines()[0]))
    finally:
        loader.dispose()
    return None, {}, defects
