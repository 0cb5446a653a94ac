"""Parse a POM into a small element tree that remembers line numbers (expat; namespaces dropped)."""

from __future__ import annotations

import os
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from superspec.errors import InputError


@dataclass
class Element:
    tag: str
    line: int
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def child(self, tag: str) -> Element | None:
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def children_of(self, tag: str, item: str) -> list[Element]:
        """``<tag><item/>...</tag>``: the ``item`` elements under the first ``tag`` child."""
        box = self.child(tag)
        return [c for c in box.children if c.tag == item] if box is not None else []

    def value(self, tag: str) -> str | None:
        """Trimmed text of the first ``tag`` child, None when absent."""
        c = self.child(tag)
        return c.text.strip() if c is not None else None


_CACHE: dict[Path, tuple[tuple[int, int], Element]] = {}  # path -> ((mtime_ns, size), tree)
_CACHE_LIMIT = 20000


def parse_pom(path: Path, display: str | None = None) -> Element:
    """Parse ``path``; the root must be ``<project>``. Errors are InputError ``file:line: ...``.

    Parsed trees are kept for the life of the process, keyed by path, modification time and
    size (callers must not modify them), so a repository's POMs are parsed once per process.
    """
    shown = display or str(path)
    try:
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size)
        hit = _CACHE.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{shown}: file not found") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    tree = parse_pom_bytes(data, shown)
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE[path] = (stamp, tree)
    return tree


# The parts of <project> dependency resolution reads; other sections (build, reporting,
# developers, ...) are checked for well-formedness but not kept.
KEPT = frozenset({"groupId", "artifactId", "version", "packaging", "parent", "properties",
                  "dependencies", "dependencyManagement", "profiles", "distributionManagement"})


def parse_pom_bytes(data: bytes, shown: str) -> Element:
    parser = xml.parsers.expat.ParserCreate()
    stack: list[Element] = []
    texts: list[list[str]] = []
    root: list[Element] = []
    skipping = [0]  # depth inside a section that is not kept

    def start(name: str, _attrs: dict[str, str]) -> None:
        tag = name.rsplit(":", 1)[-1]
        if skipping[0]:
            skipping[0] += 1
            return
        if len(stack) == 1 and tag not in KEPT and root[0].tag == "project":
            skipping[0] = 1
            return
        el = Element(tag, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)
        texts.append([])

    def end(_name: str) -> None:
        if skipping[0]:
            skipping[0] -= 1
            return
        el = stack.pop()
        el.text = "".join(texts.pop())

    def chars(data: str) -> None:
        if texts and not skipping[0]:
            texts[-1].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        message = xml.parsers.expat.ErrorString(exc.code)
        raise InputError(f"{shown}:{exc.lineno}: malformed XML: {message}") from None
    if not root or root[0].tag != "project":
        tag = root[0].tag if root else "nothing"
        line = root[0].line if root else 1
        raise InputError(f"{shown}:{line}: not a POM: the root element is <{tag}>, "
                         "expected <project>")
    return root[0]
