"""Read one YAML file into plain data plus the line of every key and list item.

Keys are always the text the user wrote (so ``on:`` stays ``"on"``, never ``True``); duplicate keys
and YAML merge keys are errors, since both would silently drop values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from superspec.errors import Location, SpecError

try:  # the C loader is ~10x faster; fall back to the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str, ...]


@dataclass
class Document:
    """A parsed YAML file: its data and the 1-based line of every path in it."""

    file: str
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its closest ancestor that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def parse_yaml(text: str, file: str) -> Document:
    """Parse ``text`` (the contents of ``file``) into a Document; errors name file:line:column."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecError(
            f"YAML syntax error: {problem}", location=Location(file, line, column)
        ) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise SpecError(f"YAML error: {exc}", location=Location(file)) from None
    doc = Document(file=file, data=None)
    if node is None:
        return doc
    doc.lines[()] = node.start_mark.line + 1
    doc.data = _convert(node, (), doc, yaml.constructor.SafeConstructor())
    return doc


def load_yaml(path: Path, display: str) -> Document:
    """Read and parse a YAML file; ``display`` is how errors name it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError("file not found", location=Location(display)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read: {exc}", location=Location(display)) from None
    return parse_yaml(text, display)


def _convert(
    node: yaml.Node, path: KeyPath, doc: Document, constructor: yaml.constructor.SafeConstructor
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SpecError(
                    "YAML merge keys ('<<') are not supported; use 'extends' to share values",
                    location=Location(doc.file, line, key=_dotted(path) or None),
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(
                    "mapping keys must be plain strings",
                    location=Location(doc.file, line, key=_dotted(path) or None),
                )
            key = str(key_node.value)
            child = path + (key,)
            if key in result:
                raise SpecError(
                    f"duplicate key '{key}' (first at line {doc.lines[child]})",
                    location=Location(doc.file, line, key=_dotted(child)),
                )
            doc.lines[child] = line
            result[key] = _convert(value_node, child, doc, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = path + (str(index),)
            doc.lines[child] = item.start_mark.line + 1
            items.append(_convert(item, child, doc, constructor))
        return items
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        raise SpecError(
            f"cannot read value: {exc.problem}",
            location=Location(doc.file, node.start_mark.line + 1, key=_dotted(path) or None),
        ) from None


def _dotted(path: KeyPath) -> str:
    return ".".join(path)
