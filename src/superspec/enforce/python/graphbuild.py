"""Turn a table of locked Python packages into a DependencyGraph with a path for every edge."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from superspec.enforce.graph import Coordinate, Dependency, DependencyGraph
from superspec.enforce.locked import LockedDependency


@dataclass(frozen=True)
class Req:
    """``name`` asked for with ``specifier`` (PEP 440 text or ""), declared at ``source``."""

    name: str
    specifier: str = ""
    source: str | None = None
    version: str | None = None  # the lock names the exact version of this edge (uv forks)


@dataclass
class Pkg:
    name: str
    version: str
    requires: list[Req] = field(default_factory=list)
    origin: str = "registry"
    origin_ref: str = ""
    scope: str = "runtime"
    pinned: bool = True
    source: str | None = None


def norm(name: str) -> str:
    return canonicalize_name(name)


def site(pkg: Pkg) -> tuple[str, str, str | None]:
    """Where a package is pinned: one requirement line, one lock entry, one installed
    distribution. Two files pinning the same package are two sites, each judged."""
    return norm(pkg.name), pkg.version, pkg.source


def build_graph(root: Coordinate, roots: list[Req], packages: list[Pkg],
                inputs: list[Path]) -> DependencyGraph:
    """Breadth-first from ``roots``: every edge recorded with the shortest path that reaches its
    parent. ``resolved`` holds every pinned package (each requirement line, lock entry or
    installed distribution, so a version pinned in one file never hides another file's) by the
    nearest edge that reaches it; the same version from the same origin reached by the same path
    counts once. Locked packages no root reaches are attached to the root (they are installed all
    the same)."""
    by_name: dict[str, list[Pkg]] = {}
    for pkg in packages:
        by_name.setdefault(norm(pkg.name), []).append(pkg)
    graph = DependencyGraph(root=root, inputs=list(inputs))
    seen: set[tuple[str, str, str | None]] = set()
    queue: deque[tuple[list[Req], tuple[Coordinate, ...]]] = deque([(roots, (root,))])
    while True:
        while queue:
            reqs, path = queue.popleft()
            for req in reqs:
                chosen = _choose(by_name.get(norm(req.name), []), req)
                if chosen is None:
                    continue  # not installed for this platform / extra: nothing to check
                dep = _edge(chosen, req, path)
                graph.dependencies.append(dep)
                if site(chosen) not in seen:
                    seen.add(site(chosen))
                    graph.resolved.setdefault(
                        f"{dep.coordinate.key}@{dep.trail()} {chosen.origin}:{chosen.origin_ref}",
                        dep)
                    queue.append((chosen.requires, path + (dep.coordinate,)))
        orphans = [p for p in packages if site(p) not in seen]
        if not orphans:
            return graph
        queue.append(([Req(p.name, "", p.source, p.version) for p in orphans[:1]], (root,)))


def combine(root: Coordinate, graphs: list[DependencyGraph]) -> DependencyGraph:
    """One graph from several sources read side by side (a lock file and requirement files):
    every edge and every pinned package of each, inputs in reading order."""
    if len(graphs) == 1:
        return graphs[0]
    out = DependencyGraph(root=root)
    for graph in graphs:
        out.dependencies += graph.dependencies
        for key, dep in graph.resolved.items():
            out.resolved.setdefault(key, dep)
        out.inputs += [p for p in graph.inputs if p not in out.inputs]
    return out


def _choose(candidates: list[Pkg], req: Req) -> Pkg | None:
    if not candidates:
        return None
    if req.version is not None:
        exact = [p for p in candidates if p.version == req.version]
        for pkg in exact:
            if pkg.source == req.source:
                return pkg  # the very line that pins it (requirement files)
        if exact:
            return exact[0]
    if len(candidates) > 1 and req.specifier:
        try:
            spec = SpecifierSet(req.specifier)
            for pkg in candidates:
                if _contains(spec, pkg.version):
                    return pkg
        except InvalidSpecifier:
            pass
    return candidates[0]


def _contains(spec: SpecifierSet, version: str) -> bool:
    try:
        return spec.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _edge(pkg: Pkg, req: Req, path: tuple[Coordinate, ...]) -> Dependency:
    coordinate = Coordinate("python", norm(pkg.name), pkg.version, scope=pkg.scope, type="dist")
    return LockedDependency(coordinate=coordinate, path=path, source=req.source or pkg.source,
                            requested=req.specifier, origin=pkg.origin, origin_ref=pkg.origin_ref,
                            pinned=pkg.pinned)
