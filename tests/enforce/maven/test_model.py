"""Effective POM models (parents, properties, management, BOM imports) and located errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from superspec.enforce.maven import read_maven_project
from superspec.errors import InputError
from tests.enforce.maven.pomkit import Repo, dep, pom


def versions(project_dir: Path, repo: Repo) -> dict[str, str]:
    graph = read_maven_project(project_dir, repo.root)
    return {k: f"{d.coordinate.version}:{d.coordinate.scope}" for k, d in graph.resolved.items()}


def error(project_dir: Path, repo: Repo) -> str:
    """The error, as seen from inside the project directory (paths are shown relative to the
    working directory when under it)."""
    here = os.getcwd()
    os.chdir(project_dir)
    try:
        with pytest.raises(InputError) as err:
            read_maven_project(project_dir, repo.root)
    finally:
        os.chdir(here)
    return str(err.value)


def test_parent_by_relative_path_with_properties_and_management(repo: Repo, project,
                                                                tmp_path: Path) -> None:
    for v in ("1.0", "2.0", "3.0"):
        repo.add(f"x:lib:{v}")
    repo.add("x:tool:9")
    project(pom("p:parent:7", [dep("x:tool:${tool.version}")],
                managed=[dep("x:lib:${lib.version}", "runtime")],
                properties={"lib.version": "1.0", "tool.version": "9"}, packaging="pom"),
            "parent")
    d = project(pom(":app:1", [dep("x:lib"), dep("x:lib2:${project.version}", "test")],
                    parent="p:parent:7:../parent", properties={"lib.version": "3.0"}))
    repo.add("x:lib2:1")
    # the child's property wins inside the parent's management; the parent's dependency is
    # inherited; ${project.version} is the child's version
    assert versions(d, repo) == {"x:lib": "3.0:runtime", "x:lib2": "1:test", "x:tool": "9:compile"}
    graph = read_maven_project(d, repo.root)
    assert graph.root.name == "p:app"
    assert graph.inputs[:2] == [(d / "pom.xml").absolute(),
                                (tmp_path / "parent" / "pom.xml").absolute()]


def test_parent_from_the_repository_when_relative_path_does_not_match(repo: Repo, project
                                                                      ) -> None:
    repo.add("x:lib:5")
    repo.add("p:parent:2", managed=[dep("x:lib:5")], packaging="pom")
    project(pom("p:other:1", packaging="pom"), "")  # ../pom.xml is a different artifact
    d = project(pom("p:app:1", [dep("x:lib")], parent="p:parent:2"), "app")
    assert versions(d, repo) == {"x:lib": "5:compile"}


def test_bom_import_own_entries_win_then_first_import(repo: Repo, project) -> None:
    for v in ("1", "2", "3"):
        repo.add(f"x:a:{v}")
        repo.add(f"x:b:{v}")
    repo.add("x:bom1:1", managed=[dep("x:a:2"), dep("x:b:2")], packaging="pom", jar=False)
    repo.add("x:bom2:1", managed=[dep("x:b:3")], packaging="pom", jar=False)
    d = project(pom("p:app:1", [dep("x:a"), dep("x:b")],
                    managed=[dep("x:a:1"), dep("x:bom1:1", "import", type_="pom"),
                             dep("x:bom2:1", "import", type_="pom")]))
    assert versions(d, repo) == {"x:a": "1:compile", "x:b": "2:compile"}
    inputs = read_maven_project(d, repo.root).inputs
    assert repo.root / "x/bom1/1/bom1-1.pom" in inputs
    assert repo.root / "x/bom2/1/bom2-1.pom" in inputs


def test_malformed_pom_is_located(repo: Repo, project) -> None:
    d = project('<?xml version="1.0"?>\n<project>\n  <dependencies>\n    <dependency>\n'
                '  </dependencies>\n</project>\n')
    assert error(d, repo) == "pom.xml:5: malformed XML: mismatched tag"


def test_not_a_pom(repo: Repo, project) -> None:
    d = project("<settings/>\n")
    assert error(d, repo) == "pom.xml:1: not a POM: the root element is <settings>, " \
                             "expected <project>"


def test_missing_pom(repo: Repo, tmp_path: Path) -> None:
    assert error(tmp_path, repo) == "pom.xml: file not found"
    with pytest.raises(InputError) as err:  # from elsewhere: the full path
        read_maven_project(tmp_path, repo.root)
    assert str(err.value) == f"{tmp_path}/pom.xml: file not found"


def test_missing_dependency_pom_is_a_located_warning_as_in_maven(repo: Repo, project) -> None:
    repo.add("x:a:1", [dep("x:gone:2"), dep("x:b:1")])
    repo.add("x:b:1")
    d = project(pom("p:app:1", [dep("x:a:1"), dep("x:direct:1")]))
    graph = read_maven_project(d, repo.root)
    assert graph.resolved["x:direct"].source == f"{d}/pom.xml:9"
    assert sorted(graph.resolved) == ["x:a", "x:b", "x:direct", "x:gone"]
    assert [k for k, v in graph.resolved.items() if v.descriptor_missing] == ["x:direct", "x:gone"]
    assert graph.warnings == [
        f"{d}/pom.xml:9: the POM for x:direct:1 is missing, no dependency information available "
        f"(no {repo.root}/x/direct/1/direct-1.pom)",
        f"{repo.root}/x/a/1/a-1.pom:8: the POM for x:gone:2 is missing, no dependency "
        f"information available (no {repo.root}/x/gone/2/gone-2.pom)"]


def test_invalid_dependency_pom_is_a_warning_with_the_reason(repo: Repo, project) -> None:
    bad = repo.add("x:bad:1")
    bad.write_text("<project><dependencies></project>\n")
    repo.add("x:orphan:1", parent="x:absent-parent:1")
    d = project(pom("p:app:1", [dep("x:bad:1"), dep("x:orphan:1")]))
    graph = read_maven_project(d, repo.root)
    assert graph.warnings == [
        f"the POM for x:bad:1 is invalid, transitive dependencies (if any) will not be "
        f"available: {bad}:1: malformed XML: mismatched tag",
        f"the POM for x:orphan:1 is invalid, transitive dependencies (if any) will not be "
        f"available: {repo.root}/x/orphan/1/orphan-1.pom:4: parent x:absent-parent:1 not found "
        f"in the local repository {repo.root}"]


def test_missing_version(repo: Repo, project) -> None:
    d = project(pom("p:app:1", [dep("x:lib")]))
    assert error(d, repo) == "pom.xml:8: dependencies.dependency.version for x:lib:jar is missing"


def test_missing_parent(repo: Repo, project) -> None:
    d = project(pom("p:app:1", parent="p:parent:1"))
    assert error(d, repo) == (f"pom.xml:4: parent p:parent:1 not found (relativePath "
                              f"../pom.xml, local repository {repo.root})")


def test_parent_cycle(repo: Repo, project) -> None:
    b = project(pom("p:b:1", parent="p:app:1:../app/pom.xml", packaging="pom"), "b")
    d = project(pom("p:app:1", parent="p:b:1:../b/pom.xml"), "app")
    assert error(d, repo) == (f"{b}/pom.xml:4: parent cycle: pom.xml -> {b}/pom.xml -> "
                              "pom.xml")


def test_bad_version_range(repo: Repo, project) -> None:
    d = project(pom("p:app:1", [dep("x:lib:[2.0,1.0]")]))
    assert error(d, repo) == ("pom.xml:8: invalid version range '[2.0,1.0]': Range defies "
                              "version ordering: [2.0,1.0]")


def test_no_version_in_range(repo: Repo, project) -> None:
    repo.add("x:lib:1.0")
    d = project(pom("p:app:1", [dep("x:lib:[2.0,)")]))
    assert error(d, repo) == (f"pom.xml:8: no version of x:lib in range [2.0,) in the local "
                              f"repository {repo.root}")


def test_a_changed_pom_is_read_again(repo: Repo, project) -> None:
    repo.add("x:a:1")
    repo.add("x:b:1")
    d = project(pom("p:app:1", [dep("x:a:1")]))
    assert versions(d, repo) == {"x:a": "1:compile"}
    project(pom("p:app:1", [dep("x:a:1"), dep("x:b:1")]))  # same path, new size and mtime
    assert versions(d, repo) == {"x:a": "1:compile", "x:b": "1:compile"}


def test_incomplete_dependency_and_parent_elements_are_located(repo: Repo, project) -> None:
    d = project(pom("p:app:1", ["<dependency><artifactId>lib</artifactId></dependency>"]))
    assert error(d, repo) == "pom.xml:8: <dependency> needs groupId and artifactId"
    d = project('<project>\n  <parent><groupId>p</groupId></parent>\n'
                '  <artifactId>app</artifactId>\n</project>\n', "app2")
    assert error(d, repo) == "pom.xml:2: <parent> needs groupId, artifactId and version"
    d = project("<project>\n  <groupId>p</groupId>\n  <version>1</version>\n</project>\n", "app3")
    assert error(d, repo) == "pom.xml:1: <project> has no artifactId"


def test_missing_imported_bom_is_an_error(repo: Repo, project) -> None:
    d = project(pom("p:app:1", managed=[dep("x:bom:1", "import", type_="pom")]))
    assert error(d, repo) == (f"pom.xml:8: imported POM x:bom:1 not found in the local "
                              f"repository {repo.root}")
