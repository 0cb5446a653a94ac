"""Maven resolution semantics on small hand-made repositories: what each edge and winner is."""

from __future__ import annotations

from pathlib import Path

import pytest

from superspec.enforce.graph import DependencyGraph
from superspec.enforce.maven import MavenDependency, read_maven_project
from superspec.enforce.maven.resolve import derive_scope
from tests.enforce.maven.pomkit import Repo, dep, pom


def edges(graph: DependencyGraph) -> list[str]:
    return [f"{d.trail()} [{d.coordinate.scope}]" for d in graph.dependencies]


def resolved(graph: DependencyGraph) -> dict[str, str]:
    return {k: f"{d.coordinate.version}:{d.coordinate.scope}" for k, d in graph.resolved.items()}


@pytest.mark.parametrize("parent, child, expected", [
    ("compile", "compile", "compile"), ("compile", "runtime", "runtime"),
    ("compile", "test", "test"), ("provided", "compile", "provided"),
    ("provided", "runtime", "provided"), ("runtime", "compile", "runtime"),
    ("test", "compile", "test"), ("test", "runtime", "test"), ("system", "compile", "provided"),
    ("compile", "system", "system"),
])
def test_scope_propagation_table(parent: str, child: str, expected: str) -> None:
    assert derive_scope(parent, child) == expected


def test_nearest_wins_then_first_declaration(repo: Repo, project) -> None:
    repo.add("x:lib:1.0")
    repo.add("x:lib:2.0")
    repo.add("x:lib:3.0")
    repo.add("x:a:1", [dep("x:lib:2.0")])
    repo.add("x:b:1", [dep("x:lib:3.0")])
    repo.add("x:deep:1", [dep("x:a:1")])
    d = project(pom("p:app:1", [dep("x:deep:1"), dep("x:a:1"), dep("x:b:1")]))
    graph = read_maven_project(d, repo.root)
    assert resolved(graph)["x:lib"] == "2.0:compile"  # depth 2 via a, declared before b
    assert edges(graph) == [
        "p:app:1 -> x:deep:1 [compile]", "p:app:1 -> x:a:1 [compile]",
        "p:app:1 -> x:b:1 [compile]", "p:app:1 -> x:deep:1 -> x:a:1 [compile]",
        "p:app:1 -> x:a:1 -> x:lib:2.0 [compile]", "p:app:1 -> x:b:1 -> x:lib:3.0 [compile]"]
    assert graph.resolved["x:lib"].trail() == "p:app:1 -> x:a:1 -> x:lib:2.0"
    assert graph.resolved["x:lib"].artifact == repo.root / "x/lib/2.0/lib-2.0.jar"


def test_exclusions_with_wildcards_prune_subtrees(repo: Repo, project) -> None:
    repo.add("x:leaf:1")
    repo.add("y:leaf2:1")
    repo.add("x:mid:1", [dep("x:leaf:1"), dep("y:leaf2:1")])
    repo.add("x:top:1", [dep("x:mid:1")])
    d = project(pom("p:app:1", [dep("x:top:1", exclusions=("*:leaf",)),
                                dep("x:mid:1", exclusions=("y:*",))]))
    graph = read_maven_project(d, repo.root)
    # mid wins at depth 1 with its own exclusion y:*; x:leaf comes through it
    assert sorted(graph.resolved) == ["x:leaf", "x:mid", "x:top"]
    d2 = project(pom("p:app:1", [dep("x:top:1", exclusions=("*:*",))]), "app2")
    assert sorted(read_maven_project(d2, repo.root).resolved) == ["x:top"]


def test_optional_test_and_provided_dependencies_of_dependencies_are_not_transitive(
        repo: Repo, project) -> None:
    for name in ("opt", "tst", "prov", "rt", "leaf"):
        repo.add(f"x:{name}:1", [dep("x:leaf:1")] if name == "opt" else [])
    repo.add("x:lib:1", [dep("x:opt:1", optional=True), dep("x:tst:1", "test"),
                         dep("x:prov:1", "provided"), dep("x:rt:1", "runtime")])
    d = project(pom("p:app:1", [dep("x:lib:1", "test"), dep("x:opt:1", optional=True)]))
    graph = read_maven_project(d, repo.root)
    # a direct optional dependency is used, and its own dependencies with it
    assert resolved(graph) == {"x:lib": "1:test", "x:opt": "1:compile", "x:rt": "1:test",
                               "x:leaf": "1:compile"}


