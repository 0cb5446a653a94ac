"""The whole of Debian's Maven repository as one project: every jar artifact of
/usr/share/maven-repo that has a ``debian`` version is a direct dependency, and the reader's tree
must equal ``mvn dependency:tree -Dverbose`` line for line (parents, BOMs, relocations, classifiers,
missing POMs, conflicts; about 1,200 lines on a machine with the suite's packages)."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from superspec.enforce.maven import read_maven_project
from tests.enforce.parity import harness
from tests.enforce.parity.test_tree_oracle import maven_tree, our_tree


def debian_artifacts() -> list[tuple[str, str]]:
    out = []
    for pom in sorted(harness.DEBIAN_REPO.glob("**/debian/*-debian.pom")):
        artifact_dir = pom.parent.parent
        if pom.name != f"{artifact_dir.name}-debian.pom":
            continue
        if re.search(r"<packaging>\s*pom\s*</packaging>", pom.read_text(errors="replace")):
            continue
        group = ".".join(artifact_dir.parent.relative_to(harness.DEBIAN_REPO).parts)
        out.append((group, artifact_dir.name))
    return out


@pytest.mark.slow
def test_every_debian_artifact_resolves_as_maven_resolves_it(tmp_path: Path) -> None:
    harness.require_maven()
    artifacts = debian_artifacts()
    assert len(artifacts) > 50
    deps = "".join(f"<dependency><groupId>{escape(g)}</groupId><artifactId>{escape(a)}"
                   "</artifactId><version>debian</version></dependency>" for g, a in artifacts)
    root = tmp_path / "all"
    root.mkdir()
    (root / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>debian</groupId><artifactId>all</artifactId><version>1</version>"
        f"<dependencies>{deps}</dependencies></project>\n")
    work = harness.Work(root, harness.DEBIAN_REPO, [], {})
    section = harness.sections(harness.mvn(work, harness.TREE, "-Dverbose"),
                               "maven-dependency-plugin")["all"]
    expected = maven_tree(section)
    assert len(expected) > len(artifacts)
    assert our_tree(read_maven_project(root, harness.DEBIAN_REPO)) == expected
