"""The Maven reader's full tree equals ``mvn dependency:tree -Dverbose`` for every parity case:
same nodes in the same order, versions, scopes, and which occurrences lost (omitted for
duplicate / for conflict with the winner's version)."""

from __future__ import annotations

import re

import pytest

from superspec.enforce.graph import DependencyGraph
from superspec.enforce.maven import read_maven_project
from tests.enforce.parity import harness

_LINE = re.compile(r"^\[INFO\] ((?:[| ] {2})*)[+\\]- (\(?)([^ )]+)(.*)$")


def maven_tree(section: str) -> list[str]:
    """Normalized lines: '<depth> g:a:type:version:scope [omitted for ...]'."""
    out = []
    for raw in section.splitlines():
        m = _LINE.match(raw)
        if not m:
            continue
        depth = len(m.group(1)) // 3 + 1
        coord, rest = m.group(3), m.group(4)
        omitted = re.search(r"omitted for (duplicate|conflict with \S+?)\)?$", rest)
        out.append(f"{depth} {coord}" + (f" [omitted for {omitted.group(1)}]" if omitted else ""))
    return out


def our_tree(graph: DependencyGraph) -> list[str]:
    """Our edges as Maven prints the verbose tree (pre-order, declaration order)."""
    children: dict[tuple, list] = {}
    for d in graph.dependencies:
        children.setdefault(d.path, []).append(d)
    lines: list[str] = []

    def walk(path: tuple) -> None:
        for d in children.get(path, []):
            c = d.coordinate
            classifier = f":{c.classifier}" if c.classifier else ""
            text = f"{len(path)} {c.name}:{c.type}{classifier}:{c.version}:{c.scope}"
            winner = graph.resolved[c.key]
            if winner is d:
                lines.append(text)
                walk(path + (c,))
            elif winner.coordinate.version == c.version:
                lines.append(text + " [omitted for duplicate]")
            else:
                lines.append(text + f" [omitted for conflict with {winner.coordinate.version}]")

    walk((graph.root,))
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("case", harness.case_names())
def test_resolved_tree_matches_maven_dependency_tree(case: str, maven_oracles: dict) -> None:
    work = maven_oracles["tree_work"]
    section = maven_oracles["tree"].get(case)
    assert section is not None, maven_oracles["tree_log"][-3000:]
    graph = read_maven_project(work.root / case, work.repo)
    assert our_tree(graph) == maven_tree(section)
