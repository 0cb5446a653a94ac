"""requireReleaseDeps: no SNAPSHOT, pre-release, unpinned or non-registry dependency.

Maven (Enforcer 3.1.0 semantics): every resolved dependency, all scopes, transitive unless
``searchTransitive: false``; ``includes`` limits the check to matching dependencies and
``excludes`` removes some; the parent POM may not be a SNAPSHOT (``failWhenParentIsSnapshot``,
default true); ``onlyWhenRelease`` skips the check while the project itself is a SNAPSHOT.
Python: pre-release, dev and local versions, unpinned requirements, URL/VCS/path requirements
and editable installs (``-e ./pkg``, Poetry's ``develop = true``, ``pip install -e``).
npm: pre-release versions, ranges in the project's own dependencies (``allowRanges`` extension),
git, file and URL dependencies.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from superspec.enforce.graph import Dependency, DependencyGraph
from superspec.enforce.locked import LockedDependency
from superspec.enforce.model import Violation
from superspec.enforce.patterns import Selector
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.common import checked, is_snapshot
from superspec.enforce.rules.optionsref import OptionsModel


class RequireReleaseDeps:
    id = "requireReleaseDeps"
    Options = OptionsModel("RequireReleaseDepsOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        o = context.options
        selector = Selector(tuple(o.excludes), tuple(o.includes))
        out: list[Violation] = []
        for graph in context.graphs():
            if o.only_when_release and _is_prerelease(graph.root.ecosystem, graph.root.version):
                continue
            if graph.root.ecosystem == "maven" and o.fail_when_parent_is_snapshot:
                parent = maven_parent(context.project_dir / "pom.xml")
                if parent and is_snapshot(parent.rsplit(":", 1)[-1]):
                    out.append(context.violation(f"parent cannot be a snapshot: {parent}"))
            for dep in checked(graph, o.search_transitive):
                if not selector.selected(dep.coordinate):
                    continue
                problem = _problem(graph, dep, o.allow_ranges)
                if problem:
                    out.append(context.violation(o.message or problem, dep))
        return out


def _problem(graph: DependencyGraph, dep: Dependency, allow_ranges: bool) -> str | None:
    c = dep.coordinate
    if c.ecosystem == "maven":
        return f"SNAPSHOT dependency {c}" if is_snapshot(c.version) else None
    origin = dep.origin if isinstance(dep, LockedDependency) else "registry"
    ref = dep.origin_ref if isinstance(dep, LockedDependency) else ""
    if origin in ("git", "url", "file", "directory", "editable"):
        return f"{origin} dependency {c.name} from {ref}" if ref else \
            f"{origin} dependency {c.name}"
    if c.ecosystem == "python":
        if isinstance(dep, LockedDependency) and not dep.pinned and origin == "registry":
            return None if allow_ranges else \
                f"unpinned requirement {c.name}{c.version} (pin it with ==)"
        return f"pre-release dependency {c}" if _is_prerelease("python", c.version) else None
    if _is_prerelease("npm", c.version):
        return f"pre-release dependency {c}"
    if len(dep.path) == 1 and not allow_ranges and isinstance(dep, LockedDependency):
        from superspec.enforce.npm.semver import is_exact

        if dep.requested and not is_exact(dep.requested):
            return (f"range '{dep.requested}' for {c.name} (pin an exact version; "
                    f"locked {c.version})")
    return None


def _is_prerelease(ecosystem: str, version: str) -> bool:
    if ecosystem == "maven":
        return is_snapshot(version)
    if ecosystem == "python":
        from packaging.version import InvalidVersion, Version

        try:
            v = Version(version)
        except InvalidVersion:
            return False
        return v.is_prerelease or v.is_devrelease or v.local is not None
    from superspec.enforce.npm.semver import InvalidSemver, SemVer

    try:
        return bool(SemVer.parse(version).prerelease)
    except InvalidSemver:
        return False


def maven_parent(pom: Path) -> str | None:
    """``group:artifact:version`` of the POM's <parent>, or None."""
    try:
        root = ElementTree.parse(pom).getroot()
    except (OSError, ElementTree.ParseError):
        return None  # the Maven reader reports malformed POMs, located
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    parent = root.find(f"{ns}parent")
    if parent is None:
        return None
    parts = [(parent.findtext(f"{ns}{k}") or "").strip() for k in
             ("groupId", "artifactId", "version")]
    return ":".join(parts) if all(parts) else None