def test_project_management_overrides_transitive_versions_and_scopes(repo: Repo, project
                                                                     ) -> None:
    repo.add("x:lib:1.0")
    repo.add("x:lib:2.0")
    repo.add("x:other:1")
    repo.add("x:a:1", [dep("x:lib:2.0"), dep("x:other:1")])
    d = project(pom("p:app:1", [dep("x:a:1")],
                    managed=[dep("x:lib:1.0"), dep("x:other:1", "runtime")]))
    graph = read_maven_project(d, repo.root)
    lib = graph.resolved["x:lib"]
    assert resolved(graph) == {"x:a": "1:compile", "x:lib": "1.0:compile",
                               "x:other": "1:runtime"}
    assert isinstance(lib, MavenDependency)
    assert (lib.premanaged_version, lib.premanaged_scope) == ("2.0", None)
    other = graph.resolved["x:other"]
    assert isinstance(other, MavenDependency)
    assert (other.premanaged_version, other.premanaged_scope) == (None, "compile")


def test_transitive_winner_takes_the_widest_scope(repo: Repo, project) -> None:
    repo.add("x:lib:1", [dep("x:leaf:1")])
    repo.add("x:leaf:1")
    repo.add("x:t:1", [dep("x:lib:1")])
    repo.add("x:c:1", [dep("x:lib:1")])
    d = project(pom("p:app:1", [dep("x:t:1", "test"), dep("x:c:1")]))
    graph = read_maven_project(d, repo.root)
    # lib is first met below the test dependency, but c needs it at compile time
    assert resolved(graph) == {"x:t": "1:test", "x:c": "1:compile", "x:lib": "1:compile",
                               "x:leaf": "1:compile"}


def test_version_ranges_pick_the_highest_present_version(repo: Repo, project) -> None:
    for v in ("1.0", "1.5", "2.0"):
        repo.add(f"x:lib:{v}")
    d = project(pom("p:app:1", [dep("x:lib:[1.0,2.0)")]))
    assert resolved(read_maven_project(d, repo.root)) == {"x:lib": "1.5:compile"}


def test_system_scope_is_not_looked_up_in_the_repository(repo: Repo, project) -> None:
    d = project(pom("p:app:1", ["<dependency><groupId>x</groupId><artifactId>sys</artifactId>"
                                "<version>1</version><scope>system</scope>"
                                "<systemPath>/opt/sys.jar</systemPath></dependency>"]))
    graph = read_maven_project(d, repo.root)
    assert resolved(graph) == {"x:sys": "1:system"}
    assert graph.resolved["x:sys"].artifact is None


def test_relocation_is_followed(repo: Repo, project) -> None:
    repo.add("new:lib:2")
    repo.add("old:lib:1", extra="  <distributionManagement><relocation><groupId>new</groupId>"
                                "<version>2</version></relocation></distributionManagement>")
    d = project(pom("p:app:1", [dep("old:lib:1")]))
    assert resolved(read_maven_project(d, repo.root)) == {"new:lib": "2:compile"}


def test_inputs_list_every_pom_read(repo: Repo, project, tmp_path: Path) -> None:
    repo.add("x:parent:1", packaging="pom")
    repo.add("x:a:1", parent="x:parent:1")
    d = project(pom("p:app:1", [dep("x:a:1")]))
    graph = read_maven_project(d, repo.root)
    assert graph.inputs == [(d / "pom.xml").absolute(), repo.root / "x/a/1/a-1.pom",
                            repo.root / "x/parent/1/parent-1.pom"]
    assert graph.root.name == "p:app" and graph.root.version == "1"


def test_test_jar_is_its_own_package_beside_the_main_jar(repo: Repo, project) -> None:
    repo.add("x:lib:1")
    (repo.root / "x/lib/1/lib-1-tests.jar").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    d = project(pom("p:app:1", [dep("x:lib:1"), dep("x:lib:1", "test", type_="test-jar")]))
    graph = read_maven_project(d, repo.root)
    assert resolved(graph) == {"x:lib": "1:compile", "x:lib:tests": "1:test"}
    assert graph.resolved["x:lib:tests"].artifact == repo.root / "x/lib/1/lib-1-tests.jar"


def test_timestamped_snapshot_lives_in_the_snapshot_directory(repo: Repo, project) -> None:
    d = repo.root / "x/lib/1.0-SNAPSHOT"
    d.mkdir(parents=True)
    (d / "lib-1.0-20240101.120000-3.pom").write_text(pom("x:lib:1.0-20240101.120000-3"))
    (d / "lib-1.0-20240101.120000-3.jar").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    app = project(pom("p:app:1", [dep("x:lib:1.0-20240101.120000-3")]))
    graph = read_maven_project(app, repo.root)
    assert resolved(graph) == {"x:lib": "1.0-20240101.120000-3:compile"}
    assert graph.resolved["x:lib"].artifact == d / "lib-1.0-20240101.120000-3.jar"


def test_ci_friendly_project_version(repo: Repo, project) -> None:
    repo.add("x:lib:2.1-rc")
    app = project(pom("p:app:${revision}${changelist}", [dep("x:lib:${project.version}")],
                      properties={"revision": "2.1", "changelist": "-rc"}))
    graph = read_maven_project(app, repo.root)
    assert str(graph.root) == "p:app:2.1-rc"
    assert resolved(graph) == {"x:lib": "2.1-rc:compile"}
