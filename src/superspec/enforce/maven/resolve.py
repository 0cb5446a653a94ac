"""Maven dependency resolution: the full tree, nearest-wins, scopes, exclusions, optional.

Mirrors Maven 3 (Maven Resolver with the classic dependency manager):

* the project's direct dependencies are taken in every scope; a dependency's own ``test`` and
  ``provided`` dependencies and its ``optional`` ones are not transitive (checked on the declared
  values, before management, as Maven's selectors do);
* exclusions (``*`` wildcards included) accumulate down a path and prune the excluded subtree;
* the project's dependencyManagement (with inherited and imported entries) overrides version,
  scope, optional and adds exclusions for transitive dependencies (depth >= 2);
* scopes propagate by Maven's table (``JavaScopeDeriver``);
* conflicts: the nearest wins, the first declaration at equal depth; the winner's scope is the
  direct dependency's own when one is direct, else the widest scope among its occurrences
  (``JavaScopeSelector``); losers are kept as edges but their subtrees are not expanded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from superspec.enforce.graph import Coordinate, Dependency, DependencyGraph
from superspec.enforce.maven.model import Dep, MissingPom, Model, ModelBuilder
from superspec.enforce.maven.repository import Repository, extension_and_classifier
from superspec.enforce.maven.settings import local_repository
from superspec.enforce.maven.versions import ComparableVersion, InvalidVersionRange, VersionRange
from superspec.errors import InputError

_SCOPE_ORDER = ("compile", "runtime", "provided", "test")


@dataclass(frozen=True)
class MavenDependency(Dependency):
    """A Maven edge; also says what the declaring POM asked for before the project's
    dependencyManagement changed it (None when management left it alone)."""

    premanaged_version: str | None = None
    premanaged_scope: str | None = None
    descriptor_missing: bool = False  # its POM is missing or invalid: its dependencies unknown


@dataclass
class MavenGraph(DependencyGraph):
    """A Maven ``DependencyGraph`` plus the warnings Maven would print while collecting it
    (a dependency's POM missing or invalid), each located at the declaring POM line."""

    warnings: list[str] = field(default_factory=list)


def derive_scope(parent: str, child: str) -> str:
    """The scope a dependency gets below a parent of scope ``parent`` (Maven's table)."""
    if child in ("system", "test") or parent in ("", "compile"):
        return child
    if parent in ("test", "runtime"):
        return parent
    if parent in ("system", "provided"):
        return "provided"
    return "runtime"


def effective_scope(scopes: set[str]) -> str:
    if len(scopes) > 1:
        scopes = scopes - {"system"}
    if len(scopes) == 1:
        return next(iter(scopes))
    for s in _SCOPE_ORDER:
        if s in scopes:
            return s
    return "compile"


@dataclass
class _Node:
    dep: Dep  # after management, with the resolved version
    coord: Coordinate
    path: tuple[Coordinate, ...]
    depth: int
    exclusions: frozenset[tuple[str, str]]
    premanaged: tuple[str | None, str | None] = (None, None)  # version, scope
    descriptor_missing: bool = False


class _Resolver:
    def __init__(self, builder: ModelBuilder, root: Model) -> None:
        self.builder = builder
        self.root = root
        self.management = {m.management_key: m for m in root.management}
        self.inputs: list[Path] = list(root.files)
        self._seen_inputs = set(self.inputs)
        self.warnings: list[str] = []

    def version_of(self, d: Dep) -> str:
        v = d.version or ""
        if v[:1] in ("[", "("):
            try:
                spec = VersionRange.parse(v)
            except InvalidVersionRange as exc:
                raise InputError(f"{d.where}: invalid version range {v!r}: {exc}") from None
            best = self.builder.repo.highest_in(d.group, d.artifact, spec)
            if best is None:
                raise InputError(f"{d.where}: no version of {d.group}:{d.artifact} in range {v} "
                                 f"in the local repository {self.builder.repo.root}")
            return best
        return v

    def run(self, scope_override: dict[str, str]) -> tuple[list[_Node], dict[str, _Node],
                                                          dict[str, set[str]]]:
        root_coord = Coordinate("maven", f"{self.root.group}:{self.root.artifact}",
                                self.root.version, "compile", "", self.root.packaging)
        edges: list[_Node] = []
        winners: dict[str, _Node] = {}
        scopes: dict[str, set[str]] = {}
        queue: deque[_Node] = deque()
        queue.extend(_siblings([self._node(d, d.scope or "compile", (root_coord,), 1,
                                           frozenset(d.exclusions))
                                for d in self.root.dependencies]))
        while queue:
            node = queue.popleft()
            edges.append(node)
            key = node.coord.key
            scopes.setdefault(key, set()).add(node.coord.scope)
            if key in winners:
                continue
            winners[key] = node
            scope = scope_override.get(key, node.coord.scope)
            if scope != node.coord.scope:
                node.coord = Coordinate("maven", node.coord.name, node.coord.version, scope,
                                        node.coord.classifier, node.coord.type)
            if scope == "system":
                continue
            try:
                model = self.builder.artifact(node.dep.group, node.dep.artifact,
                                              node.coord.version, node.dep.where)
            except InputError as exc:
                # Maven's behaviour: warn, keep the node, leave its dependencies unknown
                node.descriptor_missing = True
                self._warn(node, exc)
                continue
            for f in model.files:
                if f not in self._seen_inputs:
                    self._seen_inputs.add(f)
                    self.inputs.append(f)
            path = node.path + (node.coord,)
            children: list[_Node] = []
            for child in model.dependencies:
                declared = child.scope or "compile"
                if declared in ("test", "provided") or child.optional:
                    continue
                if _excluded(child, node.exclusions):
                    continue
                managed = self._manage(child)
                child_scope = derive_scope(scope, managed.scope or "compile")
                new = self._node(managed, child_scope, path, node.depth + 1,
                                 node.exclusions | frozenset(managed.exclusions))
                if managed is not child:
                    new.premanaged = (
                        child.version if managed.version != child.version else None,
                        (child.scope or "compile")
                        if (managed.scope or "compile") != (child.scope or "compile") else None)
                if _excluded(new.dep, node.exclusions):
                    continue  # relocated onto an excluded artifact
                children.append(new)
            queue.extend(_siblings(children))
        return edges, winners, scopes

    def _warn(self, node: _Node, exc: InputError) -> None:
        gav = f"{node.dep.group}:{node.dep.artifact}:{node.coord.version}"
        if isinstance(exc, MissingPom):
            pom = self.builder.repo.root / self.builder.repo.relative_pom(
                node.dep.group, node.dep.artifact, node.coord.version)
            text = (f"{node.dep.where}: the POM for {gav} is missing, no dependency "
                    f"information available (no {pom})")
        else:
            text = (f"the POM for {gav} is invalid, transitive dependencies (if any) will not "
                    f"be available: {exc}")
        if text not in self.warnings:
            self.warnings.append(text)

    def _manage(self, d: Dep) -> Dep:
        m = self.management.get(d.management_key)
        if m is None:
            return d
        excl = d.exclusions + tuple(x for x in m.exclusions if x not in d.exclusions)
        return Dep(d.group, d.artifact, m.version or d.version, d.type, d.classifier,
                   m.scope or d.scope, d.optional, excl, d.where)

    def _node(self, d: Dep, scope: str, path: tuple[Coordinate, ...], depth: int,
              exclusions: frozenset[tuple[str, str]]) -> _Node:
        version = self.version_of(d)
        if scope != "system":
            group, artifact, version = self.builder.relocation(d.group, d.artifact, version)
            if (group, artifact) != (d.group, d.artifact):
                d = Dep(group, artifact, version, d.type, d.classifier, d.scope, d.optional,
                        d.exclusions, d.where)
        classifier = extension_and_classifier(d.type, d.classifier)[1]  # test-jar -> tests
        coord = Coordinate("maven", f"{d.group}:{d.artifact}", version, scope, classifier,
                           d.type)
        return _Node(Dep(d.group, d.artifact, version, d.type, d.classifier, scope,
                         d.optional, d.exclusions, d.where), coord, path, depth, exclusions)


def _siblings(nodes: list[_Node]) -> list[_Node]:
    """Siblings asking for the same package (two declarations relocated onto one artifact):
    as Maven Resolver's nearest-version selector does for siblings, the highest version is
    kept, at the first one's place; the others are dropped."""
    kept: dict[str, int] = {}
    out: list[_Node] = []
    for n in nodes:
        at = kept.get(n.coord.key)
        if at is None:
            kept[n.coord.key] = len(out)
            out.append(n)
        elif ComparableVersion(n.coord.version) > ComparableVersion(out[at].coord.version):
            out[at] = n
    return out


def _excluded(d: Dep, exclusions: frozenset[tuple[str, str]]) -> bool:
    return any((g in ("*", d.group)) and (a in ("*", d.artifact)) for g, a in exclusions)


# repository root -> the builder every project of a multi-project run shares (None: no run)
_SHARED: dict[str, ModelBuilder] | None = None


@contextmanager
def shared_models() -> Iterator[None]:
    """Within the block, projects resolved against the same local repository share one model
    builder, as Maven's reactor does: each repository POM is parsed and its model built once.
    A dependency's model depends on its own POMs only, and every model lists the files it was
    built from, so each project still records every input it depends on."""
    global _SHARED
    outer = _SHARED
    _SHARED = {} if outer is None else outer
    try:
        yield
    finally:
        _SHARED = outer


def _builder(repo: Path | None) -> ModelBuilder:
    root = local_repository(repo)
    if _SHARED is None:
        return ModelBuilder(Repository(root))
    key = str(Path(root).absolute())
    if key not in _SHARED:
        _SHARED[key] = ModelBuilder(Repository(root))
    return _SHARED[key]


def resolve_project(project_dir: Path, repo: Path | None) -> MavenGraph:
    project_dir = Path(project_dir)
    pom = project_dir / "pom.xml"
    builder = _builder(repo)
    repository = builder.repo
    root = builder.project(pom)
    resolver = _Resolver(builder, root)
    override: dict[str, str] = {}
    for _ in range(8):  # widen transitive winners' scopes until stable (usually one pass)
        edges, winners, scopes = resolver.run(override)
        changed = False
        for key, node in winners.items():
            if node.depth <= 1:
                continue
            want = effective_scope(scopes[key])
            if want != node.coord.scope and override.get(key) != want:
                override[key] = want
                changed = True
        if not changed:
            break
    root_coord = Coordinate("maven", f"{root.group}:{root.artifact}", root.version, "compile",
                            "", root.packaging)
    graph = MavenGraph(root=root_coord, inputs=list(resolver.inputs),
                       warnings=list(resolver.warnings))
    made: dict[int, Dependency] = {}
    for node in edges:
        artifact = None
        if node.coord.scope != "system":
            artifact = repository.artifact_file(node.dep.group, node.dep.artifact,
                                                node.coord.version, node.dep.type,
                                                node.dep.classifier)
        dependency = MavenDependency(node.coord, node.path, bool(node.dep.optional),
                                     node.dep.where, artifact, *node.premanaged,
                                     descriptor_missing=node.descriptor_missing)
        made[id(node)] = dependency
        graph.dependencies.append(dependency)
    for key, node in winners.items():
        graph.resolved[key] = made[id(node)]
    return graph
