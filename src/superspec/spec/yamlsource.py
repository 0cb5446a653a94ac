"""Read one YAML file into plain data plus the line of every key and list item.

Keys are always the text the user wrote (so ``on:`` stays ``"on"``, never ``True``); duplicate keys
and YAML merge keys are errors, since both would silently drop values. Anchors and aliases work,
within limits a hostile file cannot get around: aliases may add at most ``ALIAS_BUDGET`` values to
a document, an alias may not sit inside its own anchor, and values nest at most ``MAX_DEPTH`` deep.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

from superspec.errors import Location, SpecError
from superspec.fileio import NotRegularFile, read_regular
from superspec.spec.yamlerrors import yaml_problem

try:  # the C loader is ~10x faster; fall back to the pure-Python one
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

KeyPath = tuple[str, ...]

ALIAS_BUDGET = 10_000  # values that aliases may add to one document (a billion laughs adds 10**9)
MAX_DEPTH = 100  # nesting levels (the reader is recursive; real specs stay below 10)
# in a double-quoted scalar, escapes can name code points no generated file can hold: lone
# surrogates (not characters; only the pure-Python reader lets them through) and U+FFFF, which
# Groovy 2.4 reads as the end of the file wherever it appears in a Jenkinsfile
_UNWRITABLE = re.compile(r"[\ud800-\udfff\uffff]")


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
        raise SpecError(f"YAML syntax error: {_problem(exc)}", location=_located(
            file, exc.problem_mark or exc.context_mark)) from None
    except yaml.YAMLError as exc:  # e.g. a reader error on a control character
        raise SpecError(f"YAML error: {yaml_problem(exc, text)}", location=Location(file)) from None
    except RecursionError:  # the pure-Python composer recurses once per nesting level
        raise SpecError(f"YAML values nest more than {MAX_DEPTH} levels deep",
                        location=Location(file)) from None
    doc = Document(file=file, data=None)
    if node is None:
        return doc
    if "&" in text and "*" in text:  # else there is no anchor or no alias
        _check_aliases(text, file)
    doc.lines[()] = node.start_mark.line + 1
    doc.data = _convert(node, (), doc, yaml.constructor.SafeConstructor())
    return doc


def load_yaml(path: Path, display: str) -> Document:
    """Read and parse a YAML file; ``display`` is how errors name it. Only a regular file is
    read: a FIFO or a device is refused without waiting for a writer."""
    try:
        data = read_regular(path)
    except NotRegularFile as exc:
        raise SpecError(str(exc), location=Location(display)) from None
    except OSError as exc:
        raise SpecError(open_problem(exc), location=Location(display)) from None
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise SpecError(f"cannot read: not UTF-8 text ({exc.reason} at byte {exc.start})",
                        location=Location(display)) from None
    return parse_yaml(text, display)


def open_problem(exc: OSError) -> str:
    """Why a file could not be opened, for a message after its name."""
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    return f"cannot read: {exc.strerror or exc}"


def _problem(exc: yaml.MarkedYAMLError) -> str:
    if exc.context and "duplicate anchor" in exc.context and exc.context_mark:
        return f"duplicate anchor (first at line {exc.context_mark.line + 1})"
    return exc.problem or exc.context or "invalid YAML"


class _Mark(Protocol):  # PyYAML's Mark, or the C reader's
    line: int
    column: int


def _located(file: str, mark: _Mark | None) -> Location:
    return Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)


def _check_aliases(text: str, file: str) -> None:
    """Refuse an alias inside its own anchor and aliases adding over ALIAS_BUDGET values.

    The composed tree holds one shared node per anchor, so it stays small; ``_convert`` copies
    it out for every alias. The copies are counted here from the parser's events (the size of
    each anchored value, aliases in it included), before any is made, and the alias that would
    go over the budget is the one named.
    """
    sizes: dict[str, int] = {}  # anchor -> values one alias to it adds
    anchors: list[str | None] = []  # of the open collections, outermost first
    counts: list[int] = []  # values in each open collection so far
    added = 0
    for event in yaml.parse(text, Loader=_Loader):
        anchor: str | None = None
        if isinstance(event, yaml.CollectionStartEvent):
            anchors.append(event.anchor)
            counts.append(1)
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, count = anchors.pop(), counts.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, count = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            name = str(event.anchor)
            if name in anchors:
                raise SpecError(f"recursive alias '*{name}': it is inside the value it refers "
                                "to", location=_located(file, event.start_mark))
            count = sizes.get(name, 0)  # the composer already refused undefined aliases
            added += count
            if added > ALIAS_BUDGET:
                raise SpecError(f"YAML aliases expand to more than {ALIAS_BUDGET} values (at "
                                f"'*{name}'); write the values out or share fewer",
                                location=_located(file, event.start_mark))
        else:
            continue
        if anchor is not None:
            sizes[anchor] = count
        if counts:
            counts[-1] += count


def _convert(
    node: yaml.Node, path: KeyPath, doc: Document, constructor: yaml.constructor.SafeConstructor
) -> Any:
    if len(path) >= MAX_DEPTH and isinstance(node, yaml.CollectionNode):
        raise SpecError(f"YAML values nest more than {MAX_DEPTH} levels deep",
                        location=Location(doc.file, node.start_mark.line + 1, key=path[0]))
    if isinstance(node, yaml.ScalarNode) and node.style == '"':
        _check_writable(node, path, doc)
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
            if key_node.style == '"':
                _check_writable(key_node, path, doc)
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


def _check_writable(node: yaml.ScalarNode, path: KeyPath, doc: Document) -> None:
    found = _UNWRITABLE.search(node.value)
    if found is None:
        return
    code = ord(found.group())
    why = ("Groovy reads it as the end of a Jenkinsfile" if code == 0xFFFF else
           "a lone surrogate is not a character")
    raise SpecError(f"U+{code:04X} is not allowed: {why}", location=Location(
        doc.file, node.start_mark.line + 1, key=_dotted(path) or None))


def _dotted(path: KeyPath) -> str:
    return ".".join(path)
