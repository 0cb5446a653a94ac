"""requireUpperBoundDeps: the version a build uses is not older than any version asked for.

Maven (Enforcer 3.1.0): over the unresolved tree (compile/runtime, not optional) per
groupId:artifactId, the nearest node's version (fewest hops, first on a tie; after
dependencyManagement) must be >= every version requested (before dependencyManagement).
``excludes``/``includes`` name groupId:artifactId keys (``*`` wildcards accepted).
npm and Python: every edge's requested range or specifier must contain the version it resolves to
(what ``npm ls`` calls invalid and ``pip check`` reports)."""

from __future__ import annotations

from superspec.enforce.graph import Dependency, DependencyGraph
from superspec.enforce.locked import LockedDependency
from superspec.enforce.model import Violation
from superspec.enforce.patterns import Selector, name_matches
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.common import base_version, maven_classpath_edges
from superspec.enforce.rules.optionsref import OptionsModel


def requested_version(dep: Dependency) -> str:
    """The version asked for before dependencyManagement, when the reader recorded it."""
    for attr in ("premanaged_version", "requested"):
        value = getattr(dep, attr, None)
        if value:
            return str(value)
    return dep.coordinate.version


class RequireUpperBoundDeps:
    id = "requireUpperBoundDeps"
    Options = OptionsModel("RequireUpperBoundDepsOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        out = []
        for graph in context.graphs():
            if graph.root.ecosystem == "maven":
                out += self._maven(context, graph)
            else:
                out += self._ranges(context, graph)
        return out

    def _maven(self, context: RuleContext, graph: DependencyGraph) -> list[Violation]:
        from superspec.enforce.maven.versions import ComparableVersion

        o = context.options
        selector = Selector(tuple(o.excludes), tuple(o.includes), name_matches)
        by_key: dict[str, list[Dependency]] = {}
        for dep in maven_classpath_edges(graph):
            key = dep.coordinate.name
            if not selector.selected(dep.coordinate):
                continue
            by_key.setdefault(key, []).append(dep)
        out = []
        for key, deps in sorted(by_key.items()):
            nearest = min(deps, key=lambda d: len(d.path))  # min() keeps the first on a tie
            resolved = self._version(nearest.coordinate.version, o.unique_versions)
            for dep in deps:
                wanted = self._version(requested_version(dep), o.unique_versions)
                if ComparableVersion(resolved) < ComparableVersion(wanted):
                    text = o.message or (f"upper bound error for {key}: {resolved} is used but "
                                         f"{wanted} is required")
                    out.append(context.violation(text, dep))
        return out

    @staticmethod
    def _version(version: str, unique: bool) -> str:
        return version if unique else base_version(version)

    def _ranges(self, context: RuleContext, graph: DependencyGraph) -> list[Violation]:
        o = context.options
        selector = Selector(tuple(o.excludes), tuple(o.includes), name_matches)
        out = []
        for dep in graph.dependencies:
            if not isinstance(dep, LockedDependency) or not dep.requested or not dep.pinned \
                    or not dep.coordinate.version:
                continue
            key = dep.coordinate.name
            if not selector.selected(dep.coordinate):
                continue
            if not _contains(graph.root.ecosystem, dep.requested, dep.coordinate.version):
                text = o.message or (f"{key} {dep.coordinate.version} does not satisfy "
                                     f"'{dep.requested}' requested by {dep.path[-1]}")
                out.append(context.violation(text, dep))
        return out


def _contains(ecosystem: str, spec: str, version: str) -> bool:
    """Whether ``version`` satisfies ``spec``; an unreadable spec is not judged (True)."""
    if ecosystem == "python":
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            return SpecifierSet(spec).contains(Version(version), prereleases=True)
        except (InvalidSpecifier, InvalidVersion):
            return True
    from superspec.enforce.npm.semver import InvalidSemver, Range

    try:
        return Range.parse(spec).satisfied_by(version)
    except InvalidSemver:
        return True
