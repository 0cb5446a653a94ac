"""Maven-side rule semantics (Enforcer 3.1.0) on hand-built dependency graphs and Debian jars.

The Maven reader's own resolution and the end-to-end verdicts against Maven Enforcer itself are in
tests/enforce/parity; here each rule's reading of a DependencyGraph is pinned down.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from superspec.enforce.graph import Coordinate, Dependency, DependencyGraph
from superspec.enforce.maven.resolve import MavenDependency
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.ban_duplicate_classes import BanDuplicateClasses
from superspec.enforce.rules.banned_dependencies import BannedDependencies
from superspec.enforce.rules.dependency_convergence import DependencyConvergence
from superspec.enforce.rules.require_release_deps import RequireReleaseDeps
from superspec.enforce.rules.require_upper_bound_deps import RequireUpperBoundDeps
from superspec.enforce.workspace import Workspace

ROOT = Coordinate("maven", "com.acme:app", "1.0.0")
JAVA = Path("/usr/share/java")


def c(name: str, version: str, scope: str = "compile") -> Coordinate:
    return Coordinate("maven", name, version, scope=scope)


def edge(*chain: Coordinate, optional: bool = False, premanaged: str | None = None,
         artifact: Path | None = None) -> Dependency:
    return MavenDependency(coordinate=chain[-1], path=(ROOT, *chain[:-1]), optional=optional,
                           artifact=artifact, premanaged_version=premanaged)


def graph(*edges: Dependency) -> DependencyGraph:
    g = DependencyGraph(root=ROOT, dependencies=list(edges))
    for e in edges:  # nearest wins, first declaration on a tie
        best = g.resolved.get(e.coordinate.key)
        if best is None or len(e.path) < len(best.path):
            g.resolved[e.coordinate.key] = e
    return g


def check(rule: Any, options: dict[str, Any], g: DependencyGraph,
          project_dir: Path = Path("/nonexistent")) -> list[str]:
    ws = Workspace(project_dir, "maven", "main")
    ws.preload(g)
    context = RuleContext(rule.id, "error", rule.Options.model_validate(options), ws)
    return [v.text() for v in rule.check(context)]


A, B = c("com.acme:a", "1.0"), c("com.acme:b", "1.0")
X10, X11 = c("org.x:x", "1.0"), c("org.x:x", "1.1")


def test_convergence_reports_every_path() -> None:
    g = graph(edge(A), edge(B), edge(A, X10), edge(B, X11))
    assert check(DependencyConvergence(), {}, g) == [
        "dependency convergence error for org.x:x: 2 versions (1.0, 1.1)\n"
        "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> org.x:x:1.0\n"
        "  via com.acme:app:1.0.0 -> com.acme:b:1.0 -> org.x:x:1.1"]


def test_convergence_ignores_test_provided_and_optional_branches() -> None:
    t = c("com.acme:t", "1.0", scope="test")
    p = c("com.acme:p", "1.0", scope="provided")
    o = c("com.acme:o", "1.0")
    g = graph(edge(A), edge(t), edge(p), edge(o, optional=True), edge(A, X10),
              edge(t, c("org.x:x", "2.0", "test")), edge(p, c("org.x:x", "3.0", "provided")),
              edge(o, c("org.x:x", "4.0")))
    assert check(DependencyConvergence(), {}, g) == []


def test_convergence_snapshots_by_base_version_unless_unique() -> None:
    s1 = c("org.x:x", "1.0-20240101.101010-1")
    s2 = c("org.x:x", "1.0-20240202.101010-2")
    g = graph(edge(A), edge(B), edge(A, s1), edge(B, s2))
    assert check(DependencyConvergence(), {}, g) == []
    assert len(check(DependencyConvergence(), {"uniqueVersions": True}, g)) == 1


def test_upper_bound_nearest_wins_lower() -> None:
    # the project asks for x 1.0 directly; a dependency wants 1.1: Maven uses 1.0
    g = graph(edge(X10), edge(A), edge(A, X11))
    assert check(RequireUpperBoundDeps(), {}, g) == [
        "upper bound error for org.x:x: 1.0 is used but 1.1 is required\n"
        "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> org.x:x:1.1"]
    assert check(RequireUpperBoundDeps(), {"excludes": ["org.x:x"]}, g) == []
    assert check(RequireUpperBoundDeps(), {"includes": ["com.acme:*"]}, g) == []


def test_upper_bound_uses_the_premanaged_version() -> None:
    # dependencyManagement pins x to 1.0 below a; a asked for 1.1 before management
    g = graph(edge(A), edge(A, X10, premanaged="1.1"))
    assert check(RequireUpperBoundDeps(), {}, g) == [
        "upper bound error for org.x:x: 1.0 is used but 1.1 is required\n"
        "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> org.x:x:1.0"]


def test_upper_bound_passes_when_highest_is_nearest() -> None:
    assert check(RequireUpperBoundDeps(), {}, graph(edge(X11), edge(A), edge(A, X10))) == []


def test_banned_wildcards_ranges_and_includes() -> None:
    log4j = c("org.apache.logging.log4j:log4j-core", "2.14.1")
    fixed = c("org.apache.logging.log4j:log4j-core", "2.17.1")
    old = c("log4j:log4j", "1.2.17", scope="test")
    g = graph(edge(A), edge(A, log4j), edge(old))
    rule = BannedDependencies()
    assert check(rule, {"excludes": ["log4j:log4j",
                                     "org.apache.logging.log4j:log4j-core:(,2.17.1)"]}, g) == [
        "banned dependency org.apache.logging.log4j:log4j-core:2.14.1 (excluded by "
        "'org.apache.logging.log4j:log4j-core:(,2.17.1)')\n"
        "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> org.apache.logging.log4j:log4j-core:2.14.1",
        "banned dependency log4j:log4j:1.2.17 (excluded by 'log4j:log4j')\n"
        "  via com.acme:app:1.0.0 -> log4j:log4j:1.2.17"]
    assert check(rule, {"excludes": ["org.apache.logging.log4j:log4j-core:(,2.17.1)"]},
                 graph(edge(A, fixed))) == []
    # a bare version means "that version or later", as in Enforcer
    assert len(check(rule, {"excludes": ["org.apache.*:*:2.14"]}, g)) == 1
    assert check(rule, {"excludes": ["org.apache.*:*:2.15"]}, g) == []
    # includes punch holes in excludes; searchTransitive: false looks at direct ones only
    assert check(rule, {"excludes": ["*"], "includes": ["com.acme", "org.apache.*", "log4j"]},
                 g) == []
    assert [m.split("\n")[0] for m in check(rule, {"excludes": ["*:*:*:jar:test"]}, g)] == [
        "banned dependency log4j:log4j:1.2.17 (excluded by '*:*:*:jar:test')"]
    assert check(rule, {"excludes": ["org.apache.*"], "searchTransitive": False}, g) == []


def test_release_deps_snapshots_includes_excludes(tmp_path: Path) -> None:
    snap = c("com.google.code.findbugs:jsr305", "0.1-SNAPSHOT")
    stamped = c("org.x:x", "1.0-20240101.101010-1")
    g = graph(edge(A), edge(A, snap), edge(stamped))
    rule = RequireReleaseDeps()
    assert check(rule, {}, g) == [
        "SNAPSHOT dependency com.google.code.findbugs:jsr305:0.1-SNAPSHOT\n"
        "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> "
        "com.google.code.findbugs:jsr305:0.1-SNAPSHOT",
        "SNAPSHOT dependency org.x:x:1.0-20240101.101010-1\n"
        "  via com.acme:app:1.0.0 -> org.x:x:1.0-20240101.101010-1"]
    assert len(check(rule, {"excludes": ["org.x"]}, g)) == 1
    assert len(check(rule, {"includes": ["org.x"]}, g)) == 1
    assert len(check(rule, {"searchTransitive": False}, g)) == 1


def test_release_deps_parent_snapshot_and_only_when_release(tmp_path: Path) -> None:
    (tmp_path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<parent><groupId>com.acme</groupId><artifactId>parent</artifactId>"
        "<version>2-SNAPSHOT</version></parent><artifactId>app</artifactId></project>")
    rule = RequireReleaseDeps()
    g = graph(edge(A))
    assert check(rule, {}, g, tmp_path) == [
        "parent cannot be a snapshot: com.acme:parent:2-SNAPSHOT"]
    assert check(rule, {"failWhenParentIsSnapshot": False}, g, tmp_path) == []
    snapshot_root = DependencyGraph(root=c("com.acme:app", "1.1-SNAPSHOT"),
                                    dependencies=g.dependencies, resolved=g.resolved)
    assert check(rule, {"onlyWhenRelease": True}, snapshot_root, tmp_path) == []


def test_duplicate_classes_in_debian_jars() -> None:
    logging = c("commons-logging:commons-logging", "1.2")
    bridge = c("org.slf4j:jcl-over-slf4j", "1.7.32")
    codec = c("commons-codec:commons-codec", "1.15")
    osgi = c("org.apache.httpcomponents:httpclient-osgi", "4.5.14")
    g = graph(edge(logging, artifact=JAVA / "commons-logging-1.2.jar"),
              edge(A), edge(A, bridge, artifact=JAVA / "jcl-over-slf4j.jar"),
              edge(codec, artifact=JAVA / "commons-codec-1.15.jar"),
              edge(osgi, artifact=JAVA / "httpclient-osgi-4.5.14.jar"))
    found = check(BanDuplicateClasses(), {}, g)
    assert sorted(f.split(": ")[0] for f in found) == [
        "106 duplicate class(es) (identical bytes) in commons-codec:commons-codec:1.15 and "
        "org.apache.httpcomponents:httpclient-osgi:4.5.14",
        "6 duplicate class(es) (different bytes) in commons-logging:commons-logging:1.2 and "
        "org.slf4j:jcl-over-slf4j:1.7.32"]
    first = next(f for f in found if "commons-logging" in f)
    assert first.startswith("6 duplicate class(es) (different bytes) in "
                            "commons-logging:commons-logging:1.2 and "
                            "org.slf4j:jcl-over-slf4j:1.7.32: "
                            "org.apache.commons.logging.Log, ")
    assert first.endswith("\n  via com.acme:app:1.0.0 -> commons-logging:commons-logging:1.2\n"
                          "  via com.acme:app:1.0.0 -> com.acme:a:1.0 -> "
                          "org.slf4j:jcl-over-slf4j:1.7.32")
    kept = check(BanDuplicateClasses(), {"ignoreWhenIdentical": True}, g)
    assert len(found) == 2 and len(kept) == 1 and "commons-logging" in kept[0]
    assert check(BanDuplicateClasses(), {"ignoreWhenIdentical": True,
                                         "ignoreClasses": ["org.apache.commons.logging.*"]},
                 g) == []


def test_convergence_prunes_paths_not_packages() -> None:
    # o is an optional direct dependency, and also a plain dependency of a: only the optional
    # path is pruned, so x's version below a -> o still counts
    o = c("com.acme:o", "1.0")
    g = graph(edge(o, optional=True), edge(A), edge(A, o), edge(A, o, X11), edge(B),
              edge(B, X10))
    assert [v.split("\n")[0] for v in check(DependencyConvergence(), {}, g)] == [
        "dependency convergence error for org.x:x: 2 versions (1.0, 1.1)"]
