"""Helpers shared by the dependency rules."""

from __future__ import annotations

import re

from superspec.enforce.graph import Coordinate, Dependency, DependencyGraph

_TIMESTAMP = re.compile(r"^(.*)-(\d{8}\.\d{6})-(\d+)$")


def is_snapshot(version: str) -> bool:
    """Maven's ``Artifact.isSnapshot``: ``-SNAPSHOT`` or a timestamped snapshot."""
    return version.upper().endswith("SNAPSHOT") or _TIMESTAMP.match(version) is not None


def base_version(version: str) -> str:
    """Maven's base version: ``1.0-20230101.120000-3`` -> ``1.0-SNAPSHOT``."""
    m = _TIMESTAMP.match(version)
    return f"{m.group(1)}-SNAPSHOT" if m else version


def checked(graph: DependencyGraph, search_transitive: bool = True) -> list[Dependency]:
    """The resolved dependencies a ban-style rule checks (direct ones only when not transitive)."""
    deps = list(graph.resolved.values())
    return deps if search_transitive else [d for d in deps if len(d.path) == 1]


def maven_classpath_edges(graph: DependencyGraph) -> list[Dependency]:
    """Edges Enforcer 3.1.0's convergence and upper-bound rules collect: compile/runtime scope,
    not optional, and not below an edge that is pruned for those reasons (a path is pruned with
    everything under it, as Maven's collector drops the node and its subtree)."""
    pruned: set[tuple[Coordinate, ...]] = set()
    out = []
    for dep in sorted(graph.dependencies, key=lambda d: len(d.path)):
        full = dep.path + (dep.coordinate,)
        if dep.coordinate.scope not in ("compile", "runtime") or dep.optional \
                or dep.path in pruned:
            pruned.add(full)
            continue
        out.append(dep)
    order = {id(d): i for i, d in enumerate(graph.dependencies)}
    return sorted(out, key=lambda d: order[id(d)])


def trails(deps: list[Dependency]) -> str:
    seen: list[str] = []
    for dep in deps:
        text = dep.trail()
        if text not in seen:
            seen.append(text)
    return "\n".join(seen)
